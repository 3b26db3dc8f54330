"""The certified path over all structures: exact switch points against hand derivations and the listed path."""

import json
import math

import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.certified_path import certified_path
from inframarginal.cli import main
from inframarginal.path import structure_path

from .models import symmetric
from .test_cli_large import FILE


def test_the_symmetric_model_jumps_from_autarky_to_complete_division_at_the_hand_derived_k():
    # n goods, output (l - b)**a, utility the product, efficiency k.  Autarky: l = 1/n per good,
    # u_A = (1/n - b)**(a n).  Complete division: a seller makes Y = (1 - b)**a, all prices are 1,
    # she keeps Y/n and buys n - 1 goods worth Y/n each, of which k arrives: u_C = k**(n-1) (Y/n)**n.
    # u_A = u_C at k* = (n (1/n - b)**a / (1 - b)**a)**(n / (n - 1)).
    n, a, b = 5, 1.1, 0.02
    k_star = (n * (1 / n - b) ** a / (1 - b) ** a) ** (n / (n - 1))
    path = certified_path(symmetric(n), "k", 0.01, 1.0, {"a": a, "b": b}, points=21)
    assert len(path.switches) == 1
    sw = path.switches[0]
    assert sw.value == pytest.approx(k_star, rel=1e-12)
    assert sw.before == "(xyzwv)" and sw.after == "(x/yzwv) (y/xzwv) (z/xywv) (w/xyzv) (v/xyzw)"
    assert "certified at each" in path.certification


def test_the_certified_path_equals_the_listed_path_where_the_listed_structures_are_the_ge():
    # Fixed learning costs, 5 goods: D1 -> D2 -> ... -> D5 as k rises (Yang and Ng 1993); the
    # certified path over all 600,946 structures names the same listed structures (ties).
    model = im.load_model("yang-ng-1993-fixed-learning-5")
    listed = structure_path(model, "k", 0.05, 1.0, {"b": 0.1}, closed_forms=False, points=401)
    certified = certified_path(model, "k", 0.05, 1.0, {"b": 0.1})
    assert [s for _, _, s in certified.segments] == [s for _, _, s in listed.segments] == [f"D{n}" for n in range(1, 6)]
    for a, b in zip(certified.switches, listed.switches, strict=True):
        assert a.value == pytest.approx(b.value, rel=1e-12) and a.kind == b.kind == "income"
    # Hand derivation: u(n) = k**(n-1) ((1 - (6 - n) b) / 5)**5, so D_n -> D_(n+1) at
    # k = ((1 - (6 - n) b) / (1 - (5 - n) b))**5.
    for n, sw in enumerate(certified.switches, start=1):
        assert sw.value == pytest.approx(((1 - (6 - n) * 0.1) / (1 - (5 - n) * 0.1)) ** 5, rel=1e-12)


def test_cli_path_of_a_model_that_lists_no_structures_is_certified(tmp_path):
    path = tmp_path / "five.toml"
    path.write_text(FILE)
    out = CliRunner().invoke(main, ["path", str(path), "--vary", "k=0.05:1", "--set", "a=1.2", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert "certified at each" in data["certification"]
    # No fixed cost (l**a): autarky u = (1/5)**(5a), complete division k**4 (1/5)**5.
    k_star = (5 ** (5 - 5 * 1.2)) ** (1 / 4)
    assert [s["value"] for s in data["switches"]] == [pytest.approx(k_star, rel=1e-12)]
    assert math.isfinite(data["switches"][0]["value"])
