"""``inframarginal serve``: the explorer, a local web app."""

from __future__ import annotations

import socket

import click

from inframarginal.errors import InframarginalError
from inframarginal.web.limits import (
    DEFAULT_WORKERS,
    REQUEST_MEMORY_BYTES,
    REQUEST_SECONDS,
    ServerLimits,
)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, so that a busy port is a clear error before anything starts."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise InframarginalError(f"--host {host!r}: cannot resolve it ({err.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise InframarginalError(
            f"cannot listen on {host}:{port} ({err.strerror}); choose another with --port"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def register(group: click.Group) -> None:
    """Add ``serve`` to ``group``."""

    @group.command("serve")
    @click.argument("model", default="li-ke-2020")
    @click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
                  help="Port to listen on (0: any free port).")
    @click.option("--host", default="127.0.0.1", show_default=True,
                  help="Address to listen on; the default keeps the explorer on this machine.")
    @click.option("--workers", type=click.IntRange(2, 64), default=DEFAULT_WORKERS, show_default=True,
                  help="Worker processes for solves, uploads, phase diagrams and paths.")
    @click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=REQUEST_SECONDS, show_default=True,
                  help="Seconds one request may compute before its worker is stopped.")
    @click.option("--memory-limit", type=click.IntRange(64, 1 << 20), default=REQUEST_MEMORY_BYTES >> 20,
                  show_default=True, help="MB of memory one request may add to its worker.")
    @click.option("--report", "report_dir", type=click.Path(file_okay=False, exists=True), default=None,
                  help="A folder written by `inframarginal report MODEL --out DIR`: served under /report/ "
                       "and linked from the printed-vs-derived view.")
    def serve_command(model: str, port: int, host: str, workers: int, time_limit: float,
                      memory_limit: int, report_dir: str | None) -> None:
        """Start the explorer, a local web app, and print its address.

        MODEL is a built-in name (see `inframarginal models`) or a model file path.
        Move the parameters with sliders and watch the general equilibrium's network
        of division of labour, every structure's real income, a phase diagram, a path
        with its switch points, and the beach location game. Ctrl-C stops it.

        It answers only requests addressed to HOST:PORT (or localhost:PORT). Each
        request computes in a worker process under --time-limit and --memory-limit:
        one over them is stopped and answered with an error naming the limit.
        """
        import uvicorn

        from inframarginal.web import create_app

        sock = _bind(host, port)  # first, so that a busy port is reported at once
        click.echo(f"loading {model} ...", err=True)
        try:
            limits = ServerLimits(workers=workers, request_seconds=time_limit,
                                  request_memory_bytes=memory_limit << 20)
            app = create_app(model, host=host, limits=limits, report_dir=report_dir)
        except BaseException:
            sock.close()
            raise
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"inframarginal explorer: http://{shown}:{bound}/  (model {model}; Ctrl-C stops it)")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])
