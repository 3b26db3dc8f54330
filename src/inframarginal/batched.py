"""Numeric corner equilibria at many parameter points at once (no closed form needed).

The fallback of sweeps for structures whose technologies are not of power form.  At an
optimum of a configuration every constraint binds with a positive multiplier, so a corner
equilibrium is a root of one square system per point: for each configuration, the KKT
conditions of the person's problem in log variables (stationarity, binding constraints),
and across configurations, utility equalization in the log relative prices.  Newton's
method runs on that system for all points at once (stacked arrays; per step, a batched
solve of each configuration's KKT block and one of utility equalization for the prices;
a backtracking line search per point).

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

import numpy as np

from inframarginal.configurations import Structure, traded_goods
from inframarginal.model import Model
from inframarginal.numeric import BOUND, market_clearing_shares, numeric_corner_equilibrium
from inframarginal.primal import PrimalProgramme, ProgrammeValues, evaluate, primal_programme
from inframarginal.symbolic import numeraire

#: A point has converged when every equation of its system holds to this (max norm).
TOLERANCE = 1e-12
#: ... and is accepted when the line search stalls below this (rounding level).
ACCEPT = 1e-10
#: Rounds of new anchors before the points left are solved one at a time.
ANCHOR_ROUNDS = 8
#: Points solved together: the stacked KKT blocks stay within tens of MB.
BLOCK_POINTS = 2048


class _System:
    """The stacked equilibrium conditions of a structure: unknowns (y_c, mu_c) per configuration, then lp."""

    def __init__(self, model: Model, programmes: list[PrimalProgramme], unknown: tuple[str, ...]):
        self.programmes, self.unknown = programmes, unknown
        self.goods = len(model.good_names)
        self.price_columns = [model.good_names.index(g) for g in unknown]
        self.offsets = np.cumsum([0, *(sum(c.size) for c in programmes)])
        self.dimension = int(self.offsets[-1]) + len(unknown)
        self.logs = np.zeros(self.dimension, dtype=bool)  # log quantities and log prices (not multipliers)
        for c, o in zip(programmes, self.offsets, strict=False):
            self.logs[o:o + c.size[0]] = True
        self.logs[self.offsets[-1]:] = True

    def split(self, z: np.ndarray):
        parts = []
        for c, o in zip(self.programmes, self.offsets, strict=False):
            n, m = c.size
            parts.append((z[:, o:o + n], z[:, o + n:o + n + m]))
        return parts, z[:, self.offsets[-1]:]

    def log_prices(self, lp: np.ndarray) -> np.ndarray:
        """All goods' log prices (the numeraire's and untraded goods' are 0)."""
        out = np.zeros((len(lp), self.goods))
        out[:, self.price_columns] = lp
        return out

    def residual(self, z: np.ndarray, values: list[ProgrammeValues]) -> np.ndarray:
        """The equations at every point (N, D): stationarity and binding constraints per
        configuration, then utility equalization log u_i - log u_0 = 0."""
        parts, lp = self.split(z)
        log_prices = self.log_prices(lp)
        out = np.empty((len(z), self.dimension))
        top = self.offsets[-1]
        for i, (c, v, (y, mu), o) in enumerate(zip(self.programmes, values, parts, self.offsets, strict=False)):
            n, m = c.size
            e = evaluate(c, v, y, log_prices)
            out[:, o:o + n] = -v.weights - np.einsum("nmj,nm->nj", e.jacobian, mu)
            out[:, o + n:o + n + m] = e.constraints
            if i:
                out[:, top + i - 1] = _dot(v.weights, y) - _dot(values[0].weights, parts[0][0])
        return out

    def newton_step(self, z: np.ndarray, residual: np.ndarray, values: list[ProgrammeValues]) -> np.ndarray:
        """The Newton step at every point, by blocks.

        Each configuration's KKT block K_c = [[-H, -J'], [J, 0]] couples to the others only
        through the log prices: solve K_c [a_c, G_c] = [-r_c, B_c] (B_c: the price columns),
        so that its step is a_c - G_c dlp, then the small system of utility equalization
        for dlp.  Rows of NaN where a block is singular.
        """
        parts, lp = self.split(z)
        log_prices = self.log_prices(lp)
        npts, prices, columns = len(z), len(self.unknown), self.price_columns
        solved = []
        for c, v, (y, mu), o in zip(self.programmes, values, parts, self.offsets, strict=False):
            n, m = c.size
            e = evaluate(c, v, y, log_prices, mu)
            kkt = np.zeros((npts, n + m, n + m))
            kkt[:, :n, :n] = -e.hessian
            kkt[:, :n, n:] = -e.jacobian.transpose(0, 2, 1)
            kkt[:, n:, :n] = e.jacobian
            rhs = np.empty((npts, n + m, 1 + prices))
            rhs[:, :, 0] = -residual[:, o:o + n + m]
            rhs[:, :n, 1:] = e.stationarity_price[:, :, columns]  # -(-dstat): moved to the right
            rhs[:, n:, 1:] = -e.constraint_price[:, :, columns]
            solved.append(_solve(kkt, rhs))
        step = np.empty((npts, self.dimension))
        dlp = np.zeros((npts, prices))
        if prices:
            # row i: w_i . dy_i - w_0 . dy_0 = -r_ue_i, with dy_c = a_c + G_c dlp (G_c: the
            # solved price columns, already carrying the minus sign)
            w0, n0 = values[0].weights, self.programmes[0].size[0]
            matrix = np.empty((npts, prices, prices))
            rhs = np.empty((npts, prices))
            for i in range(1, len(self.programmes)):
                n = self.programmes[i].size[0]
                wi, si, s0 = values[i].weights, solved[i], solved[0]
                matrix[:, i - 1] = np.einsum("nj,njq->nq", wi, si[:, :n, 1:]) - np.einsum("nj,njq->nq", w0, s0[:, :n0, 1:])
                rhs[:, i - 1] = -residual[:, self.offsets[-1] + i - 1] - _dot(wi, si[:, :n, 0]) + _dot(w0, s0[:, :n0, 0])
            dlp = _solve(matrix, rhs[..., None])[..., 0]
            step[:, self.offsets[-1]:] = dlp
        for c, o, sol in zip(self.programmes, self.offsets, solved, strict=False):
            size = sum(c.size)
            step[:, o:o + size] = sol[:, :, 0] + np.einsum("njq,nq->nj", sol[:, :, 1:], dlp)
        return step


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("nj,nj->n", a, b)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve; NaN rows for the points whose matrix is singular."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(len(a)):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out


