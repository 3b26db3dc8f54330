"""The general equilibrium with types, by Yang's definition.

With people who differ, "the structure with the highest per-capita real income" is no longer
a criterion: incomes of different types are not comparable.  Yang's definition (Yang 2001,
ch. 4; Cheng, Sachs and Yang 2000) is used instead: a general equilibrium is a corner
equilibrium (every share >= 0, here > 0 for every configuration present) at which no person of
any type can gain by switching to any configuration of their type at the equilibrium prices.
This is the total cost-benefit check, run over *every* configuration of every type whose traded
goods have a price in the structure (a person who switches may buy a good from the best
source present).  Several structures may pass: all are reported, with a Pareto ranking (the
number of other candidates that make no type worse off and some type better off; 0 means
Pareto-undominated), each type's utility and its gain against its own autarky.

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*. Blackwell, ch. 4.
Cheng, W., Sachs, J. and Yang, X. (2000). An inframarginal analysis of the Ricardian model.
*Review of International Economics* 8(2), 208-220.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from inframarginal.enumeration import configuration_table
from inframarginal.heterogeneous.corner import (
    TypedCornerEquilibrium,
    log_efficiencies,
    point_arrays,
    typed_corner_equilibrium,
)
from inframarginal.heterogeneous.markets import Markets
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import (
    TypedStructure,
    find_typed_structure,
    iter_typed_structures,
)
from inframarginal.loglinear import ConfigurationArrays

#: A switch gaining more than this (relative utility) fails the total cost-benefit check.
GAIN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TypedDeviation:
    """The total cost-benefit check of one corner equilibrium: each type's best alternative."""

    passed: bool
    best: dict[str, str]  # type -> best configuration at the prices
    gain: dict[str, float]  # type -> relative gain of its best configuration over its utility
    checked: int


@dataclass(frozen=True)
class TypedSolution:
    """Every structure's corner equilibrium at a point and the general equilibria by Yang's definition."""

    model: TypedModel
    values: dict[str, float]
    masses: dict[str, float]
    corner_equilibria: tuple[TypedCornerEquilibrium, ...]
    deviations: dict[str, TypedDeviation]
    general_equilibria: tuple[str, ...]  # names, Pareto-undominated first
    pareto_rank: dict[str, int]
    autarky_utilities: dict[str, float]

    def corner(self, name: str) -> TypedCornerEquilibrium:
        for ce in self.corner_equilibria:
            if ce.name == name:
                return ce
        raise KeyError(name)

    @property
    def general_equilibrium(self) -> str | None:
        """The first Pareto-undominated general equilibrium (``None`` if there is none)."""
        return self.general_equilibria[0] if self.general_equilibria else None

    def gains(self, name: str) -> dict[str, float]:
        """Each type's relative gain against its autarky in the structure ``name``."""
        ce = self.corner(name)
        return {t: ce.utilities[t] / self.autarky_utilities[t] - 1.0 for t in ce.utilities}

    def to_dict(self) -> dict[str, Any]:
        equilibria = []
        for name in self.general_equilibria:
            ce = self.corner(name)
            equilibria.append({**ce.to_dict(), "pareto_rank": self.pareto_rank[name],
                               "gain_over_autarky": self.gains(name),
                               "deviation": _deviation_dict(self.deviations[name])})
        return {
            "model": self.model.name, "values": self.values, "types": list(self.model.type_names),
            "masses": self.masses, "autarky_utilities": self.autarky_utilities,
            "general_equilibria": equilibria,
            "corner_equilibria": [{**ce.to_dict(), **({"deviation": _deviation_dict(self.deviations[ce.name])}
                                                     if ce.name in self.deviations else {})}
                                  for ce in self.corner_equilibria if ce.exists],
            "structures_examined": len(self.corner_equilibria),
        }

    def __repr__(self) -> str:
        at = ", ".join(f"{k}={v:g}" for k, v in self.values.items())
        lines = [f"Solution of {self.model.name} at {at}",
                 "types: " + ", ".join(f"{t} (mass {m:g}, autarky utility {self.autarky_utilities[t]:.6g})"
                                       for t, m in self.masses.items())]
        existing = [ce for ce in self.corner_equilibria if ce.exists]
        lines.append(f"{len(existing)} corner equilibria among {len(self.corner_equilibria)} structures:")
        for ce in existing:
            mark = "*" if ce.name in self.general_equilibria else " "
            us = ", ".join(f"u_{t}={u:.6g}" for t, u in ce.utilities.items())
            lines.append(f" {mark} {ce.name:<40} {us}")
        if not self.general_equilibria:
            lines.append("general equilibrium: none (every corner equilibrium fails the total cost-benefit check)")
        for name in self.general_equilibria:
            ce = self.corner(name)
            gains = ", ".join(f"{t} {g:+.4g}" for t, g in self.gains(name).items())
            prices = ", ".join(f"p_{g}={p:.6g}" for g, p in ce.prices.items())
            lines.append(f"general equilibrium: {name} (Pareto rank {self.pareto_rank[name]}; "
                         f"gain over autarky: {gains}" + (f"; {prices}" if prices else "") + ")")
            for t, numbers in ce.numbers.items():
                lines.append(f"   {t}: " + ", ".join(f"{c} {n:.6g}" for c, n in numbers.items()))
        return "\n".join(lines)


