"""Steps 2 and 3: corner equilibria of structures and the general equilibrium.

:func:`corner_equilibrium` solves one structure at one parameter point, from the
compiled closed forms (``method="symbolic"``) or by the numeric path
(``method="numeric"``), and reports residuals of utility equalization and market
clearing.  :func:`general_equilibrium` picks the corner equilibrium with the
highest per-capita real income (Yang's theorem, Sun, Yang and Zhou 2004) and
confirms it with the total cost-benefit check: at its prices, no configuration of
the full enumeration gives a higher utility.

References
----------
Sun, G., Yang, X. and Zhou, L. (2004). General equilibria in large economies with
endogenous structure of division of labor. *Journal of Economic Behavior and
Organization* 55(2), 237-256.
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inframarginal.compiled import compile_configuration, compile_structure, evaluate
from inframarginal.configurations import (
    Configuration,
    Structure,
    configurations,
    enumerate_structures,
    structure_defect,
    studied_structures,
)
from inframarginal.errors import InframarginalError
from inframarginal.model import Model
from inframarginal.numeric import individual_optimum, numeric_corner_equilibrium
from inframarginal.symbolic import ConditionKind
from inframarginal.symbolic import numeraire as numeraire_of


@dataclass(frozen=True)
class Plan:
    """A configuration's labour allocation and trade plan in a corner equilibrium."""

    configuration: str
    share: float
    utility: float
    labour: dict[str, float]
    produced: dict[str, float]
    consumed: dict[str, float]
    sold: dict[str, float]
    bought: dict[str, float]
    inputs: dict[str, float]