def _newton(system: _System, z: np.ndarray, data: list[ProgrammeValues], steps: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Damped Newton's method from ``z`` at every point; returns the roots and where they converged."""
    with np.errstate(all="ignore"):
        residual = system.residual(z, data)
        merit = np.max(np.abs(residual), axis=1)
        merit[~np.isfinite(merit)] = np.inf
        active = merit > TOLERANCE
        stalled = np.zeros(len(z), dtype=bool)
        bounded = np.ones(len(z), dtype=bool)
        variables = system.logs
        for _ in range(steps):
            index = np.flatnonzero(active)
            if not index.size:
                break
            sub = [d.subset(index) for d in data]
            step = system.newton_step(z[index], residual[index], sub)
            finite = np.all(np.isfinite(step), axis=1)
            largest = np.max(np.abs(step[:, variables]), axis=1, initial=0.0)
            step /= np.maximum(largest, 1.0)[:, None]  # far from the root: bounded steps in logs
            stalled[index[~finite]] = True
            pending, step = index[finite], step[finite]
            length = np.ones(len(pending))
            for _ in range(30):  # backtracking until the largest residual falls
                if not pending.size:
                    break
                trial = z[pending] + length[:, None] * step
                r = system.residual(trial, [d.subset(pending) for d in data])
                m = np.max(np.abs(r), axis=1)
                better = np.isfinite(m) & (m < merit[pending])
                accepted = pending[better]
                z[accepted], residual[accepted], merit[accepted] = trial[better], r[better], m[better]
                pending, length, step = pending[~better], length[~better] / 2, step[~better]
            stalled[pending] = True
            bounded &= np.all(np.abs(z[:, variables]) < BOUND, axis=1)
            active = (merit > TOLERANCE) & ~stalled & bounded
    converged = (merit < ACCEPT) & bounded
    for c, o in zip(system.programmes, system.offsets, strict=False):
        n, m = c.size
        converged &= np.all(z[:, o + n:o + n + m] > 0, axis=1)  # a KKT point with positive multipliers
    return z, converged


def _anchor_start(system: _System, result) -> np.ndarray:
    """The unknowns of a per-point solution: each person's plan and multipliers, the log prices."""
    z = np.zeros(system.dimension)
    for c, o, opt in zip(system.programmes, system.offsets, result.optima, strict=False):
        n, m = c.size
        z[o:o + n], z[o + n:o + n + m] = opt.log_solution, opt.multipliers
    z[system.offsets[-1]:] = [np.log(result.prices[g]) for g in system.unknown]
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
    if npts > BLOCK_POINTS:
        blocks = [numeric_structure_grid(model, structure, {k: v[i:i + BLOCK_POINTS] for k, v in points.items()},
                                         anchor_rounds) for i in range(0, npts, BLOCK_POINTS)]
        return {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    params = [np.asarray(points[k], dtype=float) for k in names]
    num = numeraire(structure, model)
    traded = traded_goods(structure, model)
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

    cs = [primal_programme(model, c) for c in configs]
    data = [ProgrammeValues(model, c, params) for c in cs]
    system = _System(model, cs, unknown)
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
        if not result.exists:
            continue
        start = _anchor_start(system, result)
        anchors.append((scaled[i], start))
        index = np.flatnonzero(left)
        positions = np.stack([a for a, _ in anchors])
        nearest = np.argmin(((scaled[index, None, :] - positions[None]) ** 2).sum(axis=2), axis=1)
        index = index[(nearest == len(anchors) - 1) & (tried[index] != len(anchors) - 1)]
        if not index.size:
            continue
        tried[index] = len(anchors) - 1
        z = np.repeat(start[None], len(index), axis=0)
        z, converged = _newton(system, z, [d.subset(index) for d in data])
        done = index[converged]
        _store(system, [d.subset(done) for d in data], z[converged], done, traded, out)
        left[done] = False
    for i in np.flatnonzero(left):
        one_at_a_time(int(i))
    return out


def _store(system: _System, data: list[ProgrammeValues], z: np.ndarray, index: np.ndarray,
           traded: list[str], out: dict[str, np.ndarray]) -> None:
    """Market clearing for the shares of people, then the results of converged points."""
    if not index.size:
        return
    cs, unknown = system.programmes, system.unknown
    parts, lp = system.split(z)
    flows = np.zeros((len(z), len(traded), len(cs)))  # sales minus purchases
    for j, (c, (y, _)) in enumerate(zip(cs, parts, strict=True)):
        names = c.layout.names
        for gi, g in enumerate(traded):
            if f"s_{g}" in names:
                flows[:, gi, j] += np.exp(y[:, names.index(f"s_{g}")])
            if f"d_{g}" in names:
                flows[:, gi, j] -= np.exp(y[:, names.index(f"d_{g}")])
    shares = market_clearing_shares(flows)
    exists = np.all(shares > 0, axis=1)
    out["exists"][index] = exists
    income = np.einsum("nj,nj->n", data[0].weights, parts[0][0])
    out["log_income"][index] = np.where(exists, income, np.nan)
    for g in traded:
        value = np.exp(lp[:, unknown.index(g)]) if g in unknown else np.ones(len(z))
        out[f"price_{g}"][index] = np.where(exists, value, np.nan)
    for j in range(len(cs)):
        out[f"share_{j}"][index] = np.where(exists, shares[:, j], np.nan)
