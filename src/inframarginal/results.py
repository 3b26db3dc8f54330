"""What a solve returns, and the arithmetic that assembles it from evaluated closed forms.

The result types (:class:`CornerEquilibrium`, :class:`Solution`, ...) and the steps that
turn a structure's evaluated closed forms into a corner equilibrium and a total cost-benefit
check live here, free of SymPy and SciPy, so that two engines share them: the compiled
SymPy closed forms (:mod:`inframarginal.equilibrium`) and the cached numeric bundle that a
warm command line evaluates without importing SymPy (:mod:`inframarginal.bundle`).
"""

from __future__ import annotations

import enum
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import numpy as np

from inframarginal.errors import Advice, python_words


class ConditionKind(enum.Enum):
    """What a condition for a corner equilibrium to exist says; its text (the value, then
    the details) names the configuration.  Conditions are ``(expression, text)`` pairs,
    the expression positive where the condition holds; :meth:`of` reads a text's kind."""

    LABOUR = "labour endowment covers"
    """A configuration's fixed costs fit in the labour endowment."""
    DUAL_WEIGHT = "dual weight"
    """A weight of the individual's dual programme is positive (otherwise utility is unbounded)."""
    SHARE = "share of people"
    """A configuration's share of the population is positive."""
    OTHER = ""
    """Any other condition."""

    @classmethod
    def of(cls, text: str) -> ConditionKind:
        """The kind of the condition whose text is ``text``: only for texts written before conditions
        were objects (:class:`Condition` carries its kind)."""
        return next((k for k in (cls.LABOUR, cls.DUAL_WEIGHT, cls.SHARE) if text.startswith(k.value)), cls.OTHER)


@dataclass(frozen=True)
class Condition:
    """A condition for a corner equilibrium to exist, as an object; its expression, kept beside
    it (``(expression, condition)`` pairs), is positive where it holds.

    ``configuration`` is the label of the configuration it concerns.  A dual weight's
    condition names the term of the individual's programme whose weight must be positive:
    ``term`` (its meaning, e.g. ``"labour in x"``), ``constraint`` (e.g. ``"technology x"``),
    ``good`` (the good the term concerns) and ``role`` (its role in the programme, a value of
    :class:`inframarginal.individual.TermRole`, e.g. ``"labour"``).  :attr:`text` says it in
    words; an :attr:`ConditionKind.OTHER` condition's text is its ``term``.
    """

    kind: ConditionKind
    configuration: str
    term: str = ""
    constraint: str = ""
    good: str = ""
    role: str = ""

    @property
    def text(self) -> str:
        """The condition in words, e.g. ``"dual weight of 'labour in x' (labour) in x/y"``."""
        if self.kind is ConditionKind.LABOUR:
            return f"{ConditionKind.LABOUR.value} the fixed costs of {self.configuration}"
        if self.kind is ConditionKind.DUAL_WEIGHT:
            return f"{ConditionKind.DUAL_WEIGHT.value} of '{self.term}' ({self.constraint}) in {self.configuration}"
        if self.kind is ConditionKind.SHARE:
            return f"{ConditionKind.SHARE.value} in {self.configuration}"
        return self.term

    def to_dict(self) -> dict[str, str]:
        """The condition as JSON (its kind by name)."""
        return {"kind": self.kind.name, "configuration": self.configuration, "term": self.term,
                "constraint": self.constraint, "good": self.good, "role": self.role}

    @classmethod
    def from_dict(cls, data: object) -> Condition:
        """The condition of :meth:`to_dict`; ``ValueError`` where ``data`` is not one."""
        fields = ("kind", "configuration", "term", "constraint", "good", "role")
        if not isinstance(data, dict) or set(data) != set(fields) or not all(isinstance(data[f], str) for f in fields):
            raise ValueError("not a stored condition")
        if data["kind"] not in ConditionKind.__members__:
            raise ValueError(f"unknown condition kind {data['kind']!r}")
        return cls(ConditionKind[data["kind"]], *(data[f] for f in fields[1:]))


def condition_entry(encoded: Any, condition: Condition) -> list[Any]:
    """A condition as the disk caches store it: its encoded expression, its text, the object as JSON."""
    return [encoded, condition.text, condition.to_dict()]


