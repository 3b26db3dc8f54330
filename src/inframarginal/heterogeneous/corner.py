"""The corner equilibrium of a structure with types.

Method.  Every configuration of every type is solved once at the point by the GP dual of
:mod:`inframarginal.loglinear` (technologies of power form): a person's log utility is affine
in log prices, ``a + b . lp``, the quantity sold is ``exp(c + e . lp)`` and the spending shares
are constants.  A good bought from a person of another type arrives with the cross-type
efficiency ``k'`` instead of the buyer's own ``k``; since a person's problem depends on a
bought good's price only through ``p / k``, this shifts ``a`` by ``-b_h log(k'/k)`` (and the
quantity sold likewise), exactly.

Unknowns: the log prices of the markets (the last market is the numeraire), each
type's utility and the number of people in each configuration present.  Conditions:

* utility equalization within each type (linear in log prices);
* market clearing of every market, in value terms, and each type's mass (linear in the
  numbers of people once prices are known).

The equalization conditions are solved first (least squares, checked exactly); prices they
leave free (e.g. complete specialization of two types: no type has two configurations) are
found from market clearing by a small nonlinear least-squares problem over that free
direction only.  A structure is a corner equilibrium when every condition holds to 1e-9 and
every configuration present has a positive number of people.

Markets come from :mod:`.markets`: one per good, or one per group of seller types where buyers
reach the types at different efficiencies; the unknowns are the markets' log prices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from inframarginal.enumeration import configuration_table
from inframarginal.heterogeneous.markets import Markets, structure_markets
from inframarginal.heterogeneous.spec import TypedModel, _evaluate
from inframarginal.heterogeneous.structures import TypedStructure
from inframarginal.loglinear import ConfigurationArrays, configuration_arrays

#: Largest residual of a condition (relative) for a corner equilibrium.
RESIDUAL_TOLERANCE = 1e-9
#: A share of a type's people at or below this counts as zero.
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TypedCornerEquilibrium:
    """A structure's corner equilibrium with types.

    ``prices`` are by market (a good's name, or ``x@home`` where it has several), relative to
    the numeraire (the last market, price 1; each separate trading group's last market);
    ``utilities`` each type's utility (its per-capita real income); ``numbers`` the people
    of each type in each configuration, ``shares`` the same as fractions of the type's mass
    and ``relative_numbers`` relative to the type's first configuration.
    """

    structure: TypedStructure
    exists: bool
    reason: str = ""
    prices: dict[str, float] = field(default_factory=dict)
    log_prices: dict[str, float] = field(default_factory=dict)
    utilities: dict[str, float] = field(default_factory=dict)
    log_utilities: dict[str, float] = field(default_factory=dict)
    numbers: dict[str, dict[str, float]] = field(default_factory=dict)
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    relative_numbers: dict[str, dict[str, float]] = field(default_factory=dict)
    residual: float = math.nan
    notes: tuple[str, ...] = ()
    markets: Markets | None = None

    @property
    def name(self) -> str:
        return self.structure.name

    def to_dict(self) -> dict[str, Any]:
        return {"structure": self.name, "exists": self.exists, "reason": self.reason or None,
                "prices": self.prices, "utilities": self.utilities, "numbers": self.numbers,
                "shares": self.shares, "relative_numbers": self.relative_numbers,
                "residual": None if math.isnan(self.residual) else self.residual, "notes": list(self.notes)}


@dataclass(frozen=True)
class _Member:
    person: int
    config: int
    label: str
    sells: int  # index among the traded goods, -1 in autarky
    a: float
    b: np.ndarray  # over the traded goods
    c: float
    e: np.ndarray
    spend: np.ndarray  # over the traded goods


def point_arrays(model: TypedModel, values: Mapping[str, float]) -> tuple[ConfigurationArrays, ...]:
    """Every configuration of every type, solved at the point (one GP dual each)."""
    return tuple(configuration_arrays(p.model, values) for p in model.types)


def log_efficiencies(model: TypedModel, values: Mapping[str, float]) -> dict[tuple[str, str, str], float]:
    """``log k`` of each good bought by each type from each type: keys (buyer, seller, good)."""
    out = {}
    for buyer in model.types:
        for seller in model.types:
            for good in model.good_names:
                k = _evaluate(buyer.efficiency_formula(good, seller.name), values)
                out[buyer.name, seller.name, good] = math.log(k) if k > 0 else -math.inf
    return out


def typed_corner_equilibrium(model: TypedModel, structure: TypedStructure, values: Mapping[str, float],
                             arrays: tuple[ConfigurationArrays, ...] | None = None,
                             efficiencies: dict[tuple[str, str, str], float] | None = None,
                             masses: dict[str, float] | None = None) -> TypedCornerEquilibrium:
    """Solve the corner equilibrium of ``structure`` at the checked parameter ``values``."""
    arrays = point_arrays(model, values) if arrays is None else arrays
    efficiencies = log_efficiencies(model, values) if efficiencies is None else efficiencies
    masses = model.masses(values) if masses is None else masses
    built = structure_members(model, structure, arrays, efficiencies)
    if isinstance(built, str):
        return TypedCornerEquilibrium(structure, False, built)
    members, markets = built
    return _solve(model, structure, members, markets, masses)


def structure_members(model: TypedModel, structure: TypedStructure, arrays: tuple[ConfigurationArrays, ...],
                      efficiencies: dict[tuple[str, str, str], float]) -> tuple[list[_Member], Markets] | str:
    """The configurations present, affine in the markets' log prices; or why there is no equilibrium."""
    markets = structure_markets(model, structure, efficiencies)
    if isinstance(markets, str):
        return markets
    goods = model.good_names
    n_markets = len(markets.keys)
    members: list[_Member] = []
    for t, (person, chosen) in enumerate(zip(model.types, structure.members, strict=True)):
        table = configuration_table(person.model)
        arr = arrays[t]
        for c in chosen:
            config = table.configurations[c]
            if not arr.exists[c]:
                return f"type {person.name}: {arr.reasons[c]}"
            a, c0 = float(arr.log_utility[c]), float(arr.log_sold[c])
            b, e, spend = np.zeros(n_markets), np.zeros(n_markets), np.zeros(n_markets)
            sold = -1
            if config.sells is not None:
                sale = markets.sale(person.name, config.sells)
                assert sale is not None
                sold = sale
                b[sold] += arr.utility_slope[c, goods.index(config.sells)]
                e[sold] += arr.sold_slope[c, goods.index(config.sells)]
            for h in config.buys:
                market = markets.purchase(person.name, h)
                shift = markets.log_efficiency(efficiencies, person.name, market) - efficiencies[
                    person.name, person.name, h]
                slope_u, slope_s = arr.utility_slope[c, goods.index(h)], arr.sold_slope[c, goods.index(h)]
                a -= slope_u * shift  # a good bought at p with efficiency k' is the own problem at p k / k'
                c0 -= slope_s * shift
                b[market] += slope_u
                e[market] += slope_s
                spend[market] += arr.spend[c, goods.index(h)]
            members.append(_Member(t, c, config.label, sold, a, b, c0, e, spend))
    return members, markets


def equalization(members: list[_Member], n_types: int, free: int) -> tuple[np.ndarray, np.ndarray] | str:
    """Utility equalization within each type, linear in log prices: a solution and the free directions.

    Returns ``(lp0, basis)``: every solution is ``lp0 + basis @ t``; or why there is none.
    """
    lp0: np.ndarray
    basis: np.ndarray
    rows, rhs = [], []
    for t in range(n_types):
        own = [m for m in members if m.person == t]
        for m in own[1:]:
            rows.append((m.b - own[0].b)[:free])
            rhs.append(own[0].a - m.a)
    if free == 0:
        lp0, basis = np.zeros(0), np.zeros((0, 0))
        if rhs and max(abs(r) for r in rhs) > RESIDUAL_TOLERANCE * (1 + max(abs(r) for r in rhs)):
            return "utility cannot be equalized within each type (two autarky configurations of one type differ)"
    elif rows:
        matrix, vector = np.array(rows), np.array(rhs)
        lp0, *_ = np.linalg.lstsq(matrix, vector, rcond=None)
        miss = np.abs(matrix @ lp0 - vector)
        if miss.size and miss.max() > RESIDUAL_TOLERANCE * (1 + np.abs(vector).max()):
            return f"utility cannot be equalized within each type (residual {miss.max():.3g} in log utility)"
        _, sing, vt = np.linalg.svd(matrix)
        rank = int((sing > 1e-10 * max(1.0, sing.max(initial=0.0))).sum())
        basis = vt[rank:].T
    else:
        lp0, basis = np.zeros(free), np.eye(free)
    return lp0, basis


def level_by_group(lp: np.ndarray, markets: Markets) -> np.ndarray:
    """Log prices with each trading group's last market at 0 (separate groups' levels are a convention)."""
    if len(set(markets.group)) <= 1:
        return lp
    out = lp.copy()
    for group in set(markets.group):
        members = [i for i, g in enumerate(markets.group) if g == group]
        out[..., members] -= lp[..., members[-1:]]
    return out


def _solve(model: TypedModel, structure: TypedStructure, members: list[_Member], markets: Markets,
           masses: dict[str, float]) -> TypedCornerEquilibrium:
    traded = list(markets.keys)
    n_types = len(model.types)
    free = max(len(traded) - 1, 0)  # log prices of all traded goods but the numeraire (last)
    solved = equalization(members, n_types, free)
    if isinstance(solved, str):
        return TypedCornerEquilibrium(structure, False, solved)
    lp0, basis = solved

    def numbers_at(lp: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        full = np.append(lp, 0.0) if traded else np.zeros(0)
        system = np.zeros((len(traded) + n_types, len(members)))
        for j, m in enumerate(members):
            system[len(traded) + m.person, j] = 1.0  # shares of the type's mass
            if m.sells < 0:
                continue
            value = masses[model.types[m.person].name] * math.exp(min(full[m.sells] + m.c + m.e @ full, 700.0))
            system[m.sells, j] += value
            system[:len(traded), j] -= value * m.spend
        scale = np.abs(system[:len(traded)]).max(initial=0.0)
        if scale > 0:
            system[:len(traded)] /= scale
        target = np.concatenate([np.zeros(len(traded)), np.ones(n_types)])
        theta, *_ = np.linalg.lstsq(system, target, rcond=None)
        rank = int(np.linalg.matrix_rank(system, tol=1e-10))
        return theta, system @ theta - target, rank

    lp = lp0
    if basis.shape[1] > 0:
        def residual(t: np.ndarray) -> np.ndarray:
            return numbers_at(lp0 + basis @ t)[1]

        best = None
        for start in (0.0, -4.0, 4.0):  # a few starting price levels; most structures converge from the first
            fit = least_squares(residual, np.full(basis.shape[1], start), xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                max_nfev=100)
            if best is None or fit.cost < best.cost:
                best = fit
            if fit.cost < 1e-24:
                break
        assert best is not None
        lp = lp0 + basis @ best.x
    theta, miss, rank = numbers_at(lp)
    worst = float(np.abs(miss).max(initial=0.0))
    if worst > RESIDUAL_TOLERANCE:
        return TypedCornerEquilibrium(structure, False, "markets cannot clear with every type's mass respected "
                                      f"(residual {worst:.3g})", residual=worst)
    low = int(np.argmin(theta)) if len(theta) else -1
    if len(theta) and theta[low] <= SHARE_TOLERANCE:
        m = members[low]
        return TypedCornerEquilibrium(
            structure, False, f"type {model.types[m.person].name}: configuration {m.label} would have share "
            f"{theta[low]:.3g} <= 0", residual=worst)
    notes = () if rank == len(members) else (
        "numbers of people are not unique (a continuum of corner equilibria; the smallest is shown)",)
    full = level_by_group(np.append(lp, 0.0) if traded else np.zeros(0), markets)
    prices = {g: math.exp(full[i]) for i, g in enumerate(traded)}
    utilities, log_utilities, numbers, shares, relative = {}, {}, {}, {}, {}
    for t, person in enumerate(model.types):
        mine = [(j, member) for j, member in enumerate(members) if member.person == t]
        lu = mine[0][1].a + mine[0][1].b @ full
        log_utilities[person.name] = float(lu)
        utilities[person.name] = math.exp(lu) if lu < 700 else math.inf
        shares[person.name] = {m.label: float(theta[j]) for j, m in mine}
        numbers[person.name] = {m.label: float(theta[j] * masses[person.name]) for j, m in mine}
        first = theta[mine[0][0]]
        relative[person.name] = {m.label: float(theta[j] / first) for j, m in mine}
    return TypedCornerEquilibrium(structure, True, "", prices, {g: float(full[i]) for i, g in enumerate(traded)},
                                  utilities, log_utilities, numbers, shares, relative, worst, notes, markets)


__all__ = ["RESIDUAL_TOLERANCE", "SHARE_TOLERANCE", "TypedCornerEquilibrium", "log_efficiencies", "point_arrays", "verify_primal",
           "typed_corner_equilibrium"]


def verify_primal(model: TypedModel, ce: TypedCornerEquilibrium, values: Mapping[str, float]) -> float:
    """Re-check ``ce`` with the independent primal solver (:func:`inframarginal.numeric.individual_optimum`).

    Each configuration present is solved in its primal form at the equilibrium prices (a good
    bought from another type at the price ``p k_own / k_source``, which is the same problem);
    returns the largest relative error of a type's utility and of market clearing in quantities.
    """
    from inframarginal.numeric import individual_optimum

    assert ce.markets is not None
    markets = ce.markets
    efficiencies = log_efficiencies(model, values)
    supply = dict.fromkeys(markets.keys, 0.0)
    demand = dict.fromkeys(markets.keys, 0.0)
    worst = 0.0
    for person, configs in zip(model.types, ce.structure.configurations(model), strict=True):
        for config in configs:
            prices, ratio, where = {}, {}, {}
            sold = -1
            if config.sells is not None:
                sale = markets.sale(person.name, config.sells)
                assert sale is not None
                sold = sale
                prices[config.sells] = ce.prices[markets.keys[sold]]
            for h in config.buys:
                market = markets.purchase(person.name, h)
                where[h] = markets.keys[market]
                ratio[h] = math.exp(efficiencies[person.name, person.name, h]
                                    - markets.log_efficiency(efficiencies, person.name, market))
                prices[h] = ce.prices[where[h]] * ratio[h]
            opt = individual_optimum(person.model, config, dict(values), prices)
            worst = max(worst, abs(opt.utility / ce.utilities[person.name] - 1.0))
            n = ce.numbers[person.name][config.label]
            if config.sells is not None:
                supply[markets.keys[sold]] += n * opt.values[f"s_{config.sells}"]
            for h in config.buys:
                demand[where[h]] += n * opt.values[f"d_{h}"] * ratio[h]
    for key in markets.keys:
        worst = max(worst, abs(supply[key] - demand[key]) / max(supply[key], demand[key], 1e-300))
    return worst
