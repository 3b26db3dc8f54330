"""Closed forms with types (SymPy) against the hand derivations and against the numeric solver."""

from __future__ import annotations

import pytest
import sympy as sp

from inframarginal import load_model
from inframarginal.heterogeneous.general import solve_typed
from inframarginal.heterogeneous.structures import find_typed_structure
from inframarginal.heterogeneous.symbolic import typed_closed_form

M1, M2, a1x, a1y, a2x, a2y, k, b = sp.symbols("M1 M2 a1x a1y a2x a2y k b", positive=True)


@pytest.fixture(scope="module")
def ricardian():
    return load_model("cheng-sachs-yang-2000-ricardian")


def _same(x, y) -> bool:
    return sp.simplify(sp.sympify(x) - y) == 0


def test_complete_and_partial_specialization_closed_forms(ricardian):
    """Hand derivations in test_ricardian.py: C's p = M2 a2y/(M1 a1x); P1's p = k a2y 4**(b-1)/a2x."""
    c = typed_closed_form(ricardian, find_typed_structure(ricardian, "home (x/y) | foreign (y/x)"))
    p = M2 * a2y / (M1 * a1x)
    assert _same(c.prices["x"], p)
    assert _same(c.utilities["home"], k * p * a1x**2 / 4) and _same(c.utilities["foreign"], k * a2y**2 / (4 * p))
    p1 = typed_closed_form(ricardian, find_typed_structure(ricardian, "home (x/y) | foreign (y/x) (xy)"))
    p = k * a2y * 4 ** (b - 1) / a2x
    assert _same(p1.prices["x"], p)
    assert _same(p1.utilities["foreign"], a2x * a2y * 4**-b)
    assert _same(p1.numbers["foreign"]["(y/x)"], M1 * a1x * p / a2y)
    assert _same(p1.numbers["foreign"]["(xy)"], M2 - M1 * a1x * p / a2y)


@pytest.mark.parametrize(("name", "point"), [
    ("cheng-sachs-yang-2000-ricardian", {"M2": 1.4}),
    ("cheng-sachs-yang-2000-ricardian", {"M2": 3.0, "b": 1.2, "k": 0.9}),
    ("yang-two-country-dual", {"k0": 0.7, "M2": 1.3}),
])
def test_closed_forms_agree_with_the_numeric_solver(name, point):
    model = load_model(name)
    values = model.check_parameters(point)
    sol = solve_typed(model, point)
    compared = 0
    for ce in sol.corner_equilibria:
        if not ce.exists:
            continue
        form = typed_closed_form(model, ce.structure)
        if form is None:
            continue
        at = form.evaluate(values)
        for g, price in ce.prices.items():
            assert at["prices"][g] == pytest.approx(price, rel=1e-9), (ce.name, g)
        for t, u in ce.utilities.items():
            assert at["utilities"][t] == pytest.approx(u, rel=1e-9), (ce.name, t)
            for label, number in ce.numbers[t].items():
                assert at[f"numbers.{t}"][label] == pytest.approx(number, rel=1e-9), (ce.name, t, label)
        compared += 1
    assert compared >= 3
