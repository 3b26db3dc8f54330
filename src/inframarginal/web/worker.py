"""The explorer's worker process: builds models and computes answers, one request at a time.

A worker talks to the server over a pipe in JSON (never pickle): the server sends a
task, the worker answers with a header (``{"status": ..., "rss": ...}``) and the
response body (JSON bytes, sent to the client as they are).  The worker keeps the
models it has built in a small LRU keyed by the server's model key (uploads are
keyed by a hash of their text, so a key always names the same content).

Each task runs under a memory budget: the soft ``RLIMIT_AS`` is set to the address
space in use plus the budget, so that a runaway allocation raises
:class:`MemoryError` here instead of swapping the machine; the time budget is kept
by the server, which kills a worker that does not answer in time.

Workers are forked from a forkserver that imported :mod:`inframarginal.web.prewarm`,
so that each starts with the built-in models' closed forms compiled.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import traceback
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from inframarginal.errors import InframarginalError, ParameterError
from inframarginal.model import Model
from inframarginal.web.words import error_in_plain_words, in_plain_words

log = logging.getLogger("inframarginal.web.worker")

#: Models built from text that one worker keeps (the engine's own caches hold more;
#: the server recycles workers to free them).
KEPT_MODELS = 4


class OverMemory(Exception):
    """A task ran over its memory budget (raised from :class:`MemoryError`)."""


def _address_space() -> int:
    """Bytes of address space in use (``VmSize``), 0 where ``/proc`` is absent."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _resident() -> int:
    """Bytes resident in memory now (``VmRSS``); the peak where ``/proc`` is absent."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _MemoryBudget:
    """Context manager: the soft address-space limit at ``in use + budget`` bytes."""

    def __init__(self, budget: int):
        self.budget = budget
        self.saved: tuple[int, int] | None = None

    def __enter__(self) -> None:
        in_use = _address_space()
        if self.budget <= 0 or in_use == 0:
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + self.budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        self.saved = (soft, hard)

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            resource.setrlimit(resource.RLIMIT_AS, self.saved)


# ----------------------------------------------------------------------------- models


class _Models:
    """The models this worker has built, by the server's key (LRU of :data:`KEPT_MODELS`)."""

    def __init__(self) -> None:
        self._built: OrderedDict[str, Model] = OrderedDict()

    def get(self, ref: dict[str, Any]) -> Model:
        from inframarginal.modelfile import load_model, read_model_text

        builtin = ref.get("builtin")
        if builtin:
            return load_model(builtin)  # a lookup by name among the package's models
        key = ref["key"]
        if key in self._built:
            self._built.move_to_end(key)
            return self._built[key]
        model = read_model_text(ref["text"], source=ref.get("source") or "uploaded.toml")
        from inframarginal.heterogeneous.spec import require_untyped

        require_untyped(model, "serve")  # the explorer does not show types yet: a 4xx, not a 500
        self._built[key] = model
        while len(self._built) > KEPT_MODELS:
            self._built.popitem(last=False)
        return model


# ----------------------------------------------------------------------------- operations


def _check_range(model: Model, name: str, lo: float, hi: float, what: str) -> None:
    parameter = model.parameter(name)
    if not lo < hi:
        raise ParameterError(f"{what}: lo={lo!r} must be below hi={hi!r}")
    for end in (lo, hi):
        if end not in parameter.domain:
            raise ParameterError(f"{what}: {end!r} is outside the domain {parameter.domain}")


def op_build(model: Model, key: str) -> dict[str, Any]:
    """An uploaded model's payload, after solving it at its defaults.

    Solving derives the closed forms now, so that a model that cannot be solved is
    refused at upload with its message rather than at the first slider move.
    """
    from inframarginal import disk_cache
    from inframarginal.equilibrium import solve
    from inframarginal.web.payloads import model_payload

    try:
        solve(model, {})
    except Exception:
        disk_cache.remove_model(model)  # a refused upload leaves nothing behind
        raise
    return {"payload": model_payload(key, model), "content_hash": model.content_hash}


def op_solve(model: Model, values: dict[str, float]) -> dict[str, Any]:
    """Every studied structure's corner equilibrium and the general equilibrium at ``values``."""
    from inframarginal.equilibrium import solve
    from inframarginal.web.payloads import solution_payload

    return solution_payload(model, solve(model, values))


def op_typed(model: Model, values: dict[str, float]) -> dict[str, Any]:
    """A model with types at ``values``: sliders per type, per-type incomes, equilibria and network."""
    from inframarginal.heterogeneous.payload import explorer_payload
    from inframarginal.heterogeneous.spec import TypedModel

    if not isinstance(model, TypedModel):
        raise ParameterError(f"model {model.name!r} has no types (the explorer's main page shows it)")
    from inframarginal.results import finite_json

    return finite_json(explorer_payload(model, values))



def op_phase(model: Model, x: dict[str, Any], y: dict[str, Any], fixed: dict[str, float]) -> dict[str, Any]:
    """A phase diagram: the code of the general equilibrium at each point of an ``x`` by ``y`` grid."""
    from inframarginal.sweep import sweep
    from inframarginal.web import kernels, views

    for label, axis in (("x", x), ("y", y)):
        _check_range(model, axis["name"], axis["lo"], axis["hi"], f"{label} axis {axis['name']}")
    for name in fixed:
        model.parameter(name)
    model.check_parameters(fixed)
    if kernels.closed(model):  # the model's kernel, compiled once: milliseconds for any pair of axes
        return views.phase(model, x, y, fixed)
    xs, ys = np.linspace(x["lo"], x["hi"], x["n"]), np.linspace(y["lo"], y["hi"], y["n"])
    # The sweep's own codes (-1: none or not admissible), indices into its structure coordinate.
    ds = sweep(model, {x["name"]: xs, y["name"]: ys}, fixed, variables="core", decode=False)
    codes = ds["general_equilibrium"].transpose(y["name"], x["name"]).values.astype(int)
    names = [str(s) for s in ds["structure"].values]
    return {
        "x": {"name": x["name"], "values": xs.tolist()},
        "y": {"name": y["name"], "values": ys.tolist()},
        "structures": names,
        "codes": codes.tolist(),
        # the listed GE against all structures, sampled; its advice in plain words
        "certification": in_plain_words(ds.attrs.get("certification", ""), ds.attrs.get("certification_advice")),
    }


