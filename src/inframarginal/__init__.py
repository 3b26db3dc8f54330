"""inframarginal: Yang's infra-marginal analysis of the division of labour.

The three steps of infra-marginal analysis, for any model of Yang's class written
as a model file:

1. :func:`configurations` and structures allowed by Lemma 1;
2. :func:`corner_equilibrium` of every structure, symbolic and numeric;
3. the :func:`general_equilibrium`: the corner equilibrium with the highest
   per-capita real income, checked by a total cost-benefit analysis.
"""

from __future__ import annotations

__version__ = "0.1.0"

from inframarginal.configurations import (  # noqa: E402
    Configuration,
    Structure,
    configurations,
    enumerate_structures,
)
from inframarginal.equilibrium import (  # noqa: E402
    CornerEquilibrium,
    Solution,
    corner_equilibrium,
    deviation_check,
)
from inframarginal.equilibrium import solve as general_equilibrium  # noqa: E402
from inframarginal.errors import InframarginalError  # noqa: E402
from inframarginal.model import Model, build_model  # noqa: E402
from inframarginal.modelfile import builtin_models, load_model  # noqa: E402

__all__ = [
    "Configuration", "CornerEquilibrium", "InframarginalError", "Model", "Solution", "Structure",
    "build_model", "builtin_models", "configurations", "corner_equilibrium", "deviation_check",
    "enumerate_structures", "general_equilibrium", "load_model",
]
