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
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from inframarginal.errors import InframarginalError
from inframarginal.memo import model_cache
from inframarginal.outline import ModelOutline, full_model
from inframarginal.results import general_equilibrium_at

if TYPE_CHECKING:
    import sympy as sp

    from inframarginal.configurations import Structure
    from inframarginal.model import Model
    from inframarginal.outline import SweepModel

# SymPy, the symbolic closed forms and their compilation are imported where a kernel is
# built: a kernel read from the disk cache (kernel_cache) needs none of them, nor SciPy,
# nor a model (a warm sweep's model is an outline: inframarginal.outline).

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
                "backend 'jax' needs JAX, which is not installed (pip install 'inframarginal[gpu]' "
                "installs it)", use=(("backend", "numpy"),)) from None
    return name


# -- folding constants -------------------------------------------------------------------


class _Folder:
    """Replace every sub-expression free of the axes by a constant symbol ``_c<i>``.

    The constants are expressions of the fixed parameters, evaluated once per set of
    fixed values (:meth:`GridKernel.bind`), not once per grid point.
    """

    def __init__(self, axes: Sequence[sp.Symbol]):
        self.axes = set(axes)
        self.constants: dict[sp.Symbol, sp.Expr] = {}
        self._memo: dict[sp.Expr, sp.Symbol] = {}

    def constant(self, expr: sp.Expr) -> sp.Expr:
        import sympy as sp

        if expr.is_Integer or expr.is_Rational:
            return expr
        if expr not in self._memo:
            symbol = sp.Symbol(f"_c{len(self.constants)}")
            self.constants[symbol] = expr
            self._memo[expr] = symbol
        return self._memo[expr]

    def fold(self, expr: sp.Expr) -> sp.Expr:
        import sympy as sp

        if not (expr.free_symbols & self.axes):
            return self.constant(expr)
        if expr.is_Atom:
            return expr
        if isinstance(expr, sp.Add):
            # group terms by their varying factor: c1 f + c2 f -> (c1 + c2) f, one constant
            fixed = [a for a in expr.args if not (a.free_symbols & self.axes)]
            groups: dict[sp.Expr, list[sp.Expr]] = {}
            for term in expr.args:
                if term.free_symbols & self.axes:
                    factors = sp.Mul.make_args(term)
                    varying = sp.Mul(*(f for f in factors if f.free_symbols & self.axes))
                    groups.setdefault(varying, []).append(sp.Mul(*(f for f in factors if not (f.free_symbols & self.axes))))
            parts = [self.constant(sp.Add(*fixed))] if fixed else []
            for varying, coefficients in groups.items():
                parts.append(self.constant(sp.Add(*coefficients)) * self.fold(varying))
            return sp.Add(*parts)
        if isinstance(expr, sp.Mul):
            fixed = [a for a in expr.args if not (a.free_symbols & self.axes)]
            varying = [self.fold(a) for a in expr.args if a.free_symbols & self.axes]
            if fixed:
                varying.insert(0, self.constant(expr.func(*fixed)))
            return expr.func(*varying)
        return expr.func(*(self.fold(a) for a in expr.args))

    def fold_by_axes(self, expr: sp.Expr) -> tuple[sp.Expr, ...]:
        """Fold a sum into parts grouped by the axes they depend on, fewest axes first.

        Adding the parts in this order keeps every part on its own (lower-dimensional)
        axes until the last additions: ``c + f(K) + g(t)`` costs one full-grid addition.
        """
        import sympy as sp

        by_axes: dict[frozenset, list[sp.Expr]] = {}
        for term in sp.Add.make_args(sp.expand(expr) if isinstance(expr, sp.Add) else expr):
            by_axes.setdefault(frozenset(term.free_symbols & self.axes), []).append(term)
        order = sorted(by_axes, key=lambda k: (len(k), sorted(map(str, k))))
        return tuple(self.fold(sp.Add(*by_axes[k])) for k in order)


def _split(expr: sp.Expr) -> sp.Expr:
    """Split logarithms and powers of products into sums and products over their factors."""
    import sympy as sp

    return sp.expand_log(sp.expand_power_base(expr, force=True), force=True)


# -- the forms of one structure on one kind of sweep -----------------------------------


