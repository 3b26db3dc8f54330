"""inframarginal: Yang's infra-marginal analysis of the division of labour.

The three steps of infra-marginal analysis, for any model of Yang's class written
as a model file:

1. :func:`configurations` and structures allowed by Lemma 1;
2. :func:`corner_equilibrium` of every structure, symbolic and numeric;
3. the :func:`general_equilibrium`: the corner equilibrium with the highest
   per-capita real income, checked by a total cost-benefit analysis.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from inframarginal.version import __version__ as __version__

if TYPE_CHECKING:  # what type checkers and editors see; at run time, see __getattr__
    from inframarginal.api import build_model, load_model
    from inframarginal.configurations import (
        Configuration,
        Structure,
        configurations,
        enumerate_structures,
    )
    from inframarginal.elasticities import Elasticities, elasticities
    from inframarginal.equilibrium import (
        CornerEquilibrium,
        Solution,
        corner_equilibrium,
        deviation_check,
    )
    from inframarginal.equilibrium import solve as general_equilibrium
    from inframarginal.errors import InframarginalError
    from inframarginal.model import Model
    from inframarginal.modelfile import builtin_models

# Public names are imported on first use (PEP 562), so that ``inframarginal --help`` and
# other light commands do not pay for SymPy and SciPy.
_PUBLIC = {
    "Configuration": "inframarginal.configurations",
    "Structure": "inframarginal.configurations",
    "configurations": "inframarginal.configurations",
    "enumerate_structures": "inframarginal.configurations",
    "CornerEquilibrium": "inframarginal.equilibrium",
    "Solution": "inframarginal.equilibrium",
    "corner_equilibrium": "inframarginal.equilibrium",
    "deviation_check": "inframarginal.equilibrium",
    "general_equilibrium": "inframarginal.equilibrium:solve",
    "Elasticities": "inframarginal.elasticities",
    "elasticities": "inframarginal.elasticities",
    "InframarginalError": "inframarginal.errors",
    "Model": "inframarginal.model",
    "build_model": "inframarginal.api",
    "builtin_models": "inframarginal.modelfile",
    "load_model": "inframarginal.api",
}

__all__ = [
    "Configuration", "CornerEquilibrium", "Elasticities", "InframarginalError", "Model", "Solution", "Structure",
    "build_model", "builtin_models", "configurations", "corner_equilibrium", "deviation_check",
    "elasticities", "enumerate_structures", "general_equilibrium", "load_model",
]


class _Package(types.ModuleType):
    """The package, whose public function ``configurations`` shares its name with a submodule.

    Importing the submodule would rebind the package attribute to the module; the public name
    keeps the function (the submodule stays reachable as ``sys.modules[...]`` and by ``from``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> object:
    target = _PUBLIC.get(name)
    if target is None:
        raise AttributeError(f"module 'inframarginal' has no attribute {name!r}")
    import importlib

    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
