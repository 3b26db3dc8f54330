"""The numeric bundle: a warm ``solve`` without SymPy or SciPy.

After a solve by closed forms, :func:`store_bundle` writes what that solve evaluated
to the disk cache (:mod:`inframarginal.disk_cache`), keyed by the model's content hash:
the parameters with their defaults and domains, the derived parameters, constraints,
configurations and structures, and every compiled closed form as a JSON tree of the
Python operations that :func:`sympy.lambdify` generated for it
(:mod:`inframarginal.numeric_tree`).  :func:`quick_solve` reads the model file's text,
hashes it, and evaluates the bundle with NumPy: the same floats in the same order, so
the same :class:`~inframarginal.results.Solution` as the SymPy path, in a few
milliseconds instead of seconds, importing neither SymPy nor SciPy.

The bundle only answers what it answers exactly.  Anything else (an unknown or
derived parameter given, a value outside its domain, a broken constraint, a model
whose structures or configurations lack closed forms, a configuration the bundle does not
hold yet, a missing or unreadable entry)
returns ``None``, and the caller takes the full path, which also writes the error
messages.  ``INFRAMARGINAL_NUMERIC_CACHE=0`` turns the bundle off (the benchmarks' baseline).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from inframarginal import disk_cache
from inframarginal.domain import Domain
from inframarginal.modelfile import content_hash
from inframarginal.numeric_tree import (
    UnsupportedFunction,
    check_tree,
    encode_function,
    evaluate_tree,
)
from inframarginal.outline import (
    Formula,
    admissible_values,
    formulas_payload,
    read_number,
    read_str,
)
from inframarginal.results import (
    Certification,
    Condition,
    CornerEquilibrium,
    Solution,
    _deviation_notes,
    assemble_deviation,
    closed_form_corner,
    closed_form_log_utility,
    condition_entry,
    general_equilibrium_of,
    read_condition_entry,
)

if TYPE_CHECKING:
    from inframarginal.model import Model
    from inframarginal.outline import SweepModel

_KIND = "numeric-bundle"
#: Raised whenever the bundle's layout changes, so older bundles are ignored.
_LAYOUT = "2"  # 2: conditions stored as objects beside their texts


def _key(which: str) -> str:
    return f"{which}|{_LAYOUT}|{disk_cache.code_fingerprint()}"


def enabled() -> bool:
    """Whether bundles are read and written (:func:`inframarginal.disk_cache.numeric_cache_enabled`)."""
    return disk_cache.numeric_cache_enabled()


# ---------------------------------------------------------------------------------------
# certificates: whether the listed GE is the GE over all structures, per point


def _point_key(parameters: Mapping[str, float]) -> str:
    text = json.dumps(sorted((k, float(v)) for k, v in parameters.items()))
    return f"{hashlib.sha256(text.encode()).hexdigest()}|{disk_cache.code_fingerprint()}"


def _certificate_at(digest: str, parameters: Mapping[str, float]) -> Certification | None:
    """The stored certification (:meth:`inframarginal.results.Certification.to_dict`) of the model
    with content hash ``digest`` at a full parameter point, or ``None``."""
    stored = disk_cache.read_entry(digest, "certificate", _point_key(parameters))
    if not isinstance(stored, list):
        return None
    try:  # stored as pairs; one stored before its reason was structured advice is not read
        return Certification.from_dict({str(key): value for key, value in stored})
    except (KeyError, TypeError, ValueError):
        return None


def stored_certificate(model: SweepModel, parameters: Mapping[str, float]) -> Certification | None:
    """The certification kept by :func:`store_certificate` at a full parameter point, or ``None``
    (also when the numeric caches are off); ``model`` may be a warm command's outline."""
    return _certificate_at(model.content_hash, parameters) if enabled() else None


def store_certificate(model: Model, parameters: Mapping[str, float], certification: Certification) -> None:
    """Keep a certification for the warm solves of the same point (:func:`quick_solve`)."""
    if enabled():
        disk_cache.write_entry(model.content_hash, "certificate", _point_key(parameters),
                              [[key, value] for key, value in certification.to_dict().items()])


# ---------------------------------------------------------------------------------------
# writing


