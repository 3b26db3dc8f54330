"""A person's problem in one configuration, in its primal form, as arrays.

The numeric path (:mod:`inframarginal.numeric` one point at a time,
:mod:`inframarginal.batched` many at once) works in the logarithms ``y`` of the decision
variables.  There every constraint but a technology is a posynomial,
``1 - sum_k exp(E_k . y + b_k) >= 0`` (labour, the availability of each good, the
budget), whose log coefficients ``b_k`` depend on the parameters and, in the budget,
linearly on the log prices; a technology is ``f(l, inputs) / g - 1 >= 0`` with ``f``
any formula of the model file.  The objective is the log utility ``w . y``.

:func:`evaluate` gives the constraints, their Jacobian, the Hessian of the Lagrangian
and the derivatives in the log prices at many points at once (one row per point); the
per-point solver uses a single row.  Nothing here uses the GP dual of
:mod:`inframarginal.symbolic`, which keeps the numeric path an independent check.

References
----------
Boyd, S., Kim, S.-J., Vandenberghe, L. and Hassibi, A. (2007). A tutorial on geometric
programming. *Optimization and Engineering* 8, 67-127 (the log change of variables).
Nocedal, J. and Wright, S. J. (2006). *Numerical Optimization*, 2nd ed. Springer, ch. 12.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy as sp

from inframarginal.configurations import Configuration
from inframarginal.expressions import to_function
from inframarginal.individual import technology_output, uses
from inframarginal.memo import model_cache
from inframarginal.model import LABOUR, Model


@dataclass(frozen=True)
class Layout:
    """Where each decision variable sits, for building plans and starting points.

    ``produced``: (good, labour index, output index, ((input good, index), ...));
    ``availability``: (good, index of its source, "g" produced or "d" bought, indices of its uses);
    ``budget``: (index of the good sold, ((good bought, index), ...)) or None.
    """

    names: tuple[str, ...]
    consumption: tuple[tuple[int, str], ...]
    produced: tuple[tuple[str, int, int, tuple[tuple[str, int], ...]], ...]
    availability: tuple[tuple[str, int, str, tuple[int, ...]], ...]
    budget: tuple[int, tuple[tuple[str, int], ...]] | None


@model_cache
def layout(model: Model, config: Configuration) -> Layout:
    """The decision variables of ``config`` and the role of each."""
    names: list[str] = []
    index: dict[str, int] = {}

    def var(name: str) -> None:
        index[name] = len(names)
        names.append(name)

    use_table = uses(model, config)
    for g in config.produces:
        var(f"l_{g}")
        var(f"g_{g}")
    for items in use_table.values():
        for name, _ in items:
            var(name)
    for g in config.buys:
        var(f"d_{g}")
    produced = tuple(
        (g, index[f"l_{g}"], index[f"g_{g}"],
         tuple((i, index[f"in_{i}_{g}"]) for i in model.good_names if f"in_{i}_{g}" in index))
        for g in config.produces)
    availability = tuple(
        (g, index[f"g_{g}"] if g in config.produces else index[f"d_{g}"],
         "g" if g in config.produces else "d", tuple(index[n] for n, _ in items))
        for g, items in use_table.items())
    consumption = tuple((index[f"c_{g.name}"], g.name) for g in model.goods if g.consumed)
    budget = None
    if config.sells:
        budget = (index[f"s_{config.sells}"], tuple((g, index[f"d_{g}"]) for g in config.buys))
    return Layout(tuple(names), consumption, produced, availability, budget)


@dataclass(frozen=True)
class PrimalProgramme:
    """The arrays of one configuration's problem (see the module docstring).

    ``exponents`` (terms x variables) and ``membership`` (constraints x terms) describe the
    posynomial terms; ``log_coefficients`` their price-free log coefficients (formulas);
    ``price_loadings`` (terms x goods, in the model's order of goods) how a log price moves
    each; ``technologies`` the technology rows (row, output index, argument indices, good).
    """

    configuration: Configuration
    layout: Layout
    weights: tuple[tuple[int, sp.Expr], ...]
    exponents: np.ndarray
    membership: np.ndarray
    term_rows: np.ndarray
    log_coefficients: tuple[sp.Expr, ...]
    price_loadings: np.ndarray
    technologies: tuple[tuple[int, int, tuple[int, ...], str], ...]

    @property
    def size(self) -> tuple[int, int]:
        """(variables, constraints)."""
        return len(self.layout.names), self.membership.shape[0]


@model_cache
def primal_programme(model: Model, config: Configuration) -> PrimalProgramme:
    """The primal problem of ``config`` as arrays."""
    lay = layout(model, config)
    goods = model.good_names
    terms: list[tuple[int, dict[int, float], sp.Expr, dict[str, float]]] = []
    row = 0
    for _, li, _, _ in lay.produced:  # labour: sum of l / endowment
        terms.append((row, {li: 1.0}, -sp.log(model.endowment), {}))
    row += 1
    technologies = []
    for g, li, gi, inputs in lay.produced:
        technologies.append((row, gi, (li, *(j for _, j in inputs)), g))
        row += 1
    for g, src, kind, items in lay.availability:  # uses of a good / its output (or k * bought)
        log_k = sp.Integer(0) if kind == "g" else sp.log(model.good(g).trading_efficiency)
        terms.extend((row, {j: 1.0, src: -1.0}, -log_k, {}) for j in items)
        row += 1
    if lay.budget:  # spending p_g d_g over revenue p_s s
        si, buys = lay.budget
        terms.extend((row, {j: 1.0, si: -1.0}, sp.Integer(0), {g: 1.0, config.sells: -1.0}) for g, j in buys)
        row += 1
    n = len(lay.names)
    exponents = np.zeros((len(terms), n))
    membership = np.zeros((row, len(terms)))
    loadings = np.zeros((len(terms), len(goods)))
    for k, (r, exps, _, loading) in enumerate(terms):
        membership[r, k] = 1.0
        for j, e in exps.items():
            exponents[k, j] = e
        for g, v in loading.items():
            loadings[k, goods.index(g)] = v
    weights = tuple((i, model.good(g).weight) for i, g in lay.consumption)
    return PrimalProgramme(config, lay, weights, exponents, membership, np.array([t[0] for t in terms], dtype=int),
                           tuple(t[2] for t in terms), loadings, tuple(technologies))


@model_cache
def parameter_function(model: Model, expr: sp.Expr):
    """``expr`` (which may use derived parameters) as a function of the base parameters."""
    return to_function([p.symbol for p in model.parameters], expr.xreplace(model.derived_substitution()),
                       modules="numpy")


@model_cache
def technology_functions(model: Model, config: Configuration, good: str):
    """Output, gradient and Hessian in (labour, inputs...), as functions of (arguments, parameters)."""
    expr = technology_output(model, config, good).xreplace(model.derived_substitution())
    inputs = [sp.Symbol(i, positive=True) for i in model.good_names
              if sp.Symbol(i, positive=True) in expr.free_symbols]
    args = [LABOUR, *inputs]
    params = [p.symbol for p in model.parameters]
    gradient = [sp.diff(expr, a) for a in args]
    hessian = [[sp.diff(d, b) for b in args] for d in gradient]
    return (to_function([args, params], expr, "numpy"),
            to_function([args, params], gradient, "numpy"),
            to_function([args, params], hessian, "numpy"))


def _column(value, n: int) -> np.ndarray:
    """A formula's value at n points (constants broadcast)."""
    out = np.empty(n)
    out[:] = value
    return out


def _columns(values, n: int) -> np.ndarray:
    """Formulas' values at n points, one column each (constants broadcast)."""
    out = np.empty((n, len(values)))
    for j, v in enumerate(values):
        out[:, j] = v
    return out


class ProgrammeValues:
    """The parameter-dependent arrays of a programme at n points (one row per point)."""

    def __init__(self, model: Model, programme: PrimalProgramme, params: Sequence[np.ndarray]):
        n = len(params[0])
        self.params = list(params)
        self.weights = np.zeros((n, programme.size[0]))
        for i, w in programme.weights:
            self.weights[:, i] = _column(parameter_function(model, w)(*params), n)
        self.log_coefficients = np.zeros((n, len(programme.log_coefficients)))
        for k, b in enumerate(programme.log_coefficients):
            self.log_coefficients[:, k] = _column(parameter_function(model, b)(*params), n)
        self.technologies = [technology_functions(model, programme.configuration, g)
                             for *_, g in programme.technologies]

    def subset(self, index: np.ndarray) -> ProgrammeValues:
        out = object.__new__(ProgrammeValues)
        out.params = [p[index] for p in self.params]
        out.weights, out.log_coefficients = self.weights[index], self.log_coefficients[index]
        out.technologies = self.technologies
        return out


class Evaluation(NamedTuple):
    """The programme at n points; the last three only when multipliers were given.

    ``constraints`` (n, m); ``jacobian`` (n, m, vars); ``hessian`` = sum_i mu_i d2 g_i
    (n, vars, vars); ``constraint_price`` = dg/dlog p (n, m, goods); ``stationarity_price``
    = d(jacobian' mu)/dlog p (n, vars, goods).
    """

    constraints: np.ndarray
    jacobian: np.ndarray
    hessian: np.ndarray | None = None
    constraint_price: np.ndarray | None = None
    stationarity_price: np.ndarray | None = None


def evaluate(programme: PrimalProgramme, values: ProgrammeValues, y: np.ndarray, log_prices: np.ndarray,
             multipliers: np.ndarray | None = None) -> Evaluation:
    """Constraints and derivatives at points ``y`` (n, vars) and log prices (n, goods)."""
    c, npts = programme, len(y)
    t = np.exp(y @ c.exponents.T + values.log_coefficients + log_prices @ c.price_loadings.T)  # (n, terms)
    g = 1.0 - t @ c.membership.T
    spread = t[:, None, :] * c.membership  # (n, m, terms): each constraint's terms
    jac = -(spread @ c.exponents)
    second = multipliers is not None
    if second:
        weighted = (multipliers[:, c.term_rows] * t)[:, None, :] * c.exponents.T  # (n, vars, terms)
        hess = -(weighted @ c.exponents)
        dg = -(spread @ c.price_loadings)
        dstat = -(weighted @ c.price_loadings)
    for (row, gi, args, _), (f, grad, hessian) in zip(c.technologies, values.technologies, strict=True):
        # q = f(x_args) / x_g in logs: dq/dy_a = f_a x_a / x_g, dq/dy_g = -q (a technology's
        # row has no posynomial terms, so its entries so far are zeros)
        idx = list(args)
        x = np.exp(y[:, idx])
        inverse = np.exp(-y[:, gi])
        point = list(x.T)
        q = _column(f(point, values.params), npts) * inverse
        fa = _columns(grad(point, values.params), npts) * x * inverse[:, None]
        g[:, row] = q - 1.0
        jac[:, row, idx] = fa
        jac[:, row, gi] = -q
        if second:
            # d2q over (args, g): f_ab x_a x_b / x_g + delta_ab dq/dy_a, -dq/dy_a, q
            a = len(idx)
            block = np.empty((npts, a + 1, a + 1))
            for i, r in enumerate(hessian(point, values.params)):
                for j, v in enumerate(r):
                    block[:, i, j] = v
            block[:, :a, :a] *= x[:, :, None] * x[:, None, :] * inverse[:, None, None]
            block[:, range(a), range(a)] += fa
            block[:, :a, a] = block[:, a, :a] = -fa
            block[:, a, a] = q
            rows = np.array([*idx, gi])
            hess[:, rows[:, None], rows[None, :]] += multipliers[:, row, None, None] * block
    if not second:
        return Evaluation(g, jac)
    return Evaluation(g, jac, hess, dg, dstat)
