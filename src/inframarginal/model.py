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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

import sympy as sp

from inframarginal.errors import ExpressionError, ModelFileError, ParameterError
from inframarginal.expressions import free_names, parse_expression

#: The symbol of a person's own labour in a technology's output formula.
LABOUR = sp.Symbol("l", positive=True)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = {"l", "exp", "log", "sqrt"}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf"
_DOMAIN = re.compile(rf"^\s*([\(\[])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\)\]])\s*$")


@dataclass(frozen=True)
class Domain:
    """An interval of admissible values, such as ``(0, 1]``."""

    lower: float
    upper: float
    lower_closed: bool
    upper_closed: bool

    @classmethod
    def parse(cls, text: str) -> Domain:
        """Read an interval written as ``(a, b]``, ``[a, inf)`` and so on."""
        match = _DOMAIN.match(str(text))
        if not match:
            raise ValueError(f"domain {text!r} is not an interval such as '(0, 1]' or '[1, inf)'")
        left, low, high, right = match.groups()
        lower, upper = float(low), float(high)
        if not lower < upper:
            raise ValueError(f"domain {text!r} is empty: lower bound must be below upper bound")
        return cls(lower, upper, left == "[" and math.isfinite(lower), right == "]" and math.isfinite(upper))

    def __contains__(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value >= self.lower if self.lower_closed else value > self.lower
        below = value <= self.upper if self.upper_closed else value < self.upper
        return above and below

    def __str__(self) -> str:
        def fmt(v: float) -> str:
            return "inf" if math.isinf(v) else f"{v:g}"

        return (
            f"{'[' if self.lower_closed else '('}{fmt(self.lower)}, "
            f"{fmt(self.upper)}{']' if self.upper_closed else ')'}"
        )


@cache
def _compiled_formula(formula: sp.Expr) -> tuple[tuple[str, ...], Any]:
    """A derived parameter's formula as a fast function of the names it uses (sorted)."""
    symbols = sorted(formula.free_symbols, key=lambda s: s.name)
    return tuple(s.name for s in symbols), sp.lambdify(symbols, formula, modules="math")


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


@dataclass(frozen=True)
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

    def __hash__(self) -> int:
        # Models key many caches; hashing every SymPy expression on each lookup is slow.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
            object.__setattr__(self, "_hash", cached)
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
            names, function = _compiled_formula(d.formula)
            value = float(function(*(out[n] for n in names)))
            if d.name in given and not math.isclose(float(given[d.name]), value, rel_tol=1e-12, abs_tol=1e-15):
                raise ParameterError(
                    f"parameter {d.name}={given[d.name]!r} is derived ({d.name} = {d.text} = {value:.12g} "
                    "here); set the parameters it is made of instead")
            out[d.name] = value
        return out

    # -- the three steps, as methods --------------------------------------------------
    def configurations(self):
        """Every configuration Lemma 1 allows (step 1)."""
        from inframarginal.configurations import configurations

        return configurations(self)

    def structures(self, which: str = "studied"):
        """The named structures (``"studied"``), or every enumerated one (``"all"``)."""
        from inframarginal.configurations import enumerate_structures, studied_structures

        return studied_structures(self) if which == "studied" else enumerate_structures(self)

    def solve(self, values: Mapping[str, float] | None = None, /, *, method: str = "symbolic",
              structures: str = "studied", structure: str | None = None, **params: float):
        """Corner equilibria and the general equilibrium at a parameter point (steps 2 and 3).

        Examples
        --------
        >>> from inframarginal import load_model
        >>> sol = load_model("li-ke-2020").solve(K=1.0, t=0.0, F=0.05, b=0.05)
        >>> sol.general_equilibrium
        'PC'
        """
        from inframarginal.equilibrium import solve

        return solve(self, {**(values or {}), **params}, method=method, structures=structures,
                     structure=structure)

    def sweep(self, axes, fixed: Mapping[str, float] | None = None, **kw):
        """General equilibrium over a grid of parameters (see :func:`inframarginal.sweep.sweep`)."""
        from inframarginal.sweep import sweep

        return sweep(self, axes, fixed, **kw)

    # -- presentation ------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Model({self.name!r}: {len(self.parameters)} parameters, goods "
            f"{', '.join(self.good_names)}, {len(self.technologies)} technologies)"
        )

    def _repr_html_(self) -> str:
        """Jupyter's display: parameters with domains and descriptions, goods, technologies."""
        from inframarginal.display import model_html

        return model_html(self)


