"""The general equilibrium among all structures, and the total cost-benefit check.

* :func:`all_structures` solves every structure the model allows
  (:func:`inframarginal.configurations.enumerate_structures`, 56 for the seed model)
  with :func:`inframarginal.equilibrium.corner_equilibrium` at a few points and
  ranks them by per-capita real income, so that the report can say whether a
  structure the paper does not list beats the listed ones.  The numeric solver is
  used (no symbolic derivation of 56 closed forms); the results are kept in the
  disk cache keyed by the model's content and the points.
* :func:`cost_benefit` is Yang's total cost-benefit check at a structure's corner
  equilibrium prices: every configuration whose goods have a market there, its best
  utility at those prices, and who would switch (gain above the structure's income).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from inframarginal.configurations import (
    Structure,
    configurations,
    enumerate_structures,
    studied_structures,
)
from inframarginal.disk_cache import read_entry, write_entry
from inframarginal.equilibrium import (
    configuration_utility,
    corner_equilibrium,
    general_equilibrium_at,
)
from inframarginal.model import Model

#: Gain below which a configuration is not counted as a profitable switch (relative).
SWITCH_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Ranked:
    """One structure's corner equilibrium at one point."""

    name: str
    labels: str
    listed: bool
    income: float  # NaN where the corner equilibrium does not exist


@dataclass(frozen=True)
class AllStructuresPoint:
    """Every structure of the model at one point, best first."""

    label: str
    point: dict[str, float]
    ranking: tuple[Ranked, ...]  # existing structures, highest income first
    solved: int

    @property
    def best(self) -> Ranked | None:
        return self.ranking[0] if self.ranking else None

    @property
    def best_listed(self) -> Ranked | None:
        return next((r for r in self.ranking if r.listed), None)

    def beating_listed(self) -> list[Ranked]:
        """Unlisted structures with a higher income than the best listed one."""
        top = self.best_listed
        return [r for r in self.ranking if not r.listed and (top is None or r.income > top.income)]


def _structure_name(structure: Structure, listed: Mapping[tuple[str, ...], str]) -> str:
    return listed.get(tuple(structure.labels), " ".join(structure.labels))


def all_structures(model: Model, points: Sequence[tuple[str, Mapping[str, float]]]) -> list[AllStructuresPoint]:
    """Solve every enumerated structure at each labelled point; see the module docstring."""
    every = enumerate_structures(model)
    listed = {tuple(s.labels): s.name for s in studied_structures(model)}
    out = []
    for label, values in points:
        checked = {k: float(v) for k, v in model.check_parameters(dict(values)).items()}
        key = "all-structures|" + ",".join(f"{k}={v!r}" for k, v in sorted(checked.items()))
        incomes = read_entry(model, "report-all-structures", key)
        if not isinstance(incomes, list) or len(incomes) != len(every):
            incomes = []
            for s in every:
                ce = corner_equilibrium(model, s, checked, method="numeric")
                ok = ce.exists and ce.per_capita_real_income is not None and math.isfinite(ce.per_capita_real_income)
                incomes.append(float(ce.per_capita_real_income) if ok else None)
            write_entry(model, "report-all-structures", key, incomes)
        code, _ = general_equilibrium_at([None if u is None else u for u in incomes],
                                           [None if u is None else True for u in incomes])
        ranked = [Ranked(_structure_name(s, listed), " ".join(s.labels), tuple(s.labels) in listed, u)
                  for s, u in zip(every, incomes, strict=True) if u is not None]
        ranked.sort(key=lambda r: -r.income)
        if int(code) >= 0 and ranked:  # the shared rule decides ties (first structure wins)
            winner = _structure_name(every[int(code)], listed)
            ranked.sort(key=lambda r: (-r.income, r.name != winner))
        out.append(AllStructuresPoint(label, {k: checked[k] for k in (p.name for p in model.parameters)},
                                      tuple(ranked), len(every)))
    return out


@dataclass(frozen=True)
class Switcher:
    """A configuration that earns more than the structure's income at its prices."""

    configuration: str
    utility: float
    gain: float  # relative: utility / income - 1


@dataclass(frozen=True)
class CostBenefit:
    """The total cost-benefit check of one structure at one point."""

    label: str
    structure: str
    exists: bool
    income: float
    prices: dict[str, float]
    switchers: tuple[Switcher, ...]  # best first
    checked: int
    reason: str = ""

    @property
    def passed(self) -> bool:
        return self.exists and not self.switchers


def cost_benefit(model: Model, structure: Structure, values: Mapping[str, float], label: str = "") -> CostBenefit:
    """Every configuration's best utility at ``structure``'s corner equilibrium prices at ``values``."""
    checked = model.check_parameters(dict(values))
    key = f"{' '.join(structure.labels)}|" + ",".join(f"{k}={v!r}" for k, v in sorted(checked.items()))
    cached = read_entry(model, "report-cost-benefit", key)
    if isinstance(cached, dict) and set(cached) == {"exists", "income", "prices", "switchers", "checked", "reason"}:
        return CostBenefit(label, structure.name, bool(cached["exists"]),
                           math.nan if cached["income"] is None else float(cached["income"]),
                           {k: float(v) for k, v in cached["prices"].items()},
                           tuple(Switcher(str(c), float(u), float(gain)) for c, u, gain in cached["switchers"]),
                           int(cached["checked"]), str(cached["reason"]))
    result = _cost_benefit(model, structure, checked, label)
    write_entry(model, "report-cost-benefit", key, {
        "exists": result.exists, "income": result.income if result.exists else None, "prices": result.prices,
        "switchers": [[w.configuration, w.utility, w.gain] for w in result.switchers], "checked": result.checked,
        "reason": result.reason})
    return result


def _cost_benefit(model: Model, structure: Structure, checked: Mapping[str, float], label: str) -> CostBenefit:
    ce = corner_equilibrium(model, structure, checked)
    if not ce.exists:
        return CostBenefit(label, structure.name, False, math.nan, {}, (), 0, ce.reason)
    income = float(ce.per_capita_real_income)
    switchers, n = [], 0
    for config in configurations(model):
        traded = {config.sells, *config.buys} - {None}
        if not traded <= set(ce.prices):
            continue  # no market for one of its goods in this structure: it has no price
        n += 1
        u = configuration_utility(model, config, checked, ce.prices)
        gain = u / income - 1.0
        if gain > SWITCH_TOLERANCE:
            switchers.append(Switcher(config.label, u, gain))
    switchers.sort(key=lambda s: -s.gain)
    return CostBenefit(label, structure.name, True, income, dict(ce.prices), tuple(switchers), n)
