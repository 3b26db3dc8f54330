"""The explorer's evaluators: every structure of a model compiled once, over all its parameters.

The command line compiles one kernel per set of sweep axes, folding everything else
into constants (:func:`inframarginal.backends.grid_kernel`): the fastest for one
large sweep, but each new pair of phase axes or path parameter costs a compile.  The
explorer instead compiles each model once with every base parameter as an argument
(:func:`model_kernel`), pre-warmed for the built-in models, and evaluates any phase
diagram, path or income curve by NumPy broadcasting: the axes as arrays, the other
parameters as scalars.  Structures without closed form fall back to the numeric path.

:func:`dependencies` names the parameters that the studied structures' incomes and
existence conditions involve: a phase diagram or path does not change when another
parameter moves, so the server keys its answers, and the page its requests, on those
parameters only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from inframarginal.backends import (
    BoundKernel,
    StructureKernel,
    bound_kernel,
)
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.sweep import Grid


@model_cache
def model_kernel(model: Model) -> BoundKernel:
    """``model``'s studied structures compiled over all base parameters (once per model)."""
    names = tuple(p.name for p in model.parameters)
    return bound_kernel(model, names, {})


@model_cache
def dependencies(model: Model) -> frozenset[str]:
    """Base parameters on which some studied structure's income or existence depends.

    Every parameter when a structure has no closed form (its numeric solution may
    involve any of them).
    """
    kernel = model_kernel(model)
    names = {p.symbol: p.name for p in model.parameters}
    if any(not k.closed for k in kernel.structures):
        return frozenset(names.values())
    used: set[sp.Basic] = set()
    for expressions in kernel.kernel.expressions.values():
        for expr in expressions:
            used |= expr.free_symbols
    return frozenset(n for s, n in names.items() if s in used)


def relevant(model: Model, values: Mapping[str, float], exclude: Sequence[str] = ()) -> tuple[tuple[str, float], ...]:
    """The values of :func:`dependencies` in ``values`` (sorted), less ``exclude``: a cache key."""
    used = dependencies(model)
    return tuple(sorted((k, float(v)) for k, v in values.items() if k in used and k not in exclude))


def _arguments(model: Model, fixed: Mapping[str, float]) -> list[Any]:
    """One NumPy scalar per base parameter (``fixed`` checked and completed with defaults)."""
    values = model.check_parameters({k: v for k, v in fixed.items()})
    return [np.float64(values[p.name]) for p in model.parameters]


def _position(model: Model, name: str) -> int:
    return [p.name for p in model.parameters].index(name)


@dataclass(frozen=True)
class AxisView:
    """:func:`model_kernel` along one parameter, the others fixed: what a path evaluates."""

    kernel: BoundKernel
    position: int
    values: tuple[Any, ...]

    @property
    def structures(self) -> tuple[StructureKernel, ...]:
        return self.kernel.structures

    def log_incomes(self, x: np.ndarray) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
        args = list(self.values)
        args[self.position] = np.asarray(x, dtype=float)
        return self.kernel.log_incomes(*args)


def axis_view(model: Model, grid: Grid) -> AxisView:
    """The :class:`AxisView` of a one-axis ``grid`` (for :func:`inframarginal.path.structure_path`)."""
    (name,) = grid.names
    args = _arguments(model, grid.fixed)
    return AxisView(model_kernel(model), _position(model, name), tuple(args))


def closed(model: Model) -> bool:
    """Whether every studied structure has a closed form (else phase diagrams use the sweep)."""
    return all(k.closed for k in model_kernel(model).structures)


def phase_codes(model: Model, x: str, xs: np.ndarray, y: str, ys: np.ndarray,
                fixed: Mapping[str, float]) -> np.ndarray:
    """The general equilibrium's index among the studied structures on the ``y`` by ``x`` grid
    (-1 where none exists), rows along ``y``.  Every structure must have a closed form."""
    args = _arguments(model, {k: v for k, v in fixed.items() if k not in (x, y)})
    args[_position(model, x)] = np.asarray(xs, dtype=float).reshape(1, -1)
    args[_position(model, y)] = np.asarray(ys, dtype=float).reshape(-1, 1)
    incomes, exists = model_kernel(model).log_incomes(*args)
    code, _ = general_equilibrium_at(incomes, exists)
    return np.broadcast_to(code, (len(ys), len(xs)))


def log_income_curves(model: Model, name: str, xs: np.ndarray, fixed: Mapping[str, float]) -> np.ndarray:
    """Each studied structure's log per-capita real income along ``name`` (rows: structures;
    -inf where the corner equilibrium does not exist)."""
    from inframarginal.batched import numeric_structure_grid

    args = _arguments(model, {k: v for k, v in fixed.items() if k != name})
    view = AxisView(model_kernel(model), _position(model, name), tuple(args))
    xs = np.asarray(xs, dtype=float)
    incomes, exists = view.log_incomes(xs)
    out = np.full((len(incomes), len(xs)), -np.inf)
    points: dict[str, np.ndarray] | None = None
    for s, (income, ok) in enumerate(zip(incomes, exists, strict=True)):
        if income is None:  # no closed form: the numeric corner equilibrium at each point
            if points is None:
                points = {p.name: np.full(len(xs), float(a)) for p, a in zip(model.parameters, args, strict=True)}
                points[name] = xs
            result = numeric_structure_grid(model, view.structures[s].structure, points)
            income, ok = result["log_income"], result["exists"]
        if ok is not None:  # a closed form's existence always comes with its income
            out[s] = np.where(ok, income, -np.inf)
    return out
