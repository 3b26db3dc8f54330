"""Consumers' travel distance: social optimum, clustering agreement, welfare gap.

With fixed equal prices, welfare is measured by the average distance a
consumer walks to the nearest seller.  The social optimum puts ``n`` sellers
at ``(2i - 1)/(2n)`` on the line (each serves an interval of length ``1/n``
from its midpoint) and evenly on the circle; both give average distance
``1/(4n)``.  A *clustering agreement* (the seed's exclusive agreement between
merchants) fixes that pattern and lets each seller keep an equal share
``1/n``; competition instead drives sellers to the Nash equilibria of
:mod:`inframarginal.location.equilibria` (both at 1/2 for two sellers on the
line: average distance 1/4 against 1/8 at the optimum).

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered", Review of Economic Studies 42 (1975) 27-49.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from inframarginal.location.arithmetic import LocationError, Number, fmt, is_exact, to_json
from inframarginal.location.density import PiecewiseLinearDensity, uniform_density
from inframarginal.location.equilibria import MAX_SELLERS, Progress, find_equilibria
from inframarginal.location.shares import market_shares
from inframarginal.location.topology import check_positions, check_sellers, topology_name


def _linear_moment(
    dens: PiecewiseLinearDensity, u: Number, v: Number, y: Number, circle: bool
) -> Number:
    """Integral of ``|t - y| f(t)`` over ``[u, v]`` where ``t - y`` has one sign."""
    cuts = [u, *dens.kinks(u, v, circle), v]
    total = 0 * u
    for p, q in zip(cuts, cuts[1:], strict=False):
        if p == q:
            continue  # an empty piece (a seller at the very end of the beach): no consumers
        k = math.floor((p + q) / 2) if circle else 0
        fp, fq = dens.pdf(p - k), dens.pdf(q - k)
        beta = (fq - fp) / (q - p)
        alpha = fp - beta * p

        def anti(t: Number, alpha: Number = alpha, beta: Number = beta) -> Number:
            return alpha * (t * t / 2 - y * t) + beta * (t * t * t / 3 - y * t * t / 2)

        total += anti(q) - anti(p)
    return abs(total)


def average_distance(
    positions: Sequence[object],
    circle: bool = False,
    density: PiecewiseLinearDensity | None = None,
) -> Number:
    """Average distance from a consumer to her nearest seller.

    Parameters
    ----------
    positions : sequence of numbers
        Seller positions (exact when all are ``int``/``Fraction``).
    circle : bool, default False
        Topology.
    density : PiecewiseLinearDensity, optional
        Consumer density (uniform by default).

    Returns
    -------
    Number
        ``integral of min_i |t - x_i| f(t) dt`` (arc distance on the circle).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> average_distance([F(1, 2), F(1, 2)])
    Fraction(1, 4)
    >>> average_distance([F(1, 4), F(3, 4)])
    Fraction(1, 8)
    """
    xs = check_positions(positions, circle)
    exact = is_exact(xs) and (density is None or density.exact)
    dens = density if density is not None else uniform_density(exact)
    ys = sorted(set(xs))
    k = len(ys)
    total = 0 * ys[0]
    for j, y in enumerate(ys):
        if circle:
            prev = (ys[j - 1] - (1 if j == 0 else 0)) if k > 1 else y - 1
            nxt = (ys[(j + 1) % k] + (1 if j == k - 1 else 0)) if k > 1 else y + 1
            lo, hi = (prev + y) / 2, (y + nxt) / 2
        else:
            lo = 0 * y if j == 0 else (ys[j - 1] + y) / 2
            hi = 1 + 0 * y if j == k - 1 else (y + ys[j + 1]) / 2
        total += _linear_moment(dens, lo, y, y, circle) + _linear_moment(dens, y, hi, y, circle)
    return total


@dataclass(frozen=True)
class Outcome:
    """Seller positions with their shares and the consumers' average distance."""

    label: str
    positions: tuple[Number, ...]
    shares: tuple[Number, ...]
    average_distance: Number

    def to_dict(self) -> dict:
        """JSON-ready form (exact numbers as strings)."""
        return {
            "label": self.label,
            "positions": [to_json(x) for x in self.positions],
            "shares": [to_json(s) for s in self.shares],
            "average_distance": to_json(self.average_distance),
        }


def _outcome(label: str, positions: Sequence[Number], circle: bool) -> Outcome:
    xs = tuple(positions)
    return Outcome(label, xs, market_shares(xs, circle), average_distance(xs, circle))