def op_path(model: Model, name: str, lo: float, hi: float, values: dict[str, float]) -> dict[str, Any]:
    """The general equilibrium along one parameter, with its exact switch points (their closed
    forms come from :func:`op_formulas`) and every structure's income curve."""
    from inframarginal.web import views
    from inframarginal.web.payloads import finite

    _check_range(model, name, lo, hi, f"path along {name}")
    fixed = {k: v for k, v in values.items() if k != name}
    model.check_parameters(fixed)
    return finite(views.path(model, name, lo, hi, fixed))


def op_formulas(model: Model, name: str, values: dict[str, float], switches: list[dict[str, Any]]) -> dict[str, Any]:
    """Closed forms of a path's switch points, in the paper's notation."""
    from inframarginal.web import views

    model.parameter(name)
    return views.formulas(model, name, values, switches)


def op_printed(model: Model, x: dict[str, Any], y: dict[str, Any], path: dict[str, Any],
               values: dict[str, float]) -> dict[str, Any]:
    """The seed paper's printed incomes and phase diagram beside the derived ones."""
    from inframarginal.audit.printed import has_printed_results
    from inframarginal.web import views
    from inframarginal.web.payloads import finite

    if not has_printed_results(model.name):
        raise ParameterError(f"model {model.name}: no printed results are transcribed (only the seed paper's model)")
    for label, axis in (("x", x), ("y", y), ("path", path)):
        _check_range(model, axis["name"], axis["lo"], axis["hi"], f"{label} axis {axis['name']}")
    model.check_parameters(values)
    return finite(views.printed(model, x, y, path, values))


def op_dynamics(positions: list[float], circle: bool, mode: str, epsilon: float, max_rounds: int) -> dict[str, Any]:
    """Best-response dynamics of the beach location game."""
    from inframarginal.location.dynamics import best_response_dynamics
    from inframarginal.web.payloads import finite

    trajectory = best_response_dynamics(positions, circle=circle, mode=mode, epsilon=epsilon, max_rounds=max_rounds)
    return finite(trajectory.to_dict())


def run_task(models: _Models, task: dict[str, Any]) -> tuple[int, Any]:
    """``(status, body)`` of one task; a user mistake is a 400 with its message."""
    op = task["op"]
    try:
        if op == "dynamics":
            return 200, op_dynamics(**task["args"])
        model = models.get(task["model"])
        if op == "build":
            return 200, op_build(model, task["model"]["key"])
        if op == "solve":
            return 200, op_solve(model, task["args"]["values"])
        if op == "elasticities":
            from inframarginal.web.elasticities import elasticities_payload

            return 200, elasticities_payload(model, task["args"]["values"])
        if op == "typed":
            return 200, op_typed(model, task["args"]["values"])
        if op == "phase":
            return 200, op_phase(model, **task["args"])
        if op == "path":
            return 200, op_path(model, **task["args"])
        if op == "formulas":
            return 200, op_formulas(model, **task["args"])
        if op == "printed":
            return 200, op_printed(model, **task["args"])
        return 500, {"error": f"internal error (unknown task {op!r})"}
    except InframarginalError as err:
        return 400, {"error": error_in_plain_words(err)}
    except RecursionError:  # e.g. thousands of nested brackets: a mistake, not a bug
        source = (task.get("model") or {}).get("source") or "the request"
        return 400, {"error": f"{source}: nested too deeply to be read (Python's recursion limit)"}


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent (the forkserver, which ends with the
    server) ends, so that a worker busy with a never-ending task never outlives the server."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the server's close() kills workers instead
        pass


def serve(conn: Connection, memory_budget: int, nice: int = 0) -> None:
    """The worker's loop: answer tasks from ``conn`` until it closes or says ``exit``.

    ``nice``: added to the CPU niceness (a worker that may run untrusted work yields
    the CPU to the server and to the built-in models' solves).
    """
    _die_with_parent()
    if nice:
        os.nice(nice)
    models = _Models()
    # The certification's libraries (OpenBLAS, SciPy's HiGHS) allocate their buffers before any
    # task's memory budget: under it OpenBLAS would abort the worker instead of raising MemoryError.
    import inframarginal.search  # noqa: F401
    from inframarginal.welfare import warm_up

    warm_up()

    conn.send_bytes(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            task = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if task.get("op") == "exit":
            return
        recycle = False
        try:
            with _MemoryBudget(task.get("memory", memory_budget)):
                status, body = run_task(models, task)
                data = json.dumps(body, allow_nan=False).encode()
        except MemoryError:
            status, recycle = 422, True
            data = json.dumps({"error": "limit"}).encode()
            header = {"status": status, "over": "memory"}
        except Exception:  # a bug: logged here, a 500 without details for the client
            traceback.print_exc()
            status = 500
            data = json.dumps({"error": "internal"}).encode()
            header = {"status": status}
        else:
            header = {"status": status}
        header["rss"] = _resident()
        header["recycle"] = recycle
        try:
            conn.send_bytes(json.dumps(header).encode())
            conn.send_bytes(data)
        except (OSError, ValueError):
            return
