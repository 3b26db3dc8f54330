"""The stacked exact solver against the engine's own corner equilibria, structure by structure."""

import math

import numpy as np
import pytest

import inframarginal as im
from inframarginal.configurations import enumerate_structures, resolve_structure, structure_defect
from inframarginal.enumeration import configuration_table
from inframarginal.equilibrium import corner_equilibrium
from inframarginal.loglinear import (
    NotPowerFormError,
    configuration_arrays,
    reason,
    solve_block,
    solve_structure,
)
from inframarginal.model import build_model
from inframarginal.symmetry import orbit_blocks

from .models import symmetric, symmetric_spec

POWER_FORM_MODELS = ["yang-2001-roundabout", "yang-ng-1993-three-goods", "yang-2001-fixed-learning",
                     "yang-2001-specialization", "li-ke-2020", "li-ke-2020-roundabout-productivity"]


def compare(model, structure, values, arrays, method):
    """Income, prices and shares of the fast solver against corner_equilibrium; returns 1 if compared."""
    fast = solve_structure(arrays, model, structure)
    ce = corner_equilibrium(model, structure, values, method)
    assert (fast.status[0] == 0) == ce.exists, (structure.name, reason(arrays, model, fast, 0), ce.reason)
    if not ce.exists:
        return 0
    assert fast.income[0] == pytest.approx(ce.per_capita_real_income, rel=1e-9)
    goods = model.good_names
    for j, g in enumerate(fast.traded):
        assert math.exp(fast.log_prices[0, j]) == pytest.approx(ce.prices[goods[g]], rel=1e-9)
    if fast.traded:
        sellers = {c.sells: c.label for c in structure.configurations}
        for j, g in enumerate(fast.traded):
            assert fast.shares[0, j] == pytest.approx(ce.shares[sellers[goods[g]]], rel=1e-9)
    return 1


def sample(model, rng):
    values = {}
    for p in model.parameters:
        lo, hi = p.domain.lower, p.domain.upper
        hi = hi if math.isfinite(hi) else lo + 2.0
        values[p.name] = float(rng.uniform(lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo)))
    return model.check_parameters(values)


@pytest.mark.parametrize("name", POWER_FORM_MODELS)
def test_every_structure_of_the_built_in_models_agrees_with_the_numeric_engine(name):
    model = im.load_model(name)
    rng = np.random.default_rng(13)
    compared = 0
    for values in (model.check_parameters(), sample(model, rng)):
        arrays = configuration_arrays(model, values)
        for structure in enumerate_structures(model):
            compared += compare(model, structure, values, arrays, "numeric")
    assert compared >= len(enumerate_structures(model)) // 2


@pytest.mark.parametrize("name", ["yang-2001-roundabout", "yang-ng-1993-three-goods", "yang-2001-specialization"])
def test_every_structure_agrees_with_the_closed_forms(name, monkeypatch):
    # a cold derivation of every structure: the default 30 s per structure is a user's budget,
    # not this comparison's (on a loaded machine one structure took longer)
    monkeypatch.setenv("INFRAMARGINAL_SYMBOLIC_SECONDS", "600")
    model = im.load_model(name)
    values = model.check_parameters()
    arrays = configuration_arrays(model, values)
    assert sum(compare(model, s, values, arrays, "symbolic") for s in enumerate_structures(model)) > 0


def test_every_orbit_of_the_symmetric_four_good_model_agrees_with_the_numeric_engine():
    model = symmetric(4)
    values = model.check_parameters(k=0.8, a=1.3, b=0.03)
    arrays = configuration_arrays(model, values)
    configs = configuration_table(model).configurations
    compared = 0
    for _, block, _ in orbit_blocks(model):
        for row in block.tolist():
            structure = im.Structure("s", tuple(configs[c] for c in row))
            compared += compare(model, structure, values, arrays, "numeric")
    assert compared >= 80  # of 96 trading orbits; the rest split or leak (decided from the buy graph)


def test_split_structures_are_a_union_of_sub_economies_not_a_traceback():
    model = symmetric(4)
    structure = resolve_structure(model, ["(xyz/w)", "(yxw/z)", "(zxw/y)", "(wyz/x)"])
    assert "independent trading groups {x w}, {y z}" in structure_defect(structure)
    for method in ("symbolic", "numeric"):
        ce = corner_equilibrium(model, structure, model.check_parameters(), method)
        assert not ce.exists and "independent trading groups" in ce.reason
    arrays = configuration_arrays(model, model.check_parameters())
    fast = solve_structure(arrays, model, structure)
    assert fast.status[0] == 3 and "independent trading groups" in reason(arrays, model, fast, 0)
    # Each group alone is a structure whose income is the union's at best.
    group = resolve_structure(model, ["(xyz/w)", "(wyz/x)"])
    assert solve_structure(arrays, model, group).status[0] == 0


def test_sellers_who_get_no_income_back_have_no_share_and_a_reason():
    model = symmetric(4)
    # x and y sell to each other only through z and w's sellers, who buy only x and y ... and each other:
    # money leaving {x, y} to z and w never returns, so x and y's sellers have share 0.
    structure = resolve_structure(model, ["(x/yzw)", "(y/xzw)", "(zxy/w)", "(wxy/z)"])
    assert "sellers of x, y get no income back" in structure_defect(structure)
    ce = corner_equilibrium(model, structure, model.check_parameters(), "numeric")
    assert not ce.exists and "share of the population is 0" in ce.reason


def test_stacked_blocks_equal_one_by_one_solves():
    model = symmetric(4)
    arrays = configuration_arrays(model, model.check_parameters())
    configs = configuration_table(model).configurations
    for traded, block, _ in orbit_blocks(model):
        together = solve_block(arrays, traded, block)
        for i, row in enumerate(block.tolist()):
            alone = solve_structure(arrays, model, im.Structure("s", tuple(configs[c] for c in row)))
            assert alone.status[0] == together.status[i]
            if alone.status[0] == 0:
                assert alone.income[0] == pytest.approx(together.income[i], rel=1e-12)


def test_an_unbounded_configuration_has_no_optimum_and_says_why():
    # A bought input under increasing returns: x = z**1.2 * l**1.5 makes buying z unbounded.
    spec = symmetric_spec(3)
    spec["technologies"]["x"] = {"output": "z**1.2 * l**1.5"}
    model = build_model(spec)
    arrays = configuration_arrays(model, model.check_parameters())
    labels = [c.label for c in configuration_table(model).configurations]
    assert not arrays.exists[labels.index("(x/yz)")]
    assert "without bound" in arrays.reasons[labels.index("(x/yz)")]


def test_technologies_not_of_power_form_are_refused_with_a_message():
    spec = symmetric_spec(2)
    spec["technologies"]["x"] = {"output": "exp(a * log(l))"}
    model = build_model(spec)
    with pytest.raises(NotPowerFormError, match="not of power form"):
        configuration_arrays(model, model.check_parameters())