def _deviation_dict(d: TypedDeviation) -> dict[str, Any]:
    return {"passed": d.passed, "best": d.best, "gain": d.gain, "configurations_checked": d.checked}


def deviation_check(model: TypedModel, ce: TypedCornerEquilibrium, arrays: tuple[ConfigurationArrays, ...],
                    efficiencies: dict[tuple[str, str, str], float]) -> TypedDeviation:
    """Total cost-benefit check at ``ce``'s prices over every configuration of every type."""
    assert ce.markets is not None
    lp = np.array([[ce.log_prices[k] for k in ce.markets.keys]])
    best, which, checked = best_alternatives(model, ce.markets, arrays, efficiencies, lp)
    gain, labels = {}, {}
    for k, person in enumerate(model.types):
        top = float(best[0, k])
        labels[person.name] = configuration_table(person.model).configurations[int(which[0, k])].label
        gain[person.name] = math.expm1(top - ce.log_utilities[person.name]) if top > -math.inf else -1.0
    return TypedDeviation(all(g <= GAIN_TOLERANCE for g in gain.values()), labels, gain, checked)


def best_alternatives(model: TypedModel, markets: Markets, arrays: tuple[ConfigurationArrays, ...],
                      efficiencies: dict[tuple[str, str, str], float], lp: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, int]:
    """Per point (rows of the markets' log prices ``lp``) and type, the best log utility of any configuration.

    A person who switches trades within one trading group: sells where its type sells the good
    (else at the group's best price for it) and buys each good in the market that gives it the
    most per unit of money.  Returns the best log utilities, the configurations' indices and
    how many (configuration, group) pairs were compared.
    """
    goods = model.good_names
    points = lp.shape[0]
    best = np.full((points, len(model.types)), -np.inf)
    which = np.zeros((points, len(model.types)), dtype=np.int64)
    groups = sorted(set(markets.group)) or [0]
    checked = 0
    for k, person in enumerate(model.types):
        table = configuration_table(person.model)
        arr = arrays[k]
        for c, config in enumerate(table.configurations):
            if not arr.exists[c]:
                continue
            for group in groups:
                lu = np.full(points, float(arr.log_utility[c]))
                feasible = True
                if config.sells is not None:
                    sale = markets.sale(person.name, config.sells)
                    options = [sale] if sale is not None and markets.group[sale] == group else (
                        markets.of_good(config.sells, group))
                    if not options:
                        feasible = False
                    else:
                        lu = lu + arr.utility_slope[c, goods.index(config.sells)] * lp[:, options].max(axis=1)
                for h in config.buys if feasible else ():
                    options = markets.of_good(h, group)
                    if not options:
                        feasible = False
                        break
                    own = efficiencies[person.name, person.name, h]
                    shifts = np.array([markets.log_efficiency(efficiencies, person.name, m) - own for m in options])
                    effective = (lp[:, options] - shifts[None, :]).min(axis=1)  # cheapest per unit received
                    lu = lu + arr.utility_slope[c, goods.index(h)] * effective
                if not feasible:
                    continue
                checked += 1
                better = lu > best[:, k]
                best[better, k] = lu[better]
                which[better, k] = c
                if config.is_autarky:
                    break  # no prices: one group is enough
    return best, which, checked


