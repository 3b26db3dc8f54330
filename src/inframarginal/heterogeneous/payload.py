"""What the explorer needs to show a model with types: sliders per type and per-type incomes.

A plain JSON-ready dictionary, built here so that the explorer (``web/``) needs one call only:
the sliders grouped by the type whose overrides use each parameter (``common`` for the rest),
each type's utility, autarky utility and gain at the general equilibria, and the network of the
first general equilibrium (nodes coloured by type, arrows per market).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from inframarginal.heterogeneous.general import solve_typed
from inframarginal.heterogeneous.spec import PersonType, TypedModel

#: Node colours of the types, in the model's order (as in the report's networks).
TYPE_COLOURS = ("#2c5aa0", "#c0392b", "#1e8449", "#8e44ad")


def type_parameters(model: TypedModel, person: PersonType) -> set[str]:
    """The parameters a type's mass and overrides use beyond the common model's."""
    used: set[str] = {s.name for s in sp.sympify(person.mass).free_symbols}
    for _, _, formula in person.efficiency_from:
        used |= {s.name for s in formula.free_symbols}
    common = model
    for good in person.model.goods:
        base = common.good(good.name)
        if good.weight != base.weight or good.trading_efficiency != base.trading_efficiency:
            used |= {s.name for s in (good.weight.free_symbols | good.trading_efficiency.free_symbols)}
    for tech in person.model.technologies:
        if tech not in common.technologies:
            used |= {s.name for s in tech.output.free_symbols} - {"l"} - set(model.good_names)
    return used


def explorer_payload(model: TypedModel, values: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Sliders per type, each type's incomes and the first general equilibrium's network, at ``values``."""
    sol = solve_typed(model, values or {})
    owners: dict[str, list[str]] = {}
    for person in model.types:
        for name in type_parameters(model, person):
            owners.setdefault(name, []).append(person.name)
    sliders = []
    for p in model.parameters:
        sliders.append({"name": p.name, "value": sol.values[p.name], "default": p.default,
                        "lower": p.domain.lower if math.isfinite(p.domain.lower) else None,
                        "upper": p.domain.upper if math.isfinite(p.domain.upper) else None,
                        "description": p.description, "types": owners.get(p.name, ["common"])})
    types = []
    for k, person in enumerate(model.types):
        entry: dict[str, Any] = {"name": person.name, "description": person.description,
                                 "mass": sol.masses[person.name], "colour": TYPE_COLOURS[k % len(TYPE_COLOURS)],
                                 "autarky_utility": sol.autarky_utilities[person.name]}
        if sol.general_equilibrium is not None:
            ge = sol.corner(sol.general_equilibrium)
            entry["utility"] = ge.utilities[person.name]
            entry["gain_over_autarky"] = sol.gains(sol.general_equilibrium)[person.name]
        types.append(entry)
    network: dict[str, Any] = {"nodes": [], "edges": []}
    if sol.general_equilibrium is not None:
        ce = sol.corner(sol.general_equilibrium)
        configs = ce.structure.configurations(model)
        for k, (person, present) in enumerate(zip(model.types, configs, strict=True)):
            for config in present:
                network["nodes"].append({"id": f"{person.name} {config.label}", "type": person.name,
                                         "colour": TYPE_COLOURS[k % len(TYPE_COLOURS)],
                                         "share": ce.shares[person.name][config.label],
                                         "number": ce.numbers[person.name][config.label]})
        markets = ce.markets
        if markets is not None:
            for buyer, present in zip(model.type_names, configs, strict=True):
                for config in present:
                    for h in config.buys:
                        market = markets.purchase(buyer, h)
                        for seller, offered in zip(model.type_names, configs, strict=True):
                            for other in offered:
                                if other.sells == h and seller in markets.sellers[market]:
                                    network["edges"].append({
                                        "from": f"{seller} {other.label}", "to": f"{buyer} {config.label}",
                                        "market": markets.keys[market], "price": ce.prices[markets.keys[market]]})
    return {"model": model.name, "title": model.title, "sliders": sliders, "types": types,
            "general_equilibria": [{"structure": name, "pareto_rank": sol.pareto_rank[name],
                                    "utilities": sol.corner(name).utilities, "gains": sol.gains(name)}
                                   for name in sol.general_equilibria],
            "network": network}


__all__ = ["TYPE_COLOURS", "explorer_payload", "type_parameters"]
