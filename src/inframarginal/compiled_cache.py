"""Compiled closed forms (:mod:`inframarginal.compiled`) cached on disk as programs.

Compiling a structure or configuration reads its closed forms back into SymPy and runs
``lambdify`` on each: tenths of a second per structure, paid by every process that solves,
sweeps or reports.  The compiled functions are stored as programs of the Python
operations ``lambdify`` generated (:mod:`inframarginal.numeric_tree`, read with :mod:`ast`,
never executed as text) in the disk cache (:mod:`inframarginal.disk_cache`); read back,
they compute the same floats.  A missing, stale or malformed entry is recompiled;
``INFRAMARGINAL_NUMERIC_CACHE=0`` turns this cache off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from inframarginal import disk_cache
from inframarginal.numeric_tree import Program, UnsupportedFunction, encode_program
from inframarginal.results import Condition, condition_entry, read_condition_entry

if TYPE_CHECKING:
    from inframarginal.compiled import CompiledConfiguration, CompiledStructure
    from inframarginal.configurations import Configuration, Structure
    from inframarginal.model import Model

#: Raised whenever an entry's layout changes, so older entries are ignored.
_LAYOUT = "2"  # 2: conditions stored as objects beside their texts


class _Missing:
    """No usable entry (as opposed to an entry saying there is no closed form)."""


MISSING = _Missing()

_T = TypeVar("_T")


def _read(model: Model, kind: str, key: str) -> Any:
    if not disk_cache.numeric_cache_enabled():
        return None
    return disk_cache.read_entry(model, kind, f"{key}|{_LAYOUT}|{disk_cache.code_fingerprint()}")


def _write(model: Model, kind: str, key: str, payload: Any) -> None:
    if disk_cache.numeric_cache_enabled():
        disk_cache.write_entry(model, kind, f"{key}|{_LAYOUT}|{disk_cache.code_fingerprint()}", payload)


def _pairs(pairs: Any) -> list[tuple[Any, Any]]:
    return [(a, b) for a, b in pairs]


def _conditions(entries: Any) -> tuple[tuple[Program, Condition], ...]:
    pairs = [read_condition_entry(entry) for entry in entries]
    return tuple((Program(f), condition) for f, condition in pairs)


def _load(model: Model, kind: str, key: str, build: Callable[[Any], _T]) -> _T | None | _Missing:
    """``build(entry)`` of the cached entry, ``None`` where it says there is no closed form, or
    :data:`MISSING` where there is none or it is malformed (then rebuilt, never trusted)."""
    data = _read(model, kind, key)
    if data is None:
        return MISSING
    try:
        return None if data.get("closed_form") is False else build(data)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return MISSING


def load_structure(model: Model, structure: Structure,
                   make: type[CompiledStructure]) -> CompiledStructure | None | _Missing:
    """The cached compiled structure, ``None`` where it has no closed form, or :data:`MISSING`;
    ``make`` is :class:`~inframarginal.compiled.CompiledStructure` (passed in: this module sits
    below :mod:`inframarginal.compiled`, which calls it)."""
    return _load(model, "compiled-structure", " ".join(structure.labels), lambda data: make(
        structure, None if data["numeraire"] is None else str(data["numeraire"]), Program(data["log_income"]),
        {str(g): Program(f) for g, f in _pairs(data["log_prices"])},
        tuple(Program(f) for f in data["shares"]),
        _conditions(data["conditions"])))


def store_structure(model: Model, structure: Structure, compiled: CompiledStructure | None) -> None:
    """Write a compiled structure (``None``: no closed form); nothing where an operation is not whitelisted."""
    try:
        payload = {"closed_form": False} if compiled is None else {
            "numeraire": compiled.numeraire, "log_income": encode_program(compiled.log_income),
            "log_prices": [[g, encode_program(f)] for g, f in compiled.log_prices.items()],
            "shares": [encode_program(f) for f in compiled.shares],
            "conditions": [condition_entry(encode_program(f), c) for f, c in compiled.conditions],
        }
    except UnsupportedFunction:
        return
    _write(model, "compiled-structure", " ".join(structure.labels), payload)


def load_configuration(model: Model, config: Configuration,
                       make: type[CompiledConfiguration]) -> CompiledConfiguration | None | _Missing:
    """The cached compiled configuration, ``None`` where it has no closed form, or :data:`MISSING`;
    ``make`` is :class:`~inframarginal.compiled.CompiledConfiguration`."""
    return _load(model, "compiled-configuration", config.label, lambda data: make(
        config, tuple(map(str, data["price_goods"])), Program(data["log_utility"]),
        {str(n): Program(f) for n, f in _pairs(data["log_values"])},
        {str(g): Program(f) for g, f in _pairs(data["fixed_costs"])},
        _conditions(data["conditions"])))


def store_configuration(model: Model, config: Configuration, compiled: CompiledConfiguration | None) -> None:
    """Write a compiled configuration (``None``: no closed form); nothing where an operation is not whitelisted."""
    try:
        payload = {"closed_form": False} if compiled is None else {
            "price_goods": list(compiled.price_goods), "log_utility": encode_program(compiled.log_utility),
            "log_values": [[n, encode_program(f)] for n, f in compiled.log_values.items()],
            "fixed_costs": [[g, encode_program(f)] for g, f in compiled.fixed_costs.items()],
            "conditions": [condition_entry(encode_program(f), c) for f, c in compiled.conditions],
        }
    except UnsupportedFunction:
        return
    _write(model, "compiled-configuration", config.label, payload)
