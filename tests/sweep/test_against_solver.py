"""Sweeps against the per-point general-equilibrium solver (symbolic and numeric paths)."""

import numpy as np
import pytest

from inframarginal.equilibrium import solve
from inframarginal.sweep import sweep

# Parameters where several corner equilibria of the seed model exist side by side.
FIXED = {"F": 0.3, "b": 0.02, "e": 0.5, "theta": 0.1}
AXES = {"K": np.linspace(0.05, 1.0, 37), "alpha": np.linspace(0.1, 2.5, 29), "t": np.array([0.0, 0.35])}


@pytest.fixture(scope="module")
def seed_sweep(seed):
    return sweep(seed, AXES, FIXED)


def _check_point(model, ds, index, method):
    point = {name: float(ds[name].values[i]) for name, i in zip(("K", "alpha", "t"), index, strict=True)}
    sol = solve(model, {**FIXED, **point}, method=method)
    at = ds.isel(dict(zip(("K", "alpha", "t"), index, strict=True)))
    assert str(at.general_equilibrium.values) == (sol.general_equilibrium or "")
    for name, ce in sol.structures.items():
        assert bool(at.exists.sel(structure=name)) == ce.exists, (name, point)
        if ce.exists:
            assert float(at.per_capita_real_income.sel(structure=name)) == pytest.approx(
                ce.per_capita_real_income, rel=1e-9 if method == "numeric" else 1e-12)
    if sol.general_equilibrium:
        ge = sol.structures[sol.general_equilibrium]
        assert float(at.equilibrium_income) == pytest.approx(sol.per_capita_real_income, rel=1e-9)
        for good in model.good_names:
            price = float(at.price.sel(good=good))
            if good in ge.prices:
                assert price == pytest.approx(ge.prices[good], rel=1e-8)
            else:
                assert np.isnan(price)
            sellers = sum(share for label, share in ge.shares.items()
                          if next(c for c in model.configurations() if c.label == label).sells == good)
            assert float(at.specialists.sel(good=good)) == pytest.approx(sellers, rel=1e-8, abs=1e-12)


def test_sweep_agrees_with_symbolic_solver_at_sampled_points(seed, seed_sweep):
    rng = np.random.default_rng(4)
    shape = seed_sweep.general_equilibrium.shape
    for _ in range(12):
        _check_point(seed, seed_sweep, tuple(int(rng.integers(n)) for n in shape), "symbolic")


def test_sweep_agrees_with_numeric_solver_at_sampled_points(seed, seed_sweep):
    rng = np.random.default_rng(5)
    shape = seed_sweep.general_equilibrium.shape
    for _ in range(2):
        _check_point(seed, seed_sweep, tuple(int(rng.integers(n)) for n in shape), "numeric")


def test_points_outside_the_domain_are_marked_not_computed(seed):
    ds = sweep(seed, {"K": np.linspace(0.0, 1.0, 5), "t": np.array([0.0, 0.5])})
    assert not ds.admissible.values[0].any() and ds.admissible.values[1:].all()
    assert (ds.general_equilibrium.values[0] == "").all()
    assert np.isnan(ds.per_capita_real_income.values[0]).all()
    assert not ds.exists.values[0].any()
    assert (ds.general_equilibrium.values[1:] != "").all()


def test_attributes_record_model_fixed_parameters_and_version(seed, seed_sweep):
    import json

    import inframarginal

    assert seed_sweep.attrs["model"] == "li-ke-2020"
    assert json.loads(seed_sweep.attrs["fixed_parameters"]) == {**FIXED}
    assert seed_sweep.attrs["inframarginal_version"] == inframarginal.__version__
    assert list(seed_sweep.per_capita_real_income.dims) == ["K", "alpha", "t", "structure"]


def test_numeric_only_model_sweep_matches_closed_form_twin(twin_model):
    # exp(a log l) is l^a without being recognised as a power form: the batched numeric path.
    k, a = np.linspace(0.1, 1.0, 4), np.array([1.2, 1.9])
    numeric = sweep(twin_model("exp(a * log(l))"), {"k": k, "a": a})
    closed = sweep(twin_model(), {"k": k, "a": a})
    assert (numeric.general_equilibrium.values == closed.general_equilibrium.values).all()
    np.testing.assert_allclose(numeric.per_capita_real_income.values, closed.per_capita_real_income.values,
                               rtol=1e-9)
    np.testing.assert_allclose(numeric.price.values, closed.price.values, rtol=1e-8)
