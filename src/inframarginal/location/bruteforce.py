"""Brute-force cross-check of the exact equilibria on a grid (exact rational arithmetic).

Profiles are all multisets of ``n`` points of the grid ``{0, 1/m, ..., 1}``
(on the circle ``{0, ..., (m-1)/m}``, with a seller at 0 to factor out
rotations).  A profile is kept when no seller can do strictly better by
moving to any point of the finer grid with step ``1/(3m)`` **or** to the
one-sided limits beside each rival.  The limits are computed from the fine
grid alone: with uniform consumers a deviator's share is affine in its
position inside an open gap between rivals, so the limit at a rival ``z`` is
``2 s(z - d) - s(z - 2d)`` (``d = 1/(3m)``; every open gap between grid
points holds at least two fine points).  The supremum of an affine function
over an open gap is one of these limits, so the kept profiles are exactly the
Nash equilibria of the continuous game that lie on the grid -- which the
characterisation in :mod:`inframarginal.location.equilibria` must predict.

Everything is integer arithmetic in units of ``1/(6m)``; no code of the exact
finder is used to decide equilibrium here.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from inframarginal.location.arithmetic import LocationError
from inframarginal.location.equilibria import (
    MAX_SELLERS,
    Progress,
    _circle_patterns,
    _line_patterns,
    satisfies_characterization,
)
from inframarginal.location.topology import check_sellers, topology_name

MAX_PROFILES = 200_000
"""Refuse grids with more profiles than this (the check is meant to stay fast)."""

MAX_WORK = 2_000_000
"""Refuse more than this many deviation evaluations (profiles x sellers x fine points) in
one call: a few seconds of exact arithmetic (about 0.4 million evaluations per second)."""


def _deviator_share(
    x: int, locs: list[int], counts: list[int], big_m: int, circle: bool
) -> Fraction:
    """Share of a seller at fine point ``x`` against rivals at fine points ``locs``."""
    k = len(locs)
    j = bisect.bisect_left(locs, x)
    on = j < k and locs[j] == x
    if circle:
        if on:
            prev_ = locs[j - 1] - (big_m if j == 0 else 0)
            next_ = locs[(j + 1) % k] + (big_m if j + 1 >= k else 0)
            width = (next_ - prev_) if k > 1 else 2 * big_m
            return Fraction(width, 2 * big_m * (counts[j] + 1))
        prev_ = locs[j - 1] - (big_m if j == 0 else 0)
        next_ = locs[j % k] + (big_m if j >= k else 0)
        return Fraction(next_ - prev_, 2 * big_m)
    if on:
        left = 0 if j == 0 else locs[j - 1] + x
        right = 2 * big_m if j == k - 1 else x + locs[j + 1]
        return Fraction(right - left, 2 * big_m * (counts[j] + 1))
    left = 0 if j == 0 else locs[j - 1] + x
    right = 2 * big_m if j == k else x + locs[j]
    return Fraction(right - left, 2 * big_m)


def _is_grid_equilibrium(profile: tuple[int, ...], big_m: int, circle: bool) -> bool:
    counter = Counter(profile)
    points = range(big_m) if circle else range(big_m + 1)
    for z in counter:
        rest = counter.copy()
        rest[z] -= 1
        locs = sorted(p for p, c in rest.items() if c > 0)
        counts = [rest[p] for p in locs]
        if not locs:
            continue
        mine = _deviator_share(z, locs, counts, big_m, circle)
        share = {x: _deviator_share(x, locs, counts, big_m, circle) for x in points}
        if max(share.values()) > mine:
            return False
        for r in locs:
            for step in (-1, 1):
                a, b = r + step, r + 2 * step
                if circle:
                    a, b = a % big_m, b % big_m
                elif not (0 <= b <= big_m):
                    continue
                if 2 * share[a] - share[b] > mine:
                    return False
    return True


def _profiles(n: int, m: int, circle: bool):
    if circle:
        for rest in itertools.combinations_with_replacement(range(m), n - 1):
            yield (0, *rest)
    else:
        yield from itertools.combinations_with_replacement(range(m + 1), n)


def _count_profiles(n: int, m: int, circle: bool) -> int:
    from math import comb

    return comb(m + n - 2, n - 1) if circle else comb(m + n, n)


def grid_work(n: int, m: int, circle: bool = False) -> int:
    """Deviation evaluations the brute force spends on grid ``1/m``: profiles x sellers x fine points."""
    return _count_profiles(n, m, circle) * n * (3 * m + (0 if circle else 1))


def _check_grid(n: int, m: object, circle: bool) -> int:
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise LocationError(f"grid: got {m!r}, expected an integer >= 1")
    profiles = _count_profiles(n, m, circle)
    if profiles > MAX_PROFILES:
        raise LocationError(
            f"grid: {m} gives {profiles} profiles for n={n}, expected at most {MAX_PROFILES}"
        )
    work = grid_work(n, m, circle)
    if work > MAX_WORK:
        raise LocationError(
            f"grid: {m} needs {work} deviation evaluations for n={n}, expected at most {MAX_WORK}"
        )
    return m


def grid_equilibria(n: int, m: int, circle: bool = False) -> list[tuple[Fraction, ...]]:
    """Equilibria of the continuous game lying on the grid of step ``1/m``, by brute force.

    Parameters
    ----------
    n : int
        Number of sellers (>= 1).
    m : int
        Grid denominator (>= 1).
    circle : bool, default False
        Topology; on the circle only profiles with a seller at 0 are listed.

    Returns
    -------
    list of tuple of Fraction
        Sorted profiles, in lexicographic order.

    Raises
    ------
    LocationError
        If ``n`` or ``m`` is invalid, or the grid has more than :data:`MAX_PROFILES`
        profiles or needs more than :data:`MAX_WORK` evaluations (:func:`grid_work`).
    """
    n = check_sellers(n)
    m = _check_grid(n, m, circle)
    big_m = 3 * m
    out = []
    for prof in _profiles(n, m, circle):
        if _is_grid_equilibrium(tuple(3 * p for p in prof), big_m, circle):
            out.append(tuple(Fraction(p, m) for p in prof))
    return out


@dataclass(frozen=True)
class GridCheck:
    """Brute force against the characterisation on one grid."""

    grid: int
    profiles: int
    brute_force: tuple[tuple[Fraction, ...], ...]
    predicted: tuple[tuple[Fraction, ...], ...]

    @property
    def agree(self) -> bool:
        """True when both give the same profiles."""
        return self.brute_force == self.predicted


@dataclass(frozen=True)
class CrossCheck:
    """Result of :func:`cross_check`."""

    sellers: int
    topology: str
    grids: tuple[GridCheck, ...]

    @property
    def compared(self) -> bool:
        """True when at least one grid was compared."""
        return bool(self.grids)

    @property
    def agree(self) -> bool:
        """True when at least one grid was compared and every grid agrees."""
        return self.compared and all(g.agree for g in self.grids)


def default_grids(n: int, circle: bool = False) -> tuple[int, ...]:
    """Grids holding the representative equilibria of every pattern, plus ``2n`` and 12.

    Smallest first, as many as fit together in :data:`MAX_WORK` (none when even the
    smallest does not fit: then :func:`cross_check` compares nothing and says so).
    """
    pats = _circle_patterns(n) if circle else _line_patterns(n)
    out, total = [], 0
    for g in sorted({len(p) if circle else 2 * len(p) for p in pats} | {2 * n, 12}):
        work = grid_work(n, g, circle)
        if _count_profiles(n, g, circle) <= MAX_PROFILES and total + work <= MAX_WORK:
            out.append(g)
            total += work
    return tuple(out)


def cross_check(
    n: int,
    circle: bool = False,
    grids: tuple[int, ...] | None = None,
    progress: Progress | None = None,
) -> CrossCheck:
    """Compare grid brute force with the exact characterisation.

    For every grid, the profiles the brute force keeps must be exactly those
    satisfying :func:`~inframarginal.location.equilibria.satisfies_characterization`.

    Parameters
    ----------
    n : int
        Number of sellers, ``1 <= n <= MAX_SELLERS``.
    circle : bool, default False
        Topology.
    grids : tuple of int, optional
        Grid denominators; :func:`default_grids` when omitted (the grids on
        which the representative equilibria of every pattern lie).
    progress : callable, optional
        Called as ``progress(done, total)`` with profiles checked so far.

    Returns
    -------
    CrossCheck
        ``compared`` is False when no grid fits the work limit (``agree`` is then False too).

    Raises
    ------
    LocationError
        For a bad ``n`` or grid, or grids needing more than :data:`MAX_WORK` evaluations in all.
    """
    n = check_sellers(n)
    if n > MAX_SELLERS:
        raise LocationError(f"sellers: got {n}, expected at most {MAX_SELLERS}")
    if grids is None:
        gs = default_grids(n, circle)
    else:
        gs = tuple(_check_grid(n, m, circle) for m in grids)
        total = sum(grid_work(n, m, circle) for m in gs)
        if total > MAX_WORK:
            raise LocationError(
                f"grid: {', '.join(map(str, gs))} need {total} deviation evaluations in all "
                f"for n={n}, expected at most {MAX_WORK}"
            )
    count = sum(_count_profiles(n, m, circle) for m in gs)
    done = 0
    results = []
    for m in gs:
        brute, predicted = [], []
        # One pass per grid: the brute force and the characterisation judge each profile.
        for prof in _profiles(n, m, circle):
            xs = tuple(Fraction(p, m) for p in prof)
            if _is_grid_equilibrium(tuple(3 * p for p in prof), 3 * m, circle):
                brute.append(xs)
            if satisfies_characterization(xs, circle):
                predicted.append(xs)
            done += 1
            if progress is not None and (done % 500 == 0 or done == count):
                progress(done, count)
        results.append(GridCheck(m, _count_profiles(n, m, circle), tuple(brute), tuple(predicted)))
    return CrossCheck(n, topology_name(circle), tuple(results))
