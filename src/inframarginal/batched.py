"""Numeric corner equilibria over many parameter points (no closed form needed).

The fallback of sweeps for structures whose technologies are not of power form.  For now
this is a loop of :func:`inframarginal.numeric.numeric_corner_equilibrium` over the points
(correct, not vectorized): a batched solver (Newton on the stacked KKT and
utility-equalization conditions of all points, with per-point fallback) would keep this
interface.
"""

from __future__ import annotations

import numpy as np

from inframarginal.configurations import Structure
from inframarginal.model import Model


def numeric_structure_grid(model: Model, structure: Structure, points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Numeric corner equilibrium of ``structure`` at each point (one array per base parameter).

    Returns ``log_income``, ``exists``, ``price_<good>`` for traded goods and ``share_<i>``
    per configuration, NaN where the corner equilibrium does not exist.
    """
    from inframarginal.numeric import numeric_corner_equilibrium
    from inframarginal.symbolic import numeraire

    names = [p.name for p in model.parameters]
    n = len(next(iter(points.values())))
    num = numeraire(structure, model)
    traded = [g for g in model.good_names if g in structure.traded_goods]
    out = {"log_income": np.full(n, np.nan), "exists": np.zeros(n, dtype=bool)}
    out.update({f"price_{g}": np.full(n, np.nan) for g in traded})
    out.update({f"share_{i}": np.full(n, np.nan) for i in range(len(structure.configurations))})
    for i in range(n):
        values = model.check_parameters({k: float(points[k][i]) for k in names})
        result = numeric_corner_equilibrium(model, structure, values, num)
        if not result.exists:
            continue
        out["exists"][i] = True
        out["log_income"][i] = np.log(result.per_capita_real_income)
        for g in traded:
            out[f"price_{g}"][i] = result.prices[g]
        for j, s in enumerate(result.shares):
            out[f"share_{j}"][i] = s
    return out
