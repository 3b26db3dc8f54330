"""Caches scoped to the model: a model nobody references is freed with everything derived from it."""

import gc
import tomllib
import weakref
from importlib import resources

import numpy as np

from inframarginal.configurations import configurations, studied_structures
from inframarginal.equilibrium import solve
from inframarginal.memo import model_cache
from inframarginal.model import build_model
from inframarginal.sweep import sweep


def _fresh_model():
    text = resources.files("inframarginal.models").joinpath("yang-2001-specialization.toml").read_text("utf-8")
    return build_model(tomllib.loads(text), source="<upload>")


def test_a_model_no_longer_referenced_is_freed_with_its_caches():
    model = _fresh_model()
    # Fill the caches the engine keeps per model: step 1, closed forms, compiled kernels, a sweep.
    # Lemma 1 with two goods: autarky (xy), and the specialists (x/y), (y/x) (who sells buys the other good)
    assert sorted(c.label for c in configurations(model)) == ["(x/y)", "(xy)", "(y/x)"]
    sol = solve(model, {"k": 0.9})
    assert sol.general_equilibrium == "D"  # k = 0.9 > 4**(1 - a) = 0.5 at a = 1.5: division of labour
    ds = sweep(model, {"k": np.array([0.2, 0.9])})
    assert list(ds["general_equilibrium"].values) == ["A", "D"]
    alive = weakref.ref(model)
    del model, sol, ds
    gc.collect()
    assert alive() is None


def test_equal_models_built_apart_have_their_own_caches_and_the_same_answers():
    a, b = _fresh_model(), _fresh_model()
    assert a == b and a is not b
    assert [s.name for s in studied_structures(a)] == [s.name for s in studied_structures(b)]
    assert a.__dict__["_memo"] is not b.__dict__["_memo"]


def test_cache_clear_empties_the_function_on_every_live_model():
    calls = []

    @model_cache
    def square(model, x):
        calls.append(x)
        return x * x

    a = _fresh_model()
    assert square(a, 3) == square(a, 3) == 9 and calls == [3]
    square.cache_clear()
    assert square(a, 3) == 9 and calls == [3, 3]


def test_the_old_name_of_population_shares_still_reads_with_a_warning():
    import pytest

    ce = solve(_fresh_model(), {"k": 0.9}).structures["D"]
    with pytest.warns(DeprecationWarning, match="shares"):
        assert ce.numbers == ce.shares
    assert sum(ce.shares.values()) == pytest.approx(1.0)  # (x/y) and (y/x) share the population