def store_bundle(model: Model, which: str = "studied", solution: Solution | None = None) -> bool:
    """Write the bundle of ``model``'s closed forms for its ``which`` structures ("studied" or
    "all"); ``False`` (and nothing written) where some have no closed form or an operation
    outside the whitelist.

    With the ``solution`` just computed, the bundle holds the configurations that solve
    compiled (its structures' and those of its total cost-benefit check) and those of the
    bundle already stored, not every configuration: deriving the others would make a cold
    solve a third slower.  A warm solve that needs one of them takes the full path once,
    which adds it.
    """
    if not enabled():
        return False
    needed = None
    if solution is not None:
        needed = set() if solution.deviation is None else {c.label for c in _all_configurations(model)} - set(
            solution.deviation.skipped)
        stored = disk_cache.read_entry(model.content_hash, _KIND, _key(which))
        try:
            needed |= {c["label"] for c in stored["configurations"] if c.get("compiled", True)} if stored else set()
        except (TypeError, KeyError, AttributeError):
            pass  # a malformed bundle is replaced
    payload = build_bundle(model, which, needed)
    if payload is None:
        return False
    disk_cache.write_entry(model.content_hash, _KIND, _key(which), payload)
    return True


def _all_configurations(model: Model) -> Sequence[Any]:
    from inframarginal.configurations import configurations

    return configurations(model)


def build_bundle(model: Model, which: str = "studied", needed: set[str] | None = None) -> dict[str, Any] | None:
    """The bundle's JSON payload (see :func:`store_bundle`), or ``None``.

    ``needed``: the labels of the configurations to compile besides those of the structures
    (``None``: every configuration)."""
    from inframarginal.compiled import compile_configuration, compile_structure
    from inframarginal.configurations import (
        configurations,
        enumerate_structures,
        structure_defect,
        studied_structures,
    )
    from inframarginal.symbolic import numeraire

    try:
        candidates = studied_structures(model) if which == "studied" else enumerate_structures(model)
        if needed is not None:
            needed = needed | {c.label for s in candidates for c in s.configurations}
        configs: list[dict[str, Any]] = []
        for config in configurations(model):
            head: dict[str, Any] = {"label": config.label, "sells": config.sells,
                                    "produces": list(config.produces), "buys": list(config.buys)}
            if needed is not None and config.label not in needed:
                configs.append({**head, "compiled": False})
                continue
            cc = compile_configuration(model, config)
            if cc is None:
                return None
            configs.append({
                **head, "price_goods": list(cc.price_goods),
                "log_utility": _tree(cc.log_utility),
                "log_values": [[name, _tree(f)] for name, f in cc.log_values.items()],
                "fixed_costs": [[g, _tree(f)] for g, f in cc.fixed_costs.items()],
                "conditions": [condition_entry(_tree(f), c) for f, c in cc.conditions],
            })
        structures = []
        for structure in candidates:
            entry: dict[str, Any] = {"name": structure.name, "labels": list(structure.labels),
                                     "defect": structure_defect(structure)}
            if not entry["defect"]:
                compiled = compile_structure(model, structure)
                if compiled is None:
                    return None
                entry.update({
                    "numeraire": numeraire(structure, model),
                    "log_income": _tree(compiled.log_income),
                    "log_prices": [[g, _tree(f)] for g, f in compiled.log_prices.items()],
                    "shares": [_tree(f) for f in compiled.shares],
                    "conditions": [condition_entry(_tree(f), c) for f, c in compiled.conditions],
                })
            structures.append(entry)

        return {
            "model": model.name, "goods": list(model.good_names), **formulas_payload(model),
            "configurations": configs, "structures": structures,
        }
    except UnsupportedFunction:
        return None


def _tree(function: Callable[..., Any]) -> Any:
    return encode_function(function)["body"]


# ---------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class _Configuration:
    label: str
    sells: str | None
    produces: tuple[str, ...]
    buys: tuple[str, ...]
    price_goods: tuple[str, ...]
    log_utility: Any
    log_values: dict[str, Any]
    fixed_costs: dict[str, Any]
    conditions: tuple[tuple[Any, Condition], ...]
    compiled: bool = True


