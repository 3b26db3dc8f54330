"""A parameter's domain: an interval of admissible values such as ``(0, 1]``.

Kept apart from :mod:`inframarginal.model` (which needs SymPy) so that a warm command
checks values against domains (:mod:`inframarginal.outline`) with the same rule.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from inframarginal.errors import quote

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf"
# compiled on first use (re keeps it): a warm command reads domains, it parses none
_DOMAIN = rf"^\s*([\(\[])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\)\]])\s*$"


@dataclass(frozen=True)
class Domain:
    """An interval of admissible values, such as ``(0, 1]``."""

    lower: float
    upper: float
    lower_closed: bool
    upper_closed: bool

    @classmethod
    def parse(cls, text: str) -> Domain:
        """Read an interval written as ``(a, b]``, ``[a, inf)`` and so on."""
        match = re.match(_DOMAIN, text) if isinstance(text, str) and len(text) <= 200 else None
        if not match:
            raise ValueError(f"domain {quote(text)} is not an interval such as '(0, 1]' or '[1, inf)'")
        left, low, high, right = match.groups()
        lower, upper = float(low), float(high)
        if not lower < upper:
            raise ValueError(f"domain {quote(text)} is empty: lower bound must be below upper bound")
        return cls(lower, upper, left == "[" and math.isfinite(lower), right == "]" and math.isfinite(upper))

    def __contains__(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value >= self.lower if self.lower_closed else value > self.lower
        below = value <= self.upper if self.upper_closed else value < self.upper
        return above and below

    def __str__(self) -> str:
        def fmt(v: float) -> str:
            return "inf" if math.isinf(v) else f"{v:g}"

        return (
            f"{'[' if self.lower_closed else '('}{fmt(self.lower)}, "
            f"{fmt(self.upper)}{']' if self.upper_closed else ')'}"
        )
