"""The welfare bound: a valid upper bound at any prices, and the GE it certifies equals exhaustive enumeration."""

import math

import numpy as np
import pytest

import inframarginal as im
from inframarginal.enumeration import autarky_indices, structure_blocks
from inframarginal.loglinear import configuration_arrays, solve_block
from inframarginal.search import certified_equilibrium
from inframarginal.welfare import bound_at, welfare_bound

from .models import asymmetric5, fixed_learning, symmetric

MODELS = ["yang-2001-roundabout", "yang-ng-1993-three-goods", "li-ke-2020", "li-ke-2020-roundabout-productivity",
          "yang-2001-fixed-learning", "yang-2001-specialization"]


def spread_sample(model, rng, i):
    """Random admissible points, every third one crowded towards the lower ends (autarky, partial division)."""
    values = {}
    for p in model.parameters:
        lo, hi = p.domain.lower, p.domain.upper
        hi = hi if math.isfinite(hi) else lo + (0.5 if i % 2 else 3.0)
        values[p.name] = float(lo + (hi - lo) * rng.uniform(0.02, 0.98) ** (3 if i % 3 == 0 else 1))
    return model.check_parameters(values)


def test_the_bound_at_any_prices_is_above_every_corner_equilibrium():
    # The first welfare theorem: at ANY price vector, no structure's corner equilibrium beats
    # the best configuration.  Checked against every structure of the symmetric 4-good model
    # at random prices, not only at the optimal ones.
    model = symmetric(4, efficiency={"x": "kk"})
    rng = np.random.default_rng(1)
    arrays = configuration_arrays(model, model.check_parameters({"k": 0.4, "a": 1.6, "kk": 0.8}))
    best = max(float(np.nanmax(solve_block(arrays, t, b).income)) for t, b in structure_blocks(model))
    best = max(best, *np.exp(arrays.log_utility[autarky_indices(model)]))
    for _ in range(20):
        assert math.exp(bound_at(arrays, rng.normal(0, 1, 4))) >= best * (1 - 1e-12)
    tight = welfare_bound(arrays)
    assert tight.bound == pytest.approx(best, rel=1e-9)  # reached by the equilibrium


@pytest.mark.parametrize("name", MODELS)
def test_search_by_the_bound_equals_exhaustive_enumeration_at_random_points(name):
    model = im.load_model(name)
    rng = np.random.default_rng(17)
    for i in range(12):
        values = spread_sample(model, rng, i)
        a = certified_equilibrium(model, values, method="search")
        b = certified_equilibrium(model, values, method="exhaustive")
        assert a.how == "bound", a.certificate
        assert a.per_capita_real_income == pytest.approx(b.per_capita_real_income, rel=1e-9)
        assert a.bound >= b.per_capita_real_income * (1 - 1e-12)
        assert a.deviation.passed == b.deviation.passed  # the same check on the same equilibrium


@pytest.mark.parametrize("model", [symmetric(3), symmetric(4), symmetric(4, efficiency={"x": "kk", "y": "kk"})],
                         ids=["sym3", "sym4", "sym4-two-efficiencies"])
def test_search_by_the_bound_equals_exhaustive_on_test_models(model):
    rng = np.random.default_rng(23)
    for i in range(12):
        values = spread_sample(model, rng, i)
        a = certified_equilibrium(model, values, method="search")
        b = certified_equilibrium(model, values, method="exhaustive")
        assert a.how == "bound"
        assert a.per_capita_real_income == pytest.approx(b.per_capita_real_income, rel=1e-9)


def test_the_output_says_how_it_knows():
    result = certified_equilibrium(im.load_model("yang-2001-roundabout"),
                                   {"k": 0.909537, "a": 1.004338, "alpha": 0.326851})
    assert result.general_equilibrium == "(x/yz) (y/x) (zy/x)"  # the unlisted structure of issue 13
    assert result.certificate.startswith("welfare bound") and "relative gap" in result.certificate
    assert result.to_dict()["certified_by"] == "bound" and result.gap <= 1e-9
    assert "unlisted" in result.listed


def test_asymmetric_five_goods_with_an_intermediate_good_equals_exhaustive():
    # No symmetry to exploit: good-specific efficiencies, fixed costs and weights, and v an
    # intermediate good used by x and w.  429,485 structures, solved exhaustively here.
    model = asymmetric5()
    rng = np.random.default_rng(29)
    for i in range(3):
        values = spread_sample(model, rng, i)
        a = certified_equilibrium(model, values)
        b = certified_equilibrium(model, values, method="exhaustive", limit=10**6)
        assert a.how == "bound" and a.symmetry.startswith("trivial")
        assert a.per_capita_real_income == pytest.approx(b.per_capita_real_income, rel=1e-9)
        assert a.general_equilibrium in b.ties or b.general_equilibrium in a.ties or math.isclose(
            a.per_capita_real_income, b.per_capita_real_income, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["yang-ng-1993-fixed-learning-5", "yang-ng-1993-specialization-5"])
def test_search_by_the_bound_equals_the_orbit_search_on_the_five_good_models(name):
    model = im.load_model(name)
    rng = np.random.default_rng(31)
    for i in range(6):
        values = spread_sample(model, rng, i)
        a = certified_equilibrium(model, values)
        b = certified_equilibrium(model, values, method="orbits")
        assert a.how == "bound"
        assert a.per_capita_real_income == pytest.approx(b.per_capita_real_income, rel=1e-9)
        assert a.general_equilibrium == b.general_equilibrium  # both name the listed D<n> when tied


@pytest.mark.parametrize("m", [6, 8])
def test_six_and_eight_goods_reach_the_hand_derived_closed_form(m):
    # Yang and Ng (1993), fixed learning costs, re-derived by hand: a person trading n goods
    # (selling one, buying n - 1) produces m - n + 1 goods, has L = 1 - (m - n + 1) b of labour
    # left, spends it n/m on the good sold and 1/m on each good kept; all prices are 1, so
    #     u(n) = k**(n - 1) (L / m)**m,
    # and the GE (over 7.6e8 structures at m = 6, ~10^19 at 8) is the best n.  Exhaustive
    # enumeration cannot finish here: the closed form is the independent check.
    model = fixed_learning(m)
    for k, b in ((0.3, 0.08), (0.45, 0.08), (0.5, 0.08), (0.55, 0.05), (0.9, 0.02)):
        result = certified_equilibrium(model, {"k": k, "b": b})
        best = max(k ** (n - 1) * ((1 - (m - n + 1) * b) / m) ** m for n in range(1, m + 1))
        assert result.how == "bound" and result.gap <= 1e-9
        assert result.per_capita_real_income == pytest.approx(best, rel=1e-10)
        assert result.deviation.passed
