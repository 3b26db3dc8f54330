"""Certification at the edges: one rule (search.certify), its outputs, and "not certified" with the reason."""

import dataclasses

import numpy as np
import pytest

import inframarginal as im
from inframarginal.enumeration import StructureBudgetError
from inframarginal.search import certified_equilibrium, certify

from .models import symmetric

POINT = {"k": 0.909537, "a": 1.004338, "alpha": 0.326851}  # issue 13: the listed C is beaten


def test_certify_names_the_unlisted_structure_that_beats_the_listed_ones():
    model = im.load_model("yang-2001-roundabout")
    cert = certify(model, POINT)
    assert cert.certified and cert.how == "bound" and cert.unlisted_beats
    assert cert.general_equilibrium == "(x/yz) (y/x) (zy/x)" and cert.listed == "C"
    # Independent check: the numeric engine over every structure finds the same incomes.
    engine = model.solve(POINT, structures="all", method="numeric")
    assert cert.per_capita_real_income == pytest.approx(engine.per_capita_real_income, rel=1e-9)
    assert cert.listed_income == pytest.approx(engine.structures["C"].per_capita_real_income, rel=1e-9)
    assert "unlisted (x/yz) (y/x) (zy/x)" in cert.summary() and "above the best listed structure C" in cert.summary()
    # Where the listed GE is the GE, it is named.
    assert certify(model, {"k": 0.5, "a": 2.0, "alpha": 0.4}).general_equilibrium in {"A", "P1", "P2", "C"}


def test_a_sweep_says_where_an_unlisted_structure_beats_the_listed_ones():
    model = im.load_model("yang-2001-roundabout")
    ds = model.sweep({"k": np.linspace(0.88, 0.93, 6), "a": np.linspace(1.0, 1.01, 3)}, {"alpha": 0.326851})
    assert "an unlisted structure beats the listed ones" in ds.attrs["certification"]
    assert "(x/yz) (y/x) (zy/x)" in ds.attrs["certification"]
    assert set(np.unique(ds["general_equilibrium"].values)) <= {"A", "P1", "P2", "C"}  # the listed GE stays


def test_not_certified_says_why(monkeypatch):
    # A bound that no candidate reaches (forced here) and an orbit search over budget: "not
    # certified", with the bound's gap and the budget, never an answer passed off as the GE.
    import inframarginal.search as search

    real = search.bound_search

    def unreached(model, arrays, keep=10):
        return dataclasses.replace(real(model, arrays, keep), gap=0.05)

    monkeypatch.setattr(search, "bound_search", unreached)
    cert = certify(symmetric(6))
    assert not cert.certified and cert.general_equilibrium is None
    assert "welfare bound exceeds the best candidate by 0.05" in cert.reason
    assert "structures up to symmetry at least" in cert.summary() and cert.summary().startswith("not certified")
    with pytest.raises(StructureBudgetError, match="did not certify a structure here"):
        certified_equilibrium(symmetric(6), limit=1000)


def test_a_technology_not_of_power_form_is_not_certified_and_says_why():
    spec = dict(im.load_model("yang-2001-specialization").spec)
    spec.update(model={"name": "twin-exp"},
                technologies={"x": [{"output": "exp(a * log(l))"}], "y": [{"output": "exp(a * log(l))"}]})
    cert = certify(im.build_model(spec))
    assert not cert.certified and "power form" in cert.reason


@pytest.mark.parametrize("dtype", [np.int8, np.int16])
def test_sweep_sample_spreads_its_picks_over_each_region(dtype):
    """Up to 4 points per code, evenly spread over the code's points in C order (first and last
    included), 64 in all; checked against the definition with every position listed."""
    from inframarginal.search import sweep_sample

    rng = np.random.default_rng(3)
    codes = np.zeros((300, 401), dtype=dtype)
    codes[50:90, 100:] = 2
    codes[200:, :7] = -1
    codes[rng.integers(0, 300, 9), rng.integers(0, 401, 9)] = 5  # a region of single points
    picks = sweep_sample(codes)
    flat = codes.ravel()
    expected = []
    for v in np.unique(flat):
        where = np.flatnonzero(flat == v)
        ranks = np.linspace(0, len(where) - 1, min(4, len(where))).round().astype(int)
        expected += [tuple(int(i) for i in np.unravel_index(j, codes.shape)) for j in np.unique(where[ranks])]
    assert picks == expected
    assert {int(codes[p]) for p in picks} == {-1, 0, 2, 5}
    assert picks[0] == (200, 0) and (299, 6) in picks  # the first and the last point of region -1
    many = np.arange(70 * 3, dtype=np.int16).reshape(70, 3)  # 210 codes: 64 picks, one each
    assert sweep_sample(many) == [tuple(int(i) for i in np.unravel_index(j, many.shape)) for j in range(64)]
