"""The explorer: a local web app to move a model's parameters and watch its structure change.

:func:`create_app` builds a FastAPI application that serves one page (plain HTML,
JavaScript and SVG, every asset local) and a small JSON API:

* ``GET /api/models``, ``GET /api/model?model=KEY``: built-in, started-with and
  uploaded models; ``POST /api/models``: upload a model file (the text), validated
  by the same parser as the command line;
* ``POST /api/solve``: every studied structure's corner equilibrium, the general
  equilibrium and its network of division of labour
  (:func:`inframarginal.equilibrium.solve`);
* ``POST /api/elasticities``: every structure's elasticities at the point
  (:mod:`inframarginal.web.elasticities`);
* ``POST /api/phase``: a phase diagram over two parameters
  (:func:`inframarginal.sweep.sweep`); ``POST /api/path``: the general equilibrium
  along one parameter with its exact switch points
  (:func:`inframarginal.path.structure_path`) and every structure's income curve;
  ``POST /api/path/formulas``: those switch points' closed forms in the paper's
  notation; ``POST /api/printed``: the seed paper's printed incomes and phase diagram
  beside the derived ones (:mod:`inframarginal.web.views`);
* ``POST /api/beach/shares``, ``POST /api/beach/dynamics``: the beach location game
  (:mod:`inframarginal.location`).

* ``GET /api/health``: the server and its workers, answered at once.

Only ``Host`` values naming this server are answered (:mod:`inframarginal.web.hosts`).
Model building, solves, phase diagrams, paths and the beach dynamics run in worker
processes (:mod:`inframarginal.web.pool`) with a time and a memory budget per
request; the event loop only parses, looks up and passes on answers, and keeps
them (:mod:`inframarginal.web.results`), so that quick requests never wait behind
slow ones.

A user mistake (:class:`inframarginal.errors.InframarginalError`) is answered 400,
a malformed request 422, an oversized one 413, a request over its time or memory
budget 422, one that finds no free worker 503, each as ``{"error": message}``;
an unexpected failure is a 500 whose body carries no traceback.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from inframarginal import disk_cache
from inframarginal.errors import InframarginalError, ParameterError, UnknownModelError
from inframarginal.location.shares import market_shares
from inframarginal.model import Model
from inframarginal.modelfile import builtin_models, load_model, typed_builtin_models
from inframarginal.web.hosts import HostCheck
from inframarginal.web.limits import (
    MAX_AXIS_POINTS,
    MAX_BODY_BYTES,
    MAX_GRID_POINTS,
    MAX_UPLOADED_MODELS,
    ServerLimits,
)
from inframarginal.web.payloads import model_payload
from inframarginal.web.pool import Outcome, WorkerPool
from inframarginal.web.results import ResultCache
from inframarginal.web.schemas import (
    Axis,
    BeachRequest,
    DynamicsRequest,
    FormulasRequest,
    PathRequest,
    PhaseRequest,
    PrintedRequest,
    SolveRequest,
    UploadRequest,
)
from inframarginal.web.words import error_in_plain_words

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


@dataclass(frozen=True)
class ModelEntry:
    """A model the explorer knows: its page payload (JSON) and what a worker needs to build it.

    Built-in models are named to workers (they load them by name); a file's or an
    upload's text is sent with each task, keyed by ``key`` (uploads: a hash of the text).
    """

    key: str
    name: str
    title: str
    source: str  # "built-in", "file" or "upload"
    payload: bytes
    defaults: dict[str, float]
    content_hash: str
    text: str | None = None
    filename: str = ""

    def ref(self) -> dict[str, Any]:
        """The model as a worker task names it."""
        if self.source == "built-in":
            return {"key": self.key, "builtin": self.key}
        return {"key": self.key, "text": self.text, "source": self.filename}


def _entry(key: str, model: Model, source: str, text: str | None = None, filename: str = "") -> ModelEntry:
    payload = model_payload(key, model)
    return ModelEntry(key, model.name, model.title, source, json.dumps(payload).encode(),
                      {p.name: p.default for p in model.parameters}, model.content_hash, text, filename)


class ModelRegistry:
    """The models the explorer knows, by key: built-in names, the model it started with,
    and uploaded files (``upload:<hash>``, at most ``max_uploads``, least recently used
    dropped first).

    Keys are looked up, never opened as paths: a request cannot make the server read a
    file.  The server holds an upload's text and payload only; workers build it.
    """

    def __init__(self, start: str, max_uploads: int = MAX_UPLOADED_MODELS):
        self._lock = threading.Lock()
        self.max_uploads = max_uploads
        self._builtin = {name: _entry(name, load_model(name), "built-in") for name in builtin_models()}
        self._extra: dict[str, ModelEntry] = {}
        self._uploads: OrderedDict[str, ModelEntry] = OrderedDict()
        if start in self._builtin:
            self.default = start
        else:
            model = load_model(start)  # a path given on the command line by the user
            text = Path(start).read_text("utf-8")
            self.default = f"file:{Path(start).name}"
            self._extra[self.default] = _entry(self.default, model, "file", text, Path(start).name)

    def get(self, key: str) -> ModelEntry:
        with self._lock:
            if key in self._uploads:
                self._uploads.move_to_end(key)
                return self._uploads[key]
            if key in self._extra:
                return self._extra[key]
        if key in self._builtin:
            return self._builtin[key]
        known = ", ".join([*self._builtin, *self._extra])
        raise UnknownModelError(
            f"unknown model {key!r} (built-in or started with: {known}; an uploaded model is "
            "kept while the server runs, up to the last "
            f"{self.max_uploads} uploads: upload it again)"
        )

    def find_upload(self, key: str) -> ModelEntry | None:
        with self._lock:
            entry = self._uploads.get(key)
            if entry is not None:
                self._uploads.move_to_end(key)
            return entry

    def add_upload(self, entry: ModelEntry) -> list[ModelEntry]:
        """Keep ``entry``; returns the uploads dropped to make room."""
        dropped = []
        with self._lock:
            self._uploads[entry.key] = entry
            self._uploads.move_to_end(entry.key)
            while len(self._uploads) > self.max_uploads:
                dropped.append(self._uploads.popitem(last=False)[1])
        return dropped

    def hash_in_use(self, content_hash: str) -> bool:
        """Whether a kept model (built-in, started with, uploaded) has this content hash."""
        with self._lock:
            kept = [*self._builtin.values(), *self._extra.values(), *self._uploads.values()]
        return any(e.content_hash == content_hash for e in kept)

    def listing(self) -> list[dict[str, str]]:
        out = [{"key": k, "name": k, "title": e.title, "source": "built-in"} for k, e in self._builtin.items()]
        with self._lock:
            out += [{"key": k, "name": e.name, "title": e.title, "source": e.source}
                    for k, e in [*self._extra.items(), *self._uploads.items()]]
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


def _json(outcome: Outcome) -> Response:
    return Response(outcome.body, status_code=outcome.status, media_type="application/json",
                    headers=outcome.headers or None)


def create_app(model_name: str = "li-ke-2020", warm: bool = True, *, host: str = "127.0.0.1",
               limits: ServerLimits | None = None, report_dir: str | Path | None = None) -> FastAPI:
    """The explorer's FastAPI application.

    Parameters
    ----------
    model_name : str
        The model shown first: a built-in name or the path of a model file (read once,
        here; requests can name only built-in, this or uploaded models).
    warm : bool
        Compute the page's first phase diagram as soon as the workers are up, so that
        the page does not wait for it (the workers' pre-warm compiles its kernel).
    host : str
        The address the server listens on: requests to another ``Host`` are refused.
    limits : ServerLimits, optional
        Workers and budgets (default: :class:`~inframarginal.web.limits.ServerLimits`).
    report_dir : path, optional
        A folder written by ``inframarginal report MODEL --out DIR``, served under
        ``/report/`` and linked from the printed-vs-derived view.

    Raises
    ------
    InframarginalError
        If the model cannot be loaded.
    """
    limits = limits or ServerLimits()
    report_url = None
    if report_dir is not None:  # checked before any worker starts
        if not (Path(report_dir) / "report.html").is_file():
            raise InframarginalError(f"--report {report_dir}: no report.html there (write one with "
                                     "`inframarginal report li-ke-2020 --out DIR`)")
        report_url = "/report/report.html"
    registry = ModelRegistry(model_name, limits.max_uploads)
    pool = WorkerPool(limits, warm_phase_model=registry.default if warm else "")
    results = ResultCache(limits.result_cache_bytes)
    pool.start()  # the workers warm up while the server starts

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        warming = asyncio.create_task(warm_phase()) if warm else None
        try:
            yield
        finally:
            if warming is not None:
                warming.cancel()
            await run_in_threadpool(pool.close)

    app = FastAPI(title="inframarginal explorer", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.registry = registry
    app.state.pool = pool
    app.state.results = results
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ServerTiming)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(HostCheck, host=host)  # outermost: a foreign Host gets nothing else

    @app.exception_handler(InframarginalError)
    async def user_mistake(request: Request, err: InframarginalError):
        return JSONResponse({"error": error_in_plain_words(err)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, err: RequestValidationError):
        return JSONResponse({"error": _validation_message(err)}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        if err.status_code == 400 and err.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not UTF-8 or nests too deeply: malformed, as others
            return JSONResponse({"error": "malformed request: the body is not JSON in UTF-8 "
                                          "(or nests too deeply)"}, status_code=422)
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
    if report_dir is not None:
        app.mount("/report", StaticFiles(directory=Path(report_dir), html=True), name="report")

    @app.get("/types", include_in_schema=False)
    def types_page():
        return FileResponse(STATIC / "types.html", media_type="text/html")

    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "ready": pool.ready, **pool.status()}

    @app.get("/api/models")
    async def list_models() -> dict[str, Any]:
        return {"default": registry.default, "models": registry.listing(), "report": report_url,
                "typed": [{"key": k, "title": t} for k, t in typed_builtin_models().items()]}

    @app.get("/api/model")
    async def get_model(model: str = Query(..., min_length=1, max_length=200)) -> Response:
        return Response(registry.get(model).payload, media_type="application/json")

    async def computed(entry: ModelEntry, kind: str, args: dict[str, Any], cache_key: Any, what: str,
                       heavy: bool = True) -> Response:
        """A worker's answer for ``entry``, kept when it succeeds; repeated requests never reach a worker."""
        body = results.get(entry.key, cache_key)
        if body is not None:
            return Response(body, media_type="application/json")
        # an uploaded model's work is untrusted (it may run to the limits): never on every worker
        outcome = await pool.run({"op": kind, "model": entry.ref(), "args": args},
                                 heavy=heavy or entry.source == "upload", what=what,
                                 keys=frozenset({entry.key}) if entry.source == "upload" else frozenset())
        if outcome.status == 200:
            results.put(entry.key, cache_key, outcome.body)
        return _json(outcome)

    def evict(entry: ModelEntry) -> None:
        """Free a dropped upload: its answers, the workers that built it, its disk cache."""
        results.drop_model(entry.key)
        pool.forget(entry.key)
        if not registry.hash_in_use(entry.content_hash):
            disk_cache.remove_model(entry.content_hash)

    @app.post("/api/models")
    async def upload_model(body: UploadRequest) -> Response:
        key = "upload:" + hashlib.sha256(body.text.encode("utf-8")).hexdigest()[:16]
        known = registry.find_upload(key)
        if known is not None:
            return Response(known.payload, media_type="application/json")
        filename = Path(body.filename).name or "uploaded.toml"  # a label, never opened
        outcome = await pool.run({"op": "build", "model": {"key": key, "text": body.text, "source": filename}},
                                 heavy=True, what=f"building the uploaded model {filename}",
                                 keys=frozenset({key}))
        if outcome.status != 200:
            return _json(outcome)
        built = json.loads(outcome.body)
        payload = built["payload"]
        entry = ModelEntry(key, payload["name"], payload["title"], "upload", json.dumps(payload).encode(),
                           {p["name"]: p["default"] for p in payload["parameters"]}, built["content_hash"],
                           body.text, filename)
        for dropped in registry.add_upload(entry):
            await run_in_threadpool(evict, dropped)
        return Response(entry.payload, media_type="application/json")

    @app.post("/api/solve")
    async def solve_point(body: SolveRequest) -> Response:
        entry = registry.get(body.model)
        # A slider moves on a grid of steps and comes back: answers are kept by exact values.
        values = tuple(sorted(body.values.items()))
        return await computed(entry, "solve", {"values": dict(values)}, ("solve", values),
                              f"solving {entry.name}", heavy=False)

    @app.post("/api/typed/solve")
    async def solve_typed_point(body: SolveRequest) -> Response:
        """A built-in model with types at a point (:func:`inframarginal.heterogeneous.payload.explorer_payload`)."""
        if body.model not in typed_builtin_models():
            raise UnknownModelError(f"unknown model with types {body.model!r} "
                                    f"(built-in models with types: {', '.join(typed_builtin_models())})")
        key = "typed:" + body.model
        values = tuple(sorted(body.values.items()))
        cached = results.get(key, ("typed", values))
        if cached is not None:
            return Response(cached, media_type="application/json")
        outcome = await pool.run({"op": "typed", "model": {"key": key, "builtin": body.model},
                                  "args": {"values": dict(values)}}, heavy=False, what=f"solving {body.model}")
        if outcome.status == 200:
            results.put(key, ("typed", values), outcome.body)
        return _json(outcome)

    @app.post("/api/elasticities")
    async def elasticities_at_point(body: SolveRequest) -> Response:
        """Marginal comparative statics of every structure at the point (:mod:`inframarginal.web.elasticities`)."""
        entry = registry.get(body.model)
        values = tuple(sorted(body.values.items()))
        return await computed(entry, "elasticities", {"values": dict(values)}, ("elasticities", values),
                              f"the elasticities of {entry.name}")

    @app.post("/api/phase")
    async def phase(body: PhaseRequest) -> Response:
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
        entry = registry.get(body.model)
        # values at their defaults are left out, so that the page's first diagram (every value
        # sent) is the one the warm-up computed
        fixed = tuple(sorted((k, v) for k, v in body.values.items()
                             if k not in (body.x.name, body.y.name) and v != entry.defaults.get(k)))
        args = {"x": body.x.model_dump(), "y": body.y.model_dump(), "fixed": dict(fixed)}
        # a built-in model's diagram costs milliseconds (its kernel is compiled at start)
        return await computed(entry, "phase", args, ("phase", body.x, body.y, fixed),
                              f"the phase diagram of {entry.name}", heavy=entry.source != "built-in")

    @app.post("/api/path")
    async def path(body: PathRequest) -> Response:
        entry = registry.get(body.model)
        values = tuple(sorted(body.values.items()))
        args = {"name": body.name, "lo": body.lo, "hi": body.hi, "values": dict(values)}
        return await computed(entry, "path", args, ("path", body.name, body.lo, body.hi, values),
                              f"the path of {entry.name} along {body.name}", heavy=entry.source != "built-in")

    @app.post("/api/path/formulas")
    async def path_formulas(body: FormulasRequest) -> Response:
        entry = registry.get(body.model)
        values = tuple(sorted(body.values.items()))
        switches = [s.model_dump() for s in body.switches]
        key = ("formulas", body.name, values, json.dumps(switches, sort_keys=True))
        # SymPy may take seconds on a new pair of structures: never on the built-in models' worker
        return await computed(entry, "formulas", {"name": body.name, "values": dict(values), "switches": switches},
                              key, f"the switch points' formulas of {entry.name} along {body.name}")

    @app.post("/api/printed")
    async def printed(body: PrintedRequest) -> Response:
        entry = registry.get(body.model)
        values = tuple(sorted(body.values.items()))
        args = {"x": body.x.model_dump(), "y": body.y.model_dump(), "path": body.path.model_dump(),
                "values": dict(values)}
        return await computed(entry, "printed", args, ("printed", body.x, body.y, body.path, values),
                              f"the printed results of {entry.name}", heavy=entry.source != "built-in")

    @app.post("/api/beach/shares")
    async def beach_shares(body: BeachRequest) -> dict[str, Any]:
        shares = market_shares([float(x) for x in body.positions], circle=body.circle)
        return {"positions": body.positions, "shares": [float(s) for s in shares], "circle": body.circle}

    @app.post("/api/beach/dynamics")
    async def beach_dynamics(body: DynamicsRequest) -> Response:
        # up to tens of seconds for 24 sellers: a worker's job
        args = {"positions": [float(x) for x in body.positions], "circle": body.circle, "mode": body.mode,
                "epsilon": float(body.epsilon), "max_rounds": body.max_rounds}
        key = ("dynamics", json.dumps(args, sort_keys=True))
        body_cached = results.get("beach", key)
        if body_cached is not None:
            return Response(body_cached, media_type="application/json")
        outcome = await pool.run({"op": "dynamics", "args": args}, heavy=True, what="the beach dynamics")
        if outcome.status == 200:
            results.put("beach", key, outcome.body)
        return _json(outcome)

    async def warm_phase() -> None:
        """The page's first phase diagram (the first two parameters over their sliders), kept."""
        entry = registry.get(registry.default)
        names = list(entry.defaults)
        if len(names) < 2:
            return
        sliders = {p["name"]: p["slider"] for p in json.loads(entry.payload)["parameters"]}
        axes = [Axis(name=n, lo=sliders[n]["min"], hi=sliders[n]["max"], n=200) for n in names[:2]]
        args = {"x": axes[0].model_dump(), "y": axes[1].model_dump(), "fixed": {}}
        try:
            await computed(entry, "phase", args, ("phase", axes[0], axes[1], ()), "the first phase diagram")
        except Exception:  # a warm-up failure shows later, in the request that needs it
            log.debug("phase warm-up failed", exc_info=True)

    return app