@dataclass(frozen=True)
class StructureKernel:
    """A structure's corner equilibrium as folded expressions in the axis parameters.

    ``closed`` is False for a structure without closed form (solved by the batched
    numeric path instead).  ``forms`` holds the split and the plain variant, each
    ``(log_income, conditions, log_prices, shares)``.
    """

    structure: Structure  # an outline's (OutlineStructure) where read for an outline: closed forms only
    closed: bool
    numeraire: str | None = None
    log_prices: tuple[str, ...] = ()
    shares: tuple[int, ...] = ()
    forms: dict[bool, tuple] = None  # type: ignore[assignment]


@model_cache
def _prepared_forms(model: Model, structure: Structure) -> dict[bool, tuple] | None:
    """A structure's closed forms with derived parameters substituted, split and plain.

    Independent of the sweep's axes, so a model's many phase diagrams prepare each
    structure once (the splitting is the costly part).  ``None`` without a closed form.
    """
    import sympy as sp

    from inframarginal.symbolic import structure_closed_form

    form = structure_closed_form(model, structure)
    if form is None:
        return None
    derived = model.derived_substitution()
    forms = {}
    for split in (True, False):
        def prepare(expr: sp.Expr, linear: bool = False, split: bool = split) -> sp.Expr:
            expr = sp.sympify(expr).xreplace(derived)
            if split:
                expr = _split(expr)
                if linear:  # a sum of c * log(atom): distribute, so each log is scaled on its own axis
                    expr = sp.expand(expr)
            return expr

        income = sp.sympify(form.log_income).xreplace(derived)
        forms[split] = (sp.expand(_split(income)) if split else income,
                        tuple(prepare(c) for c, _ in form.conditions),
                        tuple(prepare(v, True) for _, v in form.log_prices), tuple(prepare(s) for s in form.shares))
    return forms


def _structure_kernel(model: Model, structure: Structure, folder: _Folder) -> StructureKernel:
    from inframarginal.symbolic import structure_closed_form

    prepared = _prepared_forms(model, structure)
    if prepared is None:
        return StructureKernel(structure, closed=False)
    form = structure_closed_form(model, structure)
    forms = {
        split: (folder.fold_by_axes(income), tuple(folder.fold(c) for c in conditions),
                tuple(folder.fold(v) for v in log_prices), tuple(folder.fold(s) for s in shares))
        for split, (income, conditions, log_prices, shares) in prepared.items()
    }
    return StructureKernel(structure, True, form.numeraire, tuple(g for g, _ in form.log_prices),
                           tuple(range(len(form.shares))), forms)


# -- compiled kernel ----------------------------------------------------------------------


@dataclass(frozen=True)
class GridKernel:
    """Compiled evaluation of every studied structure over an open mesh of some axes.

    Independent of the fixed parameters' values: :meth:`bind` evaluates the folded
    constants for given values and returns a :class:`BoundKernel`.
    """

    model: SweepModel  # a model, or a warm command's outline (inframarginal.outline)
    axes: tuple[str, ...]
    fixed_names: tuple[str, ...]
    structures: tuple[StructureKernel, ...]
    constant_function: Callable
    n_constants: int
    cores: dict[bool, Callable]
    layouts: dict[bool, tuple[tuple[int, int, int], ...]]
    details: dict[bool, tuple[Callable | None, ...]]
    expressions: dict[bool, tuple[sp.Expr, ...]]
    arguments: Sequence[sp.Symbol]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.structure.name for k in self.structures)

    def bind(self, fixed: Mapping[str, float]) -> BoundKernel:
        """The kernel at given values of the fixed parameters (the split forms checked there)."""
        # NumPy scalars: 0.0 ** -1 at a boundary (beta = 1, say) gives inf, not an exception
        args = [np.float64(fixed[n]) for n in self.fixed_names]
        with np.errstate(all="ignore"):
            values = np.array([complex(v) for v in self.constant_function(*args)]) if self.n_constants else np.zeros(0)
        real = np.where(np.abs(values.imag) <= 1e-300, values.real, np.nan)
        real[~np.isfinite(real)] = np.nan
        bound = BoundKernel(self, dict(fixed), tuple(real.tolist()), tuple(True for _ in self.structures))
        from inframarginal.kernel_cache import load_verdict, store_verdict

        plain = load_verdict(self, fixed)  # the check below, made before at these values
        if plain is None and isinstance(self.model, ModelOutline):  # the check needs the model
            return bound_kernel(full_model(self.model), self.axes, fixed)
        if plain is None:
            sample = _sample_points(self.model, self.axes, fixed)
            mesh = [sample[a] for a in self.axes]
            incomes, flags = bound.log_incomes(*mesh)
            plain = []
            for k, inc, ok in zip(self.structures, incomes, flags, strict=True):
                plain.append(k.closed and not _agrees(self.model, inc, ok, k.structure, sample))
            store_verdict(self, fixed, plain)
        if any(plain):
            bound = BoundKernel(self, dict(fixed), bound.constants, tuple(not p for p in plain))
        return bound