@dataclass(frozen=True)
class CornerEquilibrium:
    """The corner equilibrium of one structure at one parameter point.

    ``prices`` are relative to the ``numeraire`` (whose price is 1); ``shares`` are
    the shares of the population in each configuration (``numbers`` before 0.2, still
    read with a DeprecationWarning; the JSON key stays ``numbers``); ``relative_numbers``
    the ratios ``M_g/M_n`` of sellers of good g to sellers of the numeraire n.
    When ``exists`` is False, ``reason`` says why and the shares are absent.
    ``log_income`` is the log of the per-capita real income, kept because the income
    itself can lie outside floating-point range (``notes`` then say so, and the
    general equilibrium is chosen on the logs).
    """

    structure: str
    configurations: tuple[str, ...]
    exists: bool
    reason: str
    numeraire: str | None = None
    prices: dict[str, float] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    relative_numbers: dict[str, float] = field(default_factory=dict)
    per_capita_real_income: float | None = None
    plans: tuple[Plan, ...] = ()
    residuals: dict[str, float] = field(default_factory=dict)
    method: str = "symbolic"
    log_income: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def numbers(self) -> dict[str, float]:
        """Deprecated name of :attr:`shares`."""
        warnings.warn("CornerEquilibrium.numbers is deprecated: use .shares (the population shares)",
                      DeprecationWarning, stacklevel=2)
        return self.shares

    def __repr__(self) -> str:
        head = f"CornerEquilibrium({self.structure}: {' '.join(self.configurations)}"
        if not self.exists:
            return f"{head}; does not exist: {self.reason})"
        prices = ", ".join(f"p_{g}={p:.6g}" for g, p in self.prices.items())
        numbers = ", ".join(f"{k}={v:.6g}" for k, v in self.relative_numbers.items())
        return (f"{head}; per-capita real income {_income_text(self)}"
                + (f"; {prices}" if prices else "") + (f"; {numbers}" if numbers else "") + ")")

    def _repr_html_(self) -> str:
        if not self.exists:
            return f"<p><b>{self.structure}</b> does not exist: {self.reason}</p>"
        rows = "".join(
            f"<tr><td>{p.configuration}</td><td>{p.share:.6g}</td><td>"
            + ", ".join(f"{g}: {v:.4g}" for g, v in p.labour.items()) + "</td><td>"
            + ", ".join(f"{g}: {v:.4g}" for g, v in p.sold.items()) + "</td><td>"
            + ", ".join(f"{g}: {v:.4g}" for g, v in p.bought.items()) + "</td></tr>"
            for p in self.plans)
        return (f"<p><b>{self.structure}</b>: per-capita real income {self.per_capita_real_income:.10g}; "
                + ", ".join(f"p<sub>{g}</sub> = {p:.6g}" for g, p in self.prices.items()) + "</p>"
                "<table><tr><th>configuration</th><th>share</th><th>labour</th><th>sells</th><th>buys</th></tr>"
                + rows + "</table>")

    def to_dict(self) -> dict[str, Any]:
        return {
            "exists": self.exists,
            "reason": self.reason,
            "configurations": list(self.configurations),
            "numeraire": self.numeraire,
            "prices": self.prices,
            "numbers": self.shares,
            "relative_numbers": self.relative_numbers,
            "per_capita_real_income": self.per_capita_real_income,
            "plans": {p.configuration: {k: v for k, v in p.__dict__.items() if k != "configuration"} for p in self.plans},
            "residuals": self.residuals,
            "method": self.method,
            "log_income": self.log_income,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Deviation:
    """Result of the total cost-benefit check at the general equilibrium's prices."""

    passed: bool
    best_configuration: str | None
    best_utility: float | None
    gain: float | None
    checked: int
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class Solution:
    """Every studied structure's corner equilibrium and the general equilibrium at one point."""

    model: str
    parameters: dict[str, float]
    structures: dict[str, CornerEquilibrium]
    general_equilibrium: str | None
    per_capita_real_income: float | None
    deviation: Deviation | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        ge = None
        if self.general_equilibrium is not None:
            ge = {
                "structure": self.general_equilibrium,
                "per_capita_real_income": self.per_capita_real_income,
                "deviation_check": self.deviation.__dict__ | {"skipped": list(self.deviation.skipped)},
                "notes": list(self.notes),
            }
        return _jsonable({
            "model": self.model,
            "parameters": self.parameters,
            "structures": {name: ce.to_dict() for name, ce in self.structures.items()},
            "general_equilibrium": ge,
        })

    def __repr__(self) -> str:
        lines = [f"Solution of {self.model} at " + ", ".join(f"{k}={v:.6g}" for k, v in self.parameters.items())]
        for name, ce in self.structures.items():
            mark = "*" if name == self.general_equilibrium else " "
            value = _income_text(ce) if ce.exists else f"does not exist: {ce.reason}"
            lines.append(f" {mark} {name:<8} {value}")
            lines.extend(f"   {'':<8} note: {note}" for note in ce.notes)
        if self.general_equilibrium:
            d = self.deviation
            lines.append(f"general equilibrium: {self.general_equilibrium} "
                         f"(deviation check {'passed' if d.passed else 'FAILED'}: best alternative "
                         f"{d.best_configuration}, gain {d.gain:.3g})")
            lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for n, ce in self.structures.items():
            style = ' style="font-weight:bold"' if n == self.general_equilibrium else ""
            value = _income_text(ce) if ce.exists else f"does not exist: {ce.reason}"
            rows.append(f"<tr{style}><td>{n}</td><td>{' '.join(ce.configurations)}</td><td>{value}</td></tr>")
        return (f"<p>{self.model}: general equilibrium <b>{self.general_equilibrium}</b></p><table>"
                "<tr><th>structure</th><th>configurations</th><th>per-capita real income</th></tr>"
                + "".join(rows) + "</table>")


# ---------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as text (``"inf"``), which strict JSON cannot hold."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _plan(model: Model, config: Configuration, share: float, utility: float,
          values: Mapping[str, float], fixed: Mapping[str, float]) -> Plan:
    goods = model.good_names
    return Plan(
        config.label, share, utility,
        labour={g: values[f"L_{g}"] + fixed[g] if f"L_{g}" in values else values[f"l_{g}"] for g in config.produces},
        produced={g: values[f"g_{g}"] for g in config.produces},
        consumed={g: values[f"c_{g}"] for g in goods if f"c_{g}" in values},
        sold={config.sells: values[f"s_{config.sells}"]} if config.sells else {},
        bought={g: values[f"d_{g}"] for g in config.buys},
        inputs={name: v for name, v in values.items() if name.startswith("in_")},
    )