def read_condition_entry(entry: Any) -> tuple[Any, Condition]:
    """The encoded expression and the condition of a :func:`condition_entry`; ``ValueError`` for
    anything else (an entry written before conditions were objects is recomputed)."""
    if not (isinstance(entry, list) and len(entry) == 3):
        raise ValueError("not a stored condition")
    return entry[0], Condition.from_dict(entry[2])


@dataclass(frozen=True)
class Failure:
    """Why a corner equilibrium does not exist: the condition that failed and its value there.

    ``text`` is the reason in words (:attr:`CornerEquilibrium.reason`); the edges read the
    object (:mod:`inframarginal.web.reasons` explains it in economics words).  ``value`` is
    NaN where the condition could not be evaluated in floating point (or, in
    :mod:`inframarginal.loglinear`, where a singular programme leaves it undetermined).
    """

    condition: Condition
    value: float
    text: str

    @classmethod
    def of(cls, condition: Condition, value: float) -> Failure:
        """The failure of ``condition`` at ``value`` (not positive, or NaN), with its words."""
        return cls(condition, value, _reason(condition, value))

    @property
    def kind(self) -> ConditionKind:
        return self.condition.kind

    @property
    def configuration(self) -> str:
        return self.condition.configuration

    def to_dict(self) -> dict[str, Any]:
        """The failure as JSON: the condition's fields, its value (non-finite as text) and its text."""
        return {**self.condition.to_dict(), "value": _jsonable(self.value), "text": self.text}



def finite_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None``, recursively: JSON has neither
    NaN nor infinities (a structure without a corner equilibrium has no income)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value

#: A closed form as a function of the base parameters (and log prices), evaluated by an engine.
Evaluator = Callable[..., float]


class ConfigurationLike(Protocol):
    """What the assembly reads of a configuration."""

    @property
    def label(self) -> str: ...
    @property
    def sells(self) -> str | None: ...
    @property
    def produces(self) -> tuple[str, ...]: ...
    @property
    def buys(self) -> tuple[str, ...]: ...


class StructureLike(Protocol):
    """What the assembly reads of a structure."""

    @property
    def name(self) -> str: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def traded_goods(self) -> tuple[str, ...]: ...
    @property
    def configurations(self) -> Sequence[ConfigurationLike]: ...


class ClosedFormStructure(Protocol):
    """A structure's closed forms, in whatever form its engine evaluates (see :data:`Evaluator`)."""

    @property
    def log_income(self) -> Any: ...
    @property
    def log_prices(self) -> Mapping[str, Any]: ...
    @property
    def shares(self) -> Sequence[Any]: ...
    @property
    def conditions(self) -> Sequence[tuple[Any, Condition]]: ...


class ClosedFormConfiguration(Protocol):
    """A configuration's closed forms, as functions of the parameters and the log prices of ``price_goods``."""

    @property
    def price_goods(self) -> tuple[str, ...]: ...
    @property
    def log_utility(self) -> Any: ...
    @property
    def log_values(self) -> Mapping[str, Any]: ...
    @property
    def fixed_costs(self) -> Mapping[str, Any]: ...
    @property
    def conditions(self) -> Sequence[tuple[Any, Condition]]: ...


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
    read with a DeprecationWarning; the JSON key stays ``numbers``); ``relative_numbers`` the
    ratios ``M_g/M_n`` of sellers of good g to sellers of the numeraire n.
    When ``exists`` is False, ``reason`` says why and the shares are absent; ``failure`` holds the
    failed condition as an object where one did (:class:`Failure`, whose text ``reason`` is).
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
    #: Why it does not exist, as an object, where a condition failed (``reason`` is its text).
    failure: Failure | None = None

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

    def to_dict(self, write: Callable[[str, object], str] = python_words) -> dict[str, Any]:
        """The corner equilibrium as JSON; the settings its notes suggest written by ``write``."""
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
            "notes": [_note(n, write) for n in self.notes],
            "failure": None if self.failure is None else self.failure.to_dict(),
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

    def to_dict(self, write: Callable[[str, object], str] = python_words) -> dict[str, Any]:
        """The solution as JSON; the settings its notes suggest written by ``write(field, value)``
        (Python words by default; the command line passes its flags)."""
        ge = None
        if self.general_equilibrium is not None:
            assert self.deviation is not None  # a general equilibrium always comes with its check
            ge = {
                "structure": self.general_equilibrium,
                "per_capita_real_income": self.per_capita_real_income,
                "deviation_check": self.deviation.__dict__ | {"skipped": list(self.deviation.skipped)},
                "notes": [_note(n, write) for n in self.notes],
            }
        out: dict[str, Any] = _jsonable({
            "model": self.model,
            "parameters": self.parameters,
            "structures": {name: ce.to_dict(write) for name, ce in self.structures.items()},
            "general_equilibrium": ge,
        })
        return out

    def __repr__(self) -> str:
        return self.text()

    def text(self, write: Callable[[str, object], str] = python_words) -> str:
        """The solution as a table; the settings its notes suggest written by ``write(field, value)``
        (Python words by default; the command line passes its flags)."""
        lines = [f"Solution of {self.model} at " + ", ".join(f"{k}={v:.6g}" for k, v in self.parameters.items())]
        for name, ce in self.structures.items():
            mark = "*" if name == self.general_equilibrium else " "
            value = _income_text(ce) if ce.exists else f"does not exist: {ce.reason}"
            lines.append(f" {mark} {name:<8} {value}")
            lines.extend(f"   {'':<8} note: {_note(n, write)}" for n in ce.notes)
        if self.general_equilibrium:
            d = self.deviation
            assert d is not None
            lines.append(f"general equilibrium: {self.general_equilibrium} "
                         f"(deviation check {'passed' if d.passed else 'FAILED'}: best alternative "
                         f"{d.best_configuration}, gain {d.gain:.3g})")
            lines.extend(f"note: {_note(n, write)}" for n in self.notes)
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


