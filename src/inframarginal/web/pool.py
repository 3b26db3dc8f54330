"""The explorer's pool of worker processes, with a time and a memory budget per request.

Each worker (:mod:`inframarginal.web.worker`) is a process of its own, forked from a
forkserver that pre-warmed the built-in models (:mod:`inframarginal.web.prewarm`),
and served by one thread of the server (its *slot*).  A slot hands its worker one
task at a time over a pipe (JSON, never pickle) and waits at most the time budget:

* an answer in time is passed on as it is (a JSON body and its status);
* no answer in time: the worker is killed and replaced, the request answered 422
  naming the time limit; a worker over its memory budget raises ``MemoryError``,
  is replaced, and the request is answered 422 naming the memory limit;
* a worker that dies otherwise is replaced and the request answered 503.

Killing one worker never loses another's work: every worker has its own process,
pipe and slot.  Untrusted or long work (uploads, phase diagrams, paths) runs only in
slots 1 and up, whose workers run at a lower CPU priority (:data:`HEAVY_NICE`): the
solves of the built-in models always find slot 0, and win the CPU from a hostile
computation.  A worker is recycled (replaced when idle) after a number of tasks,
above a resident memory, or when an uploaded model it built is evicted, which frees
the engine's caches of that model.

The pool's state lives in threads, and a request waits on a
:class:`concurrent.futures.Future`: it works under any event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from inframarginal.web import worker as worker_module
from inframarginal.web.limits import ServerLimits
from inframarginal.web.prewarm import WARM_PHASE_ENV

log = logging.getLogger("inframarginal.web.pool")

#: CPU niceness of the workers that may run untrusted or long work (slots 1 and up).
HEAVY_NICE = 10

#: Longest wait for a new worker's first word (the forkserver pre-warms before the first).
START_SECONDS = 600.0

_forkserver_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: an HTTP status and a JSON body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def error_outcome(status: int, message: str, headers: dict[str, str] | None = None) -> Outcome:
    """An ``{"error": message}`` answer."""
    return Outcome(status, json.dumps({"error": message}).encode(), headers or {})


@dataclass(eq=False)
class _Task:
    message: bytes
    heavy: bool
    what: str
    keys: frozenset[str]
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    tasks: int = 0
    keys: set[str] = field(default_factory=set)
    retire: bool = False
    dead: bool = False


def _forkserver_context(warm_phase_model: str) -> Any:
    """The forkserver context, its server started (once per process) with the pre-warm preload."""
    ctx = multiprocessing.get_context("forkserver")
    with _forkserver_lock:
        # Workers run side by side: one math thread each (read when the forkserver imports numpy).
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        os.environ[WARM_PHASE_ENV] = warm_phase_model
        ctx.set_forkserver_preload(["inframarginal.web.prewarm"])
        multiprocessing.forkserver.ensure_running()
    return ctx


class WorkerPool:
    """Worker processes answering tasks under :class:`~inframarginal.web.limits.ServerLimits`.

    Parameters
    ----------
    limits : ServerLimits
        Number of workers and the budgets.
    warm_phase_model : str
        A built-in model whose first phase diagram the workers compile before starting.
    """

    def __init__(self, limits: ServerLimits, warm_phase_model: str = ""):
        self.limits = limits
        self.warm_phase_model = warm_phase_model
        self._cond = threading.Condition()
        self._light: deque[_Task] = deque()
        self._heavy: deque[_Task] = deque()
        self._workers: list[_Worker | None] = [None] * limits.workers
        self._busy = [False] * limits.workers
        self._closed = False
        self._ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ctx: Any = None
        self.replaced = 0  # workers replaced so far (killed, crashed or recycled)

    # -------------------------------------------------------------- life cycle

    def start(self) -> None:
        """Start the slots; their workers start in the background (the first waits for the pre-warm)."""
        for i in range(self.limits.workers):
            t = threading.Thread(target=self._slot, args=(i,), name=f"explorer-slot-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        """Stop every worker and answer queued requests 503."""
        with self._cond:
            self._closed = True
            pending = [*self._light, *self._heavy]
            self._light.clear()
            self._heavy.clear()
            self._cond.notify_all()
        for task in pending:
            if task.future.set_running_or_notify_cancel():
                task.future.set_result(error_outcome(503, "the server is stopping"))
        for t in self._threads:
            t.join(timeout=5)
        with self._cond:
            left = [w for w in self._workers if w is not None]
        for w in left:  # a worker still computing (its slot gave up waiting) must not outlive us
            if w.process.is_alive():
                w.process.kill()

    @property
    def ready(self) -> bool:
        """Whether at least one worker has started."""
        return self._ready.is_set()

    def status(self) -> dict[str, Any]:
        """Workers started, busy, and requests waiting."""
        with self._cond:
            alive = [w for w in self._workers if w is not None and not w.dead]
            return {"workers": len(alive), "busy": sum(self._busy), "queued": len(self._light) + len(self._heavy),
                    "replaced": self.replaced}

    def pids(self) -> list[int]:
        """Process ids of the current workers (for tests and diagnostics)."""
        with self._cond:
            return [w.process.pid for w in self._workers if w is not None and not w.dead]

    def forget(self, key: str) -> None:
        """Recycle the workers that built model ``key`` (evicted): frees their caches of it."""
        with self._cond:
            for w in self._workers:
                if w is not None and key in w.keys:
                    w.retire = True
            self._cond.notify_all()

    # -------------------------------------------------------------- requests

    def submit(self, task: dict[str, Any], *, heavy: bool, what: str,
               keys: frozenset[str] = frozenset()) -> concurrent.futures.Future:
        """Queue ``task``; the future's result is an :class:`Outcome` (never an exception).

        ``keys``: the uploaded models the task makes its worker build (recycled on eviction).
        """
        item = _Task(json.dumps({**task, "memory": self.limits.request_memory_bytes}).encode(), heavy, what, keys)
        with self._cond:
            if self._closed:
                item.future.set_result(error_outcome(503, "the server is stopping"))
            elif len(self._heavy if heavy else self._light) >= self.limits.max_queued:
                # counted per kind: a flood of uploads never turns away solves of built-in models
                item.future.set_result(error_outcome(
                    503, f"the server is busy: {self.limits.max_queued} requests are waiting; try again",
                    {"Retry-After": "1"}))
            else:
                (self._heavy if heavy else self._light).append(item)
                self._cond.notify_all()
        return item.future

    async def run(self, task: dict[str, Any], *, heavy: bool, what: str,
                  keys: frozenset[str] = frozenset()) -> Outcome:
        """Run ``task`` in a worker and return its outcome (503 if none frees up in time)."""
        start = time.monotonic()
        while not self._ready.is_set():  # a worker's first start waits for the pre-warm
            if time.monotonic() - start > START_SECONDS:
                return error_outcome(503, "the workers are still starting; try again", {"Retry-After": "5"})
            await asyncio.sleep(0.05)
        future = self.submit(task, heavy=heavy, what=what, keys=keys)
        waiting = asyncio.wrap_future(future)
        done, _ = await asyncio.wait({waiting}, timeout=self.limits.queue_seconds)
        if not done and future.cancel():  # still queued: not started, so nothing is lost
            return error_outcome(
                503, f"the server is busy: no worker was free within {self.limits.queue_seconds:g} s; try again",
                {"Retry-After": "1"})
        return await waiting

    # -------------------------------------------------------------- slots

    def _spawn(self, i: int) -> _Worker:
        if self._ctx is None:
            self._ctx = _forkserver_context(self.warm_phase_model)
        ours, theirs = self._ctx.Pipe()
        process = self._ctx.Process(target=worker_module.serve,
                                    args=(theirs, self.limits.request_memory_bytes, HEAVY_NICE if i > 0 else 0),
                                    name=f"explorer-worker-{i}", daemon=True)
        process.start()
        theirs.close()
        if not ours.poll(START_SECONDS):
            process.kill()
            raise RuntimeError("a worker did not start")
        json.loads(ours.recv_bytes())  # {"ready": true}
        return _Worker(process, ours)

    def _stop(self, w: _Worker, *, kill: bool) -> None:
        if not kill and not w.dead:
            try:
                w.conn.send_bytes(b'{"op": "exit"}')
                w.process.join(timeout=2)
            except (OSError, ValueError):
                pass
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=5)
        w.conn.close()

    def _next(self, i: int) -> _Task | None:
        """The next task slot ``i`` may take; ``None`` when closed or its worker must be replaced."""
        with self._cond:
            while True:
                w = self._workers[i]
                if self._closed or w is None or w.retire:
                    return None
                if self._light:
                    task = self._light.popleft()
                elif self._heavy and i > 0:  # slot 0 is kept for the built-in models' solves
                    task = self._heavy.popleft()
                else:
                    self._cond.wait()
                    continue
                self._busy[i] = True
                return task

    def _done(self, i: int) -> None:
        with self._cond:
            self._busy[i] = False
            self._cond.notify_all()

    def _slot(self, i: int) -> None:
        backoff = 1.0
        while True:
            with self._cond:
                if self._closed:
                    break
                old = self._workers[i]
            if old is None or old.retire or old.dead:
                if old is not None:
                    self._stop(old, kill=old.dead)
                    self.replaced += 1
                try:
                    new = self._spawn(i)
                except Exception:
                    log.exception("could not start a worker; trying again in %g s", backoff)
                    time.sleep(backoff)
                    backoff = min(2 * backoff, 60.0)  # a broken set-up must not spin
                    continue
                backoff = 1.0
                with self._cond:
                    self._workers[i] = new
                self._ready.set()
            task = self._next(i)
            if task is None:
                continue
            if not task.future.set_running_or_notify_cancel():
                self._done(i)
                continue
            try:
                outcome = self._run(self._workers[i], task)
            except Exception:  # a bug in the pool itself: answer, and start afresh
                log.exception("worker call failed")
                self._workers[i].dead = True
                outcome = error_outcome(500, "internal error (worker pool); the server log has the details")
            task.future.set_result(outcome)
            self._done(i)
        w = self._workers[i]
        if w is not None:
            self._stop(w, kill=False)

    def _run(self, w: _Worker, task: _Task) -> Outcome:
        limits = self.limits
        w.keys |= task.keys
        try:
            w.conn.send_bytes(task.message)
            if not w.conn.poll(limits.request_seconds):
                w.dead = True
                w.process.kill()
                return error_outcome(
                    422, f"{task.what} exceeded the time limit of {limits.request_seconds:g} s per request "
                    "and was stopped")
            header = json.loads(w.conn.recv_bytes())
            body = w.conn.recv_bytes()
        except (EOFError, OSError):
            w.dead = True
            w.process.join(timeout=5)
            code = w.process.exitcode
            how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            return error_outcome(
                503, f"{task.what} stopped its worker ({how}), perhaps over the memory limit of "
                f"{limits.request_memory_bytes // 2**20} MB per request; the worker was replaced")
        w.tasks += 1
        if header.get("over") == "memory":
            w.dead = True
            return error_outcome(
                422, f"{task.what} exceeded the memory limit of {limits.request_memory_bytes // 2**20} MB "
                "per request and was stopped")
        if w.tasks >= limits.tasks_per_worker or header.get("rss", 0) > limits.recycle_rss_bytes:
            w.retire = True
        status = int(header.get("status", 500))
        if status >= 500:
            return error_outcome(500, "internal error; the server log has the details")
        return Outcome(status, body)
