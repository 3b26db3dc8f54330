"""The JSON Schema of model files agrees with build_model on good and bad files."""

import copy
import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

import inframarginal as im  # noqa: E402
from inframarginal.errors import ModelFileError  # noqa: E402
from inframarginal.model import Domain  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((resources.files("inframarginal.schemas") / "model-file.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
BUILTIN = sorted(e.name for e in resources.files("inframarginal.models").iterdir() if e.name.endswith(".toml"))
SEED = tomllib.loads(resources.files("inframarginal.models").joinpath("li-ke-2020.toml").read_text("utf-8"))


def schema_errors(spec):
    return sorted(VALIDATOR.iter_errors(spec), key=lambda e: list(map(str, e.absolute_path)))


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", BUILTIN)
def test_every_builtin_model_validates(name):
    spec = tomllib.loads(resources.files("inframarginal.models").joinpath(name).read_text("utf-8"))
    assert schema_errors(spec) == []


def test_the_documented_example_validates_and_builds():
    doc = (ROOT / "docs" / "model-file.md").read_text("utf-8")
    example = doc.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    spec = tomllib.loads(example)
    assert schema_errors(spec) == []
    assert im.build_model(spec).name == "my-model"


def _set(path, value):
    def change(spec):
        *parents, last = path
        for p in parents:
            spec = spec[p]
        spec[last] = value
    return change


def _delete(path):
    def change(spec):
        *parents, last = path
        for p in parents:
            spec = spec[p]
        del spec[last]
    return change


# Each change makes a file build_model refuses; the schema must refuse it too, at the same place.
BAD = {
    "unknown section": (_set(["extra"], {}), []),
    "unknown key in model": (_set(["model", "author"], "me"), ["model"]),
    "unknown key in a parameter": (_set(["parameters", "K", "unit"], "m"), ["parameters", "K"]),
    "unknown key in a good": (_set(["goods", "y", "colour"], "red"), ["goods", "y"]),
    "unknown key in a technology": (_set(["technologies", "x", 0, "speed"], 2), ["technologies", "x"]),
    "unknown key in utility": (_set(["utility", "form"], "ces"), ["utility"]),
    "unknown key in labour": (_set(["labour", "hours"], 8), ["labour"]),
    "unknown key in a structure": (_set(["structures", "PC", "note"], "n"), ["structures", "PC"]),
    "unknown key in a derived parameter": (_set(["derived", "k", "unit"], "m"), ["derived", "k"]),
    "default is a string": (_set(["parameters", "K", "default"], "0.5"), ["parameters", "K", "default"]),
    "default is a boolean": (_set(["parameters", "K", "default"], True), ["parameters", "K", "default"]),
    "references not a list": (_set(["model", "references"], "Yang 2001"), ["model", "references"]),
    "description not a string": (_set(["goods", "x", "description"], 3), ["goods", "x", "description"]),
    "section not a table": (_set(["labour"], 1), ["labour"]),
    "weight is a boolean": (_set(["utility", "weights", "x"], True), ["utility", "weights", "x"]),
    "negative weight": (_set(["utility", "weights", "x"], -1), ["utility", "weights", "x"]),
    "missing [utility]": (_delete(["utility"]), []),
    "missing [model]": (_delete(["model"]), []),
    "missing model name": (_delete(["model", "name"]), ["model"]),
    "missing default": (_delete(["parameters", "K", "default"]), ["parameters", "K"]),
    "missing trading efficiency": (_delete(["goods", "x", "trading_efficiency"]), ["goods", "x"]),
    "missing output": (_delete(["technologies", "y", 0, "output"]), ["technologies", "y"]),
    "empty weights": (_set(["utility", "weights"], {}), ["utility", "weights"]),
    "bad domain": (_set(["parameters", "K", "domain"], "0 to 1"), ["parameters", "K", "domain"]),
    "bad parameter name": (_set(["parameters", "2K"], {"default": 1}), ["parameters"]),
    "reserved parameter name": (_set(["parameters", "log"], {"default": 1}), ["parameters"]),
    "bad model name": (_set(["model", "name"], "my model"), ["model", "name"]),
    "bad technology name": (_set(["technologies", "y", 0, "name"], "1st"), ["technologies", "y"]),
    "output without labour": (_set(["technologies", "y", 0, "output"], "b"), ["technologies", "y"]),
    "empty structure": (_set(["structures", "PC"], []), ["structures", "PC"]),
    "constraint not a string": (_set(["constraints"], {"c": 3}), ["constraints", "c"]),
}


@pytest.mark.parametrize("name", BAD)
def test_files_build_model_refuses_the_schema_refuses(name):
    change, where = BAD[name]
    bad = copy.deepcopy(SEED)
    change(bad)
    with pytest.raises(ModelFileError):
        im.build_model(bad, source="bad.toml")
    errors = schema_errors(bad)
    assert errors, f"the schema accepts a file with {name}"
    assert any(list(e.absolute_path)[: len(where)] == where for e in errors), [e.message for e in errors]


@pytest.mark.parametrize("text", [
    "(0, 1]", "[0, 1)", "(-inf, inf)", "[1, inf)", " ( -2.5e3 , +4 ] ", "(.5, 1.)", "(0,1)",
    "0 to 1", "(0; 1]", "{0, 1}", "(0, 1", "(a, b)", "(0, 1, 2)", "(1e, 2)", "", "(inf, -inf",
])
def test_the_domain_pattern_accepts_the_intervals_domain_parse_reads(text):
    # Domain.parse also refuses empty intervals ("(1, 0)"), which a pattern cannot see.
    pattern = re.compile(SCHEMA["$defs"]["domain"]["pattern"])
    try:
        Domain.parse(text)
        parsed = True
    except ValueError:
        parsed = False
    assert bool(pattern.search(text)) == parsed


@pytest.mark.parametrize("name, allowed", [
    ("q", True), ("alpha_2", True), ("Q", True), ("x" * 40, True),
    ("x" * 41, False), ("2k", False), ("_k", False), ("k-1", False), ("l", False), ("exp", False),
    ("sqrt", False), ("log", False), ("", False), ("k k", False),
])
def test_names_follow_build_models_rule(name, allowed):
    spec = copy.deepcopy(SEED)
    spec["parameters"][name] = {"default": 0.5}
    try:
        im.build_model(spec)
        built = True
    except ModelFileError:
        built = False
    assert built == allowed
    assert (schema_errors(spec) == []) == allowed


def test_the_schema_is_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "schemas/*.json" in data["tool"]["setuptools"]["package-data"]["inframarginal"]