def _note(text: str, write: Callable[[str, object], str]) -> str:
    """A note with the settings it suggests (where it is :class:`Advice`) written by ``write``."""
    return text.text(write) if isinstance(text, Advice) else text


def _jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as text (``"inf"``), which strict JSON cannot hold."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _plan(good_names: Sequence[str], config: ConfigurationLike, share: float, utility: float,
          values: Mapping[str, float], fixed: Mapping[str, float]) -> Plan:
    return Plan(
        config.label, share, utility,
        labour={g: values[f"L_{g}"] + fixed[g] if f"L_{g}" in values else values[f"l_{g}"] for g in config.produces},
        produced={g: values[f"g_{g}"] for g in config.produces},
        consumed={g: values[f"c_{g}"] for g in good_names if f"c_{g}" in values},
        sold={config.sells: values[f"s_{config.sells}"]} if config.sells else {},
        bought={g: values[f"d_{g}"] for g in config.buys},
        inputs={name: v for name, v in values.items() if name.startswith("in_")},
    )


def _relative_numbers(structure: StructureLike, shares: tuple[float, ...], num: str | None) -> dict[str, float]:
    if num is None or len(shares) < 2:
        return {}
    by_good = {c.sells: s for c, s in zip(structure.configurations, shares, strict=True)}
    return {f"M_{g}/M_{num}": by_good[g] / by_good[num] for g in by_good if g != num}


