"""Caps on what one request to the explorer may ask for.

The explorer is a local app, but a page (or a script) can still send a request
that would tie up the server for minutes or exhaust its memory; every such size
is capped here, and a request over a cap gets a 4xx answer that names the cap.
Work that cannot be sized in advance (building an uploaded model, solving it) runs
in worker processes under a time and a memory budget (:class:`ServerLimits`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Largest request body accepted, in bytes (a model file is a few kB).
MAX_BODY_BYTES = 256 * 1024

#: Largest number of points along one axis of a phase diagram.
MAX_AXIS_POINTS = 1000

#: Largest number of points of a phase diagram (e.g. 500 x 500).
MAX_GRID_POINTS = 250_000

#: Largest number of sellers on the beach.
MAX_SELLERS = 24

#: Largest number of rounds of best-response dynamics.
MAX_ROUNDS = 200

#: Uploaded models kept in memory (the oldest is dropped first).
MAX_UPLOADED_MODELS = 16

#: Longest parameter or structure name accepted in a request.
MAX_NAME_LENGTH = 64

#: Worker processes doing the heavy work (model building, solves, phase diagrams, paths).
DEFAULT_WORKERS = max(2, min(4, os.cpu_count() or 2))

#: Longest a worker may spend on one request before it is killed and replaced (seconds).
REQUEST_SECONDS = 30.0

#: Memory one request may add to its worker's address space (bytes).
REQUEST_MEMORY_BYTES = 1024 * 2**20

#: Longest a request waits for a free worker before it is answered 503 (seconds).
QUEUE_SECONDS = 30.0

#: Requests of one kind (built-in solves; other work) waiting for a worker beyond which
#: new ones of that kind are answered 503 at once.
MAX_QUEUED = 256

#: Tasks after which a worker is replaced by a fresh (pre-warmed) one, freeing the
#: engine's caches of the models it has built.
TASKS_PER_WORKER = 2000

#: Resident memory of a worker above which it is replaced after its task (bytes).
RECYCLE_RSS_BYTES = 768 * 2**20

#: Answers (JSON) kept by the server, in bytes all together.
RESULT_CACHE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ServerLimits:
    """The explorer's budgets, defaults from the constants above (tests use smaller ones).

    Parameters
    ----------
    workers : int
        Worker processes; uploads, their models, phase diagrams, paths and the beach
        dynamics never use the first, kept for the built-in models' solves.
    request_seconds : float
        Time limit of one request in its worker.
    request_memory_bytes : int
        Memory limit of one request (address space added to its worker).
    queue_seconds : float
        Longest wait for a free worker.
    max_queued : int
        Longest queue of waiting requests of one kind (built-in solves; other work).
    tasks_per_worker, recycle_rss_bytes : int
        A worker is replaced after this many tasks or above this resident memory.
    max_uploads : int
        Uploaded models kept (least recently used dropped first, with their caches).
    result_cache_bytes : int
        Answers kept by the server.
    """

    workers: int = DEFAULT_WORKERS
    request_seconds: float = REQUEST_SECONDS
    request_memory_bytes: int = REQUEST_MEMORY_BYTES
    queue_seconds: float = QUEUE_SECONDS
    max_queued: int = MAX_QUEUED
    tasks_per_worker: int = TASKS_PER_WORKER
    recycle_rss_bytes: int = RECYCLE_RSS_BYTES
    max_uploads: int = MAX_UPLOADED_MODELS
    result_cache_bytes: int = RESULT_CACHE_BYTES

    def __post_init__(self) -> None:
        if self.workers < 2:
            raise ValueError(f"workers={self.workers}: the explorer needs at least 2 worker processes")
        if not self.request_seconds > 0 or self.request_memory_bytes <= 0 or self.max_uploads < 1:
            raise ValueError(f"{self}: time, memory and upload limits must be positive")
