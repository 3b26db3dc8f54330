import copy
import tomllib
from importlib import resources

import pytest

import inframarginal as im
from inframarginal.errors import ModelFileError, ParameterError, UnknownModelError
from inframarginal.modelfile import read_model_text

SEED = resources.files("inframarginal.models").joinpath("li-ke-2020.toml").read_text("utf-8")


def spec():
    return tomllib.loads(SEED)


def test_python_api_and_model_file_build_the_same_model():
    from_file = im.load_model("li-ke-2020")
    from_python = im.build_model(spec(), source="<built-in li-ke-2020>")
    assert from_python == from_file


def test_parameters_have_names_defaults_domains_and_descriptions():
    model = im.load_model("li-ke-2020")
    assert [p.name for p in model.parameters] == ["K", "t", "alpha", "b", "F", "e", "theta"]
    assert all(p.description for p in model.parameters)
    values = model.check_parameters(K=0.5, t=0.5, alpha=0.4, e=0.2, theta=0.1)
    assert values["k"] == pytest.approx(0.25)
    assert values["beta"] == pytest.approx(0.5)


@pytest.mark.parametrize("change, key, fragment", [
    (lambda s: s["technologies"]["x"][1].update(output="z**alpha * (l - G)"), "technologies.x[1].output", "unknown name 'G'"),
    (lambda s: s["technologies"].pop("y"), "technologies.y", "has no technology"),
    (lambda s: s["parameters"]["K"].update(domain="(1, 0)"), "parameters.K.domain", "empty"),
    (lambda s: s["parameters"]["K"].update(default=3), "parameters.K.default", "outside the domain"),
    (lambda s: s["derived"].update(k="(1 - t) * * K"), "derived.k", "not a valid formula"),
    (lambda s: s["structures"].update(PC=["(x/q)"]), "structures.PC", "not a configuration"),
    (lambda s: s["structures"].update(PC=["(x/y)", "(x/yz)[x=cluster]"]), "structures.PC", "one kind of seller"),
    (lambda s: s["technologies"]["x"][0].update(output="F"), "technologies.x[0].output", "own labour"),
    (lambda s: s.update(extra={}), "extra", "unknown section"),
])
def test_mistakes_name_file_key_text_and_expectation(change, key, fragment):
    bad = copy.deepcopy(spec())
    change(bad)
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    message = str(err.value)
    assert message.startswith(f"my.toml: {key}")
    assert fragment in message


def test_broken_toml_is_reported_with_its_source():
    with pytest.raises(ModelFileError, match="bad.toml: not valid TOML"):
        read_model_text("[model\nname=", source="bad.toml")


def test_unknown_model_and_bad_values():
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        im.load_model("nope")
    model = im.load_model("li-ke-2020")
    with pytest.raises(ParameterError, match=r"K=1.5 is outside its domain \(0, 1\]"):
        model.check_parameters(K=1.5)
    with pytest.raises(ParameterError, match="unknown parameter 'Q'"):
        model.check_parameters(Q=1)
    with pytest.raises(ParameterError, match="not a number"):
        model.check_parameters(K="a lot")


def test_model_file_on_disk(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SEED.replace('name = "li-ke-2020"', 'name = "mine"'))
    assert im.load_model(path).name == "mine"
