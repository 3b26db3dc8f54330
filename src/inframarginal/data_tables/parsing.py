"""Parse numbers as printed in the seed's tables, flagging doubtful ones.

A well-formed number uses commas as thousands separators and at most one
decimal point (``"-268,039.8"``, ``"367,303"``); a percentage is such a number
followed by ``%``.  Anything else is *malformed*: when a reading is still
plausible (``"-123.468.2"``: every point but the last taken as a thousands
separator, giving -123,468.2) it is returned with ``doubtful=True``,
otherwise the value is NaN.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_WELL_FORMED = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\d+(\.\d+)?$")
_DOTTED = re.compile(r"^-?\d{1,3}(\.\d{3})+\.\d+$")


@dataclass(frozen=True)
class Parsed:
    """A printed cell: its text, the value read and whether the reading is doubtful."""

    printed: str
    value: float
    doubtful: bool
    note: str = ""


def parse_amount(text: str) -> Parsed:
    """Read a printed amount such as ``"35,662.6"``.

    Examples
    --------
    >>> parse_amount("-268,039.8").value
    -268039.8
    >>> p = parse_amount("-123.468.2"); (p.value, p.doubtful)
    (-123468.2, True)
    """
    s = text.strip()
    if _WELL_FORMED.match(s):
        return Parsed(text, float(s.replace(",", "")), False)
    if _DOTTED.match(s):
        head, _, tail = s.rpartition(".")
        value = float(head.replace(".", "") + "." + tail)
        return Parsed(
            text,
            value,
            True,
            f"malformed number {text!r}: read as {value:,.1f} (points as separators)",
        )
    return Parsed(text, math.nan, True, f"malformed number {text!r}: not read")


def parse_percent(text: str) -> Parsed:
    """Read a printed percentage such as ``"29.1%"`` (value in percent)."""
    s = text.strip()
    if s.endswith("%") and _WELL_FORMED.match(s[:-1].strip()):
        return Parsed(text, float(s[:-1]), False)
    return Parsed(text, math.nan, True, f"malformed percentage {text!r}: not read")


_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*\(\s*(Domestic|Global)\s*\)", re.IGNORECASE)


def parse_shares(text: str) -> dict[str, float]:
    """Read ``"80(Domestic), 22( Global)"`` into ``{"domestic": 80.0, "global": 22.0}``."""
    out: dict[str, float] = {}
    for number, scope in _SHARE.findall(text):
        out[scope.lower()] = float(number)
    return out