def _relative_numbers(structure: Structure, shares: tuple[float, ...], num: str | None) -> dict[str, float]:
    if num is None or len(shares) < 2:
        return {}
    by_good = {c.sells: s for c, s in zip(structure.configurations, shares, strict=True)}
    return {f"M_{g}/M_{num}": by_good[g] / by_good[num] for g in by_good if g != num}


def corner_equilibrium(model: Model, structure: Structure, values: Mapping[str, float],
                       method: str = "symbolic") -> CornerEquilibrium:
    """The corner equilibrium of ``structure`` at the (checked) parameter ``values``.

    Parameters
    ----------
    model : Model
    structure : Structure
    values : mapping
        All parameter values, as returned by :meth:`Model.check_parameters`.
    method : {"symbolic", "numeric"}
        Closed forms (falls back to numeric where a structure has none) or the
        independent numeric path.
    """
    if method not in ("symbolic", "numeric"):
        raise InframarginalError(f"method={method!r} is not known (expected 'symbolic' or 'numeric')")
    defect = structure_defect(structure)  # split or leaking buy graphs: decided exactly, before solving
    if defect:
        return CornerEquilibrium(structure.name, structure.labels, False, defect, method=method)
    num = numeraire_of(structure, model)
    compiled = compile_structure(model, structure) if method == "symbolic" else None
    if compiled is None:
        return _numeric(model, structure, values, num)
    base = dict(values)
    for function, text in compiled.conditions:
        value = evaluate(function, model, base)
        if not value > 0:
            return CornerEquilibrium(structure.name, structure.labels, False, _reason(text, value))
    # Everything in logs: incomes, prices and quantities can lie far outside floating-point
    # range at admissible points (autarky income 2**(-2a) in yang-2001-specialization).
    log_prices = {g: evaluate(f, model, base) for g, f in compiled.log_prices.items()}
    shares = tuple(evaluate(f, model, base) for f in compiled.shares)
    log_income = evaluate(compiled.log_income, model, base)
    if not (math.isfinite(log_income) and all(map(math.isfinite, log_prices.values()))
            and all(math.isfinite(s) and s > 0 for s in shares)):
        return CornerEquilibrium(structure.name, structure.labels, False, _unrepresentable(log_income, log_prices))

    plans, log_utilities = [], []
    supply: dict[str, list[float]] = {g: [] for g in structure.traded_goods}
    demand: dict[str, list[float]] = {g: [] for g in structure.traded_goods}
    for config, share in zip(structure.configurations, shares, strict=True):
        cc = compile_configuration(model, config)
        lps = [log_prices[g] for g in cc.price_goods]
        logs = {name: evaluate(f, model, base, *lps) for name, f in cc.log_values.items()}
        quantities = {name: _exp(v) for name, v in logs.items()}
        fixed = {g: evaluate(f, model, base) for g, f in cc.fixed_costs.items()}
        log_utility = evaluate(cc.log_utility, model, base, *lps)
        log_utilities.append(log_utility)
        plans.append(_plan(model, config, share, _exp(log_utility), quantities, fixed))
        if config.sells:
            supply[config.sells].append(math.log(share) + logs[f"s_{config.sells}"])
        for g in config.buys:
            demand[g].append(math.log(share) + logs[f"d_{g}"])
    residuals = {
        "utility equalization": max(abs(_expm1(lu - log_income)) for lu in log_utilities),
        "market clearing": max((_imbalance(supply[g], demand[g]) for g in supply), default=0.0),
    }
    prices = {g: _exp(log_prices[g]) for g in model.good_names if g in log_prices}
    return CornerEquilibrium(
        structure.name, structure.labels, True, "", num, prices,
        dict(zip(structure.labels, shares, strict=True)),
        _relative_numbers(structure, shares, num), _exp(log_income), tuple(plans), residuals, "symbolic",
        log_income, _range_notes(log_income, log_prices) + _precision_notes(residuals, log_income, log_prices),
    )


