"""Refusing requests addressed to another host: the explorer's defence against DNS rebinding.

A web page on another site can make its domain name resolve to 127.0.0.1 and then
send requests to the explorer from the user's browser; those requests carry the
page's domain in their ``Host`` header.  The explorer answers only requests whose
``Host`` is the address it serves: ``127.0.0.1``, ``localhost``, ``[::1]`` or the
``--host`` it was given, with the port it listens on (read from the connection, so
that ``--port 0`` works).  A wildcard ``--host`` (``0.0.0.0``, ``::``) also admits
IP addresses, never names: a rebinding attack needs a name.
"""

from __future__ import annotations

import ipaddress

from starlette.responses import JSONResponse

#: Names under which the explorer is always reachable from this machine.
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")

WILDCARDS = ("0.0.0.0", "::", "")


def host_name(host: str) -> str:
    """``host`` as it appears in a ``Host`` header: IPv6 addresses in brackets, lower case."""
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class HostCheck:
    """ASGI middleware answering 421 to a request whose ``Host`` is not this server's address.

    Parameters
    ----------
    app : ASGI application
    host : str
        The address given with ``--host``.
    """

    def __init__(self, app, host: str = "127.0.0.1"):
        self.app = app
        self.names = {*LOCAL_NAMES, host_name(host)}
        self.any_ip = host.strip().strip("[]") in WILDCARDS

    def allowed(self, header: str, port: int | None) -> bool:
        """Whether ``header`` (a ``Host`` value) names this server listening on ``port``."""
        header = header.strip().lower()
        name, sep, given = header.rpartition(":") if not header.endswith("]") else (header, "", "")
        if not sep:
            name, given = header, ""
        if given == "" and port in (80, None):
            given_port = port
        elif given.isdigit():
            given_port = int(given)
        else:
            return False
        if port is not None and given_port != port:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = [v for k, v in scope.get("headers", ()) if k == b"host"]
        server = scope.get("server")
        port = server[1] if server and len(server) > 1 else None
        if len(headers) != 1:
            response = JSONResponse({"error": "the request needs exactly one Host header"}, status_code=400)
            return await response(scope, receive, send)
        host = headers[0].decode("latin-1")
        if not self.allowed(host, port):
            response = JSONResponse(
                {"error": f"this server answers only requests to its own address (127.0.0.1:{port}, "
                          f"localhost:{port}), not to Host {host[:100]!r}"},
                status_code=421)
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)
