"""JSON answers of the explorer: models, solutions and their network of division of labour.

Every number keeps full precision (Python floats, written with ``repr``); a
non-finite number (which JSON cannot carry) becomes ``null``, and the text
beside it says why (for instance the reason a corner equilibrium does not exist).
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from inframarginal.configurations import find_structure, studied_structures, trades
from inframarginal.equilibrium import Solution
from inframarginal.model import Model, Parameter
from inframarginal.results import finite_json as finite


def slider_range(parameter: Parameter) -> dict[str, float]:
    """A slider's range and step for a parameter: its domain, made finite and closed.

    An open bound is moved inside the domain by one step; an infinite bound is put a
    few multiples of the default away, so that the default sits inside the slider.
    """
    d = parameter.domain
    default = parameter.default
    scale = max(abs(default), 1.0)
    low = d.lower if math.isfinite(d.lower) else default - 3 * scale
    high = d.upper if math.isfinite(d.upper) else max(default + 3 * scale, low + scale)
    step = (high - low) / 1000
    if not d.lower_closed:
        low += step
    if not d.upper_closed:
        high -= step
    return {"min": low, "max": high, "step": step}


def model_payload(key: str, model: Model) -> dict[str, Any]:
    """What the page needs to draw a model's controls and legends."""
    from inframarginal.audit.printed import has_printed_results
    from inframarginal.phase import structure_colour  # one colour per structure in every figure

    described = {s.name: s.description for s in model.named_structures}
    return finite({
        "key": key,
        "printed": has_printed_results(model.name),
        "name": model.name,
        "title": model.title,
        "description": model.description,
        "references": list(model.references),
        "parameters": [
            {
                "name": p.name,
                "default": p.default,
                "domain": str(p.domain),
                "description": p.description,
                "slider": slider_range(p),
            }
            for p in model.parameters
        ],
        "derived": [{"name": d.name, "formula": d.text, "description": d.description,
                     "latex": f"{sp.latex(d.symbol)} = {sp.latex(d.formula)}"} for d in model.derived],
        "goods": [{"name": g.name, "description": g.description, "consumed": g.consumed} for g in model.goods],
        "structures": [
            {"name": s.name, "configurations": [c.label for c in s.configurations],
             "description": described.get(s.name, ""), "colour": structure_colour(s.name)}
            for s in studied_structures(model)
        ],
    })


def network(model: Model, solution: Solution) -> dict[str, Any] | None:
    """The general equilibrium's network of division of labour.

    Nodes are the configurations (kinds of specialists) with their shares of the
    population; edges run from the seller of a good to each of its buyers, with the
    good's price and the quantity that kind of buyer buys per head of population.
    """
    name = solution.general_equilibrium
    if name is None:
        return None
    ce = solution.structures[name]
    structure = find_structure(model, name)
    plans = {p.configuration: p for p in ce.plans}
    nodes, edges = [], []
    for config in structure.configurations:
        plan = plans.get(config.label)
        nodes.append({
            "id": config.label,
            "share": ce.shares.get(config.label, 1.0),
            "sells": config.sells,
            "buys": list(config.buys),
            "produces": list(config.produces),
            "utility": plan.utility if plan else None,
        })
    for seller, buyer, good in trades(structure):
        plan = plans.get(buyer)
        bought = plan.bought.get(good) if plan else None
        edges.append({
            "good": good,
            "from": seller,
            "to": buyer,
            "price": ce.prices.get(good),
            "quantity": ce.shares.get(buyer, 0.0) * bought if bought is not None else None,
        })
    return {"structure": name, "numeraire": ce.numeraire, "nodes": nodes, "edges": edges}


def solution_payload(model: Model, solution: Solution) -> dict[str, Any]:
    """Every studied structure's corner equilibrium, the general equilibrium and its network."""
    from inframarginal.web.reasons import explain

    described = {s.name: s.description for s in model.named_structures}
    structures = []
    for name, ce in solution.structures.items():
        structures.append({
            "name": name,
            "description": described.get(name, ""),
            "configurations": list(ce.configurations),
            "exists": ce.exists,
            "reason": explain(model, name, ce.reason, ce.failure) if not ce.exists else ce.reason,
            "reason_details": ce.reason,
            "per_capita_real_income": ce.per_capita_real_income,
            "numeraire": ce.numeraire,
            "prices": ce.prices,
            "numbers": ce.shares,
            "relative_numbers": ce.relative_numbers,
        })
    deviation = None
    if solution.deviation is not None:
        d = solution.deviation
        deviation = {"passed": d.passed, "best_configuration": d.best_configuration,
                     "gain": d.gain, "checked": d.checked}
    from inframarginal.results import with_certification
    from inframarginal.search import certify

    payload = {
        "model": solution.model,
        "parameters": solution.parameters,
        "general_equilibrium": solution.general_equilibrium,
        "per_capita_real_income": solution.per_capita_real_income,
        "deviation": deviation,
        "structures": structures,
        "network": network(model, solution),
    }
    # The GE field is the model's GE over all structures (certified); the listed one stays beside it.
    from inframarginal.web.words import plain_words

    # A web page has no flags: the settings a reason suggests are written in plain words.
    return finite(with_certification(payload, certify(model, solution.parameters).to_dict(plain_words)))
