"""Phase diagrams of models with types: the general equilibria over a grid of parameters.

Each point is solved by :func:`inframarginal.heterogeneous.general.solve_typed`'s steps with
the structures enumerated once and each type's configurations solved once per distinct value
of the parameters they depend on (a sweep over population masses solves them once in all).
The number of points is bounded (:data:`MAX_POINTS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from inframarginal.errors import ParameterError, SweepError
from inframarginal.heterogeneous.corner import (
    equalization,
    log_efficiencies,
    point_arrays,
    structure_members,
    typed_corner_equilibrium,
)
from inframarginal.heterogeneous.general import (
    GAIN_TOLERANCE,
    autarky_log_utilities,
    best_alternatives,
    deviation_check,
)
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import TypedStructure, iter_typed_structures
from inframarginal.loglinear import ConfigurationArrays

#: Most points of one sweep with types (every point solves every structure).
MAX_POINTS = 250_000


def typed_sweep(model: TypedModel, axes: Mapping[str, Sequence[float] | np.ndarray],
                fixed: Mapping[str, float] | None = None, *, limit: int = MAX_POINTS) -> Any:
    """General equilibria with types over the grid spanned by ``axes``.

    Returns an :class:`xarray.Dataset` with ``general_equilibrium`` (an index into the
    attribute ``structures``: the Pareto-undominated equilibrium with the highest mean log
    utility; -1 if none), ``equilibria`` (how many structures pass Yang's check) and, per
    type, ``utility_<type>`` and ``gain_<type>`` (against its autarky) at that equilibrium.
    """
    import xarray as xr

    names = list(axes)
    grids = [np.asarray(axes[n], dtype=float) for n in names]
    shape = tuple(len(g) for g in grids)
    if math.prod(shape) > limit:
        raise SweepError(f"the grid has {math.prod(shape):,} points, more than the limit of {limit:,} of a sweep "
                         "with types; use fewer points per axis")
    structures = list(iter_typed_structures(model))
    labels = [s.name for s in structures]
    mass_names = {s.name for t in model.types for s in t.mass.free_symbols}
    code = np.full(shape, -1, dtype=np.int32)
    count = np.zeros(shape, dtype=np.int32)
    utility = {t: np.full(shape, np.nan) for t in model.type_names}
    gain = {t: np.full(shape, np.nan) for t in model.type_names}
    # Points that differ only in population masses share every configuration's optimum.
    groups: dict[tuple[tuple[str, float], ...], list[tuple[tuple[int, ...], dict[str, float]]]] = {}
    for index in np.ndindex(*shape):
        values = {**(fixed or {}), **{n: float(g[i]) for n, g, i in zip(names, grids, index, strict=True)}}
        checked = model.check_parameters(values)
        key = tuple(sorted((k, v) for k, v in checked.items() if k not in mass_names))
        groups.setdefault(key, []).append((index, checked))
    for members in groups.values():
        first = members[0][1]
        arrays = point_arrays(model, first)
        efficiencies = log_efficiencies(model, first)
        masses = np.array([[m for m in model.masses(checked).values()] for _, checked in members])
        log_u = np.full((len(members), len(structures), len(model.types)), -np.inf)
        passed = np.zeros((len(members), len(structures)), dtype=bool)
        for j, s in enumerate(structures):
            ok, lu = batched_structure(model, s, arrays, efficiencies, masses)
            for q in np.flatnonzero(ok < 0):  # the batched solver gave up: solve this point alone
                p = int(q)
                checked = members[p][1]
                ce = typed_corner_equilibrium(model, s, checked, arrays, efficiencies, model.masses(checked))
                if ce.exists and deviation_check(model, ce, arrays, efficiencies).passed:
                    ok[p], lu[p] = 1, [ce.log_utilities[t] for t in model.type_names]
                else:
                    ok[p] = 0
            passed[:, j] = ok == 1
            log_u[:, j] = lu
        autarky = autarky_log_utilities(model, arrays)
        best, counts = _pick(log_u, passed)
        for r, (index, _) in enumerate(members):
            count[index] = counts[r]
            if best[r] < 0:
                continue
            code[index] = best[r]
            for k, t in enumerate(model.type_names):
                utility[t][index] = math.exp(log_u[r, best[r], k])
                gain[t][index] = math.expm1(log_u[r, best[r], k] - autarky[t])
    data: dict[str, Any] = {"general_equilibrium": (names, code), "equilibria": (names, count)}
    for t in model.type_names:
        data[f"utility_{t}"] = (names, utility[t])
        data[f"gain_{t}"] = (names, gain[t])
    return xr.Dataset(data, coords={n: g for n, g in zip(names, grids, strict=True)},
                      attrs={"model": model.name, "structures": labels, "types": list(model.type_names),
                             "criterion": "Yang: no person of any type gains by switching configuration; "
                                          "Pareto-undominated first"})


def _pick(log_u: np.ndarray, passed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point, the Pareto-undominated passing structure with the highest mean log utility (-1: none)."""
    n_points, n_structures, _ = log_u.shape
    dominated = np.zeros((n_points, n_structures), dtype=np.int64)
    safe = np.where(passed[..., None], log_u, 0.0)
    for j in range(n_structures):
        diff = safe - safe[:, j:j + 1]  # others minus j
        dominates = ((diff >= -GAIN_TOLERANCE).all(axis=2) & (diff > GAIN_TOLERANCE).any(axis=2) & passed)
        dominated[:, j] = dominates.sum(axis=1)
    mean = np.where(passed, safe.mean(axis=2), -np.inf)
    order = np.where(passed, dominated, np.iinfo(np.int64).max)
    undominated = passed & (order == order.min(axis=1, keepdims=True))
    best = np.where(passed.any(axis=1), np.argmax(np.where(undominated, mean, -np.inf), axis=1), -1)
    return best, passed.sum(axis=1)


def batched_structure(model: TypedModel, structure: TypedStructure, arrays: tuple[ConfigurationArrays, ...],
                      efficiencies: dict[tuple[str, str, str], float], masses: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """One structure's corner equilibrium and Yang's check at many points that differ only in masses.

    Newton's method on market clearing and the masses, in the log prices left free by utility
    equalization and the numbers of people, all points at once.  Returns ``status`` per point
    (1: a corner equilibrium passing the check; 0: not; -1: not decided here, solve it alone)
    and each type's log utility (points x types).
    """
    n_points, n_types = masses.shape
    status = np.zeros(n_points, dtype=np.int64)
    log_u = np.full((n_points, n_types), -np.inf)
    built = structure_members(model, structure, arrays, efficiencies)
    if isinstance(built, str):
        return status, log_u
    members, markets = built
    traded = list(markets.keys)
    free = max(len(traded) - 1, 0)
    solved = equalization(members, n_types, free)
    if isinstance(solved, str):
        return status, log_u
    lp0, basis = solved
    d, n_members = basis.shape[1] if free else 0, len(members)
    rows = max(len(traded) - 1, 0) + n_types
    if d + n_members != rows:  # not square: a continuum or no solution; the one-point solver says which
        status[:] = -1
        return status, log_u
    owner = np.zeros((n_types, n_members))
    for j, m in enumerate(members):
        owner[m.person, j] = 1.0
    flow = np.zeros((len(traded), n_members))  # sales minus spending, per unit of value
    sold = np.zeros((n_members, len(traded)))
    seller = np.array([m.sells >= 0 for m in members])
    for j, m in enumerate(members):
        if m.sells >= 0:
            flow[m.sells, j] += 1.0
            flow[:, j] -= m.spend
            sold[j, m.sells] = 1.0
    const = np.array([m.c for m in members])
    slope = np.array([m.e for m in members]) + sold  # d log(value per person) / d log prices (all traded)
    tangent = slope[:, :free] @ basis if d else np.zeros((n_members, 0))
    t = np.zeros((n_points, d))
    n = (masses / owner.sum(axis=1)) @ owner  # start: each type's people spread evenly

    def residual(t: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lp_free = np.broadcast_to(lp0, (n_points, free)) + (t @ basis.T if d else 0.0)
        lp = np.concatenate([lp_free, np.zeros((n_points, 1))], axis=1) if traded else np.zeros((n_points, 0))
        value = np.where(seller, np.exp(np.minimum(const + lp @ slope.T, 700.0)), 0.0)  # per person
        market = (n * value) @ flow.T
        return np.concatenate([market[:, :free], n @ owner.T - masses], axis=1), value, lp

    converged = np.zeros(n_points, dtype=bool)
    for _ in range(60):
        f, value, lp = residual(t, n)
        scale = np.maximum((n * value).sum(axis=1, keepdims=True), 1e-300)
        err = np.abs(np.concatenate([f[:, :free] / scale, f[:, free:] / masses.max(axis=1, keepdims=True)], axis=1))
        converged = err.max(axis=1, initial=0.0) < 1e-13
        if converged.all():
            break
        jac = np.zeros((n_points, rows, d + n_members))
        weighted = (n * value)[:, None, :] * flow[None, :free, :]  # points x free x members
        jac[:, :free, :d] = weighted @ tangent
        jac[:, :free, d:] = value[:, None, :] * flow[None, :free, :]
        jac[:, free:, d:] = owner[None]
        try:
            step = np.linalg.solve(jac, f[..., None])[..., 0]
        except np.linalg.LinAlgError:
            status[:] = -1
            return status, log_u
        if d:
            step[:, :d] = np.clip(step[:, :d], -2.0, 2.0)
            t = t - step[:, :d]
        n = n - step[:, d:]
    f, value, lp = residual(t, n)
    shares = n / (masses @ owner)
    exists = converged & (shares > 1e-9).all(axis=1)
    status[~converged] = -1
    if not exists.any():
        return status, log_u
    # each type's utility, and Yang's check over every configuration with priced goods
    first = [next(j for j, m in enumerate(members) if m.person == k) for k in range(n_types)]
    for k in range(n_types):
        m = members[first[k]]
        log_u[:, k] = m.a + lp @ m.b
    best_gain = best_alternatives(model, markets, arrays, efficiencies, lp)[0] - log_u
    passes = exists & (np.expm1(best_gain) <= GAIN_TOLERANCE).all(axis=1)
    status[converged] = passes[converged].astype(np.int64)
    return status, log_u


def plot_typed_phase(ds: Any, ax: Any = None) -> Any:
    """Draw a two-parameter phase diagram of :func:`typed_sweep`: one colour per general equilibrium.

    Returns the Matplotlib figure (no pyplot: the backend is the user's).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from inframarginal.phase import figure_of

    code = ds["general_equilibrium"]
    if code.ndim != 2:
        raise ParameterError(f"a phase diagram needs two axes; this sweep has {code.ndim}")
    y, x = code.dims
    if ax is None:
        fig = Figure(figsize=(6.4, 4.4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = figure_of(ax)
    names = list(ds.attrs["structures"])
    present = sorted({int(c) for c in np.unique(code.values)})
    palette = ["#d9d9d9", "#2c5aa0", "#c0392b", "#1e8449", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d", "#f1c40f"]
    index = {c: i for i, c in enumerate(present)}
    image = np.vectorize(index.get)(code.values)
    colours = [palette[0] if c < 0 else palette[1 + i % (len(palette) - 1)] for i, c in enumerate(present)]
    ax.pcolormesh(ds[x].values, ds[y].values, image, cmap=ListedColormap(colours), shading="nearest",
                  vmin=-0.5, vmax=len(present) - 0.5)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(handles=[Patch(color=colours[i], label="none" if c < 0 else names[c]) for i, c in enumerate(present)],
              fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1, frameon=False)
    ax.set_title(f"{ds.attrs['model']}: general equilibrium (Yang; Pareto-undominated first)", fontsize=9)
    return fig


__all__ = ["MAX_POINTS", "batched_structure", "plot_typed_phase", "typed_sweep"]
