"""A model's outline: what a warm ``sweep`` command needs of a model, without SymPy.

Building a :class:`~inframarginal.model.Model` imports SymPy and parses every formula:
most of a warm sweep command's time when its kernel (:mod:`inframarginal.kernel_cache`),
the kernel's check at the fixed values and its sample's certificates
(:func:`inframarginal.bundle.stored_certificate`) are all in the disk cache.  After a
full sweep, :func:`store_outline` keeps the model's name, title, parameters (defaults,
domains, descriptions), derived parameters and constraints (as the Python operations
``lambdify`` generated: :mod:`inframarginal.numeric_tree`), goods and studied
structures, as JSON, under the model's content hash and
:func:`inframarginal.disk_cache.code_fingerprint`.  :func:`load_outline` reads the
model file, hashes it and returns a :class:`ModelOutline`, which the grid
(:func:`inframarginal.sweep.make_grid`), the kernel, the certification and the file's
attributes use as they use a model: both satisfy :class:`SweepModel`.

The outline answers only what it answers exactly.  Parameter values it cannot check
(unknown, derived, outside a domain, a constraint broken: :func:`admissible_values`
returns ``None``), or anything not in the cache, are handed to the full model
(:func:`full_model`, built on first need), which gives today's results and messages.
Models with types, with declared symmetries, or with structures lacking closed forms
get no outline.  ``INFRAMARGINAL_NUMERIC_CACHE=0`` turns outlines off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from inframarginal import disk_cache
from inframarginal.domain import Domain
from inframarginal.errors import ModelFileError
from inframarginal.modelfile import load_model, read_spec, spec_hash
from inframarginal.numeric_tree import (
    UnsupportedFunction,
    check_tree,
    encode_function,
    evaluate_tree,
)

if TYPE_CHECKING:
    from inframarginal.lemma1 import Structure
    from inframarginal.model import Model

_KIND = "model-outline"
#: Raised whenever the outline's layout changes, so older outlines are ignored.
_LAYOUT = "1"
#: Most studied structures an outline keeps (a model that names none studies every one).
MAX_OUTLINE_STRUCTURES = 2000
_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b}


def _key() -> str:
    return f"{_LAYOUT}|{disk_cache.code_fingerprint()}"


# ---------------------------------------------------------------------------------------
# what a sweep reads of a model


if TYPE_CHECKING:  # types only: classes cost a warm command's time to create
    class ParameterLike(Protocol):
        """A base parameter (:class:`inframarginal.model.Parameter`)."""

        @property
        def name(self) -> str: ...
        @property
        def default(self) -> float: ...
        @property
        def domain(self) -> Domain: ...
        @property
        def description(self) -> str: ...

    class DerivedLike(Protocol):
        """A derived parameter (:class:`inframarginal.model.Derived`): its name and formula's text."""

        @property
        def name(self) -> str: ...
        @property
        def text(self) -> str: ...
        @property
        def description(self) -> str: ...

    class GoodLike(Protocol):
        """A good (:class:`inframarginal.model.Good`): its name and description."""

        @property
        def name(self) -> str: ...
        @property
        def description(self) -> str: ...

    class SweepModel(Protocol):
        """What a sweep reads of a model: :class:`inframarginal.model.Model` and :class:`ModelOutline`."""

        @property
        def name(self) -> str: ...
        @property
        def title(self) -> str: ...
        @property
        def source(self) -> str: ...
        @property
        def spec(self) -> Mapping[str, Any]: ...
        @property
        def content_hash(self) -> str: ...
        @property
        def parameters(self) -> Sequence[ParameterLike]: ...
        @property
        def derived(self) -> Sequence[DerivedLike]: ...
        @property
        def goods(self) -> Sequence[GoodLike]: ...
        @property
        def good_names(self) -> tuple[str, ...]: ...
        def parameter(self, name: str) -> ParameterLike: ...
        def check_parameters(self, values: Mapping[str, float] | None = None, **more: float) -> dict[str, float]: ...


# ---------------------------------------------------------------------------------------
# the outline


# The records are named tuples: a dataclass takes five times as long to create, and a warm
# command creates them all at import.


class Formula(NamedTuple):
    """A formula as a checked tree (:mod:`inframarginal.numeric_tree`) of the names it uses."""

    arguments: tuple[str, ...]
    body: Any

    def __call__(self, values: Mapping[str, float]) -> Any:
        return evaluate_tree(self.body, [values[n] for n in self.arguments])


