"""Best responses of one seller over continuous positions.

Given the positions of the other sellers, a seller's market share as a
function of its own position ``x`` is continuous between the others'
locations but jumps at them: just beside a rival it captures the whole
hinterland, on top of the rival it only gets a split.  The best response
therefore often does not exist; this module reports the supremum, whether it
is attained, the set of maximisers when it is, and the points it is
approached from (with the side) when it is not.  It never returns a fake
maximiser.

Between two rivals the payoff is ``F((x+b)/2) - F((x+a)/2)`` (``F`` the
consumer distribution), a piecewise-quadratic function for a piecewise-linear
density; it is maximised exactly on each quadratic piece (end points and
vertex).

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered: some new developments in the theory of spatial competition",
   Review of Economic Studies 42 (1975) 27-49.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inframarginal.location.arithmetic import FLOAT_TOLERANCE, Number, close, fmt, is_exact
from inframarginal.location.density import PiecewiseLinearDensity, uniform_density
from inframarginal.location.shares import location_markets, market_shares
from inframarginal.location.topology import check_positions


@dataclass(frozen=True)
class Interval:
    """A set of positions ``lo..hi`` with open or closed ends (a point when ``lo == hi``).

    On the circle ``lo`` is in ``[0, 1)`` and ``hi`` may exceed 1 (the set wraps).
    """

    lo: Number
    hi: Number
    lo_closed: bool = True
    hi_closed: bool = True

    @property
    def is_point(self) -> bool:
        """True for a single point."""
        return self.lo == self.hi

    def __str__(self) -> str:
        if self.is_point:
            return fmt(self.lo)
        left = "[" if self.lo_closed else "("
        right = "]" if self.hi_closed else ")"
        if self.hi - self.lo >= 1:
            whole = self.hi - self.lo > 1 or self.lo_closed or self.hi_closed
            return "[0, 1)" if whole else f"[0, 1) except {fmt(self.lo)}"
        if self.hi > 1:
            # A circle arc through 0: shown as two pieces of [0, 1), positions being mod 1.
            head = f"[0, {fmt(self.hi - 1)}{right}"
            return f"{head} and {left}{fmt(self.lo)}, 1)"
        return f"{left}{fmt(self.lo)}, {fmt(self.hi)}{right}"


@dataclass(frozen=True)
class Approach:
    """A point the supremum is approached from, not attained.

    Attributes
    ----------
    point : Number
        The limit position (a rival's location, mod 1 on the circle).
    side : str
        ``"left"`` (positions ``point - e``) or ``"right"`` (``point + e``).
    room : Number
        Length of the open gap on that side: ``point -/+ e`` is in it for ``0 < e < room``.
    """

    point: Number
    side: str
    room: Number

    def __str__(self) -> str:
        return f"approaches {fmt(self.point)} from the {self.side}, not attained"


@dataclass(frozen=True)
class BestResponse:
    """Supremum of one seller's market share over its own position.

    Attributes
    ----------
    value : Number
        The supremum of the seller's share.
    attained : bool
        Whether some position achieves it.
    maximizers : tuple of Interval
        Positions achieving it (empty when not attained).
    approached : tuple of Approach
        Limit points (with side) approaching the supremum where it is not attained.
    description : str
        One line, e.g. ``"supremum 1/2: approaches 1/2 from the left, not attained"``.
    """

    value: Number
    attained: bool
    maximizers: tuple[Interval, ...]
    approached: tuple[Approach, ...]
    description: str


@dataclass(frozen=True)
class _SegmentSup:
    value: Number
    attained: list[Interval]
    approached: list[Approach]


def _tol(x: Number) -> Number:
    return 0 * x if is_exact([x]) else FLOAT_TOLERANCE


def _segment_sup(
    g: Callable[[Number], Number],
    lo: Number,
    hi: Number,
    lo_closed: bool,
    hi_closed: bool,
    kinks: Sequence[Number],
) -> _SegmentSup:
    """Supremum of a continuous piecewise-quadratic ``g`` over an interval ``lo..hi``."""
    grid = [lo, *kinks, hi]
    points: list[tuple[Number, Number]] = []
    flats: list[tuple[Number, Number, Number]] = []
    for p, q in zip(grid, grid[1:], strict=False):
        vp, vm, vq = g(p), g((p + q) / 2), g(q)
        a = 2 * (vp + vq - 2 * vm)
        b = vq - vp - a
        tol = _tol(a)
        points += [(p, vp), (q, vq)]
        if abs(a) <= tol and abs(b) <= tol:
            flats.append((p, q, vp))
        elif a < -tol:
            s = -b / (2 * a)
            if 0 < s < 1:
                points.append((p + s * (q - p), vp - b * b / (4 * a)))
    sup = max(v for _, v in points)
    attained: list[Interval] = []
    for p, q, v in flats:
        if close(v, sup):
            attained.append(Interval(p, q, p != lo or lo_closed, q != hi or hi_closed))
    for x, v in points:
        inside = (lo < x < hi) or (x == lo and lo_closed) or (x == hi and hi_closed)
        if inside and close(v, sup):
            attained.append(Interval(x, x))
    approached: list[Approach] = []
    flat_at = {p for p, _, v in flats if close(v, sup)} | {q for _, q, v in flats if close(v, sup)}
    if not lo_closed and close(g(lo), sup) and lo not in flat_at:
        approached.append(Approach(lo, "right", hi - lo))
    if not hi_closed and close(g(hi), sup) and hi not in flat_at:
        approached.append(Approach(hi, "left", hi - lo))
    return _SegmentSup(sup, attained, approached)


def _merge(intervals: list[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals (points inside intervals vanish)."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda i: (i.lo, i.hi)):
        if out and (
            iv.lo < out[-1].hi or (iv.lo == out[-1].hi and (iv.lo_closed or out[-1].hi_closed))
        ):
            last = out[-1]
            if iv.hi > last.hi or (iv.hi == last.hi and iv.hi_closed):
                out[-1] = Interval(last.lo, iv.hi, last.lo_closed, iv.hi_closed)
            continue
        out.append(iv)
    return out


def _wrap(iv: Interval) -> Interval:
    k = math.floor(iv.lo)
    return Interval(iv.lo - k, iv.hi - k, iv.lo_closed, iv.hi_closed)


def payoff_at(
    x: Number,
    others: Sequence[Number],
    circle: bool = False,
    density: PiecewiseLinearDensity | None = None,
) -> Number:
    """Market share of a seller at ``x`` when the others are at ``others``."""
    return market_shares([x, *others], circle, density)[0]


def best_response(
    others: Sequence[object],
    circle: bool = False,
    density: PiecewiseLinearDensity | None = None,
) -> BestResponse:
    """Best response of one seller to the positions of all the others.

    Parameters
    ----------
    others : sequence of numbers
        Positions of the other sellers (may be empty).  Exact (Fractions) when
        all are ``int``/``Fraction`` and the density (if any) is exact.
    circle : bool, default False
        The segment ``[0, 1]`` or the circle of circumference 1.
    density : PiecewiseLinearDensity, optional
        Consumer density (uniform by default).

    Returns
    -------
    BestResponse
        Supremum, attainment, maximisers or approach points.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> best_response([F(1, 2)]).description
    'supremum 1/2: maximum attained at 1/2'
    >>> best_response([F(3, 4)]).description
    'supremum 3/4: approaches 3/4 from the left, not attained'
    """
    exact = is_exact(others) and (density is None or density.exact)
    one = 1 if exact else 1.0
    if not others:
        whole = Interval(0 * one, one, True, not circle)
        return BestResponse(
            1 + 0 * one, True, (whole,), (), f"supremum 1: maximum attained on {whole}"
        )
    zs = check_positions(others, circle)
    if not exact:
        zs = tuple(float(z) for z in zs)
    dens = density if density is not None else uniform_density(exact)
    locs = sorted(set(zs))

    def gap_payoff(a: Number, b: Number) -> Callable[[Number], Number]:
        return lambda x: dens.mass((x + a) / 2, (x + b) / 2, circle)

    def kinks(lo: Number, hi: Number, anchors: Sequence[Number]) -> list[Number]:
        ks = set()
        for a in anchors:
            for t in dens.kinks((lo + a) / 2, (hi + a) / 2, circle):
                ks.add(2 * t - a)
        return sorted(k for k in ks if lo < k < hi)

    segments: list[_SegmentSup] = []
    if circle:
        ring = [*locs, locs[0] + 1]
        for a, b in zip(ring, ring[1:], strict=False):
            segments.append(_segment_sup(gap_payoff(a, b), a, b, False, False, kinks(a, b, (a, b))))
    else:
        if locs[0] > 0:
            z = locs[0]
            g = lambda x, z=z: dens.cdf((x + z) / 2)  # noqa: E731
            segments.append(_segment_sup(g, 0 * one, z, True, False, kinks(0 * one, z, (z,))))
        for a, b in zip(locs, locs[1:], strict=False):
            segments.append(_segment_sup(gap_payoff(a, b), a, b, False, False, kinks(a, b, (a, b))))
        if locs[-1] < 1:
            z = locs[-1]
            g = lambda x, z=z: 1 - dens.cdf((x + z) / 2)  # noqa: E731
            segments.append(
                _segment_sup(g, z, one + 0 * z, False, True, kinks(z, one + 0 * z, (z,)))
            )
    # Joining a location leaves every market unchanged and splits that location's market
    # among one more seller; computing the markets once keeps this linear in the rivals.
    ys, counts, markets = location_markets(zs, circle, dens)
    joins = [(y, m / (c + 1)) for y, c, m in zip(ys, counts, markets, strict=True)]
    value = max([s.value for s in segments] + [v for _, v in joins])
    attained = [Interval(z, z) for z, v in joins if close(v, value)]
    approached: list[Approach] = []
    for s in segments:
        if close(s.value, value):
            attained += s.attained
            approached += s.approached
    if circle:
        attained = [_wrap(i) for i in attained]
        approached = [Approach(a.point - math.floor(a.point), a.side, a.room) for a in approached]
    maximizers = tuple(_merge(attained))
    approached_t = tuple(sorted(approached, key=lambda a: (a.point, a.side)))
    if maximizers:
        where = ", ".join(str(i) for i in maximizers)
        verb = "at" if all(i.is_point for i in maximizers) else "on"
        text = f"supremum {fmt(value)}: maximum attained {verb} {where}"
        return BestResponse(value, True, maximizers, approached_t, text)
    text = f"supremum {fmt(value)}: " + "; ".join(str(a) for a in approached_t)
    return BestResponse(value, False, (), approached_t, text)
