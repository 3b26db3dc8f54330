"""inframarginal: Yang's infra-marginal analysis of the division of labour."""

from __future__ import annotations

__version__ = "0.1.0"
