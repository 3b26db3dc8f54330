"""Test models built in Python: the symmetric n-good model and variants."""

from __future__ import annotations

from inframarginal.model import Model, build_model

GOODS = "xyzwvut"


def symmetric_spec(n: int, *, efficiency: dict[str, str] | None = None, structures=None) -> dict:
    """n consumer goods, utility the product of all, output (l - b)**a, trading efficiency k."""
    goods = GOODS[:n]
    eff = efficiency or {}
    spec = {
        "model": {"name": f"symmetric-{n}"},
        "parameters": {
            "k": {"default": 0.6, "domain": "(0, 1]"},
            "a": {"default": 1.5, "domain": "[1, inf)"},
            "b": {"default": 0.02, "domain": f"[0, {1 / n})"},
            "kk": {"default": 0.7, "domain": "(0, 1]"},
        },
        "goods": {g: {"trading_efficiency": eff.get(g, "k")} for g in goods},
        "utility": {"weights": {g: 1 for g in goods}},
        "technologies": {g: {"output": "(l - b)**a"} for g in goods},
    }
    if structures:
        spec["structures"] = structures
    return spec


def symmetric(n: int, **kw) -> Model:
    return build_model(symmetric_spec(n, **kw), source=f"<symmetric-{n}>")


def asymmetric5_spec() -> dict:
    """Five goods with no symmetry: good-specific trading efficiencies, fixed costs and weights.

    x, y, z, w are consumed; v is an intermediate good used to produce x and w
    (roundabout production).  Output of good g: ``(l - b_g)**a`` times the input's power.
    """
    params = {
        "a": {"default": 1.4, "domain": "[1, 3]"},
        "alpha": {"default": 0.3, "domain": "(0, 1)"},
        "beta": {"default": 0.2, "domain": "(0, 1)"},
    }
    goods: dict[str, dict] = {}
    for i, g in enumerate("xyzwv"):
        params[f"k_{g}"] = {"default": 0.5 + 0.1 * i, "domain": "(0, 1]"}
        params[f"b_{g}"] = {"default": 0.01 * (i + 1), "domain": "[0, 0.1]"}
        goods[g] = {"trading_efficiency": f"k_{g}"}
    return {
        "model": {"name": "asymmetric-5"},
        "parameters": params,
        "goods": goods,
        "utility": {"weights": {"x": 1, "y": 2, "z": 1, "w": 3}},
        "technologies": {
            "x": {"output": "v**alpha * (l - b_x)**a"},
            "y": {"output": "(l - b_y)**a"},
            "z": {"output": "(l - b_z)**a"},
            "w": {"output": "v**beta * (l - b_w)**a"},
            "v": {"output": "(l - b_v)**a"},
        },
    }


def asymmetric5() -> Model:
    return build_model(asymmetric5_spec(), source="<asymmetric-5>")


def fixed_learning(m: int) -> Model:
    """The m-good fixed-learning-cost model of Yang and Ng (1993): output l - b, utility the product, efficiency k."""
    goods = "xyzwvutr"[:m]
    return build_model({
        "model": {"name": f"fixed-learning-{m}"},
        "parameters": {"k": {"default": 0.6, "domain": "(0, 1]"}, "b": {"default": 0.05, "domain": "(0, 0.1)"}},
        "goods": {g: {"trading_efficiency": "k"} for g in goods},
        "utility": {"weights": {g: 1 for g in goods}},
        "technologies": {g: {"output": "l - b"} for g in goods},
    }, source=f"<fixed-learning-{m}>")
