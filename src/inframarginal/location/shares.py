"""Exact market shares of sellers on a line or a circle.

Each consumer buys one unit from the nearest seller; a consumer equidistant
from two locations splits her purchase equally (a measure-zero event), and
sellers at the same location split that location's market equally.  Prices
are fixed and equal, so a seller's payoff is its market share.

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered: some new developments in the theory of spatial competition",
   Review of Economic Studies 42 (1975) 27-49.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from inframarginal.location.arithmetic import Number, is_exact
from inframarginal.location.density import PiecewiseLinearDensity, uniform_density
from inframarginal.location.topology import check_positions


def location_markets(
    positions: Sequence[Number], circle: bool = False, density: PiecewiseLinearDensity | None = None
) -> tuple[tuple[Number, ...], tuple[int, ...], tuple[Number, ...]]:
    """Distinct locations, their seller counts and their whole markets.

    Parameters
    ----------
    positions : sequence of Number
        Validated positions (see :func:`~inframarginal.location.topology.check_positions`).
    circle : bool
        True for the circle of circumference 1.
    density : PiecewiseLinearDensity, optional
        Consumer density; uniform when omitted.

    Returns
    -------
    locations, counts, markets : tuples
        Sorted distinct locations, the number of sellers at each and the mass
        of consumers whose nearest location it is.
    """
    exact = is_exact(positions)
    dens = density if density is not None else uniform_density(exact)
    counter = Counter(positions)
    ys = sorted(counter)
    counts = tuple(counter[y] for y in ys)
    k = len(ys)
    if k == 1:
        return tuple(ys), counts, (1 + 0 * ys[0],)
    markets = []
    for j, y in enumerate(ys):
        if circle:
            prev = ys[j - 1] - 1 if j == 0 else ys[j - 1]
            nxt = ys[0] + 1 if j == k - 1 else ys[j + 1]
            markets.append(dens.mass((prev + y) / 2, (y + nxt) / 2, circle=True))
        else:
            lo = 0 * y if j == 0 else (ys[j - 1] + y) / 2
            hi = 1 + 0 * y if j == k - 1 else (y + ys[j + 1]) / 2
            markets.append(dens.mass(lo, hi))
    return tuple(ys), counts, tuple(markets)


def market_shares(
    positions: Sequence[object],
    circle: bool = False,
    density: PiecewiseLinearDensity | None = None,
) -> tuple[Number, ...]:
    """Market share of each seller, in the order given.

    Parameters
    ----------
    positions : sequence of numbers
        Seller positions in ``[0, 1]`` (on the circle 1 is identified with 0).
        All ``int``/``Fraction`` gives exact Fraction shares, otherwise floats.
    circle : bool, default False
        Beach topology: the segment ``[0, 1]`` or the circle of circumference 1.
    density : PiecewiseLinearDensity, optional
        Consumer density (uniform by default).

    Returns
    -------
    tuple of Number
        Shares summing to 1.

    Raises
    ------
    LocationError
        If a position is off the beach or the list is empty.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> market_shares([F(1, 4), F(3, 4)])
    (Fraction(1, 2), Fraction(1, 2))
    >>> market_shares([F(1, 2), F(1, 2), F(3, 4)])
    (Fraction(5, 16), Fraction(5, 16), Fraction(3, 8))
    """
    xs = check_positions(positions, circle)
    ys, counts, markets = location_markets(xs, circle, density)
    per_seller = {y: m / c for y, c, m in zip(ys, counts, markets, strict=True)}
    return tuple(per_seller[x] for x in xs)