def closed_form_corner(structure: StructureLike, num: str | None, compiled: ClosedFormStructure,
                       compiled_configuration: Callable[[Any], ClosedFormConfiguration],
                       good_names: Sequence[str], evaluate: Evaluator) -> CornerEquilibrium:
    """The corner equilibrium of ``structure`` from its closed forms.

    Parameters
    ----------
    structure : Structure
        A structure whose buy graph has no defect.
    num : str or None
        Its numeraire.
    compiled : closed forms of the structure
    compiled_configuration : callable
        The closed forms of one of its configurations (asked for only once the structure's
        conditions hold).
    good_names : sequence of str
        The model's goods, in order.
    evaluate : callable
        ``evaluate(function, *log_prices)``: a closed form's value at the point, as a float.
    """
    for function, condition in compiled.conditions:
        value = evaluate(function)
        if not value > 0:
            failed = Failure.of(condition, value)
            return CornerEquilibrium(structure.name, structure.labels, False, failed.text, failure=failed)
    # Everything in logs: incomes, prices and quantities can lie far outside floating-point
    # range at admissible points (autarky income 2**(-2a) in yang-2001-specialization).
    log_prices = {g: evaluate(f) for g, f in compiled.log_prices.items()}
    shares = tuple(evaluate(f) for f in compiled.shares)
    log_income = evaluate(compiled.log_income)
    if not (math.isfinite(log_income) and all(map(math.isfinite, log_prices.values()))
            and all(math.isfinite(s) and s > 0 for s in shares)):
        return CornerEquilibrium(structure.name, structure.labels, False, _unrepresentable(log_income, log_prices))

    plans, log_utilities = [], []
    supply: dict[str, list[float]] = {g: [] for g in structure.traded_goods}
    demand: dict[str, list[float]] = {g: [] for g in structure.traded_goods}
    for config, share in zip(structure.configurations, shares, strict=True):
        cc = compiled_configuration(config)
        lps = [log_prices[g] for g in cc.price_goods]
        logs = {name: evaluate(f, *lps) for name, f in cc.log_values.items()}
        quantities = {name: _exp(v) for name, v in logs.items()}
        fixed = {g: evaluate(f) for g, f in cc.fixed_costs.items()}
        log_utility = evaluate(cc.log_utility, *lps)
        log_utilities.append(log_utility)
        plans.append(_plan(good_names, config, share, _exp(log_utility), quantities, fixed))
        if config.sells:
            supply[config.sells].append(math.log(share) + logs[f"s_{config.sells}"])
        for g in config.buys:
            demand[g].append(math.log(share) + logs[f"d_{g}"])
    residuals = {
        "utility equalization": max(abs(_expm1(lu - log_income)) for lu in log_utilities),
        "market clearing": max((_imbalance(supply[g], demand[g]) for g in supply), default=0.0),
    }
    prices = {g: _exp(log_prices[g]) for g in good_names if g in log_prices}
    return CornerEquilibrium(
        structure.name, structure.labels, True, "", num, prices,
        dict(zip(structure.labels, shares, strict=True)),
        _relative_numbers(structure, shares, num), _exp(log_income), tuple(plans), residuals, "symbolic",
        log_income, _range_notes(log_income, log_prices) + _precision_notes(residuals, log_income, log_prices),
    )


def closed_form_log_utility(cc: ClosedFormConfiguration, prices: Mapping[str, float],
                            evaluate: Evaluator) -> float:
    """Log of the best utility in a configuration with closed forms at the given prices
    (``inf`` if unbounded, ``-inf`` if none); ``evaluate`` as in :func:`closed_form_corner`."""
    for function, condition in cc.conditions:
        value = evaluate(function)
        if not value > 0:
            return math.inf if condition.kind is ConditionKind.DUAL_WEIGHT else -math.inf
    lps = [math.log(prices[g]) for g in cc.price_goods]
    return evaluate(cc.log_utility, *lps)


def assemble_deviation(configurations: Iterable[ConfigurationLike], ce: CornerEquilibrium,
                       log_utility: Callable[[Any], float]) -> Deviation:
    """Total cost-benefit check: the best of ``configurations`` at ``ce``'s prices.

    ``log_utility(config)`` gives the log of the best utility in a configuration at those
    prices.  Configurations that trade a good without a market in the structure are
    skipped (they have no price), and listed.  Utilities are compared in logs (they may
    lie outside floating-point range).
    """
    best, best_lu, checked, skipped = None, -math.inf, 0, []
    for config in configurations:
        traded = {config.sells, *config.buys} - {None}
        if not traded <= set(ce.prices):
            skipped.append(config.label)
            continue
        checked += 1
        lu = log_utility(config)
        if lu > best_lu:
            best, best_lu = config.label, lu
    log_income = _log_income(ce)
    gain = math.inf if best_lu == math.inf else _expm1(best_lu - log_income)
    return Deviation(bool(gain <= 1e-9), best, _exp(best_lu), gain, checked, tuple(skipped))


def general_equilibrium_of(results: Mapping[str, CornerEquilibrium]) -> str | None:
    """The structure with the highest per-capita real income (compared on logs); ``None`` if none exists
    (:func:`general_equilibrium_at` at one point)."""
    names = list(results)
    index, _ = general_equilibrium_at([np.float64(_log_income(results[n])) for n in names],
                                      [results[n].exists for n in names])
    return names[int(index)] if index >= 0 else None


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




#: :func:`general_equilibrium_of_bounds`: a box whose bounds do not settle its general equilibrium.
UNSETTLED = -2