def autarky_log_utilities(model: TypedModel, arrays: tuple[ConfigurationArrays, ...]) -> dict[str, float]:
    """Each type's best autarky log utility (no prices involved)."""
    out = {}
    for t, person in enumerate(model.types):
        table = configuration_table(person.model)
        out[person.name] = max((float(arrays[t].log_utility[c]) for c, config in enumerate(table.configurations)
                                if config.is_autarky and arrays[t].exists[c]), default=-math.inf)
    return out


def pareto_ranks(candidates: list[TypedCornerEquilibrium]) -> dict[str, int]:
    """For each candidate, how many others Pareto-dominate it (relative tolerance 1e-9)."""
    out = {}
    for x in candidates:
        dominated_by = 0
        for y in candidates:
            if y is x:
                continue
            diffs = [y.log_utilities[t] - x.log_utilities[t] for t in x.log_utilities]
            if all(d >= -GAIN_TOLERANCE for d in diffs) and any(d > GAIN_TOLERANCE for d in diffs):
                dominated_by += 1
        out[x.name] = dominated_by
    return out


def solve_typed(model: TypedModel, values: Mapping[str, float] | None = None, *, only: str | None = None,
                limit: int | None = None) -> TypedSolution:
    """Corner equilibria of every structure and the general equilibria at one point.

    Parameters
    ----------
    model : TypedModel
    values : mapping, optional
        Parameter values; the others take their defaults.
    only : str, optional
        Solve this structure only (its name as printed, e.g. ``"home (x/y) | foreign (y/x)"``).
    limit : int, optional
        Most structures examined (default: :data:`inframarginal.budget.DEFAULT_STRUCTURE_LIMIT`).
    """
    checked = model.check_parameters(values or {})
    arrays = point_arrays(model, checked)
    efficiencies = log_efficiencies(model, checked)
    masses = model.masses(checked)
    structures: list[TypedStructure]
    if only is not None:
        structures = [find_typed_structure(model, only)]
    else:
        structures = list(iter_typed_structures(model, **({} if limit is None else {"limit": limit})))
    corners = tuple(typed_corner_equilibrium(model, s, checked, arrays, efficiencies, masses) for s in structures)
    deviations = {ce.name: deviation_check(model, ce, arrays, efficiencies) for ce in corners if ce.exists}
    candidates = [ce for ce in corners if ce.exists and deviations[ce.name].passed]
    ranks = pareto_ranks(candidates)
    order = sorted(candidates, key=lambda ce: (ranks[ce.name], -float(np.mean(list(ce.log_utilities.values())))))
    autarky = {t: math.exp(v) for t, v in autarky_log_utilities(model, arrays).items()}
    shown = {k: v for k, v in checked.items() if k in {p.name for p in model.parameters}}
    return TypedSolution(model, shown, masses, corners, deviations, tuple(ce.name for ce in order), ranks, autarky)


__all__ = ["GAIN_TOLERANCE", "TypedDeviation", "TypedSolution", "autarky_log_utilities", "deviation_check",
           "pareto_ranks", "solve_typed"]