def _exp(value: float) -> float:
    """``exp`` that gives ``inf`` instead of raising OverflowError (callers note it)."""
    return math.exp(value) if value < 709.78 else math.inf


def _expm1(value: float) -> float:
    return math.expm1(value) if value < 709.78 else math.inf


def _imbalance(supply: list[float], demand: list[float]) -> float:
    """|supply - demand| / supply of a good from the logs of each configuration's flow."""
    if not supply:
        return 0.0 if not demand else math.inf
    top = max(supply + demand)  # scale by the largest flow: the flows themselves may underflow
    sold = math.fsum(math.exp(v - top) for v in supply)
    bought = math.fsum(math.exp(v - top) for v in demand)
    return abs(sold - bought) / sold if sold > 0 else math.inf


def _out_of_range(value: float) -> bool:
    return value == 0.0 or math.isinf(value)


def _range_notes(log_income: float, log_prices: Mapping[str, float]) -> tuple[str, ...]:
    """Notes on quantities whose logs are finite but which are outside floating-point range."""
    notes = []
    if _out_of_range(_exp(log_income)):
        notes.append(f"per-capita real income exp({log_income:.10g}) is outside floating-point range "
                     f"(shown as {_exp(log_income):g}); structures are compared on log incomes")
    for g, lp in log_prices.items():
        if _out_of_range(_exp(lp)):
            notes.append(f"price of {g} exp({lp:.10g}) is outside floating-point range (shown as {_exp(lp):g})")
    return tuple(notes)


#: Residuals above this are reported in the notes of a corner equilibrium.
RESIDUAL_NOTE = 1e-6


def _precision_notes(residuals: Mapping[str, float], log_income: float,
                     log_prices: Mapping[str, float]) -> tuple[str, ...]:
    """A note where the equilibrium conditions hold only loosely (logs too large for float precision)."""
    worst = max(residuals.values(), default=0.0)
    if not worst > RESIDUAL_NOTE:
        return ()
    scale = max([abs(log_income), *map(abs, log_prices.values())])
    return (f"equilibrium residuals up to {worst:.3g}: its logs of income and prices reach {scale:.3g}, where "
            "floating point keeps too few digits; the values here are inaccurate",)


def _unrepresentable(log_income: float, log_prices: Mapping[str, float]) -> str:
    values = ", ".join(f"log p_{g} = {v:.6g}" for g, v in log_prices.items())
    return ("its closed forms cannot be evaluated in floating point at this point "
            f"(log income = {log_income:.6g}{', ' + values if values else ''})")


def _income_text(ce: CornerEquilibrium) -> str:
    if ce.log_income is not None and _out_of_range(ce.per_capita_real_income):
        return f"exp({ce.log_income:.10g})"
    return f"{ce.per_capita_real_income:.10g}"


def _reason(text: str, value: float) -> str:
    if math.isnan(value):
        return (f"its condition '{text}' cannot be evaluated in floating point at this point "
                "(parameters too close to a bound of their domain)")
    kind = ConditionKind.of(text)
    if kind is ConditionKind.LABOUR:
        return f"the {text.replace('labour endowment covers', 'labour endowment cannot cover')} (labour left {value:.6g})"
    if kind is ConditionKind.DUAL_WEIGHT:
        return (f"no optimum for the individual: utility rises without bound ({text} is {value:.6g} <= 0; "
                "typically a bought input under non-decreasing returns)")
    if kind is ConditionKind.SHARE:
        return f"the structure collapses: the {text} would be {value:.6g} <= 0"
    return f"condition '{text}' fails ({value:.6g})"


