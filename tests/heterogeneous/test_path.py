"""Paths of a model with types: the set of general equilibria along a parameter and its switch points.

The Ricardian model (see ``test_ricardian.py`` for the derivation) at its defaults has
complete specialization C in the general equilibrium exactly for 1.25 <= M2/M1 <= 1.6: below,
home's (x/y) earns less than autarky at C's price p = M2 a2y/(M1 a1x), so home splits (P2);
above, foreign's (y/x) earns less than autarky, so foreign splits (P1).  The switch points of
the path in M2 (M1 = 1) are therefore 1.25 and 1.6, to the tolerance of Yang's check (1e-9).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inframarginal import load_model
from inframarginal.cli import main
from inframarginal.errors import InframarginalError
from inframarginal.heterogeneous.path import typed_path

C = "home (x/y) | foreign (y/x)"
P1 = "home (x/y) | foreign (y/x) (xy)"
P2 = "home (x/y) (xy) | foreign (y/x)"


@pytest.fixture(scope="module")
def model():
    return load_model("cheng-sachs-yang-2000-ricardian")


def test_switch_points_are_the_hand_derived_band(model):
    path = typed_path(model, "M2", 0.5, 3.0, points=21)
    assert [s.value for s in path.switches] == pytest.approx([1.25, 1.6], abs=1e-8)
    firsts = [ge[0] for _, _, ge in path.segments]
    assert firsts == [P2, C, P1]
    # every segment's set is what a solve in its middle gives
    for a, b, ge in path.segments:
        assert tuple(model.solve(M2=(a + b) / 2).general_equilibria) == ge


def test_cli_path_of_a_model_with_types_as_json():
    out = CliRunner().invoke(main, ["path", "cheng-sachs-yang-2000-ricardian", "--vary", "M2=1:2",
                                    "--points", "11", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [round(s["value"], 7) for s in data["switches"]] == [1.25, 1.6]
    assert data["segments"][1]["general_equilibria"][0] == C


@pytest.mark.parametrize("kwargs, text", [
    ({"points": 2}, "between 3 and 2,001 points"),
    ({"points": 10**6}, "between 3 and 2,001 points"),
])
def test_bad_paths_are_one_line_errors(model, kwargs, text):
    with pytest.raises(InframarginalError, match=text):
        typed_path(model, "M2", 0.5, 3.0, **kwargs)


def test_a_path_outside_the_domain_names_the_parameter(model):
    with pytest.raises(InframarginalError, match="M2"):
        typed_path(model, "M2", -1.0, 3.0)


def test_show_a_model_with_types():
    # the dual model: each country trades at home with its own k, across the border with k0;
    # two goods give 3 configurations per type (Lemma 1: (x/y), (y/x), (xy)).
    out = CliRunner().invoke(main, ["show", "yang-two-country-dual", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    home, foreign = data["types"]
    assert home["name"] == "home" and home["trading_efficiency"] == {"x": "k1", "y": "k1"}
    assert foreign["trading_efficiency"] == {"x": "k2", "y": "k2"}
    assert sorted(home["configurations"]) == ["(x/y)", "(xy)", "(y/x)"]
    assert {(e["seller"], e["good"], e["formula"]) for e in home["trading_efficiency_from"]} == {
        ("foreign", "x", "k0"), ("foreign", "y", "k0")}
    assert foreign["mass_at_defaults"] == 2.0
    table = CliRunner().invoke(main, ["show", "yang-two-country-dual"])
    assert table.exit_code == 0 and "buying x from home: trading efficiency k0" in table.output
