"""Bounded work: time budgets for computations that can run away.

Some work has no useful bound on its running time: SymPy may take minutes to
factor a large expression, and a model file can ask for a great deal of it.  This
module gives such work a budget in seconds and stops it with a clear
:class:`BudgetExceeded` (a user-facing error) when the budget runs out.

Two ways to bound work, usable together:

* :class:`Budget` for cooperative loops: call :meth:`Budget.check` between
  steps; it raises once the budget is spent.
* :func:`time_limit`, a context manager that interrupts long calls (such as one
  ``sympy.factor``) with ``SIGALRM`` when it runs in the main thread of a process
  on a platform with :func:`signal.setitimer`.  Elsewhere (a web server's worker
  thread, Windows) it degrades to cooperative checks: :func:`checkpoint` inside
  the block raises once an active limit has run out; one long call between two
  checkpoints is then not interrupted.

Limits nest: an inner limit never extends an outer one.

Examples
--------
>>> from inframarginal.budget import Budget, time_limit
>>> budget = Budget(seconds=5, what="the search")
>>> for step in range(3):
...     budget.check()
>>> with time_limit(5, "a short computation"):
...     total = sum(range(10))
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from inframarginal.errors import BudgetExceeded, InframarginalError

#: Default number of structures a listing may hold or a solve may go through.
DEFAULT_STRUCTURE_LIMIT = 100_000
#: Default budget of structures visited by a certified solve.
DEFAULT_SEARCH_LIMIT = 2_000_000
#: Environment variable holding the symbolic derivation's budget per structure, in seconds.
SYMBOLIC_SECONDS_ENV = "INFRAMARGINAL_SYMBOLIC_SECONDS"
#: Default budget of the symbolic derivation of one structure, in seconds.
SYMBOLIC_SECONDS_DEFAULT = 30.0


def symbolic_seconds() -> float:
    """The symbolic derivation's budget per structure: ``$INFRAMARGINAL_SYMBOLIC_SECONDS`` or 30.

    ``0`` or ``inf`` turn the limit off.

    Raises
    ------
    InframarginalError
        If the variable is set to something other than a non-negative number.
    """
    text = os.environ.get(SYMBOLIC_SECONDS_ENV, "").strip()
    if not text:
        return SYMBOLIC_SECONDS_DEFAULT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also catches nan
        raise InframarginalError(
            f"{SYMBOLIC_SECONDS_ENV}={text[:40]!r} is not a number of seconds (expected e.g. 30, or 0 for no limit)")
    return math.inf if value == 0 else value


@dataclass
class Budget:
    """A budget of wall-clock seconds for cooperative work.

    Parameters
    ----------
    seconds : float
        How long the work may take; ``inf`` for no limit.
    what : str
        What the work is, for the error message (``"symbolic derivation of PC"``).
    hint : str
        How to raise the limit, for the error message.
    """

    seconds: float
    what: str
    hint: str = f"raise it with the environment variable {SYMBOLIC_SECONDS_ENV}"
    start: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.start + self.seconds

    def remaining(self) -> float:
        """Seconds left (negative once the budget is spent)."""
        return self.deadline - time.monotonic()

    def exceeded(self) -> BudgetExceeded:
        """The error to raise when the budget is spent."""
        error = BudgetExceeded(f"{self.what} ran out of its time budget of {self.seconds:g} s; {self.hint}")
        error.budget = self
        return error

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` if the budget is spent."""
        if self.remaining() <= 0:
            raise self.exceeded()


# Active limits of each thread, outermost first (checkpoint() reads them).
_local = threading.local()
# How soon the alarm fires again after raising, in case the error was swallowed.
_RETRY_SECONDS = 0.05
# The previous SIGALRM handler while time_limit owns the signal in the main thread.
_saved_handler: list[Any] = []


def _active() -> list[Budget]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def checkpoint() -> None:
    """Raise :class:`BudgetExceeded` if an active :func:`time_limit` of this thread has run out.

    A cheap no-op when no limit is active; call it between steps of long work so
    that limits hold off the main thread too.
    """
    for budget in _active():
        budget.check()


def can_interrupt() -> bool:
    """Whether :func:`time_limit` can interrupt work here (main thread, ``setitimer`` available)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum: int, frame: Any) -> None:
    for budget in _active():  # outermost first: the first spent budget is the one that ran out
        if budget.remaining() <= 0:
            # SymPy catches ValueError in places (BudgetExceeded is one): fire again soon
            # in case this one is swallowed, until the block exits and disarms the timer.
            signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
            raise budget.exceeded()
    _arm()  # woken early (clock skew): wait for the rest


def _arm() -> None:
    finite = [b.remaining() for b in _active() if math.isfinite(b.seconds)]
    if finite:
        signal.setitimer(signal.ITIMER_REAL, max(min(finite), 1e-3))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextmanager
def time_limit(seconds: float, what: str, hint: str | None = None) -> Iterator[Budget]:
    """Bound the work inside the block to ``seconds`` of wall-clock time.

    Parameters
    ----------
    seconds : float
        The limit; ``inf`` for none.
    what : str
        What the work is, named in the error.
    hint : str, optional
        How to raise the limit, named in the error.

    Yields
    ------
    Budget
        The block's budget, for cooperative checks.

    Raises
    ------
    BudgetExceeded
        When the block runs past its limit (or an enclosing limit runs out).
    """
    budget = Budget(seconds, what) if hint is None else Budget(seconds, what, hint)
    stack = _active()
    interrupt = can_interrupt()
    if interrupt and not stack:
        _saved_handler.append(signal.signal(signal.SIGALRM, _on_alarm))
    stack.append(budget)
    try:
        if interrupt:
            _arm()
        yield budget
    finally:
        # Disarm before popping, and pop even if a last alarm fires meanwhile, so that a
        # spent budget never outlives its block.
        try:
            if interrupt:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            if stack and stack[-1] is budget:
                stack.pop()
            if interrupt:
                if stack:
                    _arm()
                else:
                    signal.signal(signal.SIGALRM, _saved_handler.pop())


__all__ = ["Budget", "BudgetExceeded", "can_interrupt", "checkpoint", "symbolic_seconds", "time_limit",
           "SYMBOLIC_SECONDS_ENV", "SYMBOLIC_SECONDS_DEFAULT"]