def social_optimum(n: int, circle: bool = False) -> Outcome:
    """Positions minimising the average travel distance of uniform consumers.

    Parameters
    ----------
    n : int
        Number of sellers (>= 1).
    circle : bool, default False
        Topology.

    Returns
    -------
    Outcome
        Line: ``(2i - 1)/(2n)``; circle: ``i/n`` (any rotation); average distance ``1/(4n)``.

    Notes
    -----
    Each seller serves a set of consumers; given its set, the distance is
    smallest at the set's median, and splitting the beach into ``n`` equal
    intervals minimises the sum of squared lengths (``sum l_i^2 / 4``) under
    ``sum l_i = 1``.
    """
    n = check_sellers(n)
    if circle:
        xs = tuple(Fraction(i, n) for i in range(n))
    else:
        xs = tuple(Fraction(2 * i - 1, 2 * n) for i in range(1, n + 1))
    return _outcome("social optimum", xs, circle)


def clustering_agreement(n: int, circle: bool = False) -> Outcome:
    """Outcome of a clustering agreement: the optimal pattern with equal shares ``1/n``.

    The agreement restores the social optimum (for two sellers on the line:
    1/4 and 3/4) and, unlike competition, gives every seller the same share.
    """
    opt = social_optimum(n, circle)
    return Outcome("clustering agreement", opt.positions, opt.shares, opt.average_distance)


@dataclass(frozen=True)
class WelfareComparison:
    """Competitive equilibria against the optimum / clustering agreement.

    Attributes
    ----------
    optimum, agreement : Outcome
        The social optimum and the clustering-agreement outcome.
    equilibria : tuple of Outcome
        Isolated equilibria and one representative per continuum family.
    gap : Number or None
        Largest equilibrium average distance minus the optimum's (None if no equilibrium).
    description : str
        One paragraph in words.
    """

    sellers: int
    topology: str
    optimum: Outcome
    agreement: Outcome
    equilibria: tuple[Outcome, ...]
    gap: Number | None
    description: str

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "sellers": self.sellers,
            "topology": self.topology,
            "optimum": self.optimum.to_dict(),
            "agreement": self.agreement.to_dict(),
            "equilibria": [e.to_dict() for e in self.equilibria],
            "gap": None if self.gap is None else to_json(self.gap),
            "description": self.description,
        }


def welfare_comparison(
    n: int, circle: bool = False, progress: Progress | None = None
) -> WelfareComparison:
    """Welfare gap between competition (Nash equilibria) and the social optimum.

    Parameters
    ----------
    n : int
        Number of sellers, ``1 <= n <= MAX_SELLERS``.
    circle : bool, default False
        Topology.
    progress : callable, optional
        Passed to :func:`~inframarginal.location.equilibria.find_equilibria`.

    Returns
    -------
    WelfareComparison

    Raises
    ------
    LocationError
        If ``n`` is not an integer in ``1..MAX_SELLERS``.

    Examples
    --------
    >>> w = welfare_comparison(2)
    >>> str(w.optimum.average_distance), str(w.equilibria[0].average_distance), str(w.gap)
    ('1/8', '1/4', '1/8')
    """
    n = check_sellers(n)
    if n > MAX_SELLERS:
        # Checked first: the optimum alone is cheap, but the comparison needs every equilibrium.
        raise LocationError(f"sellers: got {n}, expected at most {MAX_SELLERS}")
    opt = social_optimum(n, circle)
    agr = clustering_agreement(n, circle)
    eqs = find_equilibria(n, circle, progress)
    outs = [_outcome("equilibrium", e.positions, circle) for e in eqs.equilibria]
    listed = {o.positions for o in outs}
    for fam in eqs.continuum:
        if fam.representative.positions not in listed:
            label = f"equilibrium (representative of family {','.join(map(str, fam.pattern))})"
            outs.append(_outcome(label, fam.representative.positions, circle))
    if not outs:
        text = (
            f"{n} sellers on the {topology_name(circle)}: no pure-strategy equilibrium, so no "
            f"competitive benchmark; the optimum has average distance {fmt(opt.average_distance)}"
        )
        return WelfareComparison(n, topology_name(circle), opt, agr, (), None, text)
    worst = max(o.average_distance for o in outs)
    gap = worst - opt.average_distance
    text = (
        f"{n} sellers on the {topology_name(circle)}: optimum and clustering agreement at "
        f"{', '.join(fmt(x) for x in opt.positions)} (average distance "
        f"{fmt(opt.average_distance)}, equal shares {fmt(Fraction(1, n))}); the competitive "
        f"equilibria listed (isolated ones, one representative per continuum) have average "
        f"distance up to {fmt(worst)}; welfare gap {fmt(gap)}"
    )
    return WelfareComparison(n, topology_name(circle), opt, agr, tuple(outs), gap, text)