# ---------------------------------------------------------------------------------------
# building from a mapping


def build_model(spec: Mapping[str, Any], source: str = "<python>") -> Model:
    """Build and validate a :class:`Model` from a nested mapping.

    The mapping has the shape of a model file (see ``inframarginal/models/*.toml``):
    ``model``, ``parameters``, ``derived``, ``goods``, ``utility``, ``technologies``,
    ``labour`` and optionally ``structures``.

    Raises
    ------
    ModelFileError
        Naming ``source``, the key and what was expected.
    """

    def error(key: str, message: str) -> ModelFileError:
        return ModelFileError(message, source, key)

    if not isinstance(spec, Mapping):
        raise error("", "a model must be a table of sections")
    known = {"model", "parameters", "derived", "goods", "utility", "technologies", "labour", "structures"}
    for key in spec:
        if key not in known:
            raise error(key, f"unknown section {key!r} (expected one of {', '.join(sorted(known))})")

    meta = _table(spec, "model", error, required=True)
    for key in meta:
        if key not in {"name", "title", "description", "references"}:
            raise error(f"model.{key}", "unknown key (expected name, title, description, references)")
    name = _string(meta, "name", "model", error, required=True)
    title = _string(meta, "title", "model", error) or name
    description = _string(meta, "description", "model", error)
    references = meta.get("references", [])
    if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
        raise error("model.references", "expected a list of strings")

    # parameters
    parameters = []
    for pname, entry in _table(spec, "parameters", error, required=True).items():
        key = f"parameters.{pname}"
        _check_name(pname, key, error)
        if not isinstance(entry, Mapping):
            raise error(key, "expected a table with default, domain and description")
        for k in entry:
            if k not in {"default", "domain", "description"}:
                raise error(f"{key}.{k}", "unknown key (expected default, domain, description)")
        try:
            domain = Domain.parse(entry.get("domain", "(-inf, inf)"))
        except ValueError as err:
            raise error(f"{key}.domain", str(err)) from None
        default = entry.get("default")
        if isinstance(default, bool) or not isinstance(default, int | float):
            raise error(f"{key}.default", f"expected a number, got {default!r}")
        if float(default) not in domain:
            raise error(f"{key}.default", f"default {default!r} is outside the domain {domain}")
        parameters.append(Parameter(pname, float(default), domain, str(entry.get("description", ""))))
    if not parameters:
        raise error("parameters", "a model needs at least one parameter")

    names: dict[str, sp.Expr] = {p.name: p.symbol for p in parameters}

    def formula(text: Any, key: str, extra: Mapping[str, sp.Expr] | None = None) -> sp.Expr:
        scope = dict(names)
        scope.update(extra or {})
        try:
            return parse_expression(text, scope, what="formula")
        except ExpressionError as err:
            raise error(key, str(err)) from None

    derived = []
    for dname, entry in _table(spec, "derived", error).items():
        key = f"derived.{dname}"
        _check_name(dname, key, error)
        if dname in names:
            raise error(key, f"name {dname!r} is already a parameter")
        text, desc = (entry, "") if not isinstance(entry, Mapping) else (entry.get("formula"), entry.get("description", ""))
        expr = formula(text, key)
        derived.append(Derived(dname, expr, str(text), str(desc)))
        names[dname] = derived[-1].symbol

    # goods
    goods_table = _table(spec, "goods", error, required=True)
    good_symbols = {g: sp.Symbol(g, positive=True) for g in goods_table}
    utility = _table(spec, "utility", error, required=True)
    weights = utility.get("weights")
    if not isinstance(weights, Mapping) or not weights:
        raise error("utility.weights", "expected a table of Cobb-Douglas weights such as {x = 1, y = 1}")
    for gname in weights:
        if gname not in goods_table:
            raise error(f"utility.weights.{gname}", f"unknown good {gname!r} (goods: {', '.join(goods_table)})")
    goods = []
    for gname, entry in goods_table.items():
        key = f"goods.{gname}"
        _check_name(gname, key, error)
        if gname in names:
            raise error(key, f"good name {gname!r} clashes with a parameter")
        if not isinstance(entry, Mapping):
            raise error(key, "expected a table with trading_efficiency and description")
        if "trading_efficiency" not in entry:
            raise error(f"{key}.trading_efficiency", "missing (a formula such as 'k' or '(1 - t) * K')")
        eff = formula(entry["trading_efficiency"], f"{key}.trading_efficiency")
        weight = formula(weights.get(gname, 0), f"utility.weights.{gname}")
        goods.append(Good(gname, weight, eff, str(entry.get("description", ""))))
    if not any(g.consumed for g in goods):
        raise error("utility.weights", "at least one good must have a positive weight")

    # technologies
    technologies = []
    tech_table = _table(spec, "technologies", error, required=True)
    for gname, entries in tech_table.items():
        if gname not in goods_table:
            raise error(f"technologies.{gname}", f"unknown good {gname!r} (goods: {', '.join(goods_table)})")
        if isinstance(entries, Mapping):
            entries = [entries]
        if not isinstance(entries, list) or not entries:
            raise error(f"technologies.{gname}", "expected one or more [[technologies.GOOD]] tables")
        seen = set()
        for i, entry in enumerate(entries):
            key = f"technologies.{gname}[{i}]"
            if not isinstance(entry, Mapping) or "output" not in entry:
                raise error(key, "expected a table with 'output' (a formula in l and input goods)")
            tname = str(entry.get("name", f"t{i}"))
            if tname in seen:
                raise error(f"{key}.name", f"technology name {tname!r} repeated for good {gname!r}")
            seen.add(tname)
            scope = {"l": LABOUR, **{g: s for g, s in good_symbols.items() if g != gname}}
            expr = formula(entry["output"], f"{key}.output", scope)
            used = free_names(expr)
            if "l" not in used:
                raise error(f"{key}.output", f"output {entry['output']!r} must depend on own labour 'l'")
            inputs = tuple(g for g in goods_table if g in used)
            technologies.append(
                Technology(
                    gname, tname, expr, str(entry["output"]), inputs,
                    _power_form(expr, [good_symbols[g] for g in inputs]),
                    str(entry.get("description", "")),
                )
            )
    for g in goods:
        if not any(t.good == g.name for t in technologies):
            raise error(f"technologies.{g.name}", f"good {g.name!r} has no technology")
        if not g.consumed and not any(g.name in t.inputs for t in technologies):
            raise error(f"goods.{g.name}", f"good {g.name!r} is neither consumed (utility weight) nor an input of any technology")

    labour = _table(spec, "labour", error)
    endowment = formula(labour.get("endowment", 1), "labour.endowment")

    structures = []
    for sname, entry in _table(spec, "structures", error).items():
        key = f"structures.{sname}"
        if isinstance(entry, Mapping):
            configs, desc = entry.get("configurations"), str(entry.get("description", ""))
        else:
            configs, desc = entry, ""
        if not isinstance(configs, list) or not configs or not all(isinstance(c, str) for c in configs):
            raise error(key, "expected a list of configuration labels such as ['(x/y)', '(y/x)']")
        structures.append(NamedStructure(sname, tuple(configs), desc))

    model = Model(
        name=name, title=title, description=description, references=tuple(references),
        parameters=tuple(parameters), derived=tuple(derived), goods=tuple(goods),
        technologies=tuple(technologies), endowment=endowment,
        named_structures=tuple(structures), source=source, spec=spec,
    )
    # Resolve the named structures now, so a bad label fails at load time.
    from inframarginal.configurations import named_structures

    named_structures(model)
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
        raise error(f"{section}.{key}", f"expected a string, got {value!r}")
    return value


def _check_name(name: str, key: str, error) -> None:
    if not _NAME.match(name) or name in _RESERVED:
        raise error(key, f"{name!r} is not allowed as a name (letters, digits, _; not {', '.join(sorted(_RESERVED))})")


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
