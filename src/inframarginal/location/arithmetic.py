"""Exact-or-float numbers used by the location games.

Every quantity of the beach game (positions, market shares, distances) is
computed exactly with :class:`fractions.Fraction` when all inputs are exact
(``int`` or ``Fraction``) and with ``float`` otherwise.  This module holds the
few helpers that make the two modes share one code path: conversion, tolerant
comparison and formatting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

from inframarginal.errors import InframarginalError

Number = Fraction | float
"""A position, share or distance: exact (``Fraction``) or approximate (``float``)."""

FLOAT_TOLERANCE = 1e-12
"""Absolute tolerance used to compare floats (exact numbers are compared exactly)."""


class LocationError(InframarginalError):
    """Bad input to a location game (a position off the beach, ``n < 1``, a bad density)."""


def is_exact(values: Iterable[object]) -> bool:
    """Return True when every value is an ``int`` or a ``Fraction`` (not a bool)."""
    return all(isinstance(v, int | Fraction) and not isinstance(v, bool) for v in values)


def as_number(value: object, field: str, exact: bool) -> Number:
    """Convert ``value`` to ``Fraction`` (``exact``) or ``float``.

    Raises
    ------
    LocationError
        If ``value`` is not a finite real number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise LocationError(f"{field}: got {value!r}, expected a real number")
    if isinstance(value, float) and not math.isfinite(value):
        raise LocationError(f"{field}: got {value!r}, expected a finite number")
    return Fraction(value) if exact else float(value)


def parse_number(text: str, field: str) -> Fraction:
    """Parse ``"1/4"``, ``"0.25"`` or ``"3"`` exactly into a ``Fraction``.

    Raises
    ------
    LocationError
        If ``text`` is not a number.
    """
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise LocationError(
            f"{field}: got {text!r}, expected a number such as 0.25 or 1/4"
        ) from None


def parse_numbers(text: str, field: str) -> tuple[Fraction, ...]:
    """Parse a comma-separated list of numbers exactly (see :func:`parse_number`)."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise LocationError(f"{field}: got {text!r}, expected comma-separated numbers")
    return tuple(parse_number(p, field) for p in parts)


def close(a: Number, b: Number) -> bool:
    """Exact equality for fractions, equality within :data:`FLOAT_TOLERANCE` for floats."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    return abs(float(a) - float(b)) <= FLOAT_TOLERANCE


def at_least(a: Number, b: Number) -> bool:
    """``a >= b`` exactly, or within :data:`FLOAT_TOLERANCE` for floats."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a >= b
    return float(a) >= float(b) - FLOAT_TOLERANCE


def fmt(value: Number) -> str:
    """Format a number: ``"1/4"`` for fractions (``"0"``, ``"1"`` for integers), ``repr``-like for floats."""
    if isinstance(value, Fraction):
        return str(value)
    return f"{value:.12g}"


def to_json(value: Number) -> str | float:
    """JSON form of a number: exact fractions as strings (``"1/4"``), floats as floats."""
    return str(value) if isinstance(value, Fraction) else float(value)