@dataclass(frozen=True)
class BoundKernel:
    """A :class:`GridKernel` at fixed values of the other parameters.

    Call :meth:`log_incomes` with one array per axis (broadcastable against each
    other) to get, per structure, the log of per-capita real income and whether the
    corner equilibrium exists (``None`` for structures without closed form).
    """

    kernel: GridKernel
    fixed: dict[str, float]
    constants: tuple[float, ...]
    split: tuple[bool, ...]

    @property
    def structures(self) -> tuple[StructureKernel, ...]:
        return self.kernel.structures

    def log_incomes(self, *axis_values: np.ndarray) -> tuple[list[np.ndarray | None], list[np.ndarray | None]]:
        shape = np.broadcast_shapes(*(np.shape(a) for a in axis_values))
        outputs = {}
        with np.errstate(all="ignore"):
            for variant in set(self.split):
                if self.kernel.layouts[variant]:
                    outputs[variant] = self.kernel.cores[variant](*axis_values, *self.constants)
        incomes: list[np.ndarray | None] = []
        exists: list[np.ndarray | None] = []
        j = 0
        for k, variant in zip(self.structures, self.split, strict=True):
            if not k.closed:
                incomes.append(None)
                exists.append(None)
                continue
            first, n_parts, n_cond = self.kernel.layouts[variant][j]
            j += 1
            out = outputs[variant]
            with np.errstate(all="ignore"):
                log_income = np.asarray(out[first], dtype=float)
                for part in out[first + 1:first + n_parts]:
                    log_income = log_income + part
                ok = np.isfinite(log_income)
                for c in out[first + n_parts:first + n_parts + n_cond]:
                    ok = ok & (np.asarray(c) > 0)
            incomes.append(np.broadcast_to(log_income, shape))
            exists.append(np.broadcast_to(ok, shape))
        return incomes, exists

    def details(self, index: int, *axis_values: np.ndarray) -> dict[str, np.ndarray]:
        """Log prices (``log_price_<good>``) and shares (``share_<i>``) of one closed-form structure."""
        k = self.structures[index]
        function = self.kernel.details[self.split[index]][index]
        shape = np.broadcast_shapes(*(np.shape(a) for a in axis_values))
        with np.errstate(all="ignore"):
            values = function(*axis_values, *self.constants)
        names = [f"log_price_{g}" for g in k.log_prices] + [f"share_{i}" for i in k.shares]
        return {n: np.broadcast_to(np.asarray(v, dtype=float), shape) for n, v in zip(names, values, strict=True)}


def _symbols(model: Model, axes: Sequence[str]) -> list[sp.Symbol]:
    return [model.parameter(a).symbol for a in axes]


def _sample_points(model: SweepModel, axes: Sequence[str], fixed: Mapping[str, float], n: int = 48) -> dict[str, np.ndarray]:
    """Random admissible points for the axes (validation of split forms)."""
    rng = np.random.default_rng(12345)
    out = {}
    for name in axes:
        p = model.parameter(name)
        lo, hi = p.domain.lower, p.domain.upper
        if math.isfinite(lo) and math.isfinite(hi):
            values = lo + (hi - lo) * rng.uniform(0.02, 0.98, n)
        else:
            values = p.default * np.exp(rng.normal(0.0, 0.5, n))
            values = np.resize(values[[v in p.domain for v in values]], n)
        out[name] = values
    for name, value in fixed.items():
        out[name] = np.full(n, value)
    return out