def general_equilibrium_of_bounds(lower: Sequence[Any], upper: Sequence[Any], surely_exists: Sequence[Any],
                                  never_exists: Sequence[Any]) -> np.ndarray:
    """The rule of :func:`general_equilibrium_at` over whole boxes of points, from bounds.

    For each structure and box: ``lower <= income <= upper`` at every point of the box
    (log incomes as :func:`general_equilibrium_at` compares them; NaN: unknown), whether the
    corner equilibrium surely exists at every point with a finite income, and whether it
    surely exists at none.  A box is settled for structure ``s`` when ``s`` surely exists and
    every other structure either never exists or has an upper bound strictly below ``s``'s
    lower bound: then :func:`general_equilibrium_at` gives ``s`` at every point of the box.

    Returns
    -------
    ndarray of int
        Per box: the structure, -1 where no structure exists anywhere in the box, or
        :data:`UNSETTLED`.

    Examples
    --------
    >>> general_equilibrium_of_bounds([[1.0, 1.0], [2.0, 0.5]], [[1.5, 1.5], [3.0, 1.2]],
    ...                               [[True, True], [True, True]], [[False, False], [False, False]]).tolist()
    [1, -2]
    """
    low, high = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    surely, never = np.asarray(surely_exists, dtype=bool), np.asarray(never_exists, dtype=bool)
    candidate = np.where(surely & (low > -np.inf), low, -np.inf)
    best = np.argmax(candidate, axis=0)
    boxes = np.arange(candidate.shape[1])
    best_low = candidate[best, boxes]
    # a rival that may exist, its upper bound (unknown: unbounded); the candidate itself left out
    rival = np.where(never, -np.inf, np.where(np.isnan(high), np.inf, high))
    rival[best, boxes] = -np.inf
    settled = (best_low > -np.inf) & (rival.max(axis=0) < best_low)
    return np.where(never.all(axis=0), -1, np.where(settled, best, UNSETTLED))


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
    if ce.log_income is not None and _out_of_range(cast(float, ce.per_capita_real_income)):
        return f"exp({ce.log_income:.10g})"
    return f"{ce.per_capita_real_income:.10g}"


def _reason(condition: Condition, value: float) -> str:
    text = condition.text
    if math.isnan(value):
        return (f"its condition '{text}' cannot be evaluated in floating point at this point "
                "(parameters too close to a bound of their domain)")
    kind = condition.kind
    if kind is ConditionKind.LABOUR:
        return f"the {text.replace('labour endowment covers', 'labour endowment cannot cover')} (labour left {value:.6g})"
    if kind is ConditionKind.DUAL_WEIGHT:
        return (f"no optimum for the individual: utility rises without bound ({text} is {value:.6g} <= 0; "
                "typically a bought input under non-decreasing returns)")
    if kind is ConditionKind.SHARE:
        return f"the structure collapses: the {text} would be {value:.6g} <= 0"
    return f"condition '{text}' fails ({value:.6g})"


def _log_income(ce: CornerEquilibrium) -> float:
    if ce.log_income is not None:
        return ce.log_income
    income = ce.per_capita_real_income
    return math.log(income) if income and income > 0 else -math.inf


def _deviation_notes(name: str, d: Deviation, every_structure: bool) -> tuple[str, ...]:
    """Say what a failed total cost-benefit check means for the answer."""
    if d.passed:
        return ()
    if math.isinf(cast(float, d.gain)):
        return (f"{name} is not an equilibrium here: at its prices utility in {d.best_configuration} rises without "
                "bound (an output that grows without limit, e.g. a negative exponent of an input)",)
    if every_structure:
        return (f"{name} is not an equilibrium here: {d.best_configuration} gives {d.gain:.3g} more utility "
                "at its prices",)
    return (Advice(f"{name} is only the best of the studied structures: {d.best_configuration} gives {d.gain:.3g} "
                   "more utility at its prices, so the general equilibrium is a structure not studied here",
                   use=(("structures", "all"),)),)


