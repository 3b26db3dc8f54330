"""The batched numeric solver against the closed forms and against the per-point solver."""

import numpy as np
import pytest

from inframarginal.batched import numeric_structure_grid
from inframarginal.equilibrium import corner_equilibrium


def random_points(model, n, rng, **ranges):
    """n points: the defaults, with the named parameters uniform over the given ranges."""
    values = model.check_parameters()
    points = {p.name: np.full(n, values[p.name]) for p in model.parameters}
    for name, (lo, hi) in ranges.items():
        points[name] = rng.uniform(lo, hi, n)
    return points


@pytest.mark.parametrize("structure", ["B", "PA", "PB", "CCA", "CCB"])
def test_batched_numeric_agrees_with_closed_forms(seed, structure):
    # alpha crosses 1: structures whose x-maker buys z have no corner equilibrium above it
    rng = np.random.default_rng(7)
    s = next(x for x in seed.structures() if x.name == structure)
    points = random_points(seed, 40, rng, K=(0.1, 1.0), t=(0.0, 0.9), alpha=(0.2, 1.4),
                           F=(0.01, 0.4), b=(0.01, 0.3), e=(0.1, 0.5), theta=(0.0, 0.3))
    # Within about 0.03 of alpha = 1 or beta = 1 the optimal quantities scale like a power
    # 1/(1 - beta) of the prices, beyond what any start of the numeric path reaches: left out.
    beta = points["alpha"] + points["e"] - points["theta"]
    keep = (np.abs(points["alpha"] - 1) > 0.03) & (np.abs(beta - 1) > 0.03)
    points = {name: v[keep] for name, v in points.items()}
    batched = numeric_structure_grid(seed, s, points)
    compared = 0
    for i in range(int(keep.sum())):
        values = seed.check_parameters({k: float(v[i]) for k, v in points.items()})
        sym = corner_equilibrium(seed, s, values, "symbolic")
        assert bool(batched["exists"][i]) == sym.exists, (structure, values, sym.reason)
        if not sym.exists:
            assert np.isnan(batched["log_income"][i])
            continue
        compared += 1
        assert np.exp(batched["log_income"][i]) == pytest.approx(sym.per_capita_real_income, rel=1e-9)
        for g, p in sym.prices.items():
            assert batched[f"price_{g}"][i] == pytest.approx(p, rel=1e-9)
        for j, share in enumerate(sym.shares.values()):
            assert batched[f"share_{j}"][i] == pytest.approx(share, rel=1e-9)
    assert compared >= 10


def test_batched_numeric_equals_the_per_point_loop_on_a_model_without_closed_forms(twin_model):
    model = twin_model("exp(a * log(l))")
    k, a = np.meshgrid(np.linspace(0.1, 1.0, 12), np.linspace(1.05, 2.9, 12), indexing="ij")
    points = {"k": k.ravel(), "a": a.ravel()}
    for s in model.structures():
        batched = numeric_structure_grid(model, s, points)
        loop = numeric_structure_grid(model, s, points, anchor_rounds=0)
        assert (batched["exists"] == loop["exists"]).all()
        for key in batched:
            np.testing.assert_allclose(batched[key], loop[key], rtol=1e-10, equal_nan=True)


def test_batched_numeric_in_blocks_matches_the_textbook_closed_forms(twin_model):
    # more points than one block of the batched solver; Yang (2001, ch. 4): u_A = 2^(-2a)
    # (autarky) and u_D = k/4 (division of labour), prices 1, half the people in each
    from inframarginal.batched import BLOCK_POINTS

    model = twin_model("exp(a * log(l))")
    k, a = np.meshgrid(np.linspace(0.1, 1.0, 60), np.linspace(1.05, 2.9, 60), indexing="ij")
    points = {"k": k.ravel(), "a": a.ravel()}
    assert len(points["k"]) > BLOCK_POINTS
    autarky, division = model.structures()
    result = numeric_structure_grid(model, autarky, points)
    np.testing.assert_allclose(result["log_income"], -2 * points["a"] * np.log(2), rtol=1e-10)
    result = numeric_structure_grid(model, division, points)
    np.testing.assert_allclose(result["log_income"], np.log(points["k"] / 4), rtol=1e-10)
    np.testing.assert_allclose(result["price_x"], 1.0, rtol=1e-10)
    np.testing.assert_allclose(result["share_0"], 0.5, rtol=1e-10)
