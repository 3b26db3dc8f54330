"""Model files with types: parsing, one-line errors, and one type = the engine's own model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inframarginal import load_model
from inframarginal.api import read_model_text
from inframarginal.cli import main
from inframarginal.errors import ModelFileError, ParameterError
from inframarginal.heterogeneous.spec import TypedModel

COMMON = """
[model]
name = "two-types"
[parameters.k]
default = 0.6
domain = "(0, 1]"
[parameters.a]
default = 1.5
domain = "(1, inf)"
[parameters.M1]
default = 1
domain = "(0, inf)"
[parameters.M2]
default = 2
domain = "(0, inf)"
[goods.x]
trading_efficiency = "k"
[goods.y]
trading_efficiency = "k"
[utility]
weights = { x = 1, y = 1 }
[[technologies.x]]
output = "l**a"
[[technologies.y]]
output = "l**a"
[labour]
endowment = 1
"""


def _read(types: str):
    return read_model_text(COMMON + types, source="t.toml")


@pytest.mark.parametrize(("types", "words"), [
    ("[types.home]\ndescription = 'no mass'\n", ["type home has no mass", "types.home.mass"]),
    ("[types.home]\nmass = 'M1'\nweights = { z = 1 }\n", ["type home", "unknown good 'z'", "goods: x, y"]),
    ("[types.home]\nmass = 'M1'\ntrading_efficiency = { w = 'k' }\n", ["type home", "trading_efficiency",
                                                                       "unknown good 'w'"]),
    ("[types.home]\nmass = 'M1'\n[[types.home.technologies.q]]\noutput = 'l'\n", ["technologies", "'q'"]),
    ("[types.home]\nmass = 'M1'\ntrading_efficiency_from = { abroad = { x = 'k' } }\n",
     ["type home", "unknown type 'abroad'"]),
    ("[types.home]\nmass = 'M1'\ncolour = 'red'\n", ["type home", "unknown field 'colour'", "allowed: mass"]),
    ("[types.home]\nmass = 'a - 2'\n", ["type home", "mass", "at the defaults", "positive"]),
    ("[types.home]\nmass = 'M3'\n", ["types.home.mass", "M3"]),
])
def test_bad_types_are_one_line_errors(types, words):
    with pytest.raises(ModelFileError) as info:
        _read(types)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_mass_domain_that_allows_zero():
    text = (COMMON.replace('[parameters.M2]\ndefault = 2\ndomain = "(0, inf)"', '[parameters.M2]\ndefault = 2\n'
                           'domain = "[0, inf)"') + "[types.home]\nmass = 'M2'\n")
    with pytest.raises(ModelFileError, match=r"type home: mass 'M2' has domain \[0, inf\).*positive"):
        read_model_text(text)


def test_a_mass_outside_its_domain_at_a_point():
    model = _read("[types.home]\nmass = 'M1'\n[types.foreign]\nmass = 'M2 - 1'\n")
    with pytest.raises(ParameterError, match="type foreign: mass = 'M2 - 1' is -0.5 here"):
        model.solve(M2=0.5)


def test_cli_exit_2_on_a_bad_type(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(COMMON + "[types.home]\nweights = { x = 2 }\n")
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "type home has no mass" in result.output
    assert result.output.count("\n") == 1


def test_one_type_is_the_engine_model():
    """A model with one type gives the engine's own corner equilibria: D has u = k/4, A 4**(-a)."""
    typed = _read("[types.all]\nmass = 'M1'\n")
    plain = load_model("yang-2001-specialization")
    for k in (0.3, 0.6, 0.95):
        sol = typed.solve(k=k)
        expected = plain.solve(k=k, a=1.5)
        ge = expected.general_equilibrium
        assert sol.general_equilibrium.split(" ", 1)[1] == {"A": "(xy)", "D": "(x/y) (y/x)"}[ge]
        d = sol.corner("all (x/y) (y/x)")
        assert d.utilities["all"] == pytest.approx(k / 4, rel=1e-12)
        assert d.utilities["all"] == pytest.approx(expected.structures["D"].per_capita_real_income, rel=1e-12)
        assert d.shares["all"]["(x/y)"] == pytest.approx(0.5, rel=1e-12)


def test_type_overrides_apply_per_type():
    model = _read("[types.home]\nmass = 'M1'\ntrading_efficiency = { x = 'k**2' }\nweights = { y = 2 }\n"
                  "[types.foreign]\nmass = 'M2'\n[[types.foreign.technologies.x]]\noutput = '3 * l**a'\n")
    assert isinstance(model, TypedModel)
    home, foreign = model.types
    assert str(home.model.good("x").trading_efficiency) == "k**2"
    assert str(home.model.good("y").weight) == "2" and str(foreign.model.good("y").weight) == "1"
    assert str(foreign.model.technologies_of("x")[0].output).startswith("3")
    assert model.masses(model.check_parameters({})) == {"home": 1.0, "foreign": 2.0}


def test_solve_json_per_type_fields():
    result = CliRunner().invoke(main, ["solve", "cheng-sachs-yang-2000-ricardian", "--set", "M2=1.4",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ge = data["general_equilibria"][0]
    assert ge["structure"] == "home (x/y) | foreign (y/x)" and ge["pareto_rank"] == 0
    assert set(ge["utilities"]) == {"home", "foreign"} and set(ge["gain_over_autarky"]) == {"home", "foreign"}
    assert ge["deviation"]["passed"] is True
    assert data["masses"] == {"home": 1.0, "foreign": 1.4}


@pytest.mark.parametrize("args", [["claims"]])
def test_commands_without_types_say_so(args):
    command, *rest = args
    result = CliRunner().invoke(main, [command, "yang-two-country-dual", *rest])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: model yang-two-country-dual has types (home, foreign)")


def test_one_type_seed_model_matches_the_engine():
    """li-ke-2020 with one type: every named structure's corner equilibrium equals the engine's."""
    import tomllib
    from importlib import resources

    from inframarginal.api import analysed
    from inframarginal.heterogeneous.spec import build_typed_model

    spec = tomllib.loads(resources.files("inframarginal.models").joinpath("li-ke-2020.toml").read_text("utf-8"))
    spec["types"] = {"all": {"mass": "1"}}
    typed = analysed(build_typed_model(spec))
    point = {"K": 0.9, "t": 0.1, "F": 0.05, "b": 0.05, "alpha": 0.6}
    engine = load_model("li-ke-2020").solve(point, method="symbolic")
    corners = {frozenset(ce.structure.labels[0]): ce for ce in typed.solve(point).corner_equilibria}
    compared = 0
    for name, ce in engine.structures.items():
        mine = corners.get(frozenset(ce.configurations))
        if mine is None or not ce.exists:
            continue
        assert mine.exists, (name, mine.reason)
        assert mine.utilities["all"] == pytest.approx(ce.per_capita_real_income, rel=1e-9), name
        compared += 1
    assert compared >= 3


def test_too_many_structures_is_a_one_line_error(tmp_path):
    text = COMMON.replace("[goods.y]", "[goods.z]\ntrading_efficiency = \"k\"\n[goods.y]").replace(
        "weights = { x = 1, y = 1 }", "weights = { x = 1, y = 1, z = 1 }") + "[[technologies.z]]\noutput = \"l**a\"\n"
    text += "".join(f"[types.t{i}]\nmass = 'M1'\n" for i in range(4))
    path = tmp_path / "big.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["solve", str(path), "--max-structures", "1000"])
    assert result.exit_code == 2
    assert "structures with types" in result.output and "1,000" in result.output
    assert result.output.count("\n") == 1
