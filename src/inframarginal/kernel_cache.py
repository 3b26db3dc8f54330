"""The sweep's compiled kernel (:func:`inframarginal.backends.grid_kernel`), cached on disk.

Building a kernel splits and folds every structure's closed forms and compiles them with
common subexpressions eliminated: seconds of SymPy for each model and set of axes, paid
again by every command-line sweep.  The compiled functions are stored as programs of
Python operations (:mod:`inframarginal.numeric_tree`: what ``lambdify`` generated, read
with :mod:`ast`, never executed as text) in the disk cache (:mod:`inframarginal.disk_cache`),
keyed by the model's content, the software versions and the axes; the folded expressions
(used only by ``--backend jax``) as whitelisted SymPy trees (:mod:`inframarginal.serialization`),
decoded when first asked for.  A missing, stale or malformed entry is rebuilt;
``INFRAMARGINAL_NUMERIC_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from inframarginal import disk_cache
from inframarginal.numeric_tree import Program, UnsupportedFunction, encode_program
from inframarginal.outline import full_model, studied_structures

if TYPE_CHECKING:
    import sympy as sp

    from inframarginal.backends import GridKernel, StructureKernel
    from inframarginal.outline import SweepModel

_KIND = "grid-kernel"
_VERDICT = "grid-kernel-split"
#: Raised whenever the entry's layout changes, so older entries are ignored.
_LAYOUT = "1"


def _key(axes: tuple[str, ...]) -> str:
    return f"{','.join(axes)}|{_LAYOUT}|{disk_cache.code_fingerprint()}"


def store_kernel(kernel: GridKernel) -> bool:
    """Write ``kernel`` to the disk cache; ``False`` (nothing written) where a compiled function
    holds an operation outside the whitelist."""
    from inframarginal.serialization import UnsupportedExpression, expression_to_json

    if not disk_cache.numeric_cache_enabled():
        return False
    try:
        payload = {
            "structures": [{"name": k.structure.name, "closed": k.closed, "numeraire": k.numeraire,
                            "log_prices": list(k.log_prices), "shares": list(k.shares)} for k in kernel.structures],
            "fixed_names": list(kernel.fixed_names),
            "n_constants": kernel.n_constants,
            "constant_function": encode_program(kernel.constant_function),
            "variants": {
                _name(v): {
                    "core": None if kernel.cores[v] is None else encode_program(kernel.cores[v]),
                    "layout": [list(entry) for entry in kernel.layouts[v]],
                    "details": [None if f is None else encode_program(f) for f in kernel.details[v]],
                    "expressions": [expression_to_json(e) for e in kernel.expressions[v]],
                } for v in (True, False)},
            "arguments": [expression_to_json(a) for a in kernel.arguments],
        }
    except (UnsupportedFunction, UnsupportedExpression):
        return False
    disk_cache.write_entry(full_model(kernel.model), _KIND, _key(kernel.axes), payload)
    return True


def load_kernel(model: SweepModel, axes: tuple[str, ...], make: type[GridKernel],
                make_structure: type[StructureKernel]) -> GridKernel | None:
    """The cached kernel of ``model`` over ``axes``, or ``None``; ``make`` and ``make_structure``
    are :class:`~inframarginal.backends.GridKernel` and ``StructureKernel`` (passed in: this
    module sits below :mod:`inframarginal.backends`, which calls it)."""
    if not disk_cache.numeric_cache_enabled():
        return None
    payload = disk_cache.read_entry(model.content_hash, _KIND, _key(axes))
    if payload is None:
        return None
    try:
        return _kernel(model, axes, payload, make, make_structure)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def _verdict_key(kernel: GridKernel, fixed: Mapping[str, float]) -> str:
    values = [float(fixed[n]) for n in kernel.fixed_names]
    return f"{_key(kernel.axes)}|{json.dumps(values)}"


def load_verdict(kernel: GridKernel, fixed: Mapping[str, float]) -> list[bool] | None:
    """Which structures keep their plain (unsplit) forms at the fixed values ``fixed``, as
    :meth:`~inframarginal.backends.GridKernel.bind` decided before, or ``None``: its check
    evaluates every structure's closed forms at sample points, the cost of a small sweep."""
    if not disk_cache.numeric_cache_enabled():
        return None
    stored = disk_cache.read_entry(kernel.model.content_hash, _VERDICT, _verdict_key(kernel, fixed))
    if not isinstance(stored, list) or len(stored) != len(kernel.structures):
        return None
    return stored if all(isinstance(v, bool) for v in stored) else None


