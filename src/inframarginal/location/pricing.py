r"""Locations then prices: Hotelling's duopoly with linear or quadratic transport costs.

Two firms at ``x1 <= x2`` on the beach ``[0, 1]`` with uniform consumers of
unit demand sell at prices ``p1, p2`` (marginal cost ``c``); a consumer at
``s`` buys from the firm minimising ``p_i + T(|s - x_i|)`` with
``T(d) = t d`` (linear) or ``T(d) = t d^2`` (quadratic), splitting ties.

* Quadratic costs [3]_: for any ``x1 < x2`` the price subgame has the unique
  equilibrium ``p_i = c + t (x2 - x1)(3 \pm (a - b))/3`` (``a = x1``,
  ``b = 1 - x2``); firm 1's profit ``(t/18)(1-a-b)(3+a-b)^2`` falls in ``a``,
  so the two-stage equilibrium is *maximal differentiation*: ``x = (0, 1)``,
  ``p = c + t``.
* Linear costs [1]_ [3]_: a pure price equilibrium exists iff
  ``(1 + (a-b)/3)^2 >= 4(a + 2b)/3`` and ``(1 + (b-a)/3)^2 >= 4(b + 2a)/3``
  (symmetric firms: ``x1 <= 1/4``), when prices are ``c + t(1 +/- (a-b)/3)``;
  closer firms trigger undercutting cycles.  The two-stage game has no
  pure-strategy subgame-perfect equilibrium.

Every equilibrium reported is checked against exact best-response prices
(with non-attained undercutting suprema reported as such).

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered", Review of Economic Studies 42 (1975) 27-49.
.. [3] C. d'Aspremont, J. J. Gabszewicz and J.-F. Thisse, "On Hotelling's
   'Stability in competition'", Econometrica 47 (1979) 1145-1150.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from inframarginal.location.arithmetic import (
    LocationError,
    Number,
    as_number,
    at_least,
    fmt,
    is_exact,
    to_json,
)
from inframarginal.location.topology import check_positions

COSTS = ("linear", "quadratic")


@dataclass(frozen=True)
class Market:
    """Locations (``x1 <= x2``), transport cost form and rate, marginal cost."""

    locations: tuple[Number, Number]
    cost: str
    rate: Number
    marginal_cost: Number


def market(
    locations: Sequence[object],
    cost: str = "quadratic",
    rate: object = 1,
    marginal_cost: object = 0,
) -> Market:
    """Validate a duopoly market.

    Raises
    ------
    LocationError
        If there are not two locations in ``[0, 1]`` in increasing order, the
        cost form is unknown, the rate is not positive or the marginal cost negative.
    """
    if len(locations) != 2:
        raise LocationError(f"locations: got {len(locations)} values, expected 2 (x1 <= x2)")
    if cost not in COSTS:
        raise LocationError(f"cost: got {cost!r}, expected one of {', '.join(COSTS)}")
    exact = is_exact([*locations, rate, marginal_cost])
    x1, x2 = check_positions(locations)
    if not exact:
        x1, x2 = float(x1), float(x2)
    if x1 > x2:
        raise LocationError(f"locations: got {fmt(x1)}, {fmt(x2)}, expected x1 <= x2")
    t = as_number(rate, "rate", exact)
    c = as_number(marginal_cost, "marginal_cost", exact)
    if not t > 0:
        raise LocationError(f"rate: got {fmt(t)}, expected a positive transport cost rate")
    if c < 0:
        raise LocationError(f"marginal_cost: got {fmt(c)}, expected >= 0")
    return Market((x1, x2), cost, t, c)


def _mirror(mk: Market, firm: int) -> tuple[Number, Number]:
    """Locations seen from ``firm`` (0 or 1): firm 2's problem is firm 1's on the mirrored beach."""
    x1, x2 = mk.locations
    return (x1, x2) if firm == 0 else (1 - x2, 1 - x1)


def demand(mk: Market, own: Number, other: Number, firm: int = 0) -> Number:
    """Exact demand of ``firm`` (0: left, 1: right) at prices ``own`` and ``other``."""
    x1, x2 = _mirror(mk, firm)
    t = mk.rate
    d = x2 - x1
    half = Fraction(1, 2) if isinstance(d, Fraction) else 0.5
    if d == 0:
        return 1 + 0 * d if own < other else (half if own == other else 0 * d)
    if mk.cost == "quadratic":
        s = (x1 + x2) / 2 + (other - own) / (2 * t * d)
        return min(max(s, 0 * s), 1 + 0 * s)
    if own - other + t * d < 0:
        return 1 + 0 * d
    if own - other + t * d == 0:
        return x2 + (1 - x2) * half
    if own - other - t * d > 0:
        return 0 * d
    if own - other - t * d == 0:
        return x1 * half
    return (other - own + t * (x1 + x2)) / (2 * t)


def profit(mk: Market, own: Number, other: Number, firm: int = 0) -> Number:
    """Profit ``(own - c) * demand`` of ``firm``."""
    return (own - mk.marginal_cost) * demand(mk, own, other, firm)


@dataclass(frozen=True)
class PriceResponse:
    """Supremum of a firm's profit over its own price given the rival's price."""

    value: Number
    attained: bool
    price: Number
    description: str


def price_best_response(mk: Market, other: Number, firm: int = 0) -> PriceResponse:
    """Exact best-response price of ``firm`` to the rival's price ``other``.

    Returns the supremum of profit; when it is only approached (undercutting
    the rival by less and less under linear costs) ``attained`` is False and
    ``price`` is the limit price.
    """
    x1, x2 = _mirror(mk, firm)
    t, c = mk.rate, mk.marginal_cost
    d = x2 - x1
    cands: list[tuple[Number, bool, Number]] = []  # (value, attained, price)
    if d == 0:
        if other > c:
            cands.append(((other - c), False, other))
        cands.append((0 * t, True, c + 0 * t))
    elif mk.cost == "quadratic":
        lo = other - t * d * (2 - x1 - x2)  # demand 1 at and below this price
        hi = other + t * d * (x1 + x2)  # demand 0 at and above
        star = (other + c + t * d * (x1 + x2)) / 2
        for p in (lo, hi, min(max(star, lo), hi), c + 0 * t):
            if p >= c:
                cands.append((profit(mk, p, other, firm), True, p))
    else:
        cut = other - t * d
        if cut > c:
            cands.append(((cut - c), False, cut))
        star = (other + c + t * (x1 + x2)) / 2
        for p in (cut, other + t * d, min(max(star, cut), other + t * d), c + 0 * t):
            if p >= c:
                cands.append((profit(mk, p, other, firm), True, p))
    best = max(v for v, _, _ in cands)
    hits = [(a, p) for v, a, p in cands if v == best]
    attained = any(a for a, _ in hits)
    price = next(p for a, p in hits if a == attained)
    if attained:
        text = f"maximum profit {fmt(best)} at price {fmt(price)}"
    else:
        text = f"supremum {fmt(best)} approached by undercutting toward {fmt(price)} from below, not attained"
    return PriceResponse(best, attained, price, text)


@dataclass(frozen=True)
class PriceEquilibrium:
    """Result of the price subgame at given locations."""

    market: Market
    exists: bool
    prices: tuple[Number, Number] | None
    profits: tuple[Number, Number] | None
    demands: tuple[Number, Number] | None
    reason: str

    def to_dict(self) -> dict:
        """JSON-ready form."""

        def pair(v):
            return None if v is None else [to_json(x) for x in v]

        return {
            "locations": [to_json(x) for x in self.market.locations],
            "cost": self.market.cost,
            "rate": to_json(self.market.rate),
            "marginal_cost": to_json(self.market.marginal_cost),
            "exists": self.exists,
            "prices": pair(self.prices),
            "profits": pair(self.profits),
            "demands": pair(self.demands),
            "reason": self.reason,
        }


def _verified(mk: Market, p1: Number, p2: Number) -> bool:
    for firm, own, other in ((0, p1, p2), (1, p2, p1)):
        br = price_best_response(mk, other, firm)
        if not at_least(profit(mk, own, other, firm), br.value):
            return False
    return True


def price_equilibrium(
    locations: Sequence[object],
    cost: str = "quadratic",
    rate: object = 1,
    marginal_cost: object = 0,
) -> PriceEquilibrium:
    """Pure-strategy price equilibrium of the subgame at fixed locations.

    Parameters
    ----------
    locations : sequence of two numbers
        ``x1 <= x2`` in ``[0, 1]``.
    cost : {"quadratic", "linear"}
        Transport cost ``t d^2`` or ``t d``.
    rate : number, default 1
        Transport cost rate ``t > 0``.
    marginal_cost : number, default 0
        Common marginal cost ``c >= 0``.

    Returns
    -------
    PriceEquilibrium
        Prices, profits and demands when an equilibrium exists (checked
        against exact best responses), otherwise the reason.

    Examples
    --------
    >>> r = price_equilibrium([0, 1], "quadratic")
    >>> [str(p) for p in r.prices], [str(v) for v in r.profits]
    (['1', '1'], ['1/2', '1/2'])
    >>> price_equilibrium([Fraction(2, 5), Fraction(3, 5)], "linear").exists
    False
    """
    mk = market(locations, cost, rate, marginal_cost)
    x1, x2 = mk.locations
    t, c = mk.rate, mk.marginal_cost
    d = x2 - x1
    a, b = x1, 1 - x2
    if d == 0:
        p1 = p2 = c
        reason = "same location: Bertrand competition drives both prices to marginal cost"
    elif cost == "quadratic":
        m = (x1 + x2) / 2
        p1 = c + t * d * (2 + 2 * m) / 3
        p2 = c + t * d * (4 - 2 * m) / 3
        reason = "quadratic transport costs: unique price equilibrium (d'Aspremont et al. 1979)"
    else:
        u1, u2 = 1 + (a - b) / 3, 1 + (b - a) / 3
        ok1 = u1 * u1 >= 4 * (a + 2 * b) / 3
        ok2 = u2 * u2 >= 4 * (b + 2 * a) / 3
        if not (ok1 and ok2):
            reason = (
                f"linear transport costs, locations {fmt(x1)} and {fmt(x2)} too close: the "
                "d'Aspremont-Gabszewicz-Thisse condition (1+(a-b)/3)^2 >= 4(a+2b)/3 and "
                "(1+(b-a)/3)^2 >= 4(b+2a)/3 fails, so each firm would undercut the other's "
                "candidate price and no pure-strategy price equilibrium exists"
            )
            return PriceEquilibrium(mk, False, None, None, None, reason)
        p1, p2 = c + t * u1, c + t * u2
        reason = "linear transport costs, locations far enough apart: Hotelling's prices"
    if not _verified(mk, p1, p2):  # pragma: no cover - contradicts the closed forms
        raise AssertionError(f"closed-form prices {p1}, {p2} failed the best-response check")
    dem = (demand(mk, p1, p2, 0), demand(mk, p2, p1, 1))
    prof = (profit(mk, p1, p2, 0), profit(mk, p2, p1, 1))
    return PriceEquilibrium(mk, True, (p1, p2), prof, dem, reason)


@dataclass(frozen=True)
class TwoStageResult:
    """Subgame-perfect equilibrium of "locations, then prices" (or why there is none)."""

    cost: str
    exists: bool
    locations: tuple[Number, Number] | None
    subgame: PriceEquilibrium | None
    reason: str

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "cost": self.cost,
            "exists": self.exists,
            "locations": None if self.locations is None else [to_json(x) for x in self.locations],
            "prices_and_profits": None if self.subgame is None else self.subgame.to_dict(),
            "reason": self.reason,
        }


def two_stage_equilibrium(
    cost: str = "quadratic", rate: object = 1, marginal_cost: object = 0
) -> TwoStageResult:
    """Equilibrium of the game where firms choose locations, then prices.

    Parameters
    ----------
    cost : {"quadratic", "linear"}
        Transport cost form.
    rate, marginal_cost : number
        Transport cost rate ``t > 0`` and marginal cost ``c >= 0``.

    Returns
    -------
    TwoStageResult
        Quadratic: maximal differentiation, locations 0 and 1, prices ``c + t``,
        profits ``t/2``.  Linear: no pure-strategy equilibrium, with the reason.
    """
    if cost not in COSTS:
        raise LocationError(f"cost: got {cost!r}, expected one of {', '.join(COSTS)}")
    if cost == "quadratic":
        sub = price_equilibrium([0, 1], cost, rate, marginal_cost)
        reason = (
            "maximal differentiation: at the price equilibrium firm 1's profit is "
            "(t/18)(1-a-b)(3+a-b)^2 (a, b the distances of the firms from their ends), whose "
            "derivative in a is -(t/18)(3+a-b)(1+3a+b) < 0; so each firm moves to its end of "
            "the beach and prices equal c + t (d'Aspremont, Gabszewicz and Thisse 1979)"
        )
        return TwoStageResult(cost, True, (Fraction(0), Fraction(1)), sub, reason)
    reason = (
        "no pure-strategy subgame-perfect equilibrium: with linear transport costs a price "
        "equilibrium exists only if the firms are far enough apart (for symmetric firms "
        "x1 <= 1/4 <= 3/4 <= x2); inside that region each firm's profit (t/2)(1+(a-b)/3)^2 rises "
        "as it moves toward its rival, so it moves to where the price subgame has no "
        "pure-strategy equilibrium; Hotelling's 'principle of minimum differentiation' fails "
        "(d'Aspremont, Gabszewicz and Thisse 1979)"
    )
    return TwoStageResult(cost, False, None, None, reason)
