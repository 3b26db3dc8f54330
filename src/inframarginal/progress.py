"""Progress bars that appear only on work long enough to need one.

A sweep of four million points takes a twentieth of a second; importing tqdm takes about as
long.  :class:`Progress` counts the work done and creates a tqdm bar on standard error only
once the work has lasted :data:`DELAY` seconds, starting it at the count reached (so the bar
and its rate are right); quick work never imports tqdm.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

__all__ = ["DELAY", "Progress"]

#: Seconds of work before a bar appears.
DELAY = 0.5


class Progress:
    """A context manager counting ``total`` units of work, shown as a tqdm bar after :data:`DELAY` s.

    Parameters
    ----------
    total : int
        Units of work in all.
    enabled : bool
        ``False`` shows nothing, ever.
    **bar
        tqdm's options (``unit``, ``desc``, ...).

    Examples
    --------
    >>> with Progress(3, enabled=True, unit="pt") as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    >>> bar.done
    3
    """

    def __init__(self, total: int, enabled: bool = True, **bar: Any):
        self.total, self.enabled, self.options = total, enabled, bar
        self.done = 0
        self._started = time.perf_counter()
        self._bar: Any = None

    def update(self, n: int) -> None:
        """Count ``n`` more units done (and draw the bar, once there is one)."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.enabled and self.done < self.total and time.perf_counter() - self._started >= DELAY:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, initial=self.done, **self.options)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.close()
