"""Sweeps and paths against independent computations: the per-point solver, hand algebra."""

import math

import numpy as np
import pytest

from inframarginal.cli.grammar import parse_axis
from inframarginal.path import structure_path
from inframarginal.phase import plot_path, plot_phase
from inframarginal.sweep import SweepError, sweep


def test_sweep_matches_published_threshold_of_the_twin_model(twin_model):
    # Yang (2001, ch. 4): autarky income 2^(-2a), division of labour k/4.
    model = twin_model()
    k = np.linspace(0.05, 1.0, 41)
    a = np.linspace(1.05, 2.9, 17)
    ds = sweep(model, {"k": k, "a": a})
    assert ds.general_equilibrium.dims == ("k", "a")
    expected = np.where(k[:, None] > 4 ** (1 - a[None, :]), "D", "A")
    assert (ds.general_equilibrium.values == expected).all()
    np.testing.assert_allclose(ds.per_capita_real_income.sel(structure="A").values,
                               np.broadcast_to(2 ** (-2 * a), (41, 17)), rtol=1e-12)
    np.testing.assert_allclose(ds.per_capita_real_income.sel(structure="D").values,
                               np.broadcast_to(k[:, None] / 4, (41, 17)), rtol=1e-12)
    d = ds.general_equilibrium.values == "D"
    assert (ds.specialists.sel(good="x").values[d] == pytest.approx(0.5))
    assert (ds.specialists.values[~d] == 0).all()


def test_path_switch_is_exact_and_has_closed_form(twin_model):
    model = twin_model()
    path = structure_path(model, "k", 0.05, 1.0, {"a": 1.7})
    assert [s for _, _, s in path.segments] == ["A", "D"]
    (sw,) = path.switches
    assert sw.value == pytest.approx(4 ** (1 - 1.7), rel=1e-13)
    assert abs(sw.income_gap) < 1e-12
    assert sw.closed_form is not None
    assert float(sw.closed_form.subs({model.parameter("a").symbol: 1.7})) == pytest.approx(sw.value, rel=1e-12)
    # both regions are drawn and named in the legends (autarky below the threshold, D above)
    for figure in (plot_path(path), plot_phase(sweep(model, {"k": np.linspace(0.05, 1, 30), "a": np.linspace(1.05, 2.9, 20)}))):
        assert figure is not None
        assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["A", "D"]


def test_parse_axis_errors():
    assert parse_axis("K=0.05:1:400")[1].size == 400
    for bad in ("K=1:0.05:10", "K=0.05:1:0", "K=0.05:1", "K=a:1:3", "=0:1:3"):
        with pytest.raises(SweepError):
            parse_axis(bad)
    assert math.isclose(parse_axis("K=0.05:1:3")[1][1], 0.525)
