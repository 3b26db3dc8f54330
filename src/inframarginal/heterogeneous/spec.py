"""Types of people in a model file: ``[types.<name>]`` sections and the :class:`TypedModel`.

A type overrides the common model (the sections every model file has) for its own people::

    [types.home]
    mass = "M1"                          # required: the population mass, a formula > 0
    description = "country 1"
    weights = { x = 1 }                  # utility weights (merged into [utility] weights)
    trading_efficiency = { x = "k1" }    # efficiency of goods bought by this type from its own type
    trading_efficiency_from = { foreign = { x = "k12" } }   # ... bought from a person of type foreign
    [[types.home.technologies.x]]        # replaces every technology of x for this type
    output = "a1x * l**a"

Formulas use the model's parameters and derived parameters.  A good bought by a person of
type A from a person of type B arrives with the efficiency ``trading_efficiency_from.B`` of A
where A declares it, and with A's own efficiency of the good otherwise.  Each type's people
are an ordinary :class:`~inframarginal.model.Model` (the common model with the type's
overrides), so Lemma 1 and the configurations' optima are the engine's own.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sympy as sp

from inframarginal.errors import ModelFileError, ParameterError, quote
from inframarginal.expressions import parse_expression
from inframarginal.model import Model, _compiled_formula, build_model

#: Most types a model may declare (structures multiply with each type).
MAX_TYPES = 4
#: The keys a ``[types.<name>]`` section may have.
TYPE_KEYS = ("mass", "description", "weights", "trading_efficiency", "trading_efficiency_from", "technologies")


@dataclass(frozen=True)
class PersonType:
    """One type of people: its population mass and its own model (the common one with its overrides).

    ``efficiency_from`` holds ``(seller type, good, formula)``: the trading efficiency of
    the good when a person of this type buys it from a person of the seller type.
    """

    name: str
    mass: sp.Expr
    mass_text: str
    model: Model
    efficiency_from: tuple[tuple[str, str, sp.Expr], ...] = ()
    description: str = ""

    def efficiency_formula(self, good: str, seller: str) -> sp.Expr:
        """The trading efficiency of ``good`` bought by this type from the type ``seller``."""
        if seller != self.name:
            for source, g, formula in self.efficiency_from:
                if source == seller and g == good:
                    return formula
        return self.model.good(good).trading_efficiency


@dataclass(frozen=True, eq=False)
class TypedModel(Model):
    """A model whose people come in types (``[types.<name>]`` sections).

    The inherited fields are the common model (what a type does not override).  Build
    with :func:`build_typed_model` or by reading a model file that has ``[types]``.
    """

    types: tuple[PersonType, ...] = ()

    def __hash__(self) -> int:
        return Model.__hash__(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypedModel) and self.content_hash == other.content_hash

    @property
    def type_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    def person_type(self, name: str) -> PersonType:
        for t in self.types:
            if t.name == name:
                return t
        raise ParameterError(f"unknown type {quote(name)} (types: {', '.join(self.type_names)})")

    def check_parameters(self, values: Mapping[str, float] | None = None, **more: float) -> dict[str, float]:
        """As :meth:`Model.check_parameters`, and every type's mass must be positive at the point."""
        out = super().check_parameters(values, **more)
        for name, mass in self.masses(out).items():
            if not mass > 0:
                person = self.person_type(name)
                raise ParameterError(
                    f"type {name}: mass = {quote(person.mass_text)} is {mass:.6g} here; a population mass "
                    "must be a positive number, else no structure holds every person of the type")
        return out

    def masses(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each type's population mass at the (checked) parameter ``values``."""
        out = {}
        for t in self.types:
            out[t.name] = _evaluate(t.mass, values)
        return out

    def __repr__(self) -> str:
        return (f"TypedModel({self.name!r}: types {', '.join(self.type_names)}; goods "
                f"{', '.join(self.good_names)})")


def require_untyped(model: Model, command: str) -> None:
    """A one-line error where ``command`` is given a model with types, which it does not handle yet."""
    if isinstance(model, TypedModel):
        raise ParameterError(
            f"model {model.name} has types ({', '.join(model.type_names)}); `inframarginal {command}` does not "
            "handle types yet: use `inframarginal solve` (table, json, latex) or, in Python, model.sweep(...)")


def _evaluate(expr: sp.Expr, values: Mapping[str, float]) -> float:
    """``expr`` at ``values`` (by symbol name); NaN where it is not a finite real number."""
    names, function = _compiled_formula(sp.sympify(expr))
    try:
        value = function(*(values[n] for n in names))
        value = float(value) if not isinstance(value, complex) else math.nan
    except (ArithmeticError, ValueError, TypeError, KeyError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def build_typed_model(spec: Mapping[str, Any], source: str = "<python>") -> TypedModel:
    """Build a :class:`TypedModel` from the mapping of a model file with a ``types`` section.

    Raises
    ------
    ModelFileError
        One line naming the type, the field and what is allowed: a type without a mass,
        an override of an unknown good or type, a mass that cannot be positive.
    """
    if not isinstance(spec, Mapping) or not isinstance(spec.get("types"), Mapping):
        raise ModelFileError("[types] must be a table of types, e.g. [types.home]", source, "types")
    common_spec = {k: v for k, v in spec.items() if k != "types"}
    common = build_model(common_spec, source=source)
    table = spec["types"]
    if not table:
        raise ModelFileError("declares no type (expected at least one [types.<name>] section)", source, "types")
    if len(table) > MAX_TYPES:
        raise ModelFileError(f"{len(table)} types declared; at most {MAX_TYPES}", source, "types")
    names = {**common.symbols}
    goods = common.good_names
    type_names = tuple(str(n) for n in table)
    types = []
    for name, entry in table.items():
        key = f"types.{name}"
        if not isinstance(entry, Mapping):
            raise ModelFileError(f"type {quote(name)} must be a table (keys: {', '.join(TYPE_KEYS)})", source, key)
        if not name.replace("_", "a").isalnum() or not name[:1].isalpha() or len(name) > 40:
            raise ModelFileError(f"type name {quote(name)} is not allowed (letters, digits, _; at most 40)",
                                 source, key)
        for k in entry:
            if k not in TYPE_KEYS:
                raise ModelFileError(f"type {name}: unknown field {quote(k)} (allowed: {', '.join(TYPE_KEYS)})",
                                     source, f"{key}.{k}")
        if "mass" not in entry:
            raise ModelFileError(f"type {name} has no mass (a formula of parameters giving its population, "
                                 "e.g. mass = \"M1\")", source, f"{key}.mass")
        mass_text = entry["mass"]
        if isinstance(mass_text, (int, float)) and not isinstance(mass_text, bool):
            mass_text = repr(mass_text)
        if not isinstance(mass_text, str):
            raise ModelFileError(f"type {name}: mass must be a formula string, got {quote(mass_text)}",
                                 source, f"{key}.mass")
        mass = _formula(mass_text, names, source, f"{key}.mass", f"the mass of type {name}")
        _check_mass(common, name, mass, mass_text, source, key)
        merged = _merged_spec(common_spec, entry, name, goods, source, key)
        try:
            model = build_model(merged, source=f"{source} (type {name})")
        except ModelFileError as err:
            raise ModelFileError(f"type {name}: {err}", source, key) from None
        cross = []
        cross_table = entry.get("trading_efficiency_from", {})
        if not isinstance(cross_table, Mapping):
            raise ModelFileError(f"type {name}: trading_efficiency_from must be a table of types, each a table "
                                 "of goods, e.g. { foreign = { x = \"k12\" } }", source, f"{key}.trading_efficiency_from")
        for seller, by_good in cross_table.items():
            where = f"{key}.trading_efficiency_from.{seller}"
            if seller not in type_names or seller == name:
                others = ", ".join(t for t in type_names if t != name) or "none"
                raise ModelFileError(f"type {name}: trading_efficiency_from names unknown type {quote(seller)} "
                                     f"(other types: {others})", source, where)
            if not isinstance(by_good, Mapping):
                raise ModelFileError(f"type {name}: trading_efficiency_from.{seller} must be a table of goods, "
                                     "e.g. { x = \"k12\" }", source, where)
            for good, text in by_good.items():
                _known_good(good, goods, name, "trading_efficiency_from", source, f"{where}.{good}")
                formula = _formula(text, names, source, f"{where}.{good}",
                                   f"the efficiency of {good} bought by {name} from {seller}")
                cross.append((str(seller), str(good), formula))
        description = entry.get("description", "")
        types.append(PersonType(str(name), mass, mass_text, model, tuple(cross),
                                description if isinstance(description, str) else ""))
    base = {f.name: getattr(common, f.name) for f in fields(Model)}
    base["spec"] = spec
    return TypedModel(**base, types=tuple(types))


def _formula(text: Any, names: Mapping[str, sp.Expr], source: str, key: str, what: str) -> sp.Expr:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(text)
    if not isinstance(text, str):
        raise ModelFileError(f"{what} must be a formula string, got {quote(text)}", source, key)
    try:
        return parse_expression(text, names, what=what)
    except Exception as err:  # ExpressionError, one line
        raise ModelFileError(str(err), source, key) from None


def _check_mass(common: Model, name: str, mass: sp.Expr, text: str, source: str, key: str) -> None:
    """A mass must be positive at the defaults, and a bare parameter's domain must keep it positive."""
    if isinstance(mass, sp.Symbol):
        param = next((p for p in common.parameters if p.name == mass.name), None)
        if param is not None and (param.domain.lower < 0 or (param.domain.lower == 0 and param.domain.lower_closed)):
            raise ModelFileError(
                f"type {name}: mass {quote(text)} has domain {param.domain}, which allows a mass <= 0; "
                "a population mass must be positive (e.g. domain = \"(0, inf)\")", source, f"{key}.mass")
    try:
        values = common.check_parameters({})
    except ParameterError:
        return  # the defaults break a constraint: reported when the model is used
    value = _evaluate(mass, values)
    if not value > 0:
        raise ModelFileError(f"type {name}: mass {quote(text)} is {value:.6g} at the defaults; a population mass "
                             "must be positive", source, f"{key}.mass")


def _known_good(good: Any, goods: tuple[str, ...], name: str, field: str, source: str, key: str) -> None:
    if good not in goods:
        raise ModelFileError(f"type {name}: {field} overrides unknown good {quote(good)} "
                             f"(goods: {', '.join(goods)})", source, key)


def _merged_spec(common: Mapping[str, Any], entry: Mapping[str, Any], name: str, goods: tuple[str, ...],
                 source: str, key: str) -> dict[str, Any]:
    """The common model's mapping with the type's overrides applied (named structures dropped)."""
    out = copy.deepcopy({k: v for k, v in common.items() if k != "structures"})
    weights = entry.get("weights", {})
    if not isinstance(weights, Mapping):
        raise ModelFileError(f"type {name}: weights must be a table of goods, e.g. {{ x = 1 }}", source,
                             f"{key}.weights")
    for good, w in weights.items():
        _known_good(good, goods, name, "weights", source, f"{key}.weights.{good}")
        utility = dict(out.get("utility", {}))
        utility["weights"] = {**dict(utility.get("weights", {})), good: w}
        out["utility"] = utility
    efficiency = entry.get("trading_efficiency", {})
    if not isinstance(efficiency, Mapping):
        raise ModelFileError(f"type {name}: trading_efficiency must be a table of goods, e.g. {{ x = \"k1\" }}",
                             source, f"{key}.trading_efficiency")
    for good, k in efficiency.items():
        _known_good(good, goods, name, "trading_efficiency", source, f"{key}.trading_efficiency.{good}")
        good_table = dict(out["goods"][good])
        good_table["trading_efficiency"] = k
        out["goods"] = {**out["goods"], good: good_table}
    technologies = entry.get("technologies", {})
    if not isinstance(technologies, Mapping):
        raise ModelFileError(f"type {name}: technologies must be a table of goods, each a list of technologies",
                             source, f"{key}.technologies")
    for good, techs in technologies.items():
        _known_good(good, goods, name, "technologies", source, f"{key}.technologies.{good}")
        out["technologies"] = {**out.get("technologies", {}), good: techs}
    out["model"] = {**out["model"], "name": f"{out['model'].get('name', 'model')}-{name}"[:64]}
    return out


__all__ = ["MAX_TYPES", "TYPE_KEYS", "PersonType", "TypedModel", "build_typed_model", "require_untyped"]
