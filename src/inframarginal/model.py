"""The model specification: parameters, goods, utility and technologies.

A :class:`Model` is frozen and built only through :func:`build_model`, from the
same nested mapping whether it comes from a TOML model file
(:mod:`inframarginal.modelfile`) or from Python.  Building validates everything
a user can get wrong and names the key that is wrong.

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4-7.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

import sympy as sp

from inframarginal.domain import Domain
from inframarginal.errors import ExpressionError, ModelFileError, ParameterError, quote
from inframarginal.expressions import free_names, parse_constraint, parse_expression, to_function

#: The symbol of a person's own labour in a technology's output formula.
LABOUR = sp.Symbol("l", positive=True)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: A model's name is shown and stored, never used as a path: a plain identifier.
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_RESERVED = {"l", "exp", "log", "sqrt"}
_TECHNOLOGY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

# Limits on what a model may ask for, checked before any symbolic work.  Enumerating
# configurations and structures grows exponentially with goods and technologies; the
# built-in models stay far below every limit.
#: Most parameters, and most derived parameters, a model may have.
MAX_PARAMETERS = 100
#: Most goods (structures are enumerated lazily, under a budget: see inframarginal.enumeration).
MAX_GOODS = 10
#: Most technologies, all goods together.
MAX_TECHNOLOGIES = 32
#: Most choices of goods and technologies the enumeration of configurations may examine
#: (an upper bound on the configurations Lemma 1 allows).
MAX_CONFIGURATIONS = 200_000
#: Most named structures.
MAX_STRUCTURES = 200
#: Longest name of a parameter, good or technology.
MAX_NAME_LENGTH = 40
#: Deepest nesting of tables and lists in a model.
MAX_SPEC_DEPTH = 8


@lru_cache(maxsize=4096)  # keyed by the formula: bounded, shared by equal formulas of any model
def _compiled_formula(formula: sp.Expr) -> tuple[tuple[str, ...], Any]:
    """A derived parameter's formula as a fast function of the names it uses (sorted)."""
    symbols = sorted(formula.free_symbols, key=lambda s: s.name)
    return tuple(s.name for s in symbols), to_function(symbols, formula, modules="math")


@dataclass(frozen=True)
class Parameter:
    """A named model parameter with its default, admissible domain and meaning."""

    name: str
    default: float
    domain: Domain
    description: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, positive=self.domain.lower >= 0)


@dataclass(frozen=True)
class Derived:
    """A parameter defined by a formula of other parameters, e.g. ``k = (1 - t) * K``."""

    name: str
    formula: sp.Expr
    text: str
    description: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, positive=True)


@dataclass(frozen=True)
class Constraint:
    """A condition across parameters, such as ``F + 2*b < 1``, checked with every parameter check."""

    name: str
    text: str
    left: sp.Expr
    operator: str
    right: sp.Expr

    def violation(self, values: Mapping[str, float]) -> str | None:
        """Why the constraint fails at ``values`` (all parameters, base and derived), or ``None``."""
        sides = []
        for side in (self.left, self.right):
            names, function = _compiled_formula(side)
            try:
                sides.append(float(function(*(values[n] for n in names))))
            except (ArithmeticError, ValueError, TypeError):
                sides.append(math.nan)
        left, right = sides
        holds = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[self.operator]
        if holds:
            return None
        used = sorted({s.name for s in self.left.free_symbols | self.right.free_symbols})
        at = ", ".join(f"{n}={values[n]:g}" for n in used)
        return (f"constraint {self.name} ({quote(self.text)}) does not hold: {left:.6g} {self.operator} "
                f"{right:.6g} is false" + (f" at {at}" if at else ""))


@dataclass(frozen=True)
class PowerForm:
    """A technology ``A * (l - F)**labour_exponent * prod(input**exponent)``.

    Every technology of this form turns an individual's problem into a geometric
    programme, which is what gives closed-form corner equilibria.
    """

    coefficient: sp.Expr
    fixed_cost: sp.Expr
    labour_exponent: sp.Expr
    input_exponents: tuple[tuple[str, sp.Expr], ...]


@dataclass(frozen=True)
class Technology:
    """One way of producing a good: output as a formula of own labour ``l`` and inputs."""

    good: str
    name: str
    output: sp.Expr
    text: str
    inputs: tuple[str, ...]
    power_form: PowerForm | None
    description: str = ""


