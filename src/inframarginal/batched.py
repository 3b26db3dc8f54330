"""Numeric corner equilibria at many parameter points at once (no closed form needed).

The fallback of sweeps for structures whose technologies are not of power form.  At an
optimum of a configuration every constraint binds with a positive multiplier, so a corner
equilibrium is a root of one square system per point: for each configuration, the KKT
conditions of the person's problem in log variables (stationarity, binding constraints),
and across configurations, utility equalization in the log relative prices.  Newton's
method runs on that system for all points at once (stacked arrays, one batched linear
solve per step, a backtracking line search per point).

Newton needs a start near the solution.  It comes from *anchors*: points solved one at a
time by :func:`inframarginal.numeric.numeric_corner_equilibrium` (SLSQP and the price
iteration), whose solutions start the Newton iteration of the points nearest to them.
Points whose iteration does not converge to a plan with positive multipliers become
anchors themselves or, after a few rounds, are solved one at a time: the per-point
solver stays the authority on where a corner equilibrium does not exist, and why.

References
----------
Nocedal, J. and Wright, S. J. (2006). *Numerical Optimization*, 2nd ed. Springer,
ch. 11 (Newton's method for nonlinear equations, line search) and ch. 18 (Newton on the
KKT conditions).
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*. Blackwell, ch. 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from inframarginal.configurations import Configuration, Structure
from inframarginal.individual import technology_output
from inframarginal.model import LABOUR, Model
from inframarginal.numeric import BOUND, _compile, _scalar_function, numeric_corner_equilibrium
from inframarginal.symbolic import numeraire

#: A point has converged when every equation of its system holds to this (max norm).
TOLERANCE = 1e-12
#: ... and is accepted when the line search stalls below this (rounding level).
ACCEPT = 1e-10
#: Rounds of new anchors before the points left are solved one at a time.
ANCHOR_ROUNDS = 8


@dataclass(frozen=True)
class _Configuration:
    """One configuration's problem in log variables, as arrays.

    Every constraint but the technologies is ``1 - sum_k exp(E_k . y + b_k) >= 0`` (a
    posynomial); ``b_k`` is a log coefficient that depends on the parameters and, for the
    budget, linearly on the log prices.  Technologies are ``f(l, inputs) / g - 1 >= 0``.
    """

    config: Configuration
    names: tuple[str, ...]
    weights: tuple[tuple[int, sp.Expr], ...]  # (variable, utility weight)
    exponents: np.ndarray  # (terms, variables)
    membership: np.ndarray  # (constraints, terms): 1 where a term belongs to a constraint
    term_rows: np.ndarray  # (terms,) the constraint of each term
    log_coefficients: tuple[sp.Expr, ...]  # price-free part of each b_k
    price_loadings: np.ndarray  # (terms, unknown prices): d b_k / d log p
    technologies: tuple[tuple[int, int, tuple[int, ...], str], ...]  # row, g index, args, good

    @property
    def size(self) -> tuple[int, int]:
        return len(self.names), self.membership.shape[0]


@cache
def _configuration(model: Model, config: Configuration, unknown: tuple[str, ...]) -> _Configuration:
    comp = _compile(model, config)
    n = len(comp.names)
    terms: list[tuple[int, dict[int, float], sp.Expr, dict[str, float]]] = []
    row = 0
    for _, li, _, _ in comp.produced:  # labour: sum l / endowment
        terms.append((row, {li: 1.0}, -sp.log(model.endowment), {}))
    row += 1
    technologies = []
    for g, li, gi, inputs in comp.produced:
        technologies.append((row, gi, (li, *(j for _, j in inputs)), g))
        row += 1
    for g, src, kind, items in comp.availability:
        log_k = sp.Integer(0) if kind == "g" else sp.log(model.good(g).trading_efficiency)
        for j in items:
            terms.append((row, {j: 1.0, src: -1.0}, -log_k, {}))
        row += 1
    if comp.budget:
        si, buys = comp.budget
        sells = config.sells
        for g, j in buys:
            loading = {g: 1.0}
            loading[sells] = loading.get(sells, 0.0) - 1.0
            terms.append((row, {j: 1.0, si: -1.0}, sp.Integer(0), loading))
        row += 1
    exponents = np.zeros((len(terms), n))
    membership = np.zeros((row, len(terms)))
    loadings = np.zeros((len(terms), len(unknown)))
    for k, (r, exps, _, loading) in enumerate(terms):
        membership[r, k] = 1.0
        for j, e in exps.items():
            exponents[k, j] = e
        for g, v in loading.items():
            if g in unknown:  # the numeraire's log price is 0
                loadings[k, unknown.index(g)] = v
    weights = tuple((i, model.good(g).weight) for i, g in comp.consumption)
    return _Configuration(config, comp.names, weights, exponents, membership,
                          np.array([t[0] for t in terms], dtype=int), tuple(t[2] for t in terms),
                          loadings, tuple(technologies))


@cache
def _technology_derivatives(model: Model, config: Configuration, good: str):
    """Output, gradient and Hessian in (labour, inputs...) as functions of arrays."""
    expr = technology_output(model, config, good).xreplace(model.derived_substitution())
    inputs = [sp.Symbol(i, positive=True) for i in model.good_names
              if sp.Symbol(i, positive=True) in expr.free_symbols]
    args = [LABOUR, *inputs]
    params = [p.symbol for p in model.parameters]
    gradient = [sp.diff(expr, a) for a in args]
    hessian = [[sp.diff(d, b) for b in args] for d in gradient]
    return (sp.lambdify([args, params], expr, "numpy"),
            sp.lambdify([args, params], gradient, "numpy"),
            sp.lambdify([args, params], hessian, "numpy"))


def _array(value, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


class _Data:
    """The parameter-dependent arrays of one configuration at a set of points."""

    def __init__(self, model: Model, c: _Configuration, params: list[np.ndarray]):
        n = len(params[0])
        self.params = params
        self.weights = np.zeros((n, len(c.names)))
        for i, w in c.weights:
            self.weights[:, i] = _array(_scalar_function(model, w)(*params), n)
        self.log_coefficients = np.column_stack(
            [_array(_scalar_function(model, b)(*params), n) for b in c.log_coefficients]
        ) if c.log_coefficients else np.zeros((n, 0))
        self.technologies = [_technology_derivatives(model, c.config, g) for *_, g in c.technologies]

    def subset(self, index: np.ndarray) -> _Data:
        out = object.__new__(_Data)
        out.params = [p[index] for p in self.params]
        out.weights, out.log_coefficients = self.weights[index], self.log_coefficients[index]
        out.technologies = self.technologies
        return out


def _conditions(c: _Configuration, d: _Data, y: np.ndarray, mu: np.ndarray, lp: np.ndarray):
    """Constraints, their Jacobian, the Lagrangian's Hessian and the price derivatives.

    Returns ``g`` (N, m), ``jac`` (N, m, n), ``hess`` = sum_i mu_i d2 g_i (N, n, n),
    ``dg`` = dg/dlp (N, m, P) and ``dstat`` = d(jac' mu)/dlp (N, n, P).
    """
    npts = len(y)
    t = np.exp(y @ c.exponents.T + d.log_coefficients + lp @ c.price_loadings.T)  # (N, T)
    g = 1.0 - t @ c.membership.T
    spread = t[:, None, :] * c.membership  # (N, m, T): each constraint's terms
    jac = -(spread @ c.exponents)
    dg = -(spread @ c.price_loadings)
    weighted = (mu[:, c.term_rows] * t)[:, None, :] * c.exponents.T  # (N, n, T)
    hess = -(weighted @ c.exponents)
    dstat = -(weighted @ c.price_loadings)
    for (row, gi, args, _), (f, grad, second) in zip(c.technologies, d.technologies, strict=True):
        x = np.exp(y[:, list(args)])  # (N, a)
        inverse = np.exp(-y[:, gi])
        point = list(x.T)
        q = _array(f(point, d.params), npts) * inverse
        fa = np.column_stack([_array(v, npts) for v in grad(point, d.params)]) * x * inverse[:, None]
        faa = np.stack([np.column_stack([_array(v, npts) for v in r]) for r in second(point, d.params)], axis=1)
        faa = faa * x[:, :, None] * x[:, None, :] * inverse[:, None, None]
        g[:, row] = q - 1.0
        jac[:, row, :] = 0.0
        jac[:, row, list(args)] = fa
        jac[:, row, gi] = -q
        block = faa + np.einsum("na,ab->nab", fa, np.eye(len(args)))
        w = mu[:, row]
        idx = np.array(args)
        hess[:, idx[:, None], idx[None, :]] += w[:, None, None] * block
        hess[:, idx, gi] -= w[:, None] * fa
        hess[:, gi, idx] -= w[:, None] * fa
        hess[:, gi, gi] += w * q
    return g, jac, hess, dg, dstat


class _System:
    """The stacked equilibrium conditions of a structure: unknowns (y_c, mu_c)_c and lp."""

    def __init__(self, configurations: list[_Configuration], unknown: tuple[str, ...]):
        self.configurations, self.unknown = configurations, unknown
        self.offsets = np.cumsum([0, *(sum(c.size) for c in configurations)])
        self.dimension = int(self.offsets[-1]) + len(unknown)

    def split(self, z: np.ndarray):
        parts = []
        for c, o in zip(self.configurations, self.offsets, strict=False):
            n, m = c.size
            parts.append((z[:, o:o + n], z[:, o + n:o + n + m]))
        return parts, z[:, self.offsets[-1]:]

    def evaluate(self, z: np.ndarray, data: list[_Data]):
        """The residual (N, D) and its Jacobian (N, D, D)."""
        npts = len(z)
        parts, lp = self.split(z)
        residual = np.zeros((npts, self.dimension))
        jacobian = np.zeros((npts, self.dimension, self.dimension))
        top = self.offsets[-1]
        for i, (c, d, (y, mu), o) in enumerate(zip(self.configurations, data, parts, self.offsets, strict=False)):
            n, m = c.size
            g, jac, hess, dg, dstat = _conditions(c, d, y, mu, lp)
            sy, sm = slice(o, o + n), slice(o + n, o + n + m)
            residual[:, sy] = -d.weights - np.einsum("nmj,nm->nj", jac, mu)
            residual[:, sm] = g
            jacobian[:, sy, sy] = -hess
            jacobian[:, sy, sm] = -jac.transpose(0, 2, 1)
            jacobian[:, sy, top:] = -dstat
            jacobian[:, sm, sy] = jac
            jacobian[:, sm, top:] = dg
            if i:  # utility equalization: log u_i - log u_0 = 0
                first = slice(self.offsets[0], self.offsets[0] + self.configurations[0].size[0])
                row = top + i - 1
                residual[:, row] = np.einsum("nj,nj->n", d.weights, y) - np.einsum(
                    "nj,nj->n", data[0].weights, parts[0][0])
                jacobian[:, row, sy] = d.weights
                jacobian[:, row, first] = -data[0].weights
        return residual, jacobian


def _newton(system: _System, z: np.ndarray, data: list[_Data], steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton's method from ``z`` at every point; returns the roots and where they converged."""
    with np.errstate(all="ignore"):
        residual, jacobian = system.evaluate(z, data)
        merit = np.max(np.abs(residual), axis=1)
        merit[~np.isfinite(merit)] = np.inf
        active = merit > TOLERANCE
        stalled = np.zeros(len(z), dtype=bool)
        bounded = np.ones(len(z), dtype=bool)
        variables = np.zeros(system.dimension, dtype=bool)
        for c, o in zip(system.configurations, system.offsets, strict=False):
            variables[o:o + c.size[0]] = True
        variables[system.offsets[-1]:] = True
        for _ in range(steps):
            index = np.flatnonzero(active)
            if not index.size:
                break
            try:
                step = np.linalg.solve(jacobian[index], -residual[index][..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.stack([_solve_or_nan(a, -r) for a, r in zip(jacobian[index], residual[index], strict=True)])
            finite = np.all(np.isfinite(step), axis=1)
            largest = np.max(np.abs(step[:, variables]), axis=1, initial=0.0)
            step /= np.maximum(largest, 1.0)[:, None]  # far from the root: bounded steps in logs
            pending, length = index[finite], np.ones(int(finite.sum()))
            step = step[finite]
            stalled[index[~finite]] = True
            for _ in range(30):
                if not pending.size:
                    break
                trial = z[pending] + length[:, None] * step
                sub = [d.subset(pending) for d in data]
                r, j = system.evaluate(trial, sub)
                m = np.max(np.abs(r), axis=1)
                better = np.isfinite(m) & (m < merit[pending])
                accepted = pending[better]
                z[accepted], residual[accepted], jacobian[accepted], merit[accepted] = trial[better], r[better], j[better], m[better]
                pending, length, step = pending[~better], length[~better] / 2, step[~better]
            stalled[pending] = True
            bounded &= np.all(np.abs(z[:, variables]) < BOUND, axis=1)
            active = (merit > TOLERANCE) & ~stalled & bounded
    converged = (merit < ACCEPT) & bounded
    for c, o in zip(system.configurations, system.offsets, strict=False):
        n, m = c.size
        converged &= np.all(z[:, o + n:o + n + m] > 0, axis=1)  # a KKT point with positive multipliers
    return z, converged


def _solve_or_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.full_like(b, np.nan)


def _anchor_start(system: _System, result, data: list[_Data]) -> np.ndarray | None:
    """The unknowns of a per-point solution (multipliers by least squares from stationarity)."""
    z = np.zeros((1, system.dimension))
    for c, o, opt in zip(system.configurations, system.offsets, result.optima, strict=False):
        if opt.log_solution is None:
            return None
        n, _ = c.size
        z[0, o:o + n] = opt.log_solution
    z[0, system.offsets[-1]:] = [np.log(result.prices[g]) for g in system.unknown]
    parts, lp = system.split(z)
    for c, d, (y, _), o in zip(system.configurations, data, parts, system.offsets, strict=False):
        n, m = c.size
        _, jac, *_ = _conditions(c, d, y, np.zeros((1, m)), lp)
        z[0, o + n:o + n + m] = np.linalg.lstsq(jac[0].T, -d.weights[0], rcond=None)[0]
    return z


def numeric_structure_grid(model: Model, structure: Structure, points: dict[str, np.ndarray],
                           anchor_rounds: int = ANCHOR_ROUNDS) -> dict[str, np.ndarray]:
    """Numeric corner equilibrium of ``structure`` at each point (one array per base parameter).

    Parameters
    ----------
    model : Model
    structure : Structure
    points : dict
        One array per base parameter, all of one length: the (admissible) points.
    anchor_rounds : int
        Rounds of anchors (points solved one at a time whose solutions start Newton's
        method at the others) before the points left are solved one at a time; 0 solves
        every point one at a time.

    Returns
    -------
    dict
        ``log_income``, ``exists``, ``price_<good>`` for each traded good and ``share_<i>``
        for each configuration; NaN where the corner equilibrium does not exist.
    """
    names = [p.name for p in model.parameters]
    npts = len(next(iter(points.values())))
    params = [np.asarray(points[k], dtype=float) for k in names]
    num = numeraire(structure, model)
    traded = [g for g in model.good_names if g in structure.traded_goods]
    unknown = tuple(g for g in traded if g != num)
    configs = structure.configurations
    out = {"log_income": np.full(npts, np.nan), "exists": np.zeros(npts, dtype=bool)}
    out.update({f"price_{g}": np.full(npts, np.nan) for g in traded})
    out.update({f"share_{i}": np.full(npts, np.nan) for i in range(len(configs))})

    def one_at_a_time(i: int):
        values = model.check_parameters({k: float(points[k][i]) for k in names})
        result = numeric_corner_equilibrium(model, structure, values, num)
        if result.exists:
            out["exists"][i] = True
            out["log_income"][i] = np.log(result.per_capita_real_income)
            for g in traded:
                out[f"price_{g}"][i] = result.prices[g]
            for j, s in enumerate(result.shares):
                out[f"share_{j}"][i] = s
        return result

    square = len(unknown) == len(configs) - 1
    if not square or anchor_rounds <= 0 or npts < 2:
        for i in range(npts):
            one_at_a_time(i)
        return out

    cs = [_configuration(model, c, unknown) for c in configs]
    data = [_Data(model, c, params) for c in cs]
    system = _System(cs, unknown)
    spread = [np.ptp(p) for p in params]
    scaled = np.column_stack([(p - p.min()) / s for p, s in zip(params, spread, strict=True) if s > 0] or [np.zeros(npts)])

    left = np.ones(npts, dtype=bool)
    anchors: list[tuple[np.ndarray, np.ndarray]] = []  # (scaled position, unknowns)
    tried = np.full(npts, -1)  # the anchor each point last started from
    for _ in range(anchor_rounds):
        if not left.any():
            break
        i = int(np.flatnonzero(left)[0])
        left[i] = False
        result = one_at_a_time(i)
        if not (result.exists and all(o.log_solution is not None for o in result.optima)):
            continue
        start = _anchor_start(system, result, [d.subset(np.array([i])) for d in data])
        if start is None:
            continue
        anchors.append((scaled[i], start[0]))
        index = np.flatnonzero(left)
        positions = np.stack([a for a, _ in anchors])
        nearest = np.argmin(((scaled[index, None, :] - positions[None]) ** 2).sum(axis=2), axis=1)
        index = index[(nearest == len(anchors) - 1) & (tried[index] != len(anchors) - 1)]
        if not index.size:
            continue
        tried[index] = len(anchors) - 1
        z = np.repeat(start, len(index), axis=0)
        z, converged = _newton(system, z, [d.subset(index) for d in data])
        done = index[converged]
        _store(system, cs, [d.subset(done) for d in data], z[converged], done, traded, unknown, out)
        left[done] = False
    for i in np.flatnonzero(left):
        one_at_a_time(int(i))
    return out


def _store(system: _System, cs: list[_Configuration], data: list[_Data], z: np.ndarray, index: np.ndarray,
           traded: list[str], unknown: tuple[str, ...], out: dict[str, np.ndarray]) -> None:
    """Market clearing for the shares of people, then the results of converged points."""
    if not index.size:
        return
    parts, lp = system.split(z)
    rows = [np.ones((len(z), len(cs)))]
    for g in traded:
        columns = []
        for c, (y, _) in zip(cs, parts, strict=True):
            flow = np.zeros(len(z))
            if f"s_{g}" in c.names:
                flow += np.exp(y[:, c.names.index(f"s_{g}")])
            if f"d_{g}" in c.names:
                flow -= np.exp(y[:, c.names.index(f"d_{g}")])
            columns.append(flow)
        rows.append(np.column_stack(columns))
    a = np.stack(rows, axis=1)  # (N, 1 + goods, configurations)
    rhs = np.zeros(a.shape[1])
    rhs[0] = 1.0
    shares = np.linalg.pinv(a) @ rhs
    exists = np.all(shares > 0, axis=1)
    out["exists"][index] = exists
    income = np.einsum("nj,nj->n", data[0].weights, parts[0][0])
    out["log_income"][index] = np.where(exists, income, np.nan)
    for g in traded:
        value = np.exp(lp[:, unknown.index(g)]) if g in unknown else np.ones(len(z))
        out[f"price_{g}"][index] = np.where(exists, value, np.nan)
    for j in range(len(cs)):
        out[f"share_{j}"][index] = np.where(exists, shares[:, j], np.nan)