def store_verdict(kernel: GridKernel, fixed: Mapping[str, float], plain: list[bool]) -> None:
    """Keep the decision of :meth:`~inframarginal.backends.GridKernel.bind` at ``fixed``."""
    if disk_cache.numeric_cache_enabled():
        disk_cache.write_entry(full_model(kernel.model), _VERDICT, _verdict_key(kernel, fixed), [bool(v) for v in plain])


def _name(variant: bool) -> str:
    return "split" if variant else "plain"


def _kernel(model: SweepModel, axes: tuple[str, ...], data: Any, make: type[GridKernel],
            make_structure: type[StructureKernel]) -> GridKernel:
    # an outline's structures where the model is an outline (a warm sweep builds no model)
    studied = studied_structures(model)
    entries = data["structures"]
    if [s.name for s in studied] != [e["name"] for e in entries]:
        raise ValueError("the model's structures changed")
    fixed_names = tuple(p.name for p in model.parameters if p.name not in axes)
    if list(fixed_names) != data["fixed_names"]:
        raise ValueError("the fixed parameters changed")
    # an outline's structures stand in for the model's (an outline is kept only where every
    # structure has closed forms: the numeric path, which needs the model's, never sees them)
    structures = tuple(
        make_structure(s, True, e["numeraire"], tuple(map(str, e["log_prices"])), tuple(map(int, e["shares"])),  # type: ignore[arg-type]
                       {})
        if e["closed"] else make_structure(s, closed=False)  # type: ignore[arg-type]
        for s, e in zip(studied, entries, strict=True))
    cores, layouts, details, expressions = {}, {}, {}, {}
    for variant in (True, False):
        part = data["variants"][_name(variant)]
        cores[variant] = None if part["core"] is None else Program(part["core"])
        layouts[variant] = tuple((int(a), int(b), int(c)) for a, b, c in part["layout"])
        details[variant] = tuple(None if f is None else Program(f) for f in part["details"])
        expressions[variant] = part["expressions"]
    arguments = _Arguments(list(data["arguments"]))
    n_constants = int(data["n_constants"])
    return make(model, tuple(axes), fixed_names, structures, Program(data["constant_function"]), n_constants,
                      cores, layouts, details, _Expressions(expressions), arguments)  # type: ignore[arg-type]


class _Arguments(Sequence["sp.Symbol"]):
    """The compiled functions' arguments as SymPy symbols, decoded on first use (only ``--backend
    jax`` reads them): a kernel read from the cache is evaluated without importing SymPy."""

    def __init__(self, encoded: list[Any]):
        self._encoded = encoded
        self._decoded: tuple[sp.Symbol, ...] | None = None

    def _symbols(self) -> tuple[sp.Symbol, ...]:
        if self._decoded is None:
            from inframarginal.serialization import expression_from_json

            self._decoded = tuple(expression_from_json(e) for e in self._encoded)
        return self._decoded

    @overload
    def __getitem__(self, index: int) -> sp.Symbol: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[sp.Symbol, ...]: ...

    def __getitem__(self, index: int | slice) -> sp.Symbol | tuple[sp.Symbol, ...]:
        return self._symbols()[index]

    def __len__(self) -> int:
        return len(self._encoded)


class _Expressions(Mapping[bool, tuple["sp.Expr", ...]]):
    """The folded expressions of each variant, decoded on first use (only ``--backend jax`` reads them)."""

    def __init__(self, encoded: dict[bool, list[Any]]):
        self._encoded = encoded
        self._decoded: dict[bool, tuple[sp.Expr, ...]] = {}

    def __getitem__(self, variant: bool) -> tuple[sp.Expr, ...]:
        if variant not in self._decoded:
            from inframarginal.serialization import expression_from_json

            self._decoded[variant] = tuple(expression_from_json(e) for e in self._encoded[variant])
        return self._decoded[variant]

    def __iter__(self) -> Iterator[bool]:
        return iter(self._encoded)

    def __len__(self) -> int:
        return len(self._encoded)
