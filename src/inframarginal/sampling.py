"""Random admissible parameter points: the one sampler of the report, the audit and the tests.

Each parameter is drawn uniformly on its domain, trimmed by ``margin`` of the width at
both ends (so open bounds are never hit); an unbounded upper end is capped at
``max(cap, lower + cap)``, and ``upper`` caps every upper end further.  ``bounds``
replaces the domain of the parameters it names (a box inside the domain).  The draws
are taken parameter by parameter in the model's order, ``n`` at a time, from
``numpy.random.default_rng(seed)``: the same seed gives the same points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from inframarginal.model import Model

#: Width above the lower bound where a domain without an upper bound is sampled.
UNBOUNDED_CAP = 2.0


def sampling_box(model: Model, *, cap: float = UNBOUNDED_CAP, upper: float = math.inf,
                 bounds: Mapping[str, tuple[float, float]] | None = None) -> dict[str, tuple[float, float]]:
    """The interval each parameter is drawn from (see the module's docstring)."""
    box = {}
    for p in model.parameters:
        lo, hi = (bounds or {}).get(p.name, (p.domain.lower, p.domain.upper))
        if not math.isfinite(hi):
            hi = max(cap, lo + cap)
        box[p.name] = (lo, min(hi, upper))
    return box


def sample_points(model: Model, n: int, seed: int, *, margin: float = 1e-6, cap: float = UNBOUNDED_CAP,
                  upper: float = math.inf,
                  bounds: Mapping[str, tuple[float, float]] | None = None) -> dict[str, np.ndarray]:
    """``n`` random admissible points of ``model``, as one array per parameter.

    Parameters
    ----------
    model : Model
    n : int
        Number of points.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    margin : float
        Fraction of each interval's width left out at both ends.
    cap, upper, bounds
        See :func:`sampling_box`.

    Examples
    --------
    >>> from inframarginal.modelfile import load_model
    >>> points = sample_points(load_model("yang-2001-specialization"), 1000, seed=1)
    >>> bool(((0 < points["k"]) & (points["k"] <= 1)).all()), bool(((1 < points["a"]) & (points["a"] < 3)).all())
    (True, True)
    """
    rng = np.random.default_rng(seed)
    return {name: lo + (hi - lo) * rng.uniform(margin, 1 - margin, n)
            for name, (lo, hi) in sampling_box(model, cap=cap, upper=upper, bounds=bounds).items()}