class OutlineParameter(NamedTuple):
    """A base parameter (:class:`inframarginal.model.Parameter`, without its SymPy symbol)."""

    name: str
    default: float
    domain: Domain
    description: str = ""


class OutlineDerived(NamedTuple):
    """A derived parameter: its name, its formula's text and the formula as a checked tree."""

    name: str
    text: str
    formula: Formula
    description: str = ""


class OutlineGood(NamedTuple):
    """A good's name and description (what a sweep file's ``good`` coordinate says)."""

    name: str
    description: str = ""


class OutlineConfiguration(NamedTuple):
    """A configuration's label and the good it sells (what a sweep's details read)."""

    label: str
    sells: str | None


class OutlineStructure(NamedTuple):
    """A studied structure: its name and configurations (:class:`inframarginal.lemma1.Structure`)."""

    name: str
    configurations: tuple[OutlineConfiguration, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.configurations)


@dataclass(frozen=True, eq=False)
class ModelOutline:
    """A model as a warm sweep reads it (see the module's notes); :meth:`full` builds the model."""

    name: str
    title: str
    source: str
    content_hash: str
    spec: Mapping[str, Any] = field(repr=False)
    parameters: tuple[OutlineParameter, ...]
    derived: tuple[OutlineDerived, ...]
    constraints: tuple[tuple[Formula, str, Formula], ...]
    goods: tuple[OutlineGood, ...]
    structures: tuple[OutlineStructure, ...]
    #: the built-in name or path the model was read from (what :meth:`full` loads)
    origin: str = field(repr=False)

    @property
    def good_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.goods)

    def parameter(self, name: str) -> ParameterLike:
        for p in self.parameters:
            if p.name == name:
                return p
        return self.full().parameter(name)  # the model's message

    def check_parameters(self, values: Mapping[str, float] | None = None, **more: float) -> dict[str, float]:
        """:meth:`inframarginal.model.Model.check_parameters`: answered here where every value is
        admissible, by the full model otherwise (which names the problem)."""
        given = {**(values or {}), **more}
        checked = admissible_values([(p.name, p.default, p.domain) for p in self.parameters],
                                    [(d.name, d.formula) for d in self.derived], self.constraints, given)
        return self.full().check_parameters(given) if checked is None else checked

    def full(self) -> Model:
        """The model itself, built (with SymPy) on first need."""
        return self._model

    @cached_property
    def _model(self) -> Model:
        model = load_model(self.origin)
        if model.content_hash != self.content_hash:  # the file changed since it was read
            raise ModelFileError("the file changed while it was read; run the command again", self.source)
        return model


def full_model(model: SweepModel) -> Model:
    """The :class:`~inframarginal.model.Model` behind ``model`` (itself, or an outline's, built)."""
    return model.full() if isinstance(model, ModelOutline) else model  # type: ignore[return-value]


def studied_structures(model: SweepModel) -> Sequence[Structure | OutlineStructure]:
    """The model's studied structures (:func:`inframarginal.configurations.studied_structures`),
    an outline's as it keeps them."""
    if isinstance(model, ModelOutline):
        return model.structures
    from inframarginal.configurations import studied_structures as of_model

    return of_model(model)  # type: ignore[arg-type]


def admissible_values(parameters: Sequence[tuple[str, float, Domain]], derived: Sequence[tuple[str, Formula]],
                      constraints: Sequence[tuple[Formula, str, Formula]],
                      given: Mapping[str, float]) -> dict[str, float] | None:
    """Every parameter's value, base and derived, as :meth:`Model.check_parameters` gives it where
    every value is admissible; ``None`` otherwise (the full model then names the problem).

    ``parameters``: (name, default, domain); ``derived``: (name, formula), in the model's order."""
    out: dict[str, float] = {name: default for name, default, _ in parameters}
    domains = {name: domain for name, _, domain in parameters}
    for name, value in given.items():
        if name not in domains or type(value) is not float or value not in domains[name]:
            return None
        out[name] = value
    for name, formula in derived:
        try:
            result = formula(out)
            number = float(result) if not isinstance(result, complex) else math.nan
        except (ArithmeticError, ValueError, TypeError):
            return None
        if not math.isfinite(number):
            return None
        out[name] = number
    for left, operator, right in constraints:
        try:
            sides = [float(f(out)) for f in (left, right)]
        except (ArithmeticError, ValueError, TypeError):
            return None
        if not _COMPARE[operator](sides[0], sides[1]):
            return None
    return out


# ---------------------------------------------------------------------------------------
# writing


