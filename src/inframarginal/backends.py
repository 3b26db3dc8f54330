"""Vectorized engines for sweeps: closed forms compiled for a grid, NumPy or JAX.

A sweep varies a few parameters (the *axes*) and fixes the others.  Everything that
depends only on the fixed parameters is folded into constants once, exactly (SymPy
evaluates them at 30 digits, then rounds to float64), and logarithms of products are
split into sums of logarithms of their factors (``log((1 - t) K) = log(1 - t) + log K``).
On an open mesh (one 1-D array per axis, broadcast against each other) the logarithm
of each factor is then computed on its own axis only, and a structure's log income
costs a handful of full-grid additions: this is what makes a 2000 x 2000 sweep of
seven structures take a fraction of a second.

The folded and split forms are checked against the plain compiled closed forms of
:mod:`inframarginal.compiled` at sample points when a kernel is built; a structure
whose split form disagrees (a factor of a logarithm negative where the product is
positive) keeps its unsplit form.

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4 (infra-marginal analysis: compare the corner equilibria).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from inframarginal.compiled import compile_structure, evaluate_structure
from inframarginal.configurations import Structure, studied_structures
from inframarginal.errors import InframarginalError
from inframarginal.model import Model
from inframarginal.symbolic import structure_closed_form

#: The engines a sweep can run on.
BACKENDS = ("numpy", "jax")


class BackendError(InframarginalError):
    """An unknown backend, or one whose library is not installed."""


def check_backend(name: str) -> str:
    """Return ``name`` if it is a known backend whose library can be imported."""
    if name not in BACKENDS:
        raise BackendError(f"backend {name!r} is not known (expected one of: {', '.join(BACKENDS)})")
    if name == "jax":
        try:
            import jax  # noqa: F401
        except ImportError:
            raise BackendError(
                "backend 'jax' needs JAX, which is not installed; install it with "
                "pip install 'inframarginal[gpu]' (or use --backend numpy)") from None
    return name


# -- folding constants -------------------------------------------------------------------


class _Folder:
    """Replace every sub-expression free of the axes by a constant symbol with a float value."""

    def __init__(self, axes: Sequence[sp.Symbol], values: Mapping[sp.Symbol, sp.Rational]):
        self.axes = set(axes)
        self.values = dict(values)
        self.constants: dict[sp.Symbol, float] = {}
        self._memo: dict[sp.Expr, sp.Expr] = {}

    def constant(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Integer or expr.is_Rational:
            return expr
        if expr in self._memo:
            return self._memo[expr]
        value = sp.sympify(expr).evalf(30, subs=self.values)
        number = float(value) if value.is_real and value.is_finite else math.nan
        symbol = sp.Symbol(f"_c{len(self.constants)}")
        self.constants[symbol] = number
        self._memo[expr] = symbol
        return symbol

    def fold(self, expr: sp.Expr) -> sp.Expr:
        if not (expr.free_symbols & self.axes):
            return self.constant(expr)
        if expr.is_Atom:
            return expr
        if isinstance(expr, sp.Add | sp.Mul):
            fixed = [a for a in expr.args if not (a.free_symbols & self.axes)]
            varying = [self.fold(a) for a in expr.args if a.free_symbols & self.axes]
            if fixed:
                varying.insert(0, self.constant(expr.func(*fixed)))
            return expr.func(*varying)
        return expr.func(*(self.fold(a) for a in expr.args))


def _split(expr: sp.Expr) -> sp.Expr:
    """Split logarithms and powers of products into sums and products over their factors."""
    return sp.expand_log(sp.expand_power_base(expr, force=True), force=True)


# -- the forms of one structure on one kind of sweep -----------------------------------


@dataclass(frozen=True)
class StructureKernel:
    """A structure's corner equilibrium as folded expressions in the axis parameters.

    ``never`` is True when a condition that does not depend on the axes fails: the
    structure then exists nowhere in the sweep.  ``closed`` is False for a structure
    without closed form (solved by the batched numeric path instead).
    """

    structure: Structure
    closed: bool
    never: bool = False
    log_income: sp.Expr | None = None
    conditions: tuple[sp.Expr, ...] = ()
    log_prices: tuple[tuple[str, sp.Expr], ...] = ()
    shares: tuple[sp.Expr, ...] = ()
    numeraire: str | None = None


def _structure_kernel(model: Model, structure: Structure, folder: _Folder, split: bool) -> StructureKernel:
    form = structure_closed_form(model, structure)
    if form is None:
        return StructureKernel(structure, closed=False)
    derived = model.derived_substitution()

    def prepare(expr: sp.Expr, linear: bool = False) -> sp.Expr:
        expr = sp.sympify(expr).xreplace(derived)
        if split:
            expr = _split(expr)
            if linear:  # a sum of c * log(atom): distribute, so each log is scaled on its own axis
                expr = sp.expand(expr)
        return folder.fold(expr)

    conditions = []
    for condition, _ in form.conditions:
        c = prepare(condition)
        if c.free_symbols & folder.axes:
            conditions.append(c)
        elif not folder.constants.get(c, float(c) if c.is_Number else math.nan) > 0:
            return StructureKernel(structure, closed=True, never=True, numeraire=form.numeraire)
    return StructureKernel(
        structure, True, False, prepare(form.log_income, True), tuple(conditions),
        tuple((g, prepare(v, True)) for g, v in form.log_prices), tuple(prepare(s) for s in form.shares),
        form.numeraire,
    )


# -- compiled kernel ----------------------------------------------------------------------


@dataclass(frozen=True)
class GridKernel:
    """Compiled evaluation of every studied structure over an open mesh of the axes.

    Call :meth:`log_incomes` with one array per axis (broadcastable against each
    other) to get, per structure, the log of per-capita real income and whether the
    corner equilibrium exists.
    """

    model: Model
    axes: tuple[str, ...]
    fixed: tuple[tuple[str, float], ...]
    structures: tuple[StructureKernel, ...]
    constants: tuple[tuple[sp.Symbol, float], ...]
    _core: Callable
    _details: tuple[Callable | None, ...]
    _layout: tuple[tuple[int, int], ...]  # per closed structure: (first output, number of conditions)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.structure.name for k in self.structures)

    def log_incomes(self, *axis_values: np.ndarray) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
        """Log incomes and existence per structure (``None`` for structures without closed form)."""
        shape = np.broadcast_shapes(*(np.shape(a) for a in axis_values))
        consts = [v for _, v in self.constants]
        with np.errstate(all="ignore"):
            outputs = self._core(*axis_values, *consts) if self._layout else []
        incomes: list[np.ndarray | None] = []
        exists: list[np.ndarray | None] = []
        j = 0
        for k in self.structures:
            if not k.closed:
                incomes.append(None)
                exists.append(None)
                continue
            if k.never:
                incomes.append(np.full(shape, -np.inf))
                exists.append(np.zeros(shape, dtype=bool))
                continue
            first, n_cond = self._layout[j]
            j += 1
            log_income = np.broadcast_to(np.asarray(outputs[first], dtype=float), shape)
            with np.errstate(invalid="ignore"):
                ok = np.isfinite(log_income)
                for c in outputs[first + 1:first + 1 + n_cond]:
                    ok = ok & (np.asarray(c) > 0)
            incomes.append(log_income)
            exists.append(np.broadcast_to(ok, shape))
        return incomes, exists

    def details(self, index: int, *axis_values: np.ndarray) -> dict[str, np.ndarray]:
        """Log prices (``log_price_<good>``) and shares (``share_<i>``) of one closed-form structure."""
        function = self._details[index]
        shape = np.broadcast_shapes(*(np.shape(a) for a in axis_values))
        k = self.structures[index]
        consts = [v for _, v in self.constants]
        with np.errstate(all="ignore"):
            values = function(*axis_values, *consts)
        names = [f"log_price_{g}" for g, _ in k.log_prices] + [f"share_{i}" for i in range(len(k.shares))]
        return {n: np.broadcast_to(np.asarray(v, dtype=float), shape) for n, v in zip(names, values, strict=True)}


def _symbols(model: Model, axes: Sequence[str]) -> list[sp.Symbol]:
    return [model.parameter(a).symbol for a in axes]


def _sample_points(model: Model, axes: Sequence[str], fixed: Mapping[str, float], n: int = 48) -> dict[str, np.ndarray]:
    """Random admissible points for the axes (validation of split forms)."""
    rng = np.random.default_rng(12345)
    out = {}
    for name in axes:
        p = model.parameter(name)
        lo, hi = p.domain.lower, p.domain.upper
        if math.isfinite(lo) and math.isfinite(hi):
            values = lo + (hi - lo) * rng.uniform(0.02, 0.98, n)
        else:
            values = p.default * np.exp(rng.normal(0.0, 0.3, n))
            values = values[[v in p.domain for v in values]] if len(values) else values
            values = np.resize(values, n)
        out[name] = values
    for name, value in fixed.items():
        out[name] = np.full(n, value)
    return out


def _agrees(model: Model, kernel_incomes, kernel_exists, structure: Structure, points) -> bool:
    reference = evaluate_structure(model, structure, points)
    exists = reference["exists"]
    if not np.array_equal(exists, kernel_exists):
        return False
    if not exists.any():
        return True
    return bool(np.allclose(np.log(reference["per_capita_real_income"][exists]),
                            kernel_incomes[exists], rtol=1e-10, atol=1e-12))


@cache
def grid_kernel(model: Model, axes: tuple[str, ...], fixed: tuple[tuple[str, float], ...]) -> GridKernel:
    """The compiled kernel of ``model``'s studied structures over the ``axes``.

    Parameters
    ----------
    axes : tuple of str
        Base parameters varied by the sweep, in order.
    fixed : tuple of (name, value)
        Values of every other base parameter.
    """
    symbols = _symbols(model, axes)
    values = {model.parameter(n).symbol: sp.Rational(v) for n, v in fixed}
    folder = _Folder(symbols, values)
    structures = studied_structures(model)
    sample = _sample_points(model, axes, dict(fixed))
    kernels = []
    for s in structures:
        kernel = _structure_kernel(model, s, folder, split=True)
        if kernel.closed and not kernel.never:
            single = _compile_single(kernel, symbols, folder)
            inc, ok = single(*(sample[a] for a in axes))
            if not _agrees(model, inc, ok, s, sample):
                kernel = _structure_kernel(model, s, folder, split=False)
        kernels.append(kernel)
    outputs, layout, details = [], [], []
    for k in kernels:
        details.append(None)
        if k.closed and not k.never:
            layout.append((len(outputs), len(k.conditions)))
            outputs.extend([k.log_income, *k.conditions])
    constants = tuple(folder.constants.items())
    args = [*symbols, *(c for c, _ in constants)]
    core = sp.lambdify(args, outputs, modules="numpy", cse=True) if outputs else None
    for i, k in enumerate(kernels):
        if k.closed and not k.never:
            details[i] = sp.lambdify(args, [v for _, v in k.log_prices] + list(k.shares), modules="numpy", cse=True)
    return GridKernel(model, tuple(axes), tuple(fixed), tuple(kernels), constants, core, tuple(details),
                      tuple(layout))


def _compile_single(kernel: StructureKernel, symbols, folder: _Folder):
    constants = list(folder.constants.items())
    f = sp.lambdify([*symbols, *(c for c, _ in constants)], [kernel.log_income, *kernel.conditions],
                    modules="numpy")
    consts = [v for _, v in constants]

    def run(*axis_values):
        shape = np.broadcast_shapes(*(np.shape(a) for a in axis_values))
        with np.errstate(all="ignore"):
            out = f(*axis_values, *consts)
            inc = np.broadcast_to(np.asarray(out[0], dtype=float), shape)
            ok = np.isfinite(inc)
            for c in out[1:]:
                ok = ok & (np.asarray(c) > 0)
        return inc, np.broadcast_to(ok, shape)

    return run


def has_closed_form(model: Model, structure: Structure) -> bool:
    """Whether ``structure`` has a compiled closed form."""
    return compile_structure(model, structure) is not None
