"""The explorer's per-model kernel, income curves, switch-point formulas, printed results and
reasons, checked against independent computations and hand derivations (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from conftest import SMALL_MODEL

import inframarginal as im
from inframarginal.configurations import studied_structures
from inframarginal.equilibrium import solve
from inframarginal.modelfile import read_model_text
from inframarginal.path import structure_path
from inframarginal.sweep import sweep
from inframarginal.web import kernels, notation, views
from inframarginal.web.payloads import model_payload, solution_payload

pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')

SEED = "li-ke-2020"
EXTENSION = "li-ke-2020-roundabout-productivity"


def k_star(F: float, b: float) -> float:
    """Hand derivation: autarky A gives u = (1 - F - b)^2 / 4 (split the unit of labour after the
    fixed costs evenly), PC gives u = k (1 - F)(1 - b) / 4; they are equal at this k."""
    return (1 - F - b) ** 2 / ((1 - F) * (1 - b))


@pytest.mark.parametrize(("name", "x", "y", "fixed"), [
    (SEED, "K", "t", {"F": 0.1, "b": 0.1}),
    (SEED, "alpha", "theta", {"K": 0.9}),
    (EXTENSION, "K", "a", {}),
    (EXTENSION, "b", "e", {"alpha": 0.5}),
])
def test_phase_codes_match_the_sweep_and_point_solves(name, x, y, fixed):
    model = im.load_model(name)
    xs = np.linspace(model.parameter(x).domain.lower + 0.01, min(model.parameter(x).domain.upper, 5) - 0.01, 37)
    ys = np.linspace(model.parameter(y).domain.lower + 0.01, min(model.parameter(y).domain.upper, 5) - 0.01, 29)
    codes = kernels.phase_codes(model, x, xs, y, ys, fixed)
    # independent: the sweep's kernel, compiled for this pair of axes with the rest folded in
    ds = sweep(model, {x: xs, y: ys}, fixed)
    ge = ds["general_equilibrium"].transpose(y, x).values
    structures = [s.name for s in studied_structures(model)]
    expected = np.full(ge.shape, -1)
    for i, s in enumerate(structures):
        expected[ge == s] = i
    assert np.array_equal(codes, expected)
    # and the general solver at a few points
    rng = np.random.default_rng(3)
    for _ in range(5):
        i, j = rng.integers(len(xs)), rng.integers(len(ys))
        sol = solve(model, {**fixed, x: float(xs[i]), y: float(ys[j])})
        got = codes[j, i]
        assert (structures[got] if got >= 0 else None) == sol.general_equilibrium


@pytest.mark.parametrize("name", [SEED, EXTENSION, "yang-ng-1993-three-goods"])
def test_a_path_on_the_model_kernel_is_the_path_on_its_own_kernel(name):
    model = im.load_model(name)
    p = model.parameters[0]
    hi = min(p.domain.upper, 3.0)
    fixed = {"F": 0.1, "b": 0.1, "t": 0.2} if name == SEED else {}
    ours = structure_path(model, p.name, 0.01, hi, fixed, closed_forms=False,
                          kernel=lambda grid: kernels.axis_view(model, grid))
    theirs = structure_path(model, p.name, 0.01, hi, fixed, closed_forms=False)
    assert [(s.before, s.after, s.kind) for s in ours.switches] == [(s.before, s.after, s.kind) for s in theirs.switches]
    for a, b in zip(ours.switches, theirs.switches, strict=True):
        assert a.value == pytest.approx(b.value, rel=1e-12, abs=1e-14)


def test_the_seed_path_switches_at_the_hand_derived_k_star():
    model = im.load_model(SEED)
    F, b, t = 0.1, 0.1, 0.2
    out = views.path(model, "K", 0.01, 1.0, {"F": F, "b": b, "t": t})
    income = [s for s in out["switches"] if s["kind"] == "income"]
    assert [(s["before"], s["after"]) for s in income] == [("A", "PC")]
    assert income[0]["value"] == pytest.approx(k_star(F, b) / (1 - t), rel=1e-12)
    # its closed form, found by SymPy, is written as K* and as k* = (1 - t) K*
    found = views.formulas(model, "K", {"F": F, "b": b, "t": t},
                           [{"before": "A", "after": "PC", "value": income[0]["value"]}])
    forms = found["switches"][0]["forms"]
    assert [f["symbol"] for f in forms] == ["K^*", "k^*"]
    # k* depends on F and b only, and is the hand derivation (the text is the engine's, not a user's)
    k_form = sp.sympify(forms[1]["text"], locals={"F": sp.Symbol("F", positive=True), "b": sp.Symbol("b", positive=True)})
    assert {s.name for s in k_form.free_symbols} == {"F", "b"}
    assert float(k_form.subs({s: {"F": F, "b": b}[s.name] for s in k_form.free_symbols})) == pytest.approx(k_star(F, b))
    # a value that no candidate equals gets no formula rather than a wrong one
    wrong = views.formulas(model, "K", {"F": F, "b": b, "t": t}, [{"before": "A", "after": "PC", "value": 0.5}])
    assert wrong["switches"][0]["forms"] is None


def test_income_curves_are_the_point_solves():
    model = im.load_model(EXTENSION)
    fixed = {"t": 0.1}
    xs = np.array([0.05, 0.3, 0.55, 0.8, 1.0])
    logs = kernels.log_income_curves(model, "K", xs, fixed)
    names = [s.name for s in studied_structures(model)]
    for j, x in enumerate(xs):
        sol = solve(model, {**fixed, "K": float(x)})
        for i, n in enumerate(names):
            ce = sol.structures[n]
            if ce.exists:
                assert math.exp(logs[i, j]) == pytest.approx(ce.per_capita_real_income, rel=1e-9)
            else:
                assert logs[i, j] == -np.inf
    curves = views.income_curves(model, "K", 0.05, 1.0, fixed, [0.4321])
    assert 0.4321 in curves["x"]  # switch points are on the curve's grid: the envelope's kinks are exact
    assert set(curves["income"]) == set(names)


def test_dependencies_leave_out_a_parameter_no_structure_uses():
    text = SMALL_MODEL_WITH_UNUSED
    model = read_model_text(text)
    assert kernels.dependencies(model) == frozenset({"k", "a"})
    assert kernels.relevant(model, {"k": 0.5, "a": 1.5, "c": 3.0}) == (("a", 1.5), ("k", 0.5))
    assert kernels.dependencies(im.load_model(SEED)) == frozenset(p.name for p in im.load_model(SEED).parameters)


#: The README's two-good model with one more parameter that no technology uses.
SMALL_MODEL_WITH_UNUSED = SMALL_MODEL.replace("[goods.x]", """[parameters.c]
default = 2.0
domain = "(0, inf)"
description = "used by no technology"

