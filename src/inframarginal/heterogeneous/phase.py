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

from inframarginal.enumeration import check_budget
from inframarginal.heterogeneous.corner import (
    log_efficiencies,
    point_arrays,
    typed_corner_equilibrium,
)
from inframarginal.heterogeneous.general import deviation_check, pareto_ranks
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import iter_typed_structures

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
    check_budget(int(np.prod(shape)), limit, flag="fewer grid points", what="points")
    structures = list(iter_typed_structures(model))
    labels = [s.name for s in structures]
    mass_names = {s.name for t in model.types for s in t.mass.free_symbols}
    code = np.full(shape, -1, dtype=np.int32)
    count = np.zeros(shape, dtype=np.int32)
    utility = {t: np.full(shape, np.nan) for t in model.type_names}
    gain = {t: np.full(shape, np.nan) for t in model.type_names}
    cache: dict[tuple[tuple[str, float], ...], Any] = {}
    for index in np.ndindex(*shape):
        values = {**(fixed or {}), **{n: float(g[i]) for n, g, i in zip(names, grids, index, strict=True)}}
        checked = model.check_parameters(values)
        key = tuple(sorted((k, v) for k, v in checked.items() if k not in mass_names))
        if key not in cache:
            arrays = point_arrays(model, checked)
            cache[key] = (arrays, log_efficiencies(model, checked))
        arrays, efficiencies = cache[key]
        masses = model.masses(checked)
        passing = []
        for s in structures:
            ce = typed_corner_equilibrium(model, s, checked, arrays, efficiencies, masses)
            if ce.exists and deviation_check(model, ce, arrays, efficiencies).passed:
                passing.append(ce)
        count[index] = len(passing)
        if not passing:
            continue
        ranks = pareto_ranks(passing)
        best = min(passing, key=lambda ce: (ranks[ce.name], -float(np.mean(list(ce.log_utilities.values())))))
        code[index] = labels.index(best.name)
        autarky = _autarky(model, arrays)
        for t in model.type_names:
            utility[t][index] = best.utilities[t]
            gain[t][index] = math.exp(best.log_utilities[t] - autarky[t]) - 1.0
    data: dict[str, Any] = {"general_equilibrium": (names, code), "equilibria": (names, count)}
    for t in model.type_names:
        data[f"utility_{t}"] = (names, utility[t])
        data[f"gain_{t}"] = (names, gain[t])
    return xr.Dataset(data, coords={n: g for n, g in zip(names, grids, strict=True)},
                      attrs={"model": model.name, "structures": labels, "types": list(model.type_names),
                             "criterion": "Yang: no person of any type gains by switching configuration; "
                                          "Pareto-undominated first"})


def _autarky(model: TypedModel, arrays: Any) -> dict[str, float]:
    from inframarginal.heterogeneous.general import autarky_log_utilities

    return autarky_log_utilities(model, arrays)


__all__ = ["MAX_POINTS", "typed_sweep"]
