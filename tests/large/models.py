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
