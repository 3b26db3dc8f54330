"""The warm ``inframarginal sweep`` command: the model's outline stands in for the model.

A sweep run before (its kernel, the kernel's check and the sample's certificates kept
in the disk cache) runs again without SymPy, SciPy, xarray, pandas or Dask, and writes
the file the full path writes (``INFRAMARGINAL_NUMERIC_CACHE=0``: no cache at all);
a user's mistake reads the same on both paths; a changed model file is never answered
from the old outline.
"""

import hashlib
import math
import os
import subprocess
import sys
from importlib import resources

import h5py
import numpy as np
import pytest

from inframarginal.errors import ParameterError
from inframarginal.modelfile import load_model
from inframarginal.outline import ModelOutline, load_outline, store_outline

SEED = resources.files("inframarginal.models").joinpath("li-ke-2020.toml").read_text("utf-8")
#: What the warm command must not import.
HEAVY = ("sympy", "scipy", "xarray", "pandas", "dask", "matplotlib")
AXES = ("--axis", "K=0.05:1:13", "--axis", "t=0:0.9:7")


def _env(tmp_path, cache: bool = True) -> dict[str, str]:
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path / "cache")}
    if not cache:
        env["INFRAMARGINAL_NUMERIC_CACHE"] = "0"
    return env


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``inframarginal ARGS`` in a fresh process, as a user runs it (exit status and stderr)."""
    return subprocess.run([sys.executable, "-m", "inframarginal", *args], capture_output=True, text=True,
                          env=env, timeout=300)


def _file(path) -> list:
    """Everything in a sweep file: each variable's layout, attributes and values, and the file's attributes."""
    def attrs(obj):
        return [(k, repr(v.tolist() if hasattr(v, "tolist") else v)) for k, v in obj.attrs.items()
                if k not in ("DIMENSION_LIST", "REFERENCE_LIST")]

    with h5py.File(path) as f:
        out = [("file", attrs(f))]
        for name, x in f.items():
            values = x[...]
            out.append((name, str(x.dtype), x.shape, x.chunks, x.compression, attrs(x),
                        [[s.name for s in d.values()] for d in x.dims],
                        values.tolist() if values.dtype.kind == "O"
                        else np.nan_to_num(values, nan=-7.0).tobytes() if values.dtype.kind == "f" else values.tobytes()))
    return out


def _summary(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    head, _, _ = lines[0].rpartition(" in ")  # "... in 0.12 s": the time differs
    return [head, *lines[1:]]


@pytest.mark.parametrize("variables", ["core", "all"])
def test_warm_command_imports_nothing_heavy_and_writes_the_full_paths_file(tmp_path, cli_modules, variables):
    out, baseline = tmp_path / "warm.nc", tmp_path / "full.nc"
    command = ("sweep", "li-ke-2020", *AXES, "--set", "alpha=0.3", "--variables", variables)
    first = cli_modules(*command, "--out", str(out), env=_env(tmp_path), watch=HEAVY)
    assert "sympy" in first.stderr  # the first run builds the model and keeps its outline
    warm = cli_modules(*command, "--out", str(out), env=_env(tmp_path), watch=HEAVY)
    assert "MODULES []" in warm.stderr
    full = cli_modules(*command, "--out", str(baseline), env=_env(tmp_path, cache=False), watch=HEAVY)
    assert "sympy" in full.stderr
    assert _file(out) == _file(baseline)
    assert _summary(warm.stdout) == _summary(first.stdout) == _summary(full.stdout.replace("full.nc", "warm.nc"))
    # the JSON summary too (its seconds aside)
    as_json = cli_modules(*command, "--format", "json", env=_env(tmp_path), watch=HEAVY)
    assert "MODULES []" in as_json.stderr
    import json

    warm_json, full_json = (json.loads(r.stdout) for r in (as_json, cli_modules(
        *command, "--format", "json", env=_env(tmp_path, cache=False))))
    warm_json.pop("seconds"), full_json.pop("seconds")
    assert warm_json == full_json


@pytest.mark.parametrize("mistake", [
    ("--axis", "Q=0:1:3"),                  # unknown parameter
    ("--axis", "k=0.1:1:3"),                # derived
    ("--axis", "K=0:2:3"),                  # outside K's domain (0, 1]
    ("--axis", "K=0.1:1:3", "--set", "K=0.5"),  # both an axis and fixed
    ("--axis", "K=0.1:1:3", "--set", "t=2"),    # a fixed value outside its domain
    ("--axis", "K=0.1:1:3", "--set", "nope=1"),  # an unknown fixed parameter
    ("--axis", "K=0.1:1:3", "--set", "k=0.5"),   # a derived one, inconsistent
    ("--axis", "K=0.1:1:3", "--set", "t=x"),     # not a number
])
def test_a_mistake_reads_the_same_on_the_warm_and_the_full_path(tmp_path, mistake):
    env = _env(tmp_path)
    kept = _run("sweep", "li-ke-2020", "--axis", "K=0.1:1:3", "--axis", "t=0:0.5:2", env=env)
    assert kept.returncode == 0, kept.stderr
    assert load_outline_in(tmp_path, "li-ke-2020") is not None
    warm = _run("sweep", "li-ke-2020", *mistake, env=env)
    full = _run("sweep", "li-ke-2020", *mistake, env=_env(tmp_path, cache=False))
    assert warm.returncode == full.returncode == 2
    assert warm.stderr == full.stderr
    assert warm.stderr.startswith("error: ") and warm.stderr.count("\n") == 1


def load_outline_in(tmp_path, name):
    old = os.environ.get("INFRAMARGINAL_CACHE")
    os.environ["INFRAMARGINAL_CACHE"] = str(tmp_path / "cache")
    try:
        return load_outline(name)
    finally:
        if old is None:
            del os.environ["INFRAMARGINAL_CACHE"]
        else:
            os.environ["INFRAMARGINAL_CACHE"] = old


def test_a_changed_model_file_is_not_answered_from_the_old_outline(tmp_path, cli_modules):
    path = tmp_path / "m.toml"
    path.write_text(SEED)
    out = tmp_path / "s.nc"
    command = ("sweep", str(path), *AXES, "--out", str(out))
    cli_modules(*command, env=_env(tmp_path), watch=HEAVY)
    assert "MODULES []" in cli_modules(*command, env=_env(tmp_path), watch=HEAVY).stderr
    # a new title: another specification, so another content hash; the model is built again
    path.write_text(SEED.replace('title = "', 'title = "Edited: ', 1))
    edited = cli_modules(*command, env=_env(tmp_path), watch=HEAVY)
    assert "sympy" in edited.stderr
    with h5py.File(out) as f:
        assert f.attrs["model_title"].startswith("Edited: ")
    # a comment only: the same specification, answered warm, but the file's own hash is the new file's
    path.write_text(path.read_text() + "\n# a comment\n")
    warm = cli_modules(*command, env=_env(tmp_path), watch=HEAVY)
    assert "MODULES []" in warm.stderr
    with h5py.File(out) as f:
        assert f.attrs["model_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert f.attrs["model_source"] == str(path)
    baseline = tmp_path / "full.nc"
    cli_modules(*command[:-1], str(baseline), env=_env(tmp_path, cache=False))
    assert _file(out) == _file(baseline)


@pytest.mark.parametrize("change", [
    ("--axis", "K=0.05:1:9", "--axis", "t=0:0.9:5", "--set", "alpha=0.35"),  # the kernel's check not kept
    ("--axis", "K=0.05:1:9", "--set", "t=0.2"),  # no kernel over K alone yet
])
def test_what_the_cache_lacks_is_computed_with_the_model_into_the_same_file(tmp_path, cli_modules, change):
    env = _env(tmp_path)
    cli_modules("sweep", "li-ke-2020", *AXES, env=env)  # keeps the outline (and this sweep's kernel)
    partly = cli_modules("sweep", "li-ke-2020", *change, "--out", str(tmp_path / "partly.nc"), env=env,
                         watch=HEAVY)
    assert "sympy" in partly.stderr  # the model built for what the cache lacks
    cli_modules("sweep", "li-ke-2020", *change, "--out", str(tmp_path / "full.nc"), env=_env(tmp_path, cache=False))
    assert _file(tmp_path / "partly.nc") == _file(tmp_path / "full.nc")
    again = cli_modules("sweep", "li-ke-2020", *change, "--out", str(tmp_path / "again.nc"), env=env, watch=HEAVY)
    assert "MODULES []" in again.stderr  # kept now
    assert _file(tmp_path / "again.nc") == _file(tmp_path / "full.nc")


CONSTRAINED = SEED.replace("[goods.x]", '[constraints]\nfixed_costs = "F + 2*b < 1"\n\n[goods.x]', 1)


def test_an_outline_reads_and_checks_as_its_model(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "c.toml"
    path.write_text(CONSTRAINED)
    model = load_model(str(path))
    assert load_outline(str(path)) is None  # nothing kept yet
    assert store_outline(model, [True] * 7)
    outline = load_outline(str(path))
    assert isinstance(outline, ModelOutline)
    assert (outline.name, outline.title, outline.source, outline.content_hash) == (
        model.name, model.title, model.source, model.content_hash)
    assert outline.spec == model.spec
    assert [(p.name, p.default, p.domain, p.description) for p in outline.parameters] == [
        (p.name, p.default, p.domain, p.description) for p in model.parameters]
    assert [(d.name, d.text, d.description) for d in outline.derived] == [
        (d.name, d.text, d.description) for d in model.derived]
    assert [(g.name, g.description) for g in outline.goods] == [(g.name, g.description) for g in model.goods]
    assert [(s.name, s.labels, [c.sells for c in s.configurations]) for s in outline.structures] == [
        (s.name, s.labels, [c.sells for c in s.configurations]) for s in model_structures(model)]
    # admissible values: every value, base and derived, as the model computes it (k = (1 - t) K)
    rng = np.random.default_rng(7)
    for _ in range(50):
        given = {"K": float(rng.uniform(0.01, 1)), "t": float(rng.uniform(0, 0.99)), "F": 0.5,
                 "b": float(rng.uniform(0.01, 0.24))}
        assert outline.check_parameters(given) == model.check_parameters(given)
        assert math.isclose(outline.check_parameters(given)["k"], (1 - given["t"]) * given["K"], rel_tol=1e-15)
    # a broken constraint, a value outside its domain, an unknown name: the model's message
    for given in ({"F": 0.5, "b": 0.25}, {"K": 1.5}, {"nope": 1.0}, {"k": 0.3}):
        with pytest.raises(ParameterError) as expected:
            model.check_parameters(given)
        with pytest.raises(ParameterError) as answered:
            outline.check_parameters(given)
        assert str(answered.value) == str(expected.value)


def model_structures(model):
    from inframarginal.configurations import studied_structures

    return studied_structures(model)


def test_no_outline_for_models_it_cannot_stand_for(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path / "cache"))
    model = load_model("li-ke-2020")
    assert not store_outline(model, [True] * 6 + [False])  # a structure without closed forms
    monkeypatch.setenv("INFRAMARGINAL_NUMERIC_CACHE", "0")
    assert not store_outline(model, [True] * 7)
    monkeypatch.delenv("INFRAMARGINAL_NUMERIC_CACHE")
    assert store_outline(model, [True] * 7)
    assert load_outline("li-ke-2020") is not None
    # a declared symmetry is checked when the model is built: such a file gets none
    path = tmp_path / "s.toml"
    path.write_text(SEED + '\n[symmetry]\ninterchangeable = ["x", "y"]\n')
    assert load_outline(str(path)) is None


def test_the_certified_sample_is_the_one_numpy_unique_gave():
    """:func:`sweep_sample` picks, per distinct code, evenly spread points (the distinct codes
    found by counting, not :func:`numpy.unique`): compared with the rule written with it."""
    from inframarginal.certificates import sweep_sample

    def reference(codes, per_region=4, total=64):
        out, flat = [], codes.ravel()
        values = np.unique(flat)
        each = max(1, min(per_region, total // max(1, len(values))))
        for v in values.tolist():
            where = np.flatnonzero(flat == v)
            pick = where[np.linspace(0, len(where) - 1, min(each, len(where))).round().astype(int)]
            out.extend(tuple(int(i) for i in np.unravel_index(j, codes.shape)) for j in np.unique(pick))
        return out[:total]

    rng = np.random.default_rng(3)
    for dtype in (np.int8, np.int16, np.int64):
        for _ in range(40):
            shape = tuple(int(n) for n in rng.integers(1, 30, size=rng.integers(1, 3)))
            codes = rng.integers(-2, 127 if dtype is np.int8 else 300, size=shape).astype(dtype)
            codes[codes > 5] = rng.choice([-2, -1, 0, 3, 5, 126])  # few regions, some large
            assert sweep_sample(codes) == reference(codes)
            assert sweep_sample(codes, 2, 5) == reference(codes, 2, 5)
