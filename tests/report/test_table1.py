"""Table 1: the derived closed forms against an independent numeric solution, and the verdicts."""

import math

import pytest
import sympy as sp

import inframarginal as im
from inframarginal.audit.table1 import audit_table1, derived_forms, name_difference
from inframarginal.configurations import find_structure
from inframarginal.equilibrium import corner_equilibrium


@pytest.fixture(scope="module")
def model():
    return im.load_model("li-ke-2020")


POINTS = [
    {},
    {"K": 0.9, "t": 0.1, "alpha": 0.3, "b": 0.05, "F": 0.1, "e": 0.4, "theta": 0.3},
]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", ["A", "B", "PA", "PB", "PC", "CCA", "CCB"])
def test_derived_table1_matches_numeric_solver(model, name, point):
    values = model.check_parameters(point)
    structure = find_structure(model, name)
    numeric = corner_equilibrium(model, structure, values, method="numeric")
    if not numeric.exists:
        pytest.skip(f"{name} does not exist at {point}")
    forms = derived_forms(model, name)
    subs = {p.symbol: values[p.name] for p in model.parameters}
    value = lambda q: float(sp.N(forms[q].xreplace(subs)))  # noqa: E731
    assert value("per-capita real income") == pytest.approx(numeric.per_capita_real_income, rel=1e-5)
    for q in forms:
        if q.startswith("p") and "/" in q:
            good, num = q[1], q.split("/")[1][1:]
            assert num == numeric.numeraire
            assert value(q) == pytest.approx(numeric.prices[good], rel=1e-5), q
        if q.startswith("M"):
            good, num = q[1], q.split("/")[1][1:]
            assert value(q) == pytest.approx(numeric.relative_numbers[f"M_{good}/M_{num}"], rel=1e-5), q


def test_known_entries_get_the_right_verdict(model):
    rows = {(r.structure, r.quantity): r for r in audit_table1(model, samples=16)}
    pc = rows[("PC", "per-capita real income")]
    assert pc.verdict == "agrees"
    # printed PA price lacks (2 - alpha)**(2 - alpha): checked here by hand at the default point
    pa = rows[("PA", "px/pz")]
    assert pa.verdict == "differs"
    assert "missing factor (2 - alpha)**(2 - alpha)" in pa.kind
    assert pa.derived_value / pa.printed_value == pytest.approx(1.5 ** 1.5)
    # printed CCB income puts 1 - F in the denominator
    ccb = rows[("CCB", "per-capita real income")]
    assert ccb.verdict == "differs" and "1 - F on the wrong side" in ccb.kind
    assert all(math.isfinite(r.derived_value) for r in rows.values())


def test_name_difference_names_an_inverted_price_and_a_sign():
    F, b, a = sp.symbols("F b alpha", positive=True)
    point = {F: 0.2, b: 0.1, a: 0.5}
    derived = (1 - b) / (1 - F)
    assert name_difference(derived, (1 - F) / (1 - b), point, True, 1.0).startswith("inverted price")
    assert name_difference(derived, -(1 - b) / (1 - F), point, True, -1.0) == "wrong sign"
    kind = name_difference(derived * a**2, derived * a**3, point, False, 1.0)
    assert kind == "wrong exponent of alpha (printed 3, derived 2)"