class _NotInBundle(Exception):
    """The total cost-benefit check needs a configuration the bundle does not hold."""


@dataclass(frozen=True)
class _Structure:
    name: str
    labels: tuple[str, ...]
    defect: str
    configurations: tuple[_Configuration, ...]
    numeraire: str | None = None
    log_income: Any = None
    log_prices: dict[str, Any] | None = None
    shares: tuple[Any, ...] = ()
    conditions: tuple[tuple[Any, Condition], ...] = ()

    @property
    def traded_goods(self) -> tuple[str, ...]:
        return tuple(c.sells for c in self.configurations if c.sells is not None)


@dataclass(frozen=True)
class Bundle:
    """A model's closed forms as checked trees, read back from the disk cache."""

    model: str
    goods: tuple[str, ...]
    parameters: tuple[tuple[str, float, tuple[float, float, bool, bool]], ...]
    derived: tuple[tuple[str, Formula], ...]
    constraints: tuple[tuple[Formula, str, Formula], ...]
    configurations: tuple[_Configuration, ...]
    structures: tuple[_Structure, ...]
    which: str


def load_bundle(name_or_path: str | Path, which: str = "studied") -> Bundle | None:
    """The bundle of a model's ``which`` structures, or ``None`` if none is stored (or it is malformed)."""
    if not enabled() or which not in ("studied", "all"):
        return None
    key = content_hash(name_or_path)
    return None if key is None else _bundle_at(key, which)


def _bundle_at(digest: str, which: str) -> Bundle | None:
    payload = disk_cache.read_entry(digest, _KIND, _key(which))
    if payload is None:
        return None
    try:
        return _parse(payload, which)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _parse(data: Any, which: str) -> Bundle:
    """Check every field's type and every tree; ``ValueError`` (or a lookup error) otherwise."""
    parameters = tuple((read_str(n), read_number(d), (read_number(lo), read_number(hi), bool(lc), bool(uc)))
                       for n, d, (lo, hi, lc, uc) in data["parameters"])
    arity = len(parameters)

    def formula(entry: Any) -> Formula:
        arguments = tuple(read_str(a) for a in entry["arguments"])
        check_tree(entry["body"], len(arguments))
        return Formula(arguments, entry["body"])

    def tree(entry: Any, extra: int = 0) -> Any:
        check_tree(entry, arity + extra)
        return entry

    def conditions(entries: Any) -> tuple[tuple[Any, Condition], ...]:
        pairs = [read_condition_entry(entry) for entry in entries]
        return tuple((tree(f), condition) for f, condition in pairs)

    configs = []
    for c in data["configurations"]:
        if c.get("compiled", True) is False:
            configs.append(_Configuration(read_str(c["label"]), None if c["sells"] is None else read_str(c["sells"]),
                                          tuple(map(read_str, c["produces"])), tuple(map(read_str, c["buys"])),
                                          (), None, {}, {}, (), compiled=False))
            continue
        n = len(c["price_goods"])
        configs.append(_Configuration(
            read_str(c["label"]), None if c["sells"] is None else read_str(c["sells"]),
            tuple(map(read_str, c["produces"])), tuple(map(read_str, c["buys"])), tuple(map(read_str, c["price_goods"])),
            tree(c["log_utility"], n), {read_str(k): tree(v, n) for k, v in c["log_values"]},
            {read_str(k): tree(v) for k, v in c["fixed_costs"]}, conditions(c["conditions"])))
    by_label = {c.label: c for c in configs if c.compiled}
    structures = []
    for s in data["structures"]:
        labels = tuple(map(read_str, s["labels"]))
        members = tuple(by_label[label] for label in labels)
        if read_str(s["defect"]):
            structures.append(_Structure(read_str(s["name"]), labels, s["defect"], members))
            continue
        structures.append(_Structure(
            read_str(s["name"]), labels, "", members, None if s["numeraire"] is None else read_str(s["numeraire"]),
            tree(s["log_income"]), {read_str(g): tree(f) for g, f in s["log_prices"]},
            tuple(tree(f) for f in s["shares"]), conditions(s["conditions"])))
    operators = {"<", "<=", ">", ">="}
    constraints = []
    for left, op, right in data["constraints"]:
        if op not in operators:
            raise ValueError(f"constraint operator {op!r}")
        constraints.append((formula(left), op, formula(right)))
    return Bundle(read_str(data["model"]), tuple(map(read_str, data["goods"])), parameters,
                  tuple((read_str(n), formula(f)) for n, f in data["derived"]), tuple(constraints),
                  tuple(configs), tuple(structures), which)


