"""Enclosures of a compiled program's floats over boxes of its arguments (interval arithmetic).

A sweep evaluates each structure's closed forms (a :class:`~inframarginal.numeric_tree.Program`)
at every point of a grid.  :func:`enclose` evaluates the same program on *intervals* of its
arguments and returns, for each output, bounds ``lo <= value <= hi`` that hold for the float
the program computes at **every** point of the box, not only for the exact real value:

- ``+ - * /``, ``sqrt`` and negation are correctly rounded in IEEE 754 arithmetic, and
  rounding to nearest is monotone, so the endpoints computed with the same operations
  enclose every float the pointwise evaluation can produce (no widening is needed);
- ``log``, ``exp`` and ``**`` are not correctly rounded: their endpoints are widened by
  :data:`TRANSCENDENTAL_ULPS` units in the last place (libm and NumPy's vectorised
  versions stay within 4);
- an operation that may give NaN somewhere in the box (the logarithm or square root of a
  possibly negative number, a division by an interval holding 0, ``0 * inf``) gives NaN
  bounds: "unknown", which every comparison treats as undecided.

Arguments are ``(lo, hi)`` pairs of arrays (one box per element, broadcast together) or
plain numbers (exact).  Used by :mod:`inframarginal.tiled` to settle whole boxes of a sweep.

References
----------
R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM, 2009.
IEEE 754-2019, section 4.3 (rounding to nearest is monotone) and 5.4 (correctly rounded operations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from inframarginal.numeric_tree import Program

__all__ = ["TRANSCENDENTAL_ULPS", "Enclosure", "enclose"]

#: Units in the last place by which the endpoints of ``log``, ``exp`` and ``**`` are widened:
#: the pointwise result and the endpoint may each be 4 ulps off the exact value, and more
#: is allowed for safety.
TRANSCENDENTAL_ULPS = 16
_REL = TRANSCENDENTAL_ULPS * np.finfo(float).eps / 2
_TINY = 1e-300  # absolute slack covering results that underflow to subnormal numbers


class Enclosure(NamedTuple):
    """Bounds ``lo <= value <= hi`` of a program's float over each box (NaN: unknown)."""

    lo: Any
    hi: Any


def enclose(program: Program, arguments: Sequence[Enclosure | tuple[Any, Any] | float],
            known: Mapping[int, Enclosure] | None = None) -> list[Enclosure]:
    """Enclosures of every output of ``program`` over boxes of its ``arguments``.

    Parameters
    ----------
    program : Program
        A checked program (:func:`inframarginal.numeric_tree.encode_program`).
    arguments : sequence
        One per argument: a ``(lo, hi)`` pair of arrays, broadcastable against the others, or
        a number (an exact value).
    known : mapping, optional
        Enclosures of some nodes of the program's trees, by ``id`` of the node, used instead of
        evaluating them (tighter ones: the exact range of a subexpression of one argument).

    Returns
    -------
    list of Enclosure
        One per output, in order; ``lo`` and ``hi`` are NaN where the value is not bounded.

    Examples
    --------
    >>> from inframarginal.numeric_tree import Program
    >>> square_minus_x = Program({"arguments": ["x"], "assignments": [],
    ...     "outputs": [["-", ["**", ["a", 0], ["i", "2"]], ["a", 0]]], "sequence": True})
    >>> bounds = enclose(square_minus_x, [(np.array(2.0), np.array(3.0))])[0]
    >>> bool(bounds.lo <= 4 - 3 and 9 - 2 <= bounds.hi)
    True
    """
    args = [_exact(a) if isinstance(a, int | float) else Enclosure(*(np.asarray(v, dtype=float) for v in a))
            for a in arguments]
    local: list[Enclosure] = []
    given = known or {}
    for tree in program.assignments:
        local.append(_evaluate(tree, args, local, given))
    return [_evaluate(tree, args, local, given) for tree in program.outputs]


def _exact(value: float) -> Enclosure:
    v = np.float64(value)
    return Enclosure(v, v)


def _evaluate(tree: Any, args: Sequence[Enclosure], local: Sequence[Enclosure],
              known: Mapping[int, Enclosure]) -> Enclosure:
    if known and id(tree) in known:
        return known[id(tree)]
    tag = tree[0]
    if tag == "a":
        return args[int(tree[1])]
    if tag == "v":
        return local[int(tree[1])]
    if tag == "i" or tag == "f":
        return _exact(float(tree[1]))
    if tag == "neg":
        x = _evaluate(tree[1], args, local, known)
        return Enclosure(-x.hi, -x.lo)
    if tag == "pos":
        return _evaluate(tree[1], args, local, known)
    if tag == "call":
        x = _evaluate(tree[2], args, local, known)
        return _CALLS[tree[1].rsplit(".", 1)[1]](x)
    x, y = _evaluate(tree[1], args, local, known), _evaluate(tree[2], args, local, known)
    return _BINARY[tag](x, y)