def _numeric(model: Model, structure: Structure, values: Mapping[str, float], num: str | None) -> CornerEquilibrium:
    result = numeric_corner_equilibrium(model, structure, dict(values), num)
    if not result.exists:
        return CornerEquilibrium(structure.name, structure.labels, False, result.reason, method="numeric")
    plans = tuple(
        _plan(model, o.configuration, s, o.utility, o.values, {})
        for o, s in zip(result.optima, result.shares, strict=True)
    )
    return CornerEquilibrium(
        structure.name, structure.labels, True, "", num, result.prices,
        dict(zip(structure.labels, result.shares, strict=True)),
        _relative_numbers(structure, result.shares, num),
        result.per_capita_real_income, plans, result.residuals, "numeric",
        math.log(result.per_capita_real_income) if result.per_capita_real_income > 0 else -math.inf,
        _numeric_notes(result.residuals),
    )


def _numeric_notes(residuals: Mapping[str, float]) -> tuple[str, ...]:
    """A note where the numeric path stopped short of solving the equilibrium conditions."""
    worst = max(residuals.values(), default=0.0)
    if not worst > RESIDUAL_NOTE:
        return ()
    which = max(residuals, key=lambda k: residuals[k])
    return (f"{which} residual {worst:.3g}: the numeric path found no exact solution here (parameters near "
            "a bound of their domain); the values are inaccurate",)


def configuration_utility(model: Model, config: Configuration, values: Mapping[str, float],
                          prices: Mapping[str, float]) -> float:
    """Best utility in ``config`` at the given prices (``inf`` if unbounded)."""
    return _exp(configuration_log_utility(model, config, values, prices))


def configuration_log_utility(model: Model, config: Configuration, values: Mapping[str, float],
                              prices: Mapping[str, float]) -> float:
    """Log of the best utility in ``config`` at the given prices (``inf`` if unbounded, ``-inf`` if none)."""
    cc = compile_configuration(model, config)
    if cc is None:
        optimum = individual_optimum(model, config, dict(values), dict(prices))
        if not optimum.bounded:
            return math.inf
        return math.log(optimum.utility) if optimum.utility > 0 else -math.inf
    for function, text in cc.conditions:
        value = evaluate(function, model, dict(values))
        if not value > 0:
            return math.inf if ConditionKind.of(text) is ConditionKind.DUAL_WEIGHT else -math.inf
    lps = [math.log(prices[g]) for g in cc.price_goods]
    return evaluate(cc.log_utility, model, dict(values), *lps)


def deviation_check(model: Model, ce: CornerEquilibrium, values: Mapping[str, float]) -> Deviation:
    """Total cost-benefit check: the best configuration at ``ce``'s prices.

    Configurations that trade a good without a market in the structure are skipped
    (they have no price), and listed.  Utilities are compared in logs (they may lie
    outside floating-point range).
    """
    best, best_lu, checked, skipped = None, -math.inf, 0, []
    for config in configurations(model):
        traded = {config.sells, *config.buys} - {None}
        if not traded <= set(ce.prices):
            skipped.append(config.label)
            continue
        checked += 1
        lu = configuration_log_utility(model, config, values, ce.prices)
        if lu > best_lu:
            best, best_lu = config.label, lu
    log_income = _log_income(ce)
    gain = math.inf if best_lu == math.inf else _expm1(best_lu - log_income)
    return Deviation(bool(gain <= 1e-9), best, _exp(best_lu), gain, checked, tuple(skipped))


def _log_income(ce: CornerEquilibrium) -> float:
    if ce.log_income is not None:
        return ce.log_income
    income = ce.per_capita_real_income
    return math.log(income) if income and income > 0 else -math.inf


