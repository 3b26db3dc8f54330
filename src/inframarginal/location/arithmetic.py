"""Exact-or-float numbers used by the location games.

Every quantity of the beach game (positions, market shares, distances) is
computed exactly with :class:`fractions.Fraction` when all inputs are exact
(``int`` or ``Fraction``) and with ``float`` otherwise.  This module holds the
few helpers that make the two modes share one code path: conversion, tolerant
comparison and formatting.

Exact numbers are shown either as fractions (``1/3``, the default of the
Python API) or as decimals (``0.3``); the command line picks decimals unless
an input was written as a fraction (see :func:`display_fractions`).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from collections.abc import Iterable, Iterator
from decimal import Context, Decimal
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


MAX_NUMBER_CHARS = 40
"""Longest number text accepted (keeps exact arithmetic on small integers)."""

# Integers, decimals with an exponent of at most two digits, or integer fractions a/b.
# A bounded exponent matters: Fraction("1e-99999999") would build a 100-million-digit integer.
_NUMBER = re.compile(r"[+-]?(?:\d+/\d+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,2})?)")


def parse_number(text: str, field: str) -> Fraction:
    """Parse ``"1/4"``, ``"0.25"``, ``"2.5e-1"`` or ``"3"`` exactly into a ``Fraction``.

    Raises
    ------
    LocationError
        If ``text`` is not such a number, is longer than :data:`MAX_NUMBER_CHARS`
        characters or has a zero denominator.
    """
    body = text.strip()
    expected = f"expected a number such as 0.25 or 1/4 (at most {MAX_NUMBER_CHARS} characters)"
    if len(body) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(body):
        shown = body if len(body) <= MAX_NUMBER_CHARS else body[:MAX_NUMBER_CHARS] + "..."
        raise LocationError(f"{field}: got {shown!r}, {expected}")
    try:
        return Fraction(body)
    except ZeroDivisionError:
        raise LocationError(f"{field}: got {body!r}, expected a nonzero denominator") from None


def parse_numbers(text: str, field: str, limit: int | None = None) -> tuple[Fraction, ...]:
    """Parse a comma-separated list of numbers exactly (see :func:`parse_number`).

    Raises
    ------
    LocationError
        If the list is empty, holds more than ``limit`` numbers or a bad number.
    """
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise LocationError(f"{field}: got {text[:40]!r}, expected comma-separated numbers")
    if limit is not None and len(parts) > limit:
        raise LocationError(f"{field}: got {len(parts)} numbers, expected at most {limit}")
    return tuple(parse_number(p, field) for p in parts)


def written_as_fraction(*texts: str | None) -> bool:
    """True when one of the input texts writes a number as a fraction (``a/b``)."""
    return any(t is not None and "/" in t for t in texts)


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


_FRACTIONS = contextvars.ContextVar("inframarginal_location_fractions", default=True)

DECIMAL_DIGITS = 12
"""Significant digits of a decimal that does not terminate (``1/3`` shows as ``0.333333333333``)."""


@contextlib.contextmanager
def display_fractions(fractions: bool) -> Iterator[None]:
    """Show exact numbers as fractions (True) or decimals (False) inside the block.

    Every description, reason and JSON value built inside the block follows the choice.
    """
    token = _FRACTIONS.set(fractions)
    try:
        yield
    finally:
        _FRACTIONS.reset(token)


def decimal_text(value: Fraction) -> str:
    """A fraction as a decimal: exact when it terminates within 20 places, else 12 digits.

    Examples
    --------
    >>> decimal_text(Fraction(3, 10)), decimal_text(Fraction(-13, 8)), decimal_text(Fraction(1, 3))
    ('0.3', '-1.625', '0.333333333333')
    """
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    places = max(twos, fives)
    if den == 1 and places <= 20:
        scaled = abs(value.numerator) * 10**places // value.denominator
        whole, frac = divmod(scaled, 10**places)
        text = str(whole) + ("." + str(frac).rjust(places, "0").rstrip("0") if frac else "")
        return ("-" if value < 0 else "") + text
    q = Context(prec=DECIMAL_DIGITS).divide(Decimal(value.numerator), Decimal(value.denominator))
    return format(q.normalize(), "f") if abs(q) >= Decimal("1e-6") else format(q, "e")


def fmt(value: Number) -> str:
    """Format a number: ``"1/4"`` or ``"0.25"`` for exact numbers (see :func:`display_fractions`), 12 digits for floats."""
    if isinstance(value, Fraction | int) and not isinstance(value, bool):
        value = Fraction(value)
        return str(value) if _FRACTIONS.get() else decimal_text(value)
    return f"{value:.12g}"


def to_json(value: Number) -> str | float:
    """JSON form of a number: exact numbers as strings (``"1/4"`` or ``"0.25"``), floats as floats."""
    if isinstance(value, Fraction | int) and not isinstance(value, bool):
        return fmt(value)
    return float(value)