# ---------------------------------------------------------------------------------------
# solving


def quick_solve(name_or_path: str | Path, values: Mapping[str, float] | None = None,
                which: str = "studied") -> tuple[Solution, Certification] | None:
    """The solution :func:`inframarginal.equilibrium.solve` gives (``method="symbolic"``) and its
    stored certification (:func:`store_certificate`), from the stored bundle; ``None`` where the
    bundle cannot answer exactly (see the module's notes) or the point was never certified.
    The model file is read and hashed once for both."""
    if not enabled() or which not in ("studied", "all"):
        return None
    digest = content_hash(name_or_path)
    bundle = None if digest is None else _bundle_at(digest, which)
    if digest is None or bundle is None:
        return None
    try:
        solution = solve_bundle(bundle, values or {})
    except (ArithmeticError, LookupError, TypeError, ValueError):  # a bundle that does not fit: the full path decides
        return None
    certification = None if solution is None else _certificate_at(digest, solution.parameters)
    return None if solution is None or certification is None else (solution, certification)


def solve_bundle(bundle: Bundle, values: Mapping[str, float]) -> Solution | None:
    """Corner equilibria and the general equilibrium from a bundle; ``None`` where it cannot answer."""
    checked = _check_parameters(bundle, values)
    if checked is None:
        return None
    base = [np.float64(checked[name]) for name, _, _ in bundle.parameters]

    def evaluate(tree: Any, *extra: float) -> float:
        # As inframarginal.compiled.evaluate: NumPy scalars, so 0.0 ** -1 gives inf, not an error.
        with np.errstate(all="ignore"):
            return float(np.asarray(evaluate_tree(tree, base + [np.float64(v) for v in extra]), dtype=float))

    def members(config: Any) -> _Configuration:
        return config  # type: ignore[no-any-return]  # a bundle's structures hold their configurations

    results: dict[str, CornerEquilibrium] = {}
    for s in bundle.structures:
        if s.defect:
            results[s.name] = CornerEquilibrium(s.name, s.labels, False, s.defect, method="symbolic")
        else:
            results[s.name] = closed_form_corner(s, s.numeraire, _Forms(s), members, bundle.goods, evaluate)
    name = general_equilibrium_of(results)
    if name is None:
        return Solution(bundle.model, checked, results, None, None, None)
    ge = results[name]

    def log_utility(config: _Configuration) -> float:
        if not config.compiled:
            raise _NotInBundle(config.label)
        return closed_form_log_utility(config, ge.prices, evaluate)

    try:
        deviation = assemble_deviation(bundle.configurations, ge, log_utility)
    except _NotInBundle:
        return None
    return Solution(bundle.model, checked, results, name, ge.per_capita_real_income, deviation,
                    _deviation_notes(name, deviation, bundle.which == "all"))


@dataclass(frozen=True)
class _Forms:
    """A structure's closed forms under the names :func:`closed_form_corner` reads."""

    structure: _Structure

    @property
    def log_income(self) -> Any:
        return self.structure.log_income

    @property
    def log_prices(self) -> Mapping[str, Any]:
        return self.structure.log_prices or {}

    @property
    def shares(self) -> Sequence[Any]:
        return self.structure.shares

    @property
    def conditions(self) -> Sequence[tuple[Any, Condition]]:
        return self.structure.conditions


def _check_parameters(bundle: Bundle, given: Mapping[str, float]) -> dict[str, float] | None:
    """:meth:`Model.check_parameters` where every value is admissible; ``None`` otherwise (the
    full path then names the problem): :func:`inframarginal.outline.admissible_values`."""
    parameters = [(name, default, Domain(*domain)) for name, default, domain in bundle.parameters]
    return admissible_values(parameters, bundle.derived, bundle.constraints, given)