def _unknown_where(bad: Any, lo: Any, hi: Any) -> Enclosure:
    if np.any(bad):
        lo, hi = np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
    return Enclosure(lo, hi)


def _widen(lo: Any, hi: Any) -> Enclosure:
    """Endpoints of a function that is not correctly rounded, widened to cover its error."""
    with np.errstate(invalid="ignore"):  # inf - inf where an endpoint is infinite: kept below
        wide_lo = np.where(np.isinf(lo), lo, lo - np.abs(lo) * _REL - _TINY)
        wide_hi = np.where(np.isinf(hi), hi, hi + np.abs(hi) * _REL + _TINY)
    return Enclosure(wide_lo, wide_hi)


def _add(x: Enclosure, y: Enclosure) -> Enclosure:
    return Enclosure(x.lo + y.lo, x.hi + y.hi)  # -inf + inf gives NaN: unknown


def _sub(x: Enclosure, y: Enclosure) -> Enclosure:
    return Enclosure(x.lo - y.hi, x.hi - y.lo)


def _mul(x: Enclosure, y: Enclosure) -> Enclosure:
    products = (x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi)  # 0 * inf is NaN: unknown
    return Enclosure(np.minimum.reduce(products), np.maximum.reduce(products))


def _div(x: Enclosure, y: Enclosure) -> Enclosure:
    quotients = (x.lo / y.lo, x.lo / y.hi, x.hi / y.lo, x.hi / y.hi)
    zero_inside = ~((y.lo > 0) | (y.hi < 0))
    return _unknown_where(zero_inside, np.minimum.reduce(quotients), np.maximum.reduce(quotients))


def _pow(x: Enclosure, y: Enclosure) -> Enclosure:
    exponent = y.lo
    if np.ndim(exponent) == 0 and exponent == y.hi and np.isfinite(exponent):
        return _power(x, float(exponent))
    # a varying exponent: the exact x ** y = exp(y log x) (x >= 0) is enclosed, each rounded step
    # widened; the pointwise float is within a few ulps of it
    return _widen(*_exp(_widen(*_mul(y, _log(x)))))


def _power(x: Enclosure, n: float) -> Enclosure:
    if n == 0:
        return _exact(1.0)
    if n == int(n):
        a, b = x.lo ** n, x.hi ** n
        if n > 0 and int(n) % 2 == 0:  # even: smallest at the point nearest 0, never negative
            straddles = (x.lo < 0) & (x.hi > 0)
            bounds = _widen(np.minimum(a, b), np.maximum(a, b))
            return Enclosure(np.where(straddles, 0.0, np.maximum(bounds.lo, 0.0)), bounds.hi)
        if n > 0:  # odd: increasing
            return _widen(a, b)
        # negative: 1 / x**|n|, unbounded where x may be 0
        zero_inside = ~((x.lo > 0) | (x.hi < 0))
        bounds = _widen(np.minimum(a, b), np.maximum(a, b))
        return _unknown_where(zero_inside, bounds.lo, bounds.hi)
    # a fractional power: defined for x >= 0, monotone in x
    a, b = x.lo ** n, x.hi ** n
    bounds = _widen(a, b) if n > 0 else _widen(b, a)
    return _unknown_where(~(x.lo >= 0), bounds.lo, bounds.hi)


def _log(x: Enclosure) -> Enclosure:
    with np.errstate(divide="ignore", invalid="ignore"):
        bounds = _widen(np.log(x.lo), np.log(x.hi))
    return _unknown_where(~(x.lo >= 0), bounds.lo, bounds.hi)


def _exp(x: Enclosure) -> Enclosure:
    bounds = _widen(np.exp(x.lo), np.exp(x.hi))
    return Enclosure(np.maximum(bounds.lo, 0.0), bounds.hi)


def _sqrt(x: Enclosure) -> Enclosure:
    with np.errstate(invalid="ignore"):
        return _unknown_where(~(x.lo >= 0), np.sqrt(x.lo), np.sqrt(x.hi))


_BINARY = {"+": _add, "-": _sub, "*": _mul, "/": _div, "**": _pow}
# numpy.emath's complex results are not enclosed: evaluating them gives NaN bounds
_CALLS = {"log": _log, "exp": _exp, "sqrt": _sqrt}
