"""Phase diagrams with types, and the JSON Schema of model files with types."""

from __future__ import annotations

import json
import tomllib
from importlib import resources

import numpy as np
import pytest

from inframarginal.modelfile import load_model

jsonschema = pytest.importorskip("jsonschema")

TYPED = sorted(e.name for e in resources.files("inframarginal.heterogeneous.models").iterdir()
               if e.name.endswith(".toml"))
SCHEMA = json.loads((resources.files("inframarginal.schemas") / "model-file.schema.json").read_text("utf-8"))


@pytest.mark.parametrize("name", TYPED)
def test_builtin_models_with_types_validate(name):
    spec = tomllib.loads(resources.files("inframarginal.heterogeneous.models").joinpath(name).read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(spec)) == []


def test_schema_rejects_a_type_without_mass():
    spec = tomllib.loads(resources.files("inframarginal.heterogeneous.models")
                         .joinpath("yang-two-country-dual.toml").read_text("utf-8"))
    del spec["types"]["home"]["mass"]
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(spec))


def test_ricardian_phase_line_matches_the_closed_form_region():
    """Complete specialization is Yang's GE iff M1 a1y / (k a2y) <= M2 <= k M1 a1x / a2x (b = 1;
    derivation in test_ricardian.py): [1.25, 1.6] at the defaults."""
    model = load_model("cheng-sachs-yang-2000-ricardian")
    m2 = np.array([0.5, 1.0, 1.2, 1.3, 1.5, 1.59, 1.7, 3.0])
    ds = model.sweep({"M2": m2})
    names = ds.attrs["structures"]
    ge = [names[c] if c >= 0 else None for c in ds["general_equilibrium"].values]
    complete = [g == "home (x/y) | foreign (y/x)" for g in ge]
    assert complete == [1.25 <= v <= 1.6 for v in m2]
    # beyond C, the big foreign country is split and gets no gain; below, home is split
    assert ge[-1] == "home (x/y) | foreign (y/x) (xy)" and ds["gain_foreign"].values[-1] == pytest.approx(0, abs=1e-12)
    assert ge[0] == "home (x/y) (xy) | foreign (y/x)" and ds["gain_home"].values[0] == pytest.approx(0, abs=1e-12)
