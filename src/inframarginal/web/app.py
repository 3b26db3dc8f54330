"""The explorer: a local web app to move a model's parameters and watch its structure change.

:func:`create_app` builds a FastAPI application that serves one page (plain HTML,
JavaScript and SVG, every asset local) and a small JSON API:

* ``GET /api/models``, ``GET /api/model?model=KEY``: built-in, started-with and
  uploaded models; ``POST /api/models``: upload a model file (the text), validated
  by the same parser as the command line;
* ``POST /api/solve``: every studied structure's corner equilibrium, the general
  equilibrium and its network of division of labour
  (:func:`inframarginal.equilibrium.solve`);
* ``POST /api/phase``: a phase diagram over two parameters
  (:func:`inframarginal.sweep.sweep`); ``POST /api/path``: the general equilibrium
  along one parameter with its exact switch points
  (:func:`inframarginal.path.structure_path`);
* ``POST /api/beach/shares``, ``POST /api/beach/dynamics``: the beach location game
  (:mod:`inframarginal.location`).

A user mistake (:class:`inframarginal.errors.InframarginalError`) is answered 400,
a malformed request 422, an oversized one 413, each as ``{"error": message}``;
an unexpected failure is a 500 whose body carries no traceback.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from inframarginal.configurations import studied_structures
from inframarginal.equilibrium import solve
from inframarginal.errors import InframarginalError, ParameterError, UnknownModelError
from inframarginal.location.dynamics import best_response_dynamics
from inframarginal.location.shares import market_shares
from inframarginal.model import Model
from inframarginal.modelfile import builtin_models, load_model, read_model_text
from inframarginal.web.limits import (
    MAX_AXIS_POINTS,
    MAX_BODY_BYTES,
    MAX_GRID_POINTS,
    MAX_UPLOADED_MODELS,
)
from inframarginal.web.payloads import finite, model_payload, slider_range, solution_payload
from inframarginal.web.schemas import (
    Axis,
    BeachRequest,
    DynamicsRequest,
    PathRequest,
    PhaseRequest,
    SolveRequest,
    UploadRequest,
)

log = logging.getLogger("inframarginal.web")

STATIC = Path(str(resources.files("inframarginal.web").joinpath("static")))


class BodyTooLarge(HTTPException):
    """A request body over :data:`~inframarginal.web.limits.MAX_BODY_BYTES`."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body exceeds the cap of {limit} bytes ({limit // 1024} kB)")


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes (413).

    The declared ``Content-Length`` is checked first; a body sent without one is
    counted as it arrives.
    """

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = JSONResponse({"error": BodyTooLarge(self.limit).detail}, status_code=413)
            return await response(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        return await self.app(scope, limited, send)


class SecurityHeaders:
    """ASGI middleware: every asset comes from this server (no CDN, no inline script)."""

    HEADERS = [
        (b"content-security-policy",
         b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
         b"connect-src 'self'; frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + self.HEADERS
            await send(message)

        return await self.app(scope, receive, with_headers)


class ServerTiming:
    """ASGI middleware: a ``Server-Timing: app;dur=MS`` header, the server's time on a request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()

        async def timed(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                ms = (time.perf_counter() - start) * 1000
                message["headers"] = [*message.get("headers", []), (b"server-timing", f"app;dur={ms:.2f}".encode())]
            await send(message)

        return await self.app(scope, receive, timed)


class ModelRegistry:
    """The models the explorer knows, by key: built-in names, the model it started with,
    and uploaded files (``upload:<hash>``, at most :data:`MAX_UPLOADED_MODELS`).

    Keys are looked up, never opened as paths: a request cannot make the server read a file.
    """

    def __init__(self, start: str):
        self._lock = threading.Lock()
        self._builtin = dict(builtin_models())
        self._extra: dict[str, Model] = {}
        self._uploads: OrderedDict[str, Model] = OrderedDict()
        if start in self._builtin:
            self.default = start
        else:
            model = load_model(start)  # a path given on the command line by the user
            self.default = f"file:{Path(start).name}"
            self._extra[self.default] = model

    def get(self, key: str) -> Model:
        with self._lock:
            if key in self._uploads:
                self._uploads.move_to_end(key)
                return self._uploads[key]
            if key in self._extra:
                return self._extra[key]
        if key in self._builtin:
            return load_model(key)
        known = ", ".join([*self._builtin, *self._extra])
        raise UnknownModelError(
            f"unknown model {key!r} (built-in or started with: {known}; an uploaded model is "
            "kept while the server runs, up to the last "
            f"{MAX_UPLOADED_MODELS} uploads: upload it again)"
        )

    def add_upload(self, filename: str, text: str) -> str:
        key = "upload:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        with self._lock:
            if key in self._uploads:
                self._uploads.move_to_end(key)
                return key
        model = read_model_text(text, source=Path(filename).name or "uploaded.toml")
        # Derive the closed forms now, so that a model that cannot be solved is refused
        # at upload with its message rather than at the first slider move.
        solve(model, {})
        with self._lock:
            self._uploads[key] = model
            while len(self._uploads) > MAX_UPLOADED_MODELS:
                self._uploads.popitem(last=False)
        return key

    def listing(self) -> list[dict[str, str]]:
        out = [{"key": k, "name": k, "title": t, "source": "built-in"} for k, t in self._builtin.items()]
        with self._lock:
            out += [{"key": k, "name": m.name, "title": m.title, "source": "file"} for k, m in self._extra.items()]
            out += [{"key": k, "name": m.name, "title": m.title, "source": "upload"}
                    for k, m in self._uploads.items()]
        return out


def _validation_message(err: RequestValidationError) -> str:
    parts = []
    for e in err.errors():
        if e.get("type") == "json_invalid":
            parts.append(f"the body is not valid JSON ({e.get('ctx', {}).get('error', 'decode error')})")
            continue
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
    return "malformed request: " + "; ".join(parts)


def _check_axis(model: Model, axis: Axis, label: str) -> np.ndarray:
    parameter = model.parameter(axis.name)
    if not axis.lo < axis.hi:
        raise ParameterError(f"{label} axis {axis.name}: lo={axis.lo!r} must be below hi={axis.hi!r}")
    for end in (axis.lo, axis.hi):
        if end not in parameter.domain:
            raise ParameterError(
                f"{label} axis {axis.name}: {end!r} is outside the domain {parameter.domain}"
            )
    return np.linspace(axis.lo, axis.hi, axis.n)


def create_app(model_name: str = "li-ke-2020", warm: bool = True) -> FastAPI:
    """The explorer's FastAPI application.

    Parameters
    ----------
    model_name : str
        The model shown first: a built-in name or the path of a model file (read once,
        here; requests can name only built-in, this or uploaded models).
    warm : bool
        Compile the phase-diagram kernel of the first two parameters in a background
        thread, so that the page's first diagram does not wait for it.

    Raises
    ------
    InframarginalError
        If the model cannot be loaded or solved at its defaults.
    """
    registry = ModelRegistry(model_name)
    solve(registry.get(registry.default), {})  # derive and compile the closed forms once, now
    warmed = {registry.default}  # models whose closed forms are compiled: a solve takes milliseconds

    app = FastAPI(title="inframarginal explorer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.registry = registry
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ServerTiming)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    @app.exception_handler(InframarginalError)
    async def user_mistake(request: Request, err: InframarginalError):
        return JSONResponse({"error": str(err)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, err: RequestValidationError):
        return JSONResponse({"error": _validation_message(err)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        return JSONResponse({"error": str(err.detail)}, status_code=err.status_code,
                            headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": f"internal error ({type(err).__name__}); the server log has the details"},
            status_code=500,
        )

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/models")
    def list_models() -> dict[str, Any]:
        return {"default": registry.default, "models": registry.listing()}

    @app.get("/api/model")
    def get_model(model: str = Query(..., min_length=1, max_length=200)) -> dict[str, Any]:
        return model_payload(model, registry.get(model))

    @app.post("/api/models")
    def upload_model(body: UploadRequest) -> dict[str, Any]:
        key = registry.add_upload(body.filename, body.text)
        warmed.add(key)
        return model_payload(key, registry.get(key))

    @lru_cache(maxsize=1024)
    def solve_cached(key: str, values: tuple[tuple[str, float], ...]) -> dict[str, Any]:
        model = registry.get(key)
        return solution_payload(model, solve(model, dict(values)))

    @app.post("/api/solve")
    async def solve_point(body: SolveRequest) -> dict[str, Any]:
        # A slider moves on a grid of steps and comes back: answers are kept by exact values.
        args = (body.model, tuple(sorted(body.values.items())))
        if body.model in warmed:
            # a few milliseconds of work: run inline, which under load is cheaper and
            # fairer than handing each request to a thread that contends for the GIL
            return solve_cached(*args)
        result = await run_in_threadpool(solve_cached, *args)  # may derive closed forms: seconds
        warmed.add(body.model)
        return result

    # One phase diagram and one path at a time: the first over a new pair of parameters
    # compiles a kernel for seconds, and side by side they would compile it twice and
    # slow every slider move.
    phase_lock, path_lock = threading.Lock(), threading.Lock()

    @lru_cache(maxsize=16)
    def phase_cached(key: str, x: Axis, y: Axis, fixed: tuple[tuple[str, float], ...]) -> dict[str, Any]:
        from inframarginal.sweep import sweep

        model = registry.get(key)
        xs, ys = _check_axis(model, x, "x"), _check_axis(model, y, "y")
        fixed_values = dict(fixed)
        model.check_parameters(fixed_values)
        ds = sweep(model, {x.name: xs, y.name: ys}, fixed_values)
        ge = ds["general_equilibrium"].transpose(y.name, x.name).values
        names = [s.name for s in studied_structures(model)]
        codes = np.full(ge.shape, -1, dtype=int)
        for i, name in enumerate(names):
            codes[ge == name] = i
        return {
            "x": {"name": x.name, "values": xs.tolist()},
            "y": {"name": y.name, "values": ys.tolist()},
            "structures": names,
            "codes": codes.tolist(),
        }

    @app.post("/api/phase")
    def phase(body: PhaseRequest) -> dict[str, Any]:
        points = body.x.n * body.y.n
        if points > MAX_GRID_POINTS:
            raise ParameterError(
                f"a phase diagram of {body.x.n} x {body.y.n} = {points} points exceeds the cap of "
                f"{MAX_GRID_POINTS} points; ask for fewer (for example 500 x 500)"
            )
        for label, axis in (("x", body.x), ("y", body.y)):
            if axis.n > MAX_AXIS_POINTS:
                raise ParameterError(
                    f"{label} axis {axis.name}: {axis.n} points exceed the cap of {MAX_AXIS_POINTS} per axis"
                )
        if body.x.name == body.y.name:
            raise ParameterError(f"the two axes are the same parameter {body.x.name!r}: choose two")
        model = registry.get(body.model)
        # values at their defaults are left out, so that the page's first diagram (every value
        # sent) is the one the warm-up computed
        defaults = model.defaults()
        fixed = tuple(sorted((k, v) for k, v in body.values.items()
                             if k not in (body.x.name, body.y.name) and v != defaults.get(k)))
        for name, _ in fixed:
            model.parameter(name)
        with phase_lock:
            return phase_cached(body.model, body.x, body.y, fixed)

    @app.post("/api/path")
    def path(body: PathRequest) -> dict[str, Any]:
        from inframarginal.path import structure_path

        model = registry.get(body.model)
        parameter = model.parameter(body.name)
        if not body.lo < body.hi:
            raise ParameterError(f"path along {body.name}: lo={body.lo!r} must be below hi={body.hi!r}")
        for end in (body.lo, body.hi):
            if end not in parameter.domain:
                raise ParameterError(f"path along {body.name}: {end!r} is outside the domain {parameter.domain}")
        fixed = {k: v for k, v in body.values.items() if k != body.name}
        model.check_parameters(fixed)
        with path_lock:
            return finite(structure_path(model, body.name, body.lo, body.hi, fixed).to_dict())

    @app.post("/api/beach/shares")
    async def beach_shares(body: BeachRequest) -> dict[str, Any]:
        shares = market_shares([float(x) for x in body.positions], circle=body.circle)
        return {"positions": body.positions, "shares": [float(s) for s in shares], "circle": body.circle}

    @app.post("/api/beach/dynamics")
    def beach_dynamics(body: DynamicsRequest) -> dict[str, Any]:
        trajectory = best_response_dynamics(
            [float(x) for x in body.positions], circle=body.circle, mode=body.mode,
            epsilon=float(body.epsilon), max_rounds=body.max_rounds,
        )
        return finite(trajectory.to_dict())

    if warm:
        model = registry.get(registry.default)
        names = [p.name for p in model.parameters]
        if len(names) >= 2:
            sliders = {p.name: slider_range(p) for p in model.parameters[:2]}
            axes = [Axis(name=n, lo=sliders[n]["min"], hi=sliders[n]["max"], n=200) for n in names[:2]]

            def warm_phase() -> None:
                try:
                    with phase_lock:
                        phase_cached(registry.default, axes[0], axes[1], ())
                except Exception:  # a warm-up failure shows later, in the request that needs it
                    log.debug("phase warm-up failed", exc_info=True)

            threading.Thread(target=warm_phase, name="phase-warm-up", daemon=True).start()
    return app
