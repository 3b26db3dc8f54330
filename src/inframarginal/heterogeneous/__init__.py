"""People who differ: types of consumer-producers with their own technologies, tastes,
trading efficiencies and population masses (issue #17).

A model file with a ``[types.<name>]`` section for each type is read into a
:class:`~inframarginal.heterogeneous.spec.TypedModel` (:mod:`.spec`); each type has its own
Lemma 1 configurations and the structures say which configurations of which type are present
(:mod:`.structures`); :mod:`.corner` solves a structure's corner equilibrium (utility
equalization within each type, market clearing across all, masses respected) and
:mod:`.general` picks the general equilibria by Yang's definition (no person of any type gains
by switching configuration at the equilibrium prices), ranked by Pareto dominance.

This subpackage imports only engine modules (model, loglinear, enumeration, budget, errors).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inframarginal.heterogeneous.corner import TypedCornerEquilibrium, typed_corner_equilibrium
    from inframarginal.heterogeneous.general import TypedSolution, solve_typed
    from inframarginal.heterogeneous.spec import PersonType, TypedModel, build_typed_model
    from inframarginal.heterogeneous.structures import TypedStructure, iter_typed_structures

# Loaded on first use, so that listing the built-in models (``models/`` here) imports no solver.
_HOMES = {
    "TypedCornerEquilibrium": "corner", "typed_corner_equilibrium": "corner",
    "TypedSolution": "general", "solve_typed": "general",
    "PersonType": "spec", "TypedModel": "spec", "build_typed_model": "spec",
    "TypedStructure": "structures", "iter_typed_structures": "structures",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "PersonType", "TypedCornerEquilibrium", "TypedModel", "TypedSolution", "TypedStructure",
    "build_typed_model", "iter_typed_structures", "solve_typed", "typed_corner_equilibrium",
]