[goods.x]""", 1)


def test_notation_gathers_exponentials_and_writes_derived_parameters():
    x, y = sp.symbols("x y", positive=True)
    assert sp.simplify(notation.tidy(sp.exp(2 * sp.log(x) / 3) * sp.exp(sp.log(y))) - x ** sp.Rational(2, 3) * y) == 0
    assert not notation.tidy(sp.exp(2 * sp.log(x) / 3) * sp.exp(sp.log(y))).has(sp.exp)
    model = im.load_model(SEED)
    K, t, F, b = (model.parameter(n).symbol for n in ("K", "t", "F", "b"))
    expr = (1 - t) * K * (1 - F) * (1 - b) / 4
    form = notation.paper_form(model, expr)
    assert sp.Symbol("k", positive=True) in form.free_symbols and K not in form.free_symbols
    # the same number: k written back in is (1 - t) K
    back = form.xreplace(model.derived_substitution())
    values = {K: 0.7, t: 0.2, F: 0.1, b: 0.3}
    assert float(back.subs(values)) == pytest.approx(float(expr.subs(values)), rel=1e-14)


def test_non_existence_reads_in_economics_words_with_the_details_kept():
    model = im.load_model(SEED)
    payload = solution_payload(model, solve(model, {"alpha": 1.5}))
    pa = next(s for s in payload["structures"] if s["name"] == "PA")
    assert not pa["exists"]
    assert "demand for z is unbounded" in pa["reason"] and "roundabout technology of x" in pa["reason"]
    assert "dual weight" in pa["reason_details"] and "dual weight" not in pa["reason"]
    b = next(s for s in payload["structures"] if s["name"] == "B")
    if not b["exists"] and "labour" in b["reason_details"]:
        assert "one unit of labour" in b["reason"]


def test_printed_results_at_a_point_are_the_paper_formulas():
    model = im.load_model(SEED)
    F, b, t, K = 0.1, 0.2, 0.25, 0.8
    axis = {"lo": 0.05, "hi": 0.95, "n": 9}
    out = views.printed(model, {"name": "K", **axis}, {"name": "t", **axis}, {"name": "K", "lo": 0.05, "hi": 1.0},
                        {"F": F, "b": b, "t": t, "K": K})
    k = (1 - t) * K
    # the paper prints A and PC as the textbook's (and the model's) incomes
    assert out["at_point"]["A"] == pytest.approx((1 - F - b) ** 2 / 4, rel=1e-12)
    assert out["at_point"]["PC"] == pytest.approx(k * (1 - F) * (1 - b) / 4, rel=1e-12)
    # the printed phase diagram is the highest printed income at each point
    i, j = 4, 2
    at = views.printed(model, {"name": "K", **axis}, {"name": "t", **axis}, {"name": "K", "lo": 0.05, "hi": 1.0},
                       {"F": F, "b": b, "K": out["phase"]["x"]["values"][i], "t": out["phase"]["y"]["values"][j]})
    best = max((v, n) for n, v in at["at_point"].items() if v is not None)[1]
    assert out["phase"]["structures"][out["phase"]["codes"][j][i]] == best
    assert {f["structure"] for f in out["formulas"]} == set(out["structures"])


def test_model_payload_carries_the_one_colour_of_each_structure():
    from inframarginal.phase import structure_colour

    payload = model_payload(SEED, im.load_model(SEED))
    assert payload["printed"] is True
    assert all(s["colour"] == structure_colour(s["name"]) for s in payload["structures"])
    assert model_payload("x", im.load_model("yang-2001-specialization"))["printed"] is False


def test_formulas_and_printed_endpoints(client):
    body = {"model": SEED, "name": "K", "values": {"F": 0.1, "b": 0.1, "t": 0.2},
            "switches": [{"before": "A", "after": "PC", "value": k_star(0.1, 0.1) / 0.8}]}
    response = client.post("/api/path/formulas", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["switches"][0]["forms"][0]["symbol"] == "K^*"
    bad = client.post("/api/path/formulas", json={**body, "switches": [{"before": "A", "after": "ZZ", "value": 0.5}]})
    assert bad.status_code == 400 and "ZZ" in bad.json()["error"]
    axis = {"lo": 0.05, "hi": 0.95, "n": 20}
    printed = {"model": SEED, "x": {"name": "K", **axis}, "y": {"name": "t", **axis},
               "path": {"name": "K", "lo": 0.05, "hi": 1.0}, "values": {}}
    response = client.post("/api/printed", json=printed)
    assert response.status_code == 200, response.text
    assert set(response.json()["at_point"]) == {"A", "B", "PA", "PB", "PC", "CCA", "CCB"}
    other = client.post("/api/printed", json={**printed, "model": "yang-2001-specialization",
                                              "x": {"name": "k", **axis}, "y": {"name": "a", "lo": 1.1, "hi": 3, "n": 20},
                                              "path": {"name": "k", "lo": 0.05, "hi": 1.0}})
    assert other.status_code == 400 and "no printed results" in other.json()["error"]
    path = client.post("/api/path", json={"model": SEED, "name": "K", "lo": 0.01, "hi": 1.0, "values": {}})
    data = path.json()
    assert set(data["curves"]["income"]) == {"A", "B", "PA", "PB", "PC", "CCA", "CCB"}
    assert data["depends_on"] == sorted(p.name for p in im.load_model(SEED).parameters)


def test_a_report_folder_without_its_report_is_refused_before_any_worker_starts(tmp_path):
    from inframarginal.errors import InframarginalError
    from inframarginal.web import create_app

    with pytest.raises(InframarginalError, match="no report.html"):
        create_app(SEED, warm=False, report_dir=tmp_path)


def test_phase_of_a_model_without_closed_forms_uses_the_sweeps_codes(twin_model):
    """No compiled kernel: the phase comes from a numeric sweep, its codes passed on as they are.
    Hand derivation (tests/test_numeric_only_models.py): D is the GE iff k > 4**(1 - a), else A."""
    from inframarginal.web.worker import op_phase

    model = twin_model("exp(a * log(l))")
    assert not kernels.closed(model)
    x, y = {"name": "k", "lo": 0.13, "hi": 0.97, "n": 6}, {"name": "a", "lo": 1.07, "hi": 2.3, "n": 5}
    out = op_phase(model, x, y, {})
    names = out["structures"]
    ks, as_ = np.array(out["x"]["values"]), np.array(out["y"]["values"])
    expected = [[names.index("D") if k > 4 ** (1 - a) else names.index("A") for k in ks] for a in as_]
    assert abs(np.subtract.outer(as_, 1 - np.log(ks) / np.log(4))).min() > 0.01  # no point on the boundary
    assert out["codes"] == expected
