"""The explorer's payload for a model with types: sliders per type, per-type incomes, network."""

from __future__ import annotations

import json

import pytest

from inframarginal import load_model
from inframarginal.heterogeneous.payload import explorer_payload


def test_ricardian_sliders_belong_to_their_country_and_incomes_are_per_type():
    model = load_model("cheng-sachs-yang-2000-ricardian")
    data = explorer_payload(model, {"M2": 1.4})
    json.dumps(data, allow_nan=False)  # JSON-ready
    owner = {s["name"]: s["types"] for s in data["sliders"]}
    assert owner["a1x"] == ["home"] and owner["M2"] == ["foreign"] and owner["k"] == ["common"]
    assert sorted(owner["b"]) == ["foreign", "home"]  # b appears in both countries' technologies
    types = {t["name"]: t for t in data["types"]}
    # complete specialization (hand derivation in test_ricardian.py): p = 0.7, u1 = 0.56, u2 = 0.8/2.8
    assert types["home"]["utility"] == pytest.approx(0.56, rel=1e-12)
    assert types["foreign"]["utility"] == pytest.approx(0.8 / 2.8, rel=1e-12)
    assert types["home"]["gain_over_autarky"] == pytest.approx(0.56 / 0.5 - 1, rel=1e-12)
    nodes = {n["id"]: n for n in data["network"]["nodes"]}
    assert set(nodes) == {"home (x/y)", "foreign (y/x)"}
    assert nodes["home (x/y)"]["colour"] != nodes["foreign (y/x)"]["colour"]
    edges = {(e["from"], e["to"], e["market"]) for e in data["network"]["edges"]}
    assert edges == {("home (x/y)", "foreign (y/x)", "x"), ("foreign (y/x)", "home (x/y)", "y")}