@dataclass(frozen=True)
class Certification:
    """Is the GE of a model's listed structures its GE over ALL structures?  (:func:`inframarginal.search.certify`)

    ``general_equilibrium`` is the model's general equilibrium over every structure (None
    where not certified); ``listed`` the best of the listed structures, what the user
    studies; ``unlisted_beats`` says that an unlisted structure has a higher income than
    every listed one (``general_equilibrium`` then names it).  Where a listed structure ties
    with the best, it is named.  ``how``: "bound", "orbits" or "" (not certified);
    ``reason`` says why not, with the settings that would help as structured advice
    (:class:`inframarginal.errors.Advice`: Python words as a string; each edge writes them in
    its own words through ``write``: flags on the command line, plain words in the explorer).
    """

    certified: bool
    general_equilibrium: str | None
    per_capita_real_income: float | None
    listed: str | None
    listed_income: float | None
    unlisted_beats: bool
    how: str
    gap: float | None
    reason: Advice = Advice("")

    def __post_init__(self) -> None:
        if not isinstance(self.reason, Advice):  # a plain text: advice that suggests no setting
            object.__setattr__(self, "reason", Advice(str(self.reason)))

    def summary(self, write: Callable[[str, object], str] = python_words) -> str:
        """One line for the outputs: certified (and how), an unlisted structure beats the listed ones, or
        why not (its suggested settings written by ``write(field, value)``)."""
        if not self.certified:
            return f"not certified: {self.reason.text(write)}"
        how = ("by the welfare bound" if self.how == "bound"
               else "over one structure per symmetry class")
        if self.unlisted_beats:
            lead = (f"the general equilibrium is the unlisted {self.general_equilibrium} "
                    f"({self.per_capita_real_income:.6g}")
            if self.listed is None:
                return f"{lead}; no listed structure has a corner equilibrium here), certified {how}"
            above = (f"{cast(float, self.per_capita_real_income) / self.listed_income - 1:.3%} above"
                     if self.listed_income else "above")
            return f"{lead}, {above} the best listed structure {self.listed}), certified {how}"
        return f"certified {how} over all structures: {self.general_equilibrium} is the general equilibrium"

    def to_dict(self, write: Callable[[str, object], str] = python_words) -> dict[str, Any]:
        """The certification as JSON; ``reason`` and ``summary`` written by ``write``, ``advice``
        the reason as structured advice (:meth:`inframarginal.errors.Advice.to_dict`)."""
        return {"certified": self.certified, "general_equilibrium": self.general_equilibrium,
                "per_capita_real_income": self.per_capita_real_income, "listed_general_equilibrium": self.listed,
                "listed_per_capita_real_income": self.listed_income, "unlisted_beats_listed": self.unlisted_beats,
                "certified_by": self.how or None, "bound_gap": self.gap, "reason": self.reason.text(write),
                "advice": self.reason.to_dict(), "summary": self.summary(write)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Certification:
        """The certification of :meth:`to_dict` (a stored one, read back from the disk cache).

        Raises
        ------
        KeyError, TypeError, ValueError
            For a mapping :meth:`to_dict` did not give (``ValueError``: one without ``advice``,
            stored before the reason was structured advice).
        """
        values = (data["certified"], data["general_equilibrium"], data["per_capita_real_income"],
                  data["listed_general_equilibrium"], data["listed_per_capita_real_income"],
                  data["unlisted_beats_listed"], data["certified_by"] or "", data["bound_gap"])
        if not (isinstance(values[0], bool) and isinstance(values[5], bool) and isinstance(values[6], str)
                and all(v is None or isinstance(v, str) for v in (values[1], values[3]))
                and all(v is None or isinstance(v, (int, float)) for v in (values[2], values[4], values[7]))):
            raise TypeError("not a stored certification")
        return cls(*values, reason=Advice.from_dict(data.get("advice")))


def with_certification(data: dict[str, Any], certification: Mapping[str, Any]) -> dict[str, Any]:
    """A solution's dict with the certified GE in its GE field, the listed one kept beside it.

    ``certification`` is :meth:`Certification.to_dict`, in the words of the edge that writes it.
    ``data["general_equilibrium"]`` may be the name (explorer payload) or the :meth:`Solution.to_dict` mapping with a
    ``structure`` key.
    """
    out = dict(data)
    out["certification"] = dict(certification)
    ge = out.get("general_equilibrium")
    best, income = certification.get("general_equilibrium"), certification.get("per_capita_real_income")
    if not (certification.get("certified") and certification.get("unlisted_beats_listed") and best):
        return out  # the listed GE is the GE (or not certified): its own numbers stay
    if isinstance(ge, dict):
        out["general_equilibrium"] = ge | {
            "structure": best, "per_capita_real_income": income,
            "listed_structure": ge.get("structure"),
            "listed_per_capita_real_income": ge.get("per_capita_real_income")}
    else:
        out["listed_general_equilibrium"] = ge
        out["general_equilibrium"] = best
        if "per_capita_real_income" in out:
            out["listed_per_capita_real_income"] = out["per_capita_real_income"]
            out["per_capita_real_income"] = income
    return out
