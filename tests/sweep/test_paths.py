"""Exact switch points: income gap zero at the root, different structures either side, closed forms."""

import math

import numpy as np
import pytest

from inframarginal.path import SwitchKind, structure_path

CASES = [
    ("K", 0.05, 1.0, {"t": 0.0}),
    ("t", 0.0, 0.95, {"K": 1.0, "F": 0.1}),
    ("b", 0.01, 0.6, {"K": 0.75, "t": 0.0}),
    ("F", 0.01, 0.9, {"K": 0.75, "t": 0.0}),
]


@pytest.mark.parametrize("name, lo, hi, fixed", CASES)
def test_switch_points_are_roots_between_different_structures(seed, name, lo, hi, fixed):
    path = structure_path(seed, name, lo, hi, fixed)
    assert path.switches, "every case crosses at least one switch"
    for sw in path.switches:
        assert sw.before != sw.after
        assert sw.kind is SwitchKind.INCOME and sw.kind == "income"
        assert sw.to_dict()["kind"] == "income" and f"{sw.kind}" == "income"  # JSON and text as before
        # log-income difference at the root is zero to rounding
        assert abs(sw.income_gap) < 1e-12
        # independent check: the per-point solver on either side
        step = 1e-7 * (hi - lo)
        left = seed.solve({**fixed, name: sw.value - step}).general_equilibrium
        right = seed.solve({**fixed, name: sw.value + step}).general_equilibrium
        assert (left, right) == (sw.before, sw.after)
        # the symbolic threshold is the same number
        assert sw.closed_form is not None
        values = {seed.parameter(k).symbol: v for k, v in path.fixed.items()}
        assert float(sw.closed_form.evalf(30, subs=values)) == pytest.approx(sw.value, rel=1e-11, abs=1e-13)
    segments = path.segments
    assert segments[0][0] == lo and segments[-1][1] == pytest.approx(hi)
    for (_, b0, s0), (a1, _, s1) in zip(segments, segments[1:], strict=False):
        assert b0 == a1 and s0 != s1
    # each segment holds the structure the switch before it goes to, the per-point solver's GE
    for (a, b, s), sw in zip(segments[1:], path.switches, strict=True):
        assert s == sw.after == (seed.solve({**fixed, name: (a + b) / 2}).general_equilibrium or "")


def test_threshold_of_the_twin_model_is_the_textbook_one(twin_model):
    # D beats autarky where k/4 > 2^(-2a), i.e. k > 4^(1 - a) (Yang 2001, ch. 4).
    model = twin_model()
    for a in (1.2, 1.5, 2.4):
        path = structure_path(model, "k", 0.01, 1.0, {"a": a})
        (sw,) = path.switches
        assert math.isclose(sw.value, 4 ** (1 - a), rel_tol=1e-13)
        assert (sw.before, sw.after) == ("A", "D")


def test_path_to_dict_is_json_with_full_precision(twin_model):
    import json

    path = structure_path(twin_model(), "k", 0.01, 1.0, {"a": 1.5})
    data = json.loads(json.dumps(path.to_dict()))
    assert data["switches"][0]["value"] == path.switches[0].value
    assert data["segments"][0]["structure"] == "A"
    assert data["switches"][0]["closed_form"]


def test_no_switch_gives_one_segment(twin_model):
    path = structure_path(twin_model(), "k", 0.6, 1.0, {"a": 2.0})
    assert path.switches == [] and [s for *_, s in path.segments] == ["D"]
    assert np.isclose(path.segments[0][1], 1.0)
