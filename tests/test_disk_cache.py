"""The on-disk cache can never run code, and never lets a model file choose a path."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import inframarginal as im
from inframarginal import disk_cache, symbolic
from inframarginal.configurations import studied_structures
from inframarginal.errors import ModelFileError, UnknownModelError
from inframarginal.modelfile import read_model_text
from inframarginal.serialization import (
    UnsupportedExpression,
    expression_from_json,
    expression_to_json,
)

SMALL = """
[model]
name = "{name}"
[parameters.k]
default = 0.5
domain = "(0, 1]"
[parameters.a]
default = 1.5
domain = "(1, inf)"
[goods.x]
trading_efficiency = "k"
[goods.y]
trading_efficiency = "k"
[utility]
weights = {{ x = 1, y = 1 }}
[[technologies.x]]
output = "l**a"
[[technologies.y]]
output = "l**a"
[structures]
A = ["(xy)"]
D = ["(x/y)", "(y/x)"]
"""


class _Payload:
    """Unpickling this creates ``marker``: proof that a pickle was executed."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(root))
    for memory in (symbolic.structure_closed_form, symbolic.cached_configuration_closed_form):
        memory.cache_clear()
    yield root
    for memory in (symbolic.structure_closed_form, symbolic.cached_configuration_closed_form):
        memory.cache_clear()


@pytest.mark.parametrize("name", ["../../evil", "/tmp/evil", "a/b", "..", ".hidden", "x" * 65, "", "a b"])
def test_model_names_that_could_be_paths_are_refused(name):
    with pytest.raises(ModelFileError, match="model.name"):
        read_model_text(SMALL.format(name=name))


