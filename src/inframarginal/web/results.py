"""Answers the explorer has computed, kept by the server (an LRU bounded in bytes).

A slider moves on a grid of steps and comes back, and every page opens with the
same diagram: answers are kept as the JSON bytes sent, keyed by the model's key and
the request's exact values, so that a repeated request never reaches a worker.  An
uploaded model's answers are dropped with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ResultCache:
    """JSON answers by ``(model key, kind, arguments)``, least recently used dropped first.

    Parameters
    ----------
    max_bytes : int
        Total size of the answers kept; an answer larger than a quarter of it is not kept.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, Hashable], bytes] = OrderedDict()
        self._size = 0

    def get(self, model: str, key: Hashable) -> bytes | None:
        """The answer kept for ``key`` of ``model``, or ``None``."""
        with self._lock:
            body = self._items.get((model, key))
            if body is not None:
                self._items.move_to_end((model, key))
            return body

    def put(self, model: str, key: Hashable, body: bytes) -> None:
        """Keep ``body``, dropping the least recently used answers beyond the size bound."""
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._items.pop((model, key), None)
            self._size -= len(old) if old is not None else 0
            self._items[(model, key)] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped)

    def drop_model(self, model: str) -> None:
        """Forget every answer about ``model``."""
        with self._lock:
            for k in [k for k in self._items if k[0] == model]:
                self._size -= len(self._items.pop(k))

    def __len__(self) -> int:
        return len(self._items)