def _agrees(model: Model, kernel_incomes, kernel_exists, structure: Structure, points) -> bool:
    from inframarginal.compiled import evaluate_structure

    reference = evaluate_structure(model, structure, points)
    exists = reference["exists"]
    if not np.array_equal(exists, kernel_exists):
        return False
    if not exists.any():
        return True
    with np.errstate(divide="ignore"):  # an income that underflows to 0 disagrees, quietly
        logs = np.log(reference["per_capita_real_income"][exists])
    return bool(np.allclose(logs, kernel_incomes[exists], rtol=1e-10, atol=1e-12))


@model_cache
def grid_kernel(model: SweepModel, axes: tuple[str, ...]) -> GridKernel:
    """The compiled kernel of ``model``'s studied structures over the ``axes`` (cached on disk:
    :mod:`inframarginal.kernel_cache`; an outline's model is built only to build a kernel)."""
    from inframarginal.kernel_cache import load_kernel, store_kernel

    kernel = load_kernel(model, tuple(axes), GridKernel, StructureKernel)
    if kernel is None:
        kernel = _build_grid_kernel(full_model(model), tuple(axes))
        store_kernel(kernel)
    return kernel


def _build_grid_kernel(model: Model, axes: tuple[str, ...]) -> GridKernel:
    from inframarginal.configurations import studied_structures
    from inframarginal.expressions import to_function

    symbols = _symbols(model, axes)
    fixed_names = tuple(p.name for p in model.parameters if p.name not in axes)
    folder = _Folder(symbols)
    kernels = [_structure_kernel(model, s, folder) for s in studied_structures(model)]
    constants = list(folder.constants.items())
    args = [*symbols, *(c for c, _ in constants)]
    cores, layouts, details, expressions = {}, {}, {}, {}
    for variant in (True, False):
        outputs, layout, detail = [], [], []
        for k in kernels:
            detail.append(None)
            if k.closed:
                income_parts, conditions, log_prices, shares = k.forms[variant]
                layout.append((len(outputs), len(income_parts), len(conditions)))
                outputs.extend([*income_parts, *conditions])
                detail[-1] = to_function(args, [*log_prices, *shares], modules="numpy", cse=True)
        cores[variant] = to_function(args, outputs, modules="numpy", cse=True) if outputs else None
        expressions[variant] = tuple(outputs)
        layouts[variant] = tuple(layout)
        details[variant] = tuple(detail)
    fixed_symbols = [model.parameter(n).symbol for n in fixed_names]
    # Constants are evaluated in complex arithmetic so that a logarithm of a negative number
    # (a structure that cannot exist at these fixed values) gives NaN instead of an exception.
    constant_function = to_function(fixed_symbols, [e for _, e in constants], modules=[{"log": np.emath.log,
                                    "sqrt": np.emath.sqrt}, "numpy"], cse=True)
    return GridKernel(model, tuple(axes), fixed_names, tuple(kernels), constant_function, len(constants),
                      cores, layouts, details, expressions, tuple(args))


def bound_kernel(model: SweepModel, axes: tuple[str, ...], fixed: Mapping[str, float]) -> BoundKernel:
    """The kernel of ``model`` over ``axes`` at the fixed values ``fixed``."""
    return grid_kernel(model, tuple(axes)).bind(fixed)


