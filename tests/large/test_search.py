"""The certified general equilibrium over all structures, against the engine and between its methods."""

import math

import numpy as np
import pytest

import inframarginal as im
from inframarginal.enumeration import EnumerationInterrupted, StructureBudgetError
from inframarginal.search import certified_equilibrium

from .models import symmetric
from .test_loglinear import sample


def test_an_unlisted_structure_that_beats_the_listed_ones_is_named():
    # Issue 13, measured on yang-2001-roundabout: the listed C loses to the unlisted (x/yz) (y/x) (zy/x).
    model = im.load_model("yang-2001-roundabout")
    point = {"k": 0.909537, "a": 1.004338, "alpha": 0.326851}
    result = certified_equilibrium(model, point, method="exhaustive")
    assert result.general_equilibrium == "(x/yz) (y/x) (zy/x)"
    assert "unlisted" in result.listed and "(x/yz) (y/x) (zy/x)" in result.listed and "C " in result.listed
    assert result.deviation.passed
    # The engine over all structures agrees, and its own deviation check passes on the result.
    engine = model.solve(point, structures="all", method="numeric")
    assert engine.per_capita_real_income == pytest.approx(result.per_capita_real_income, rel=1e-9)
    assert certified_equilibrium(model, point, verify=True).engine_deviation.passed


@pytest.mark.parametrize("name", ["yang-2001-roundabout", "yang-ng-1993-three-goods", "li-ke-2020"])
def test_the_general_equilibrium_is_the_engines_over_all_structures_at_random_points(name):
    model = im.load_model(name)
    rng = np.random.default_rng(7)
    for _ in range(4):
        values = sample(model, rng)
        result = certified_equilibrium(model, values)
        engine = model.solve(values, structures="all", method="numeric")
        assert result.per_capita_real_income == pytest.approx(engine.per_capita_real_income, rel=1e-9)
        assert engine.general_equilibrium in result.ties or math.isclose(
            engine.structures[result.general_equilibrium].per_capita_real_income,
            engine.per_capita_real_income, rel_tol=1e-9)


def test_search_over_orbits_equals_exhaustive_at_random_points():
    rng = np.random.default_rng(11)
    for model in (symmetric(4), symmetric(4, efficiency={"x": "kk"}), im.load_model("yang-ng-1993-fixed-learning-5")):
        for _ in range(3):
            values = sample(model, rng)
            a = certified_equilibrium(model, values, method="orbits")
            b = certified_equilibrium(model, values, method="exhaustive")
            assert a.per_capita_real_income == pytest.approx(b.per_capita_real_income, rel=1e-12)
            assert b.general_equilibrium in a.ties
            assert a.solved < b.solved == b.structures


def test_symmetric_images_of_the_equilibrium_are_reported_as_ties():
    # With x's trading efficiency far below the others' and no economies of specialization
    # (a = 1), x is never traded and the best structure trades two of y, z, w: the three
    # choices of the pair are symmetric images of each other, a tie (rings trading all
    # three goods, each seller buying one, give the same income and are ties too).
    model = symmetric(4, efficiency={"x": "kk"})
    point = {"kk": 0.01, "k": 0.3, "a": 1.0, "b": 0.15}
    result = certified_equilibrium(model, point, method="orbits")
    assert result.ranking[0].orbit_size == 3
    pairs = {"(yxw/z) (zxw/y)", "(yxz/w) (wxz/y)", "(zxy/w) (wxy/z)"}
    assert pairs <= set(result.ties)
    assert f"tie among {len(result.ties)} structures" in repr(result)


def test_certificate_names_what_the_maximum_was_taken_over():
    result = certified_equilibrium(symmetric(5), method="orbits")
    assert result.certificate.startswith("exhaustive over 5,429 orbit representatives of 600,946 structures")
    assert result.general_equilibrium == "(x/yzwv) (y/xzwv) (z/xywv) (w/xyzv) (v/xyzw)"
    assert result.deviation.passed and result.deviation.checked == 76


def test_over_budget_and_interrupted_searches_say_so(monkeypatch):
    with pytest.raises(StructureBudgetError, match="600,946 structures, more than the limit of 1,000") as err:
        certified_equilibrium(symmetric(5), method="exhaustive", limit=1000)
    # Python words: this function's arguments (the command line prints flags, tests/large/test_cli_large.py)
    assert str(err.value).endswith("; use a larger limit or method='search'")
    # 600,946 / 120 = 5,008 orbits at least: refused before any work.
    with pytest.raises(StructureBudgetError, match="5,008 structures up to symmetry at least"):
        certified_equilibrium(symmetric(5), method="orbits", limit=1000)
    # Over budget only once solving: refused with no result.
    with pytest.raises(StructureBudgetError, match="more than the limit of 5,100"):
        certified_equilibrium(symmetric(5), method="orbits", limit=5100)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("inframarginal.search.solve_block", interrupt)
    with pytest.raises(EnumerationInterrupted, match="no general equilibrium is certified"):
        certified_equilibrium(symmetric(3), method="orbits")