@dataclass(frozen=True)
class Good:
    """A good: its utility weight (0 for a pure intermediate good) and trading efficiency."""

    name: str
    weight: sp.Expr
    trading_efficiency: sp.Expr
    description: str = ""

    @property
    def consumed(self) -> bool:
        return self.weight != 0


@dataclass(frozen=True)
class NamedStructure:
    """A structure a model file names and studies, as a list of configuration labels."""

    name: str
    configurations: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, eq=False)
class Model:
    """A model of the Yang class: consumer-producers, Cobb-Douglas utility, Lemma 1.

    Build with :func:`build_model` or :func:`inframarginal.load_model`.
    """

    name: str
    title: str
    description: str
    references: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    derived: tuple[Derived, ...]
    goods: tuple[Good, ...]
    technologies: tuple[Technology, ...]
    endowment: sp.Expr
    named_structures: tuple[NamedStructure, ...]
    source: str = "<python>"
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    constraints: tuple[Constraint, ...] = ()

    def __eq__(self, other: object) -> bool:
        # Any Model equals one with the same specification, whatever its class (the facade
        # inframarginal.api.AnalysedModel adds methods only), so caches keyed by models agree.
        if not isinstance(other, Model):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self) if f.compare)

    def __getstate__(self) -> dict[str, Any]:
        # Pickled without its caches (inframarginal.memo) and its hash (string hashes differ
        # between processes): both are rebuilt where the copy is used.
        return {k: v for k, v in self.__dict__.items() if k not in ("_memo", "_hash")}

    def __hash__(self) -> int:
        # Models key many caches; hashing every SymPy expression on each lookup is slow.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
            object.__setattr__(self, "_hash", cached)
        return cached

    @property
    def content_hash(self) -> str:
        """SHA-256 of the model's specification: equal files give equal hashes, whatever their names."""
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            text = json.dumps(self.spec, sort_keys=True, default=str)
            cached = hashlib.sha256(text.encode()).hexdigest()
            object.__setattr__(self, "_content_hash", cached)
        return cached

    # -- lookups -----------------------------------------------------------------
    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise ParameterError(
            f"unknown parameter {name!r} for model {self.name!r} "
            f"(parameters: {', '.join(p.name for p in self.parameters)})"
        )

    def good(self, name: str) -> Good:
        for g in self.goods:
            if g.name == name:
                return g
        raise KeyError(name)

    def technologies_of(self, good: str) -> tuple[Technology, ...]:
        return tuple(t for t in self.technologies if t.good == good)

    @property
    def good_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.goods)

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Symbols of parameters and derived parameters, by name."""
        out = {p.name: p.symbol for p in self.parameters}
        out.update({d.name: d.symbol for d in self.derived})
        return out

    def derived_substitution(self) -> dict[sp.Symbol, sp.Expr]:
        """Map each derived symbol to its formula in the base parameters."""
        subs: dict[sp.Symbol, sp.Expr] = {}
        for d in self.derived:
            subs[d.symbol] = d.formula.xreplace(subs)
        return subs

    # -- parameter values ----------------------------------------------------------
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def check_parameters(self, values: Mapping[str, float] | None = None, **more: float) -> dict[str, float]:
        """Complete ``values`` with defaults and check each against its domain.

        Returns all parameter values, base and derived, as floats.

        Raises
        ------
        ParameterError
            For an unknown name, a non-number or a value outside the domain.
        """
        given = dict(values or {})
        given.update(more)
        out = self.defaults()
        derived = {d.name: d for d in self.derived}
        for name, value in given.items():
            if name in derived:
                continue  # recomputed below and compared with the value given
            param = self.parameter(name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {name}={value!r} is not a number") from None
            if number not in param.domain:
                raise ParameterError(
                    f"parameter {name}={value!r} is outside its domain {param.domain}"
                    + (f" ({param.description})" if param.description else "")
                )
            out[name] = number
        for d in self.derived:
            value = _evaluate_derived(d, out)
            if d.name in given and not math.isclose(float(given[d.name]), value, rel_tol=1e-12, abs_tol=1e-15):
                raise ParameterError(
                    f"parameter {d.name}={given[d.name]!r} is derived ({d.name} = {d.text} = {value:.12g} "
                    "here); set the parameters it is made of instead")
            out[d.name] = value
        for constraint in self.constraints:
            problem = constraint.violation(out)
            if problem:
                raise ParameterError(problem)
        return out

    # -- presentation ------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Model({self.name!r}: {len(self.parameters)} parameters, goods "
            f"{', '.join(self.good_names)}, {len(self.technologies)} technologies)"
        )



def _evaluate_derived(d: Derived, values: Mapping[str, float]) -> float:
    """The value of a derived parameter; a :class:`ParameterError` if it is not a finite real number."""
    names, function = _compiled_formula(d.formula)
    try:
        value = function(*(values[n] for n in names))
        value = float(value) if not isinstance(value, complex) else math.nan
    except (ArithmeticError, ValueError, TypeError):  # 1/0, log(0), overflow, complex
        value = math.nan
    if not math.isfinite(value):
        at = ", ".join(f"{n}={values[n]:g}" for n in names)
        raise ParameterError(
            f"derived parameter {d.name} = {quote(d.text)} is not a finite real number at {at}")
    return value


# ---------------------------------------------------------------------------------------
# building from a mapping


def build_model(spec: Mapping[str, Any], source: str = "<python>") -> Model:
    """Build and validate a :class:`Model` from a nested mapping.

    The mapping has the shape of a model file (see ``inframarginal/models/*.toml``):
    ``model``, ``parameters``, ``derived``, ``goods``, ``utility``, ``technologies``,
    ``labour`` and optionally ``structures`` and ``constraints`` (inequalities across
    parameters, such as ``fixed_costs = "F + 2*b < 1"``, checked with every parameter check).

    Every entry (parameter, derived parameter, constraint, good, technology, structure)
    is checked on its own, so one build reports every independent mistake.  An entry
    that fails is left out of the checks that need it, which then say nothing rather
    than repeat the mistake.  Limits on size and nesting stop the checks at once.

    Raises
    ------
    ModelFileError
        Naming ``source``, the key and what was expected; its ``errors`` holds every
        mistake found (its message starts with the first).

    Notes
    -----
    The configuration labels of named structures need Lemma 1, a layer above the
    specification: :func:`inframarginal.build_model` and :func:`inframarginal.load_model`
    resolve them at once (:func:`inframarginal.lemma1.check_named_structures`); here they are
    resolved on first use.
    """
    problems: list[ModelFileError] = []

    def error(key: str, message: str) -> ModelFileError:
        return ModelFileError(message, source, key)

    def stop(err: ModelFileError) -> ModelFileError:
        """The error to raise when a limit ends the checks: everything found so far."""
        return ModelFileError.combine([*problems, err])

    def table(key: str, required: bool = False) -> Mapping[str, Any] | None:
        """The section ``key`` ({} if absent and optional); ``None``, reported, if it is malformed."""
        try:
            return _table(spec, key, error, required)
        except ModelFileError as err:
            problems.append(err)
            return None

    def string(entry: Mapping[str, Any], key: str, section: str, required: bool = False) -> str:
        try:
            return _string(entry, key, section, error, required)
        except ModelFileError as err:
            problems.append(err)
            return ""

    def unknown_keys(entry: Mapping[str, Any], section: str, allowed: tuple[str, ...]) -> None:
        for k in entry:
            if k not in allowed:
                problems.append(error(f"{section}.{k}", f"unknown key (expected {', '.join(allowed)})"))

    def count(entries: Mapping[str, Any], key: str, what: str, limit: int) -> None:
        try:
            _check_count(entries, key, what, limit, error)
        except ModelFileError as err:
            raise stop(err) from None

    if not isinstance(spec, Mapping):
        raise error("", "a model must be a table of sections")
    try:
        _check_depth(spec, error)
    except ModelFileError as err:
        raise stop(err) from None
    known = {"model", "parameters", "derived", "constraints", "goods", "utility", "technologies", "labour",
             "structures"}
    for key in spec:
        if key not in known:
            problems.append(error(key, f"unknown section {key!r} (expected one of {', '.join(sorted(known))})"))

    meta = table("model", required=True)
    reported = len(problems)
    if meta is None:  # reported: its name is not missing on top of that
        meta = {"name": "unnamed"}
    unknown_keys(meta, "model", ("name", "title", "description", "references"))
    name = string(meta, "name", "model", required=True)
    if len(problems) == reported and not _MODEL_NAME.match(name):
        problems.append(error("model.name", f"{name[:60]!r} is not allowed as a model name (expected 1-64 "
                              "letters, digits, '_' or '-', starting with a letter or digit)"))
    title = string(meta, "title", "model") or name
    description = string(meta, "description", "model")
    references = meta.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        problems.append(error("model.references", "expected a list of strings"))
        references = []

    # Names declared by entries that failed: formulas may use them (no "unknown name" noise),
    # but checks that need their values are skipped.
    broken: set[str] = set()

    # parameters
    parameters = []
    param_table = table("parameters", required=True)
    count(param_table or {}, "parameters", "parameters", MAX_PARAMETERS)
    for pname, entry in (param_table or {}).items():
        key = f"parameters.{pname}"
        try:
            _check_name(pname, key, error)
        except ModelFileError as err:
            problems.append(err)
            continue
        try:
            if not isinstance(entry, Mapping):
                raise error(key, "expected a table with default, domain and description")
            unknown_keys(entry, key, ("default", "domain", "description"))
            try:
                domain = Domain.parse(entry.get("domain", "(-inf, inf)"))
            except ValueError as err:
                raise error(f"{key}.domain", str(err)) from None
            default = entry.get("default")
            if isinstance(default, bool) or not isinstance(default, int | float):
                raise error(f"{key}.default", f"expected a number, got {default!r}")
            if float(default) not in domain:
                raise error(f"{key}.default", f"default {default!r} is outside the domain {domain}")
        except ModelFileError as err:
            problems.append(err)
            broken.add(pname)
            continue
        parameters.append(Parameter(pname, float(default), domain, string(entry, "description", key)))
    if param_table is not None and not param_table:
        problems.append(error("parameters", "a model needs at least one parameter"))

    names: dict[str, sp.Expr] = {p.name: p.symbol for p in parameters}
    names.update({b: sp.Symbol(b, positive=True) for b in broken})

    def formula(text: Any, key: str, extra: Mapping[str, sp.Expr] | None = None) -> sp.Expr:
        scope = dict(names)
        scope.update(extra or {})
        try:
            return parse_expression(text, scope, what="formula")
        except ExpressionError as err:
            raise error(key, str(err)) from None

    def uses_broken(*exprs: sp.Expr) -> bool:
        return any(s.name in broken for e in exprs for s in e.free_symbols)

    derived = []
    derived_table = table("derived") or {}
    count(derived_table, "derived", "derived parameters", MAX_PARAMETERS)
    defaults = {p.name: p.default for p in parameters}
    for dname, entry in derived_table.items():
        key = f"derived.{dname}"
        try:
            _check_name(dname, key, error)
            if dname in names:
                raise error(key, f"name {quote(dname)} is already a parameter")
        except ModelFileError as err:
            problems.append(err)
            continue
        try:
            if isinstance(entry, Mapping):
                unknown_keys(entry, key, ("formula", "description"))
                text, desc = entry.get("formula"), string(entry, "description", key)
            else:
                text, desc = entry, ""
            expr = formula(text, key)
            item = Derived(dname, expr, str(text), desc)
            if not uses_broken(expr):
                try:  # a formula that is not a number at the defaults fails now, not in a solver
                    defaults[dname] = _evaluate_derived(item, defaults)
                except ParameterError as err:
                    raise error(key, f"{err} (the default values)") from None
        except ModelFileError as err:
            problems.append(err)
            broken.add(dname)
            names[dname] = sp.Symbol(dname, positive=True)
            continue
        derived.append(item)
        names[dname] = item.symbol
        if dname not in defaults:  # made of broken names
            broken.add(dname)

    constraints = []
    constraint_table = table("constraints") or {}
    count(constraint_table, "constraints", "constraints", MAX_PARAMETERS)
    for cname, text in constraint_table.items():
        key = f"constraints.{cname}"
        try:
            _check_name(cname, key, error)
            try:
                left, operator, right = parse_constraint(text, names, what="constraint")
            except ExpressionError as err:
                raise error(key, str(err)) from None
            constraint = Constraint(cname, text, left, operator, right)
            problem = None if uses_broken(left, right) else constraint.violation(defaults)
            if problem:
                raise error(key, f"the default values break it: {problem}")
        except ModelFileError as err:
            problems.append(err)
            continue
        constraints.append(constraint)

    # goods
    goods_table = table("goods", required=True)
    count(goods_table or {}, "goods", "goods", MAX_GOODS)
    good_names = list(goods_table or {})
    good_symbols = {g: sp.Symbol(g, positive=True) for g in good_names}
    utility = table("utility", required=True)
    weights: Mapping[str, Any] | None = None
    if utility is not None:
        unknown_keys(utility, "utility", ("weights",))
        weights = utility.get("weights")
        if not isinstance(weights, Mapping) or not weights:
            problems.append(error("utility.weights",
                                  "expected a table of Cobb-Douglas weights such as {x = 1, y = 1}"))
            weights = None
        elif goods_table is not None:
            for gname in weights:
                if gname not in goods_table:
                    problems.append(error(f"utility.weights.{gname}",
                                          f"unknown good {quote(gname)} (goods: {', '.join(good_names)})"))
    goods = []
    for gname, entry in (goods_table or {}).items():
        key = f"goods.{gname}"
        try:
            _check_name(gname, key, error)
            if gname in names:
                raise error(key, f"good name {gname!r} clashes with a parameter")
            if not isinstance(entry, Mapping):
                raise error(key, "expected a table with trading_efficiency and description")
            unknown_keys(entry, key, ("trading_efficiency", "description"))
            if "trading_efficiency" not in entry:
                raise error(f"{key}.trading_efficiency", "missing (a formula such as 'k' or '(1 - t) * K')")
            eff = formula(entry["trading_efficiency"], f"{key}.trading_efficiency")
            if not uses_broken(eff):
                _check_efficiency(eff, entry["trading_efficiency"], f"{key}.trading_efficiency", defaults, error)
            weight = sp.Integer(0)
            if weights is not None:
                weight = formula(weights.get(gname, 0), f"utility.weights.{gname}")
                if not uses_broken(weight):
                    _check_weight(weight, weights.get(gname, 0), f"utility.weights.{gname}", defaults, error)
        except ModelFileError as err:
            problems.append(err)
            broken.add(gname)
            continue
        goods.append(Good(gname, weight, eff, string(entry, "description", key)))
    if weights is not None and goods and len(goods) == len(good_names) and not any(g.consumed for g in goods):
        problems.append(error("utility.weights", "at least one good must have a positive weight"))

    # technologies
    technologies = []
    tech_table = table("technologies", required=True) or {}
    if goods_table is None:  # reported: without goods, every input of a formula would be unknown
        tech_table = {}
    counts = {}
    for gname, entries in tech_table.items():
        if goods_table is not None and gname not in goods_table:
            problems.append(error(f"technologies.{gname}",
                                  f"unknown good {quote(gname)} (goods: {', '.join(good_names)})"))
            continue
        counts[gname] = len(entries) if isinstance(entries, list) else 1
    if sum(counts.values()) > MAX_TECHNOLOGIES:
        raise stop(error("technologies", f"{sum(counts.values())} technologies; a model may have at most "
                         f"{MAX_TECHNOLOGIES}"))
    try:
        _check_enumeration([counts.get(g, 1) for g in good_names], error)
    except ModelFileError as err:
        raise stop(err) from None
    failed_goods = set()  # goods with a technology that failed: "no technology" would be noise
    for gname, entries in tech_table.items():
        if gname not in counts:
            continue
        if isinstance(entries, Mapping):
            entries = [entries]
        if not isinstance(entries, list) or not entries:
            problems.append(error(f"technologies.{gname}", "expected one or more [[technologies.GOOD]] tables"))
            failed_goods.add(gname)
            continue
        seen = set()
        for i, entry in enumerate(entries):
            key = f"technologies.{gname}[{i}]"
            try:
                if not isinstance(entry, Mapping) or "output" not in entry:
                    raise error(key, "expected a table with 'output' (a formula in l and input goods)")
                unknown_keys(entry, key, ("output", "name", "description"))
                tname = entry.get("name", f"t{i}")
                if not isinstance(tname, str) or not _TECHNOLOGY_NAME.match(tname) or len(tname) > MAX_NAME_LENGTH:
                    raise error(f"{key}.name", f"technology name {quote(tname)} is not allowed (letters, digits, _ "
                                f"and -, starting with a letter, at most {MAX_NAME_LENGTH} characters)")
                if tname in seen:
                    raise error(f"{key}.name", f"technology name {tname!r} repeated for good {gname!r}")
                seen.add(tname)
                scope = {"l": LABOUR, **{g: s for g, s in good_symbols.items() if g != gname}}
                expr = formula(entry["output"], f"{key}.output", scope)
                used = free_names(expr)
                if "l" not in used:
                    raise error(f"{key}.output", f"output {entry['output']!r} must depend on own labour 'l'")
            except ModelFileError as err:
                problems.append(err)
                failed_goods.add(gname)
                continue
            inputs = tuple(g for g in good_names if g in used)
            technologies.append(
                Technology(
                    gname, tname, expr, str(entry["output"]), inputs,
                    _power_form(expr, [good_symbols[g] for g in inputs]),
                    string(entry, "description", key),
                )
            )
    for g in goods:
        if g.name in failed_goods:
            continue
        if not any(t.good == g.name for t in technologies):
            problems.append(error(f"technologies.{g.name}", f"good {g.name!r} has no technology"))
        elif not failed_goods and not g.consumed and not any(g.name in t.inputs for t in technologies):
            problems.append(error(f"goods.{g.name}", f"good {g.name!r} is neither consumed (utility weight) nor "
                                  "an input of any technology"))

    labour = table("labour") or {}
    unknown_keys(labour, "labour", ("endowment",))
    endowment: sp.Expr = sp.Integer(1)
    try:
        endowment = formula(labour.get("endowment", 1), "labour.endowment")
    except ModelFileError as err:
        problems.append(err)

    structures = []
    structure_table = table("structures") or {}
    count(structure_table, "structures", "named structures", MAX_STRUCTURES)
    for sname, entry in structure_table.items():
        key = f"structures.{sname}"
        if isinstance(entry, Mapping):
            unknown_keys(entry, key, ("configurations", "description"))
            configs, desc = entry.get("configurations"), string(entry, "description", key)
        else:
            configs, desc = entry, ""
        if not isinstance(configs, list) or not configs or not all(isinstance(c, str) for c in configs):
            problems.append(error(key, "expected a list of configuration labels such as ['(x/y)', '(y/x)']"))
        elif len(configs) > len(good_names) or any(len(c) > 200 for c in configs):
            problems.append(error(key, f"at most {len(good_names)} configurations (one per good) of at most 200 "
                                  "characters each"))
        else:
            structures.append(NamedStructure(sname, tuple(configs), desc))

    if problems:  # the labels of structures need a whole model: they are resolved only without other mistakes
        raise ModelFileError.combine(problems)
    model = Model(
        name=name, title=title, description=description, references=tuple(references),
        parameters=tuple(parameters), derived=tuple(derived), goods=tuple(goods),
        technologies=tuple(technologies), endowment=endowment,
        named_structures=tuple(structures), source=source, spec=spec, constraints=tuple(constraints),
    )
    return model


def _table(spec: Mapping[str, Any], key: str, error, required: bool = False) -> Mapping[str, Any]:
    value = spec.get(key)
    if value is None:
        if required:
            raise error(key, f"missing section [{key}]")
        return {}
    if not isinstance(value, Mapping):
        raise error(key, f"expected a table [{key}], got {type(value).__name__}")
    return value


def _string(table: Mapping[str, Any], key: str, section: str, error, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise error(f"{section}.{key}", "missing")
        return ""
    if not isinstance(value, str):
        raise error(f"{section}.{key}", f"expected a string, got {quote(repr(value))}")
    return value


def _check_name(name: str, key: str, error) -> None:
    if not _NAME.match(name) or name in _RESERVED or len(name) > MAX_NAME_LENGTH:
        raise error(key, f"{quote(name)} is not allowed as a name (letters, digits, _, at most {MAX_NAME_LENGTH} "
                    f"characters; not {', '.join(sorted(_RESERVED))})")


def _check_count(table: Mapping[str, Any], key: str, what: str, limit: int, error) -> None:
    if len(table) > limit:
        raise error(key, f"{len(table)} {what}; a model may have at most {limit}")


def _check_depth(spec: Mapping[str, Any], error) -> None:
    """Refuse tables and lists nested deeper than :data:`MAX_SPEC_DEPTH` (iteratively)."""
    stack = [(spec, 1, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_SPEC_DEPTH:
            raise error(key, f"tables and lists nest more than {MAX_SPEC_DEPTH} deep")
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1, f"{key}.{k}" if key else str(k)) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1, f"{key}[{i}]") for i, v in enumerate(value))


def _check_enumeration(technologies: list[int], error) -> None:
    """Refuse models with too many configurations to enumerate, before enumerating them.

    ``technologies`` holds the number of technologies of each good.  The bound counts
    every choice of goods produced, good sold, goods bought and technologies that
    :func:`inframarginal.configurations.configurations` examines.
    """
    n = len(technologies)
    choices = 0
    for mask in range(1, 2**n):
        produced = [g for g in range(n) if mask >> g & 1]
        ways = math.prod(technologies[g] for g in produced)
        choices += ways * (1 + len(produced) * (2 ** (n - len(produced)) - 1))
    if choices > MAX_CONFIGURATIONS:
        raise error("goods", f"{n} goods with {sum(technologies)} technologies allow up to {choices} "
                    f"configurations; a model may allow at most {MAX_CONFIGURATIONS}")


def _check_efficiency(eff: sp.Expr, text: Any, key: str, defaults: Mapping[str, float], error) -> None:
    """A trading efficiency must be positive (a fraction of a good bought that arrives).

    Checked where it is a number, or a formula of base parameters only, at the defaults.
    """
    if not all(s.name in defaults for s in eff.free_symbols):
        return  # a formula of derived parameters: checked with their values when solving
    try:
        value = complex(eff.xreplace({s: defaults[s.name] for s in eff.free_symbols}))
    except (TypeError, ValueError, ArithmeticError):
        value = complex(math.nan)
    if value.imag or not (math.isfinite(value.real) and value.real > 0):
        raise error(key, f"trading efficiency {quote(text)} must be positive (the fraction of a good bought "
                    f"that arrives){'' if eff.is_number else ' at the default parameters'}")


def _check_weight(weight: sp.Expr, text: Any, key: str, defaults: Mapping[str, float], error) -> None:
    """A utility weight must be a non-negative number at the defaults (0: an intermediate good)."""
    try:
        value = complex(weight.xreplace({s: defaults[s.name] for s in weight.free_symbols}))
    except (TypeError, ValueError, ArithmeticError):
        value = complex(math.nan)
    if value.imag or not (math.isfinite(value.real) and value.real >= 0):
        raise error(key, f"utility weight {quote(text)} must be a non-negative number (0 for an intermediate "
                    f"good){'' if weight.is_number else ' at the default parameters'}")


def _power_form(expr: sp.Expr, inputs: list[sp.Symbol]) -> PowerForm | None:
    """Recognise ``A * (l - F)**g * prod(input**a)``; ``None`` for any other shape."""
    special = {LABOUR, *inputs}
    coefficient, labour_exponent, fixed_cost = sp.Integer(1), None, sp.Integer(0)
    exponents: dict[str, sp.Expr] = {}
    for factor in sp.Mul.make_args(expr):
        base, exponent = factor.as_base_exp()
        if exponent.free_symbols & special:
            return None
        if not (factor.free_symbols & special):
            coefficient *= factor
        elif base in inputs:
            exponents[base.name] = exponents.get(base.name, 0) + exponent
        elif base.free_symbols & special == {LABOUR} and sp.diff(base, LABOUR) == 1:
            if labour_exponent is not None:
                return None
            labour_exponent, fixed_cost = exponent, sp.expand(LABOUR - base)
        else:
            return None
    if labour_exponent is None:
        return None
    return PowerForm(coefficient, fixed_cost, labour_exponent,
                     tuple((s.name, exponents.get(s.name, sp.Integer(0))) for s in inputs))