def solve(model: Model, values: Mapping[str, float] | None = None, *, structures: str = "studied",
          method: str = "symbolic", structure: str | None = None) -> Solution:
    """Corner equilibria of the studied structures and the general equilibrium.

    Parameters
    ----------
    model : Model
    values : mapping, optional
        Parameter values; defaults fill the rest; each is checked against its domain.
    structures : {"studied", "all"}
        The model's named structures, or every enumerated structure.
    method : {"symbolic", "numeric"}
    structure : str, optional
        Solve only this structure (no general equilibrium is then chosen).
    """
    checked = model.check_parameters(values or {})
    if structures not in ("studied", "all"):
        raise InframarginalError(f"structures={structures!r} is not known (expected 'studied' or 'all')")
    candidates = studied_structures(model) if structures == "studied" else enumerate_structures(model)
    if structure is not None:
        from inframarginal.configurations import find_structure

        candidates = (find_structure(model, structure),)
    results = {s.name: corner_equilibrium(model, s, checked, method) for s in candidates}
    names = list(results)
    index, _ = general_equilibrium_at([np.float64(_log_income(results[n])) for n in names],
                                      [results[n].exists for n in names])
    if structure is not None or index < 0:
        return Solution(model.name, checked, results, None, None, None)
    name = names[int(index)]
    ge = results[name]
    deviation = deviation_check(model, ge, checked)
    return Solution(model.name, checked, results, name, ge.per_capita_real_income, deviation,
                    _deviation_notes(name, deviation, structures == "all"))


def general_equilibrium_at(incomes: Sequence[Any], exists: Sequence[Any],
                           out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The general equilibrium at many points: the rule of step 3, vectorised.

    At each point, the index of the structure with the highest per-capita real income among
    those whose corner equilibrium exists there with a finite income, and that income.  Ties
    go to the first structure (as :func:`solve`); where none exists the index is -1 and the
    income -inf.  This is the one home of the rule: :func:`solve`, sweeps, paths, the report,
    the audit and the explorer all choose through it.

    Parameters
    ----------
    incomes : sequence of array_like or None
        One entry per structure: its incomes (or log incomes: the choice is the same) on
        broadcastable arrays of points; ``None`` leaves the structure out.
    exists : sequence of array_like or None
        Whether each structure's corner equilibrium exists at each point (NaN incomes never win).
    out : (ndarray, ndarray), optional
        Buffers (index, income) to fill instead of new arrays (int16 and float64 by default).

    Returns
    -------
    index, income : ndarray, ndarray

    Examples
    --------
    >>> index, best = general_equilibrium_at([np.array([1.0, 3.0, 2.0]), np.array([2.0, 3.0, 5.0])],
    ...                                      [np.array([True, True, True]), np.array([True, True, False])])
    >>> index.tolist(), best.tolist()
    ([1, 0, 0], [2.0, 3.0, 2.0])
    """
    shape = np.broadcast_shapes(*(np.shape(i) for i in incomes if i is not None))
    index, best = out if out is not None else (np.empty(shape, dtype=np.int16), np.empty(shape))
    index.fill(-1)
    best.fill(-np.inf)
    for s, (income, ok) in enumerate(zip(incomes, exists, strict=True)):
        if income is not None:
            # strictly higher: the first structure keeps a tie; +inf is no income (NaN never compares)
            better = ok & (income > best) & (income < np.inf)
            np.copyto(best, income, where=better)
            np.copyto(index, s, where=better)
    return index, best


def _deviation_notes(name: str, d: Deviation, every_structure: bool) -> tuple[str, ...]:
    """Say what a failed total cost-benefit check means for the answer."""
    if d.passed:
        return ()
    if math.isinf(d.gain):
        return (f"{name} is not an equilibrium here: at its prices utility in {d.best_configuration} rises without "
                "bound (an output that grows without limit, e.g. a negative exponent of an input)",)
    if every_structure:
        return (f"{name} is not an equilibrium here: {d.best_configuration} gives {d.gain:.3g} more utility "
                "at its prices",)
    return (f"{name} is only the best of the studied structures: {d.best_configuration} gives {d.gain:.3g} more "
            "utility at its prices, so the general equilibrium is a structure not studied here "
            "(solve every structure: --all-structures, or structures='all')",)
