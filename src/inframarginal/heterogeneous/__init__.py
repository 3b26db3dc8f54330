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

from inframarginal.heterogeneous.corner import TypedCornerEquilibrium, typed_corner_equilibrium
from inframarginal.heterogeneous.general import TypedSolution, solve_typed
from inframarginal.heterogeneous.spec import PersonType, TypedModel, build_typed_model
from inframarginal.heterogeneous.structures import TypedStructure, iter_typed_structures

__all__ = [
    "PersonType", "TypedCornerEquilibrium", "TypedModel", "TypedSolution", "TypedStructure",
    "build_typed_model", "iter_typed_structures", "solve_typed", "typed_corner_equilibrium",
]
