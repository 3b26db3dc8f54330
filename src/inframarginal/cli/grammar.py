"""The command line's grammar of ranges: ``NAME=START:STOP:COUNT`` axes and ``NAME=START:STOP`` paths.

The engine takes arrays of values (:func:`inframarginal.sweep.make_grid`) and numbers
(:func:`inframarginal.path.structure_path`); only the command line reads text.
"""

from __future__ import annotations

import math
import re

import numpy as np

from inframarginal.errors import SweepError
from inframarginal.sweep import MAX_AXIS_POINTS

__all__ = ["parse_axis", "parse_range"]

_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"


def parse_axis(text: str) -> tuple[str, np.ndarray]:
    """Parse an axis written ``NAME=START:STOP:COUNT`` (COUNT points, both ends included).

    Raises
    ------
    SweepError
        Naming the part that is wrong, e.g. a reversed or empty range.
    """
    example = "for example K=0.05:1:400"
    name, parts = _named_fields(text, "axis", "START:STOP:COUNT", example)
    start, stop = _float(parts[0], "START", text), _float(parts[1], "STOP", text)
    try:
        count = int(parts[2].strip())
    except ValueError:
        raise SweepError(f"axis {text!r}: COUNT {parts[2].strip()!r} is not a whole number ({example})") from None
    if count < 1:
        raise SweepError(f"axis {text!r}: COUNT must be at least 1 (got {count}); the range is empty")
    if count > MAX_AXIS_POINTS:
        raise SweepError(f"--axis {text!r}: COUNT {count:,} exceeds the limit of {MAX_AXIS_POINTS:,} points "
                         f"per axis ({8 * count / 2**30:.2f} GiB for the coordinates alone)")
    _check_order(name, start, stop, text, allow_equal=count == 1)
    return name, np.linspace(start, stop, count)


def _named_fields(text: str, kind: str, form: str, example: str) -> tuple[str, list[str]]:
    """Split ``NAME=A:B[:C]`` into the name and the colon-separated fields ``form`` names."""
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise SweepError(f"{kind} {text!r} is not NAME={form} ({example})")
    parts = rest.split(":")
    if len(parts) != form.count(":") + 1:
        raise SweepError(f"{kind} {text!r}: expected {form} after '{name}=' ({example})")
    return name, parts


def parse_range(text: str) -> tuple[str, float, float]:
    """Parse a path range written ``NAME=START:STOP`` (START < STOP)."""
    name, parts = _named_fields(text, "range", "START:STOP", "for example K=0.05:1")
    start, stop = _float(parts[0], "START", text), _float(parts[1], "STOP", text)
    _check_order(name, start, stop, text, allow_equal=False)
    return name, start, stop


def _float(value: str, what: str, text: str) -> float:
    if not re.fullmatch(_NUMBER, value):
        raise SweepError(f"{text!r}: {what} {value.strip()!r} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise SweepError(f"{text!r}: {what} must be finite")
    return number


def _check_order(name: str, start: float, stop: float, text: str, allow_equal: bool) -> None:
    if start > stop:
        raise SweepError(f"{text!r}: the range of {name} is reversed (START {start:g} > STOP {stop:g}); "
                         f"write {name}={stop:g}:{start:g}...")
    if start == stop and not allow_equal:
        raise SweepError(f"{text!r}: the range of {name} is empty (START = STOP = {start:g})")