def formulas_payload(model: Model) -> dict[str, Any]:
    """A model's parameters, derived parameters and constraints as JSON (the bundle's and the
    outline's): formulas as the operations ``lambdify`` generated; ``UnsupportedFunction``
    where one holds an operation outside the whitelist."""
    from inframarginal.model import _compiled_formula

    def formula(expr: Any) -> dict[str, Any]:
        return encode_function(_compiled_formula(expr)[1])

    return {
        "parameters": [[p.name, p.default, [p.domain.lower, p.domain.upper, p.domain.lower_closed,
                                            p.domain.upper_closed]] for p in model.parameters],
        "derived": [[d.name, formula(d.formula)] for d in model.derived],
        "constraints": [[formula(c.left), c.operator, formula(c.right)] for c in model.constraints],
    }


def store_outline(model: Model, closed: Sequence[bool]) -> bool:
    """Keep ``model``'s outline after a full sweep whose kernel found ``closed`` forms for each
    studied structure; ``False`` (nothing written) where it gets none (see the module's notes)."""
    if not disk_cache.numeric_cache_enabled() or hasattr(model, "types") or not all(closed):
        return False
    structures = studied_structures(model)
    if len(structures) > MAX_OUTLINE_STRUCTURES or len(structures) != len(closed):
        return False
    try:
        payload = formulas_payload(model)
    except UnsupportedFunction:
        return False
    payload.update({
        "name": model.name, "title": model.title,
        "descriptions": [p.description for p in model.parameters],
        "derived_texts": [[d.text, d.description] for d in model.derived],
        "goods": [[g.name, g.description] for g in model.goods],
        "structures": [[s.name, [[c.label, c.sells] for c in s.configurations]] for s in structures],
    })
    disk_cache.write_entry(model.content_hash, _KIND, _key(), payload)
    return True


# ---------------------------------------------------------------------------------------
# reading


def load_outline(name_or_path: str) -> ModelOutline | None:
    """The outline of a built-in model or model file, or ``None`` (none stored, malformed, or
    a model that gets none)."""
    if not disk_cache.numeric_cache_enabled():
        return None
    read = read_spec(name_or_path)
    if read is None:
        return None
    source, spec = read
    if "types" in spec or "symmetry" in spec:
        return None
    digest = spec_hash(spec)
    payload = disk_cache.read_entry(digest, _KIND, _key())
    if payload is None:
        return None
    try:
        return _parse(payload, name_or_path, source, digest, spec)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _parse(data: Any, origin: str, source: str, digest: str, spec: dict[str, Any]) -> ModelOutline:
    """Check every field's type and every tree; ``ValueError`` (or a lookup error) otherwise."""
    def formula(entry: Any) -> Formula:
        arguments = tuple(read_str(a) for a in entry["arguments"])
        check_tree(entry["body"], len(arguments))
        return Formula(arguments, entry["body"])

    parameters = tuple(
        OutlineParameter(read_str(n), read_number(d),
                         Domain(read_number(lo), read_number(hi), read_flag(lc), read_flag(uc)), read_str(text))
        for (n, d, (lo, hi, lc, uc)), text in zip(data["parameters"], data["descriptions"], strict=True))
    derived = tuple(OutlineDerived(read_str(n), read_str(text), formula(f), read_str(about))
                    for (n, f), (text, about) in zip(data["derived"], data["derived_texts"], strict=True))
    constraints = []
    for left, op, right in data["constraints"]:
        if op not in _COMPARE:
            raise ValueError(f"constraint operator {op!r}")
        constraints.append((formula(left), read_str(op), formula(right)))
    goods = tuple(OutlineGood(read_str(n), read_str(about)) for n, about in data["goods"])
    structures = tuple(
        OutlineStructure(read_str(n), tuple(OutlineConfiguration(read_str(label), None if sells is None else read_str(sells))
                                        for label, sells in configs))
        for n, configs in data["structures"])
    return ModelOutline(read_str(data["name"]), read_str(data["title"]), source, digest, spec, parameters, derived,
                        tuple(constraints), goods, structures, origin)


def read_str(value: Any) -> str:
    """A string read from a cache entry (``ValueError`` otherwise: the entry is not used)."""
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def read_flag(value: Any) -> bool:
    """A boolean read from a cache entry."""
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def read_number(value: Any) -> float:
    """A number read from a cache entry (an int stays an int)."""
    if type(value) not in (int, float):
        raise ValueError("expected a number")
    return value  # type: ignore[no-any-return]  # an int default stays an int, as in the model
