"""Axes of the phase diagrams: admissible and finite on every built-in model."""

from __future__ import annotations

import numpy as np
import pytest

import inframarginal as im
from inframarginal.audit.table2 import axis_values


@pytest.mark.parametrize("name", ["yang-2001-roundabout", "li-ke-2020"])
def test_axes_are_finite_admissible_and_hold_the_default(name):
    # yang-2001-roundabout's a has the unbounded domain a > 1: its axis used to be [1.001, inf]
    model = im.load_model(name)
    for p in model.parameters:
        xs = axis_values(model, p.name, (-np.inf, np.inf), 21)
        assert np.isfinite(xs).all(), p.name
        assert all(float(v) in p.domain for v in xs), p.name
        assert xs[0] <= p.default <= xs[-1], p.name