def general_equilibrium_code(incomes: Sequence[np.ndarray | None], exists: Sequence[np.ndarray | None],
                             out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Deprecated alias of :func:`inframarginal.equilibrium.general_equilibrium_at` (the one home of the rule)."""
    warnings.warn("inframarginal.backends.general_equilibrium_code is deprecated: use "
                  "inframarginal.equilibrium.general_equilibrium_at", DeprecationWarning, stacklevel=2)
    return general_equilibrium_at(incomes, exists, out)


# -- JAX ---------------------------------------------------------------------------------------

#: Points of the float64 check of the float32 JAX general equilibrium.
JAX_CHECK_POINTS = 2000
#: Log-income gap below which float32 may pick either structure (a near tie).
JAX_TIE = 1e-4


def _jax_function(kernel: GridKernel, split: tuple[bool, ...], incomes: bool = False):
    """A jitted JAX function: axis arrays and constants -> index of the general equilibrium
    (-1: none) and, with ``incomes``, each closed-form structure's log income (NaN where its
    corner equilibrium does not exist), stacked."""
    # Kept on the kernel (itself cached on its model): freed with the model, never confused
    # with another kernel that reuses a freed one's id.
    functions = kernel.__dict__.setdefault("_jax_functions", {})
    key = (split, incomes)
    if key not in functions:
        functions[key] = _make_jax_function(kernel, split, incomes)
    return functions[key]


def _make_jax_function(kernel: GridKernel, split: tuple[bool, ...], with_incomes: bool):
    import jax
    import jax.numpy as jnp

    from inframarginal.expressions import to_function

    functions = {v: to_function(list(kernel.arguments), list(kernel.expressions[v]), modules="jax")
                 for v in set(split) if kernel.expressions[v]}

    def run(*args):
        outputs = {v: f(*args) for v, f in functions.items()}
        shape = jnp.broadcast_shapes(*(jnp.shape(a) for a in args[:len(kernel.axes)]))
        best = jnp.full(shape, -jnp.inf, dtype=jnp.float32)
        code = jnp.full(shape, -1, dtype=jnp.int16)
        positions = {v: 0 for v in functions}
        incomes = []
        for s, (k, variant) in enumerate(zip(kernel.structures, split, strict=True)):
            if not k.closed:
                continue
            first, n_parts, n_cond = kernel.layouts[variant][positions[variant]]
            positions[variant] += 1
            out = outputs[variant]
            income = jnp.asarray(out[first], dtype=jnp.float32)
            for part in out[first + 1:first + n_parts]:
                income = income + part
            ok = jnp.isfinite(income)
            for c in out[first + n_parts:first + n_parts + n_cond]:
                ok = ok & (jnp.asarray(c) > 0)
            better = ok & (income > best)
            best = jnp.where(better, income, best)
            code = jnp.where(better, jnp.int16(s), code)
            if with_incomes:
                incomes.append(jnp.broadcast_to(jnp.where(ok, income, jnp.nan), shape))
        return (code, jnp.stack(incomes)) if with_incomes else code

    return jax.jit(run)


def jax_general_equilibrium(bound: BoundKernel, values: Sequence[np.ndarray], incomes: bool = False):
    """Index of the general equilibrium over the open mesh of ``values``, in float32 with JAX.

    Runs on JAX's default device (a GPU when one is present).  A sample of points is
    checked against the float64 NumPy kernel: a different choice is accepted only at a
    near tie of log incomes (within ``JAX_TIE``); otherwise :class:`BackendError`.
    Structures without closed form are left to the caller.  With ``incomes``, also returns
    a list with each structure's float32 log income (NaN where it does not exist; ``None``
    for structures without closed form).
    """
    import jax.numpy as jnp

    n = len(values)
    mesh = [jnp.asarray(np.asarray(v, dtype=np.float32).reshape([-1 if j == i else 1 for j in range(n)]))
            for i, v in enumerate(values)]
    constants = [jnp.float32(c) for c in bound.constants]
    result = _jax_function(bound.kernel, bound.split, incomes)(*mesh, *constants)
    code = np.asarray(result[0] if incomes else result)
    _check_float32(bound, values, code)
    if not incomes:
        return code
    stacked = iter(np.asarray(result[1], dtype=float))
    return code, [next(stacked) if k.closed else None for k in bound.structures]


def _check_float32(bound: BoundKernel, values: Sequence[np.ndarray], code: np.ndarray) -> None:
    rng = np.random.default_rng(2024)
    shape = code.shape
    count = min(JAX_CHECK_POINTS, code.size)
    flat = rng.choice(code.size, size=count, replace=False)
    index = np.unravel_index(flat, shape)
    points = [v[i] for v, i in zip(values, index, strict=True)]
    incomes, flags = bound.log_incomes(*points)
    table = np.full((len(incomes), count), -np.inf)
    for s, (inc, ok) in enumerate(zip(incomes, flags, strict=True)):
        if inc is not None:
            table[s] = np.where(ok, inc, -np.inf)
    reference, _ = general_equilibrium_at(incomes, flags)
    got = code[index]
    wrong = np.nonzero(reference != got)[0]
    for j in wrong:
        a, b = reference[j], got[j]
        if a >= 0 and b >= 0 and abs(table[a, j] - table[b, j]) <= JAX_TIE * max(1.0, abs(table[a, j])):
            continue  # a near tie: float32 cannot tell, either structure is right to its precision
        raise BackendError(
            f"the float32 JAX general equilibrium differs from float64 at {len(wrong)} of {count} sampled "
            "points of this sweep beyond a near tie", use=(("backend", "numpy"),))

