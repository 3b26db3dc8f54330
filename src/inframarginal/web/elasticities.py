"""The explorer's elasticities: a structure's marginal comparative statics at the slider point.

``POST /api/elasticities`` (body as ``/api/solve``) answers with
:func:`elasticities_payload`, drawn by ``static/elasticities.js`` as a collapsible
panel: for each studied structure, the elasticity of per-capita real income,
relative prices and relative numbers with respect to every parameter
(:mod:`inframarginal.elasticities`), and which structure is the general equilibrium.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inframarginal.elasticities import DEFINITION, elasticities
from inframarginal.equilibrium import solve
from inframarginal.model import Model
from inframarginal.web.payloads import finite


def elasticities_payload(model: Model, values: Mapping[str, float]) -> dict[str, Any]:
    """Every studied structure's elasticities at ``values`` (defaults fill the rest), as JSON-able data.

    Numbers keep full precision; an undefined entry has ``value: null`` with ``kind:
    "undefined"`` and a ``note`` saying why (never NaN).
    """
    solution = solve(model, dict(values))
    result = elasticities(model, solution.parameters)
    structures = []
    for s in result.structures.values():
        structures.append({
            "name": s.structure,
            "configurations": list(s.configurations),
            "exists": s.exists,
            "reason": s.reason,
            "methods": list(s.methods),
            "rows": [{"quantity": q, "level": s.levels[q],
                      "entries": [{"parameter": p, **s[q, p].to_dict()} for p in s.parameters]}
                     for q in s.quantities],
        })
    payload: dict[str, Any] = finite({
        "model": model.name,
        "parameters": [p.name for p in model.parameters],
        "values": {p.name: solution.parameters[p.name] for p in model.parameters},
        "general_equilibrium": solution.general_equilibrium,
        "definition": DEFINITION,
        "structures": structures,
    })
    return payload
