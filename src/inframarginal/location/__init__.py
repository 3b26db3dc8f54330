"""Location games: sellers on a beach (Hotelling's line or a circle).

See :mod:`inframarginal.location.shares`, ``best_response``, ``equilibria``,
``bruteforce``, ``welfare``, ``dynamics``, ``pricing`` and ``report``.
"""

from __future__ import annotations

from inframarginal.location.arithmetic import LocationError
from inframarginal.location.best_response import BestResponse, best_response
from inframarginal.location.bruteforce import cross_check, grid_equilibria
from inframarginal.location.density import piecewise_linear_density, uniform_density
from inframarginal.location.equilibria import EquilibriumSet, certify, find_equilibria
from inframarginal.location.shares import market_shares

__all__ = [
    "BestResponse",
    "EquilibriumSet",
    "LocationError",
    "best_response",
    "certify",
    "cross_check",
    "find_equilibria",
    "grid_equilibria",
    "market_shares",
    "piecewise_linear_density",
    "uniform_density",
]
