"""Sweep files describe themselves: CF-style attributes and the model that produced them."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import numpy as np

import inframarginal as im
from inframarginal.provenance import model_sha256
from inframarginal.sweep import open_sweep, write_netcdf


def _sweep(model):
    return model.sweep({"k": np.linspace(0.1, 1.0, 4), "a": np.linspace(1.2, 2.0, 3)})


def test_coordinates_and_variables_have_cf_attributes(tmp_path):
    model = im.load_model("yang-2001-specialization")
    path = tmp_path / "s.nc"
    write_netcdf(_sweep(model), path)
    ds = open_sweep(path)  # the attributes survive the file
    k = model.parameter("k")
    assert ds.k.attrs["long_name"] == k.description
    assert ds.k.attrs["units"] == "1"
    assert "(0, 1]" in ds.k.attrs["description"]
    for name in ("equilibrium_income", "per_capita_real_income", "price", "specialists"):
        assert ds[name].attrs["units"] == "1", name
    for name, var in ds.data_vars.items():
        assert var.attrs["long_name"] and var.attrs["description"], name
    for name in ("general_equilibrium", "numeraire", "exists", "admissible"):
        assert "units" not in ds[name].attrs  # text and flags have no units in CF
    assert ds.attrs["Conventions"].startswith("CF-")


def test_provenance_names_the_model_file_hash_and_version(tmp_path):
    model = im.load_model("yang-2001-specialization")
    ds = _sweep(model)
    data = resources.files("inframarginal.models").joinpath("yang-2001-specialization.toml").read_bytes()
    assert ds.attrs["model"] == "yang-2001-specialization"
    assert ds.attrs["model_sha256"] == hashlib.sha256(data).hexdigest()
    assert ds.attrs["model_sha256_of"] == "file"
    assert ds.attrs["inframarginal_version"] == im.__version__
    assert json.loads(ds.attrs["fixed_parameters"]) == {}


def test_hash_of_a_user_file_and_of_a_python_model(tmp_path):
    text = resources.files("inframarginal.models").joinpath("yang-2001-specialization.toml").read_text("utf-8")
    text = text.replace('name = "yang-2001-specialization"', 'name = "mine"')
    path = tmp_path / "mine.toml"
    path.write_text(text, "utf-8")
    digest, of = model_sha256(im.load_model(str(path)))
    assert (digest, of) == (hashlib.sha256(path.read_bytes()).hexdigest(), "file")
    # a model built in Python has no file: its specification is hashed, equal for equal specs
    spec = dict(im.load_model("yang-2001-specialization").spec)
    a = model_sha256(im.build_model({**spec, "model": {"name": "py"}}))
    b = model_sha256(im.build_model({**spec, "model": {"name": "py"}}))
    c = model_sha256(im.build_model({**spec, "model": {"name": "other"}}))
    assert a == b and a[1] == "specification" and a[0] != c[0]


def test_a_file_changed_since_loading_is_not_claimed(tmp_path):
    text = resources.files("inframarginal.models").joinpath("yang-2001-specialization.toml").read_text("utf-8")
    path = tmp_path / "m.toml"
    path.write_text(text.replace('name = "yang-2001-specialization"', 'name = "m"'), "utf-8")
    model = im.load_model(str(path))
    path.write_text(text.replace('name = "yang-2001-specialization"', 'name = "changed"'), "utf-8")
    assert model_sha256(model)[1] == "specification"
