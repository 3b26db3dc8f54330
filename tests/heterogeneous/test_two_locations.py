"""The two-location extension of the seed model (NOT the paper): closed forms across locations.

Derivation.  High-end producers selling x by plain production (output ``1 - F``) and buying y
from low-end parts makers in the other location (efficiency ``k = (1 - t) K``): keep half,
``u_h = k p (1 - F)**2 / 4`` with ``p = p_x / p_y``.  Low-end people selling y (output
``1 - b``) and buying x from the high-end location: ``u_l = k (1 - b)**2 / (4 p)``.  Clearing
of x, ``M_high (1 - F) / 2 = M_low (1 - b) / (2 p)``, gives ``p = M_low (1 - b) / (M_high (1 - F))``.
Both utilities fall in proportion to ``1 - t``: the distance between the locations taxes the
trade between them (cf. the seed paper's k = (1 - t) K, here only between places).
"""

from __future__ import annotations

import pytest

from inframarginal import load_model
from inframarginal.heterogeneous.corner import verify_primal

ACROSS = "high (x/y)[x=plain] | low (y/x)"


@pytest.fixture(scope="module")
def model():
    return load_model("li-ke-2020-two-locations")


def test_labelled_as_an_extension(model):
    assert model.title.startswith("EXTENSION (not the paper)")
    assert "not a model of the paper" in model.description


@pytest.mark.parametrize(("t", "m_low"), [(0.0, 1.0), (0.3, 1.5), (0.6, 0.7)])
def test_trade_across_locations(model, t, m_low):
    values = {"t": t, "M_low": m_low, "K": 0.9, "F": 0.2, "b": 0.1}
    ce = model.solve(values, structure=ACROSS).corner(ACROSS)
    k = (1 - t) * 0.9
    p = m_low * 0.9 / 0.8
    assert ce.exists
    assert ce.prices["x"] / ce.prices["y"] == pytest.approx(p, rel=1e-12)
    assert ce.utilities["high"] == pytest.approx(k * p * 0.8 ** 2 / 4, rel=1e-12)
    assert ce.utilities["low"] == pytest.approx(k * 0.9 ** 2 / (4 * p), rel=1e-12)
    assert verify_primal(model, ce, model.check_parameters(values)) < 1e-7


def test_two_types_three_goods_solves_every_structure(model):
    sol = model.solve()
    assert len(sol.corner_equilibria) > 1000
    assert sol.general_equilibria  # autarky at least
    for name in sol.general_equilibria:  # Yang's check passed, and the primal solver agrees
        assert sol.deviations[name].passed
        assert verify_primal(model, sol.corner(name), model.check_parameters({})) < 1e-6
