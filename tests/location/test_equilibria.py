"""Exact equilibria against classic results and an independent brute force written here."""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction as F

import pytest

from inframarginal.errors import InframarginalError
from inframarginal.location import cross_check, find_equilibria
from inframarginal.location.equilibria import certify, satisfies_characterization


# ---------------------------------------------------------------- test-only oracle
def deviator_share(x, others, circle):
    """Share of a seller at x against `others` (nearest seller, exact; written for the tests)."""
    cnt = Counter(others)
    locs = sorted(cnt)
    if circle:

        def dist(a, b):
            d = abs(a - b)
            return min(d, 1 - d)

        # critical points: all locations, x, and both arc midpoints of every pair
        pts = set(locs) | {x}
        allp = locs + [x]
        for a, b in itertools.combinations(allp, 2):
            m = (a + b) / 2
            pts |= {m % 1, (m + F(1, 2)) % 1}
        cuts = sorted(pts | {F(0)}) + [F(1)]
    else:

        def dist(a, b):
            return abs(a - b)

        pts = {F(0), F(1), x} | set(locs)
        for a, b in itertools.combinations(locs + [x], 2):
            pts.add((a + b) / 2)
        cuts = sorted(pts)
    total = F(0)
    sellers = [(x, "me")] + [(o, "o") for o in others]
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        mid = (a + b) / 2
        dmin = min(dist(mid, s) for s, _ in sellers)
        nearest = [tag for s, tag in sellers if dist(mid, s) == dmin]
        if "me" in nearest:
            total += (b - a) / len(nearest)
    return total


def is_equilibrium(profile, m, circle):
    """No profitable deviation to a grid point (step 1/(2m)) or to z -/+ 1/(1000m) beside a rival."""
    delta = F(1, 1000 * m)
    for i, z in enumerate(profile):
        if z in profile[:i]:
            continue
        others = list(profile[:i] + profile[i + 1 :])
        mine = deviator_share(z, others, circle)
        cands = {F(k, 2 * m) for k in range(2 * m + (0 if circle else 1))}
        for r in others:
            cands |= {r - delta, r + delta}
        for y in cands:
            y = y % 1 if circle else y
            if not 0 <= y <= 1:
                continue
            if deviator_share(y, others, circle) > mine:
                return False
    return True


def grid_profiles(n, m, circle):
    if circle:
        for rest in itertools.combinations_with_replacement(range(m), n - 1):
            yield tuple(F(p, m) for p in (0, *rest))
    else:
        for prof in itertools.combinations_with_replacement(range(m + 1), n):
            yield tuple(F(p, m) for p in prof)


def brute(n, m, circle=False):
    return {p for p in grid_profiles(n, m, circle) if is_equilibrium(p, m, circle)}


# ---------------------------------------------------------------- classic results
CLASSIC_LINE = {
    2: {(F(1, 2), F(1, 2))},
    3: set(),
    4: {(F(1, 4), F(1, 4), F(3, 4), F(3, 4))},
    5: {(F(1, 6), F(1, 6), F(1, 2), F(5, 6), F(5, 6))},
}


@pytest.mark.parametrize("n, m", [(2, 4), (3, 6), (4, 8), (5, 6)])
def test_test_oracle_reproduces_classic_line_results(n, m):
    assert brute(n, m) == CLASSIC_LINE[n]


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_exact_finder_gives_classic_line_results(n):
    res = find_equilibria(n)
    assert {e.positions for e in res.equilibria} == CLASSIC_LINE[n]
    assert res.exists == bool(CLASSIC_LINE[n])
    assert res.continuum == ()
    for e in res.equilibria:
        assert e.verified and all(c.payoff >= c.best_response for c in e.certificate)


def test_two_sellers_compete_to_the_middle():
    res = find_equilibria(2)
    (e,) = res.equilibria
    assert e.positions == (F(1, 2), F(1, 2)) and e.shares == (F(1, 2), F(1, 2))


def test_three_sellers_no_equilibrium_with_reason():
    res = find_equilibria(3)
    assert not res.exists and res.equilibria == () and "no pure-strategy equilibrium" in res.reason


def test_six_sellers_line_continuum():
    res = find_equilibria(6)
    assert res.exists
    assert {e.positions for e in res.equilibria} == {
        (F(1, 6), F(1, 6), F(1, 2), F(1, 2), F(5, 6), F(5, 6))
    }
    (fam,) = res.continuum
    assert fam.pattern == (2, 1, 1, 2) and fam.dimension == 1
    assert "[1/8, 1/6)" in fam.description
    assert fam.representative.verified
    # members of the family found by hand: H = 3/20, free half-gap 1/20
    h = F(3, 20)
    member = (h, h, 3 * h, 3 * h + F(1, 10), 1 - h, 1 - h)
    assert certify(member).verified and satisfies_characterization(member)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_circle_continuum_contains_evenly_spaced(n):
    res = find_equilibria(n, circle=True)
    assert res.exists and res.continuum
    even = tuple(F(i, n) for i in range(n))
    assert certify(even, circle=True).verified
    assert any(f.representative.positions == even for f in res.continuum)
    # rotating an equilibrium keeps it an equilibrium
    assert certify(tuple((x + F(1, 7)) % 1 for x in even), circle=True).verified


@pytest.mark.parametrize("circle", [False, True])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_characterization_matches_independent_brute_force(n, circle):
    m = 6 if not circle else 4 if n <= 4 else 6
    if not circle and n == 6:
        m = 8
    found = brute(n, m, circle)
    predicted = {p for p in grid_profiles(n, m, circle) if satisfies_characterization(p, circle)}
    assert found == predicted
    # and the exact finder's listed equilibria that lie on the grid are found
    res = find_equilibria(n, circle)
    for e in list(res.equilibria) + [f.representative for f in res.continuum]:
        if all((x * m).denominator == 1 for x in e.positions):
            assert e.positions in found


@pytest.mark.parametrize("circle", [False, True])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_library_cross_check_agrees(n, circle):
    res = cross_check(n, circle)
    assert res.agree and res.grids


def test_bad_n():
    for n in (0, -1, 2.5, "3"):
        with pytest.raises(InframarginalError, match="sellers"):
            find_equilibria(n)