def test_a_planted_pickle_is_never_executed(cache, tmp_path):
    """Pickles planted where the old layout and the new one keep entries: the solve ignores both."""
    marker = tmp_path / "executed"
    evil = pickle.dumps(_Payload(marker))
    model_file = tmp_path / "m.toml"
    model_file.write_text(SMALL.format(name="victim"))
    model = read_model_text(model_file.read_text())
    # every file name an entry of this model could have, in the new layout ...
    for structure in studied_structures(model):
        path = disk_cache._entry_path(model, "structure-closed-form", " ".join(structure.labels))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(evil)
    # ... and in the old one (name-keyed folder of .pickle files)
    old = cache / "victim-0123456789abcdef0123"
    old.mkdir(parents=True)
    (old / "entry.pickle").write_bytes(evil)

    env = dict(os.environ, INFRAMARGINAL_CACHE=str(cache))
    run = subprocess.run([sys.executable, "-m", "inframarginal", "solve", str(model_file), "--set", "k=0.9"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "general equilibrium: D" in run.stdout
    assert not marker.exists()
    # the planted entries were replaced by valid JSON ones
    for structure in studied_structures(model):
        path = disk_cache._entry_path(model, "structure-closed-form", " ".join(structure.labels))
        assert json.loads(path.read_text())["format"] == "inframarginal-cache"


def test_entries_live_under_the_cache_root_whatever_the_name(cache):
    model = read_model_text(SMALL.format(name="some-name"))
    for structure in studied_structures(model):
        symbolic.structure_closed_form(model, structure)
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files and all(p.resolve().is_relative_to(cache.resolve()) for p in files)
    assert not any("some-name" in str(p) for p in files)


def _corrupt(model, structure, edit) -> None:
    path = disk_cache._entry_path(model, "structure-closed-form", " ".join(structure.labels))
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


@pytest.mark.parametrize(("edit", "valid_checksum"), [
    (lambda d: d.update(sha256="0" * 64), False),                           # checksum mismatch
    (lambda d: d.update(package="0.0.0-other"), True),                      # foreign version
    (lambda d: d["payload"].update(log_income=["__import__", "os"]), True),  # node outside the whitelist
    (lambda d: d["payload"].update(log_income=["s", "x; import os", {}]), True),
    (lambda d: d["payload"].update(shares=[]), True),                       # wrong shape
])
def test_corrupt_or_foreign_entries_are_rebuilt(cache, edit, valid_checksum):
    model = im.load_model("li-ke-2020")
    structure = next(s for s in studied_structures(model) if s.name == "PC")
    fresh = symbolic.structure_closed_form(model, structure)
    path = disk_cache._entry_path(model, "structure-closed-form", " ".join(structure.labels))
    document = json.loads(path.read_text())
    edit(document)
    if valid_checksum:  # so that the whitelist, not the checksum, is what rejects the entry
        document["sha256"] = disk_cache._checksum(document["payload"])
    path.write_text(json.dumps(document))
    symbolic.structure_closed_form.cache_clear()
    assert symbolic.structure_closed_form(model, structure) == fresh
    assert disk_cache.read_entry(model, "structure-closed-form", " ".join(structure.labels)) is not None


def test_every_built_in_closed_form_survives_the_round_trip():
    for name in im.builtin_models():
        model = im.load_model(name)
        for structure in studied_structures(model):
            form = symbolic._structure_closed_form(model, structure)
            if form is None:
                continue
            back = symbolic._closed_form_from_json(structure, json.loads(json.dumps(symbolic._closed_form_to_json(form))))
            assert back == form, (name, structure.name)


def test_expression_whitelist():
    x = sp.Symbol("x", positive=True)
    for expr in (x**sp.Rational(3, 7) * sp.log(1 - x) + sp.exp(-2 * x), sp.Float(0.1) * x, sp.E**x + 12345678901234567890):
        back = expression_from_json(json.loads(json.dumps(expression_to_json(expr))))
        assert back == expr and back.free_symbols == expr.free_symbols
    with pytest.raises(UnsupportedExpression):
        expression_to_json(sp.sin(x))
    for bad in (["eval", "1"], ["s", "__import__('os')", {}], ["i", "9" * 5000], ["s", "x", {"evil": True}],
                ["^", ["i", "1"]], "x", []):
        with pytest.raises(ValueError):
            expression_from_json(bad)


def test_model_lookup_by_name_never_reads_package_paths():
    with pytest.raises(UnknownModelError):
        im.load_model("../data/li-ke-2020-table1")


def test_cache_commands(cache):
    from click.testing import CliRunner

    from inframarginal.cli import main

    model = im.load_model("yang-2001-specialization")
    for structure in studied_structures(model):
        symbolic.structure_closed_form(model, structure)
    info = json.loads(CliRunner().invoke(main, ["cache", "info", "--format", "json"]).output)
    # one entry per structure and one per configuration they use
    structures = studied_structures(model)
    used = {c.label for s in structures for c in s.configurations}
    assert info["entries"] == len(structures) + len(used) and info["bytes"] > 0
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and f"removed {info['entries']} files" in cleared.output
    assert json.loads(CliRunner().invoke(main, ["cache", "info", "--format", "json"]).output)["entries"] == 0


def test_configuration_closed_forms_are_read_back_from_disk(cache):
    model = im.load_model("li-ke-2020")
    structure = next(s for s in studied_structures(model) if s.name == "CCA")
    fresh = [symbolic.configuration_closed_form(model, c) for c in structure.configurations]
    assert [symbolic.cached_configuration_closed_form(model, c) for c in structure.configurations] == fresh
    symbolic.cached_configuration_closed_form.cache_clear()
    for config, form in zip(structure.configurations, fresh, strict=True):
        assert disk_cache.read_entry(model, "configuration-closed-form", config.label) is not None
        assert symbolic.cached_configuration_closed_form(model, config) == form


def test_sympy_version_is_the_installed_metadata():
    from importlib import metadata

    assert disk_cache.installed_version("sympy") == metadata.version("sympy") == disk_cache.sympy_version()
    assert disk_cache.installed_version("no_such_package_here") is None
