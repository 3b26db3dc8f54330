"""Elasticities within a structure: hand derivations, closed form vs numeric vs finite differences.

Hand derivation (Yang 2001, ch. 4; the twin of yang-2001-specialization): x = l^a, y = l^a,
u = x y, trading efficiency k.  Autarky A: l_x = l_y = 1/2, so u_A = 2^(-2a),
log u_A = -2a log 2 and e(u_A, a) = a d log u_A/da = -2a log 2, e(u_A, k) = 0.
Division of labour D = (x/y)(y/x): a specialist in x produces 1, keeps 1/2 and sells 1/2,
receives k/2 of y: u_D = k/4, whatever a; by symmetry p_x/p_y = 1 and M_x/M_y = 1.  So
e(u_D, k) = 1 and every other elasticity of D is 0.

With a fixed learning cost instead (yang-2001-fixed-learning: x = l - b, y = l - b), autarky
spends b twice: u_A = ((1 - 2b)/2)^2, so e(u_A, b) = 2 b d log(1 - 2b)/db = -4b/(1 - 2b).  A
specialist spends it once, produces 1 - b and trades half: u_D = k ((1 - b)/2)^2, so
e(u_D, b) = -2b/(1 - b) and e(u_D, k) = 1; by symmetry prices and numbers stay equal (0).
"""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.cli import main
from inframarginal.configurations import studied_structures
from inframarginal.elasticities import (
    CLOSED_FORM,
    IMPLICIT,
    INCOME,
    SEMI,
    UNDEFINED,
    Elasticity,
    elasticities,
    format_value,
)
from inframarginal.equilibrium import corner_equilibrium


@pytest.mark.parametrize("output, method", [("l**a", CLOSED_FORM), ("exp(a * log(l))", IMPLICIT)])
@pytest.mark.parametrize("k, a", [(0.6, 1.5), (0.3, 2.2)])
def test_hand_derived_elasticities_of_autarky_and_division_of_labour(twin_model, output, method, k, a):
    e = elasticities(twin_model(output), {"k": k, "a": a})
    autarky, division = e.structures["A"], e.structures["D"]
    assert autarky.quantities == (INCOME,)
    assert autarky[INCOME, "a"].value == pytest.approx(-2 * a * math.log(2), rel=1e-8)
    assert autarky[INCOME, "k"].value == pytest.approx(0.0, abs=1e-9)
    assert set(division.quantities) == {INCOME, "p_x/p_y", "M_x/M_y"}
    assert division[INCOME, "k"].value == pytest.approx(1.0, rel=1e-8)
    for q in division.quantities:
        for p in ("k", "a"):
            if (q, p) != (INCOME, "k"):
                assert division[q, p].value == pytest.approx(0.0, abs=1e-8), (q, p)
    assert {x.method for s in e.structures.values() for x in s.entries} == {method}
    assert all(x.kind == "elasticity" for s in e.structures.values() for x in s.entries)


@pytest.mark.parametrize("method", ["symbolic", "numeric"])
@pytest.mark.parametrize("k, b", [(0.7, 0.2), (0.4, 0.05)])
def test_hand_derived_elasticities_with_a_fixed_learning_cost(method, k, b):
    e = elasticities(im.load_model("yang-2001-fixed-learning"), {"k": k, "b": b}, method=method)
    assert e.structures["A"][INCOME, "b"].value == pytest.approx(-4 * b / (1 - 2 * b), rel=1e-8)
    assert e.structures["A"][INCOME, "k"].value == pytest.approx(0.0, abs=1e-9)
    d = e.structures["D"]
    assert d[INCOME, "b"].value == pytest.approx(-2 * b / (1 - b), rel=1e-8)
    assert d[INCOME, "k"].value == pytest.approx(1.0, rel=1e-8)
    for q in ("p_x/p_y", "M_x/M_y"):
        for p in ("k", "b"):
            assert d[q, p].value == pytest.approx(0.0, abs=1e-8)
    assert d.methods == ((CLOSED_FORM,) if method == "symbolic" else (IMPLICIT,))


def _random_point(model, rng, spread=0.3):
    """A random admissible point near the defaults (each default scaled by 1 +- spread)."""
    for _ in range(200):
        values = {}
        for p in model.parameters:
            v = p.default * (1 + spread * rng.uniform(-1, 1)) if p.default else rng.uniform(0, 0.3)
            values[p.name] = v
        try:
            return model.check_parameters(values)
        except im.InframarginalError:
            continue
    raise AssertionError("no admissible point found")


def _log_quantities(model, structure, values, method):
    ce = corner_equilibrium(model, structure, values, method)
    if not ce.exists:
        return None
    out = {INCOME: ce.log_income}
    out.update({f"p_{g}/p_{ce.numeraire}": math.log(p) for g, p in ce.prices.items() if g != ce.numeraire})
    out.update({q: math.log(v) for q, v in ce.relative_numbers.items()})
    return out


def _finite_difference(model, structure, values, parameter, method, h=1e-5):
    """Central differences of the corner equilibrium: d log f/d log theta (d log f/d theta at 0)."""
    theta = values[parameter]
    step = h * abs(theta) if theta else h
    ups, downs = dict(values), dict(values)
    ups[parameter], downs[parameter] = theta + step, theta - step
    try:
        up = _log_quantities(model, structure, model.check_parameters(_base(model, ups)), method)
        down = _log_quantities(model, structure, model.check_parameters(_base(model, downs)), method)
    except im.InframarginalError:
        return None  # a step leaves the domain
    if up is None or down is None:
        return None
    scale = theta if theta else 1.0
    return {q: scale * (up[q] - down[q]) / (2 * step) for q in up}


def _base(model, values):
    return {p.name: values[p.name] for p in model.parameters}


@pytest.mark.parametrize("name", ["li-ke-2020", "yang-2001-specialization", "yang-2001-fixed-learning",
                                  "yang-2001-roundabout", "yang-ng-1993-three-goods"])
def test_closed_form_numeric_and_finite_differences_agree(name):
    model = im.load_model(name)
    rng = np.random.default_rng(sum(map(ord, name)))
    compared = total = 0
    for _ in range(2):
        values = _random_point(model, rng)
        closed = elasticities(model, values)
        numeric = elasticities(model, values, method="numeric")
        for structure in studied_structures(model):
            c, n = closed.structures[structure.name], numeric.structures[structure.name]
            assert c.exists == n.exists
            if not c.exists:
                continue
            assert c.methods == (CLOSED_FORM,) and n.methods == (IMPLICIT,)
            assert c.quantities == n.quantities
            for p in model.parameters:
                fd = _finite_difference(model, structure, values, p.name, "symbolic")
                for q in c.quantities:
                    a, b = c[q, p.name], n[q, p.name]
                    total += 1
                    assert a.value == pytest.approx(b.value, rel=1e-6, abs=1e-7), (structure.name, q, p.name)
                    if fd is not None:
                        assert a.value == pytest.approx(fd[q], rel=1e-5, abs=1e-6), (structure.name, q, p.name)
                        compared += 1
    assert compared >= 0.8 * total > 0  # finite differences only where both steps stay admissible


def test_numeric_only_model_matches_finite_differences_of_its_numeric_equilibrium():
    # yang-2001-fixed-learning with x = (l - b)(1 + l): not a power form, so numeric only,
    # and (unlike l^a) elasticities that vary with the point
    spec = dict(im.load_model("yang-2001-fixed-learning").spec)
    spec.update(model={"name": "numeric-twin"},
                technologies={g: [{"output": "(l - b) * (1 + l)"}] for g in ("x", "y")})
    numeric_model = im.build_model(spec)
    assert all(t.power_form is None for t in numeric_model.technologies)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(2):
        values = _random_point(numeric_model, rng)
        e = elasticities(numeric_model, values)
        for structure in studied_structures(numeric_model):
            s = e.structures[structure.name]
            if not s.exists:
                continue
            assert s.methods == (IMPLICIT,)
            for p in numeric_model.parameters:
                fd = _finite_difference(numeric_model, structure, values, p.name, "numeric", h=1e-4)
                if fd is None:
                    continue
                for q in s.quantities:
                    assert s[q, p.name].value == pytest.approx(fd[q], rel=1e-4, abs=1e-5), (structure.name, q)
                    checked += 1
    assert checked >= 4


def test_a_parameter_at_zero_gives_the_semi_elasticity():
    model = im.load_model("li-ke-2020")
    values = {"K": 0.9, "t": 0.0, "F": 0.05, "b": 0.05}
    e = elasticities(model, values)
    checked = model.check_parameters(values)
    for structure in studied_structures(model):
        s = e.structures[structure.name]
        if not s.exists:
            continue
        fd = _finite_difference(model, structure, checked, "t", "symbolic")
        for q in s.quantities:
            entry = s[q, "t"]
            assert entry.kind == SEMI and "t = 0" in entry.note
            # income depends on t and K only through k = (1 - t) K: d log u/dt = -K d log u/dk = -e(u, K)/(1 - t)
            assert entry.value == pytest.approx(-s[q, "K"].value, abs=1e-9)
            if fd is not None:
                assert entry.value == pytest.approx(fd[q], rel=1e-5, abs=1e-6)


def test_no_silent_nan_and_structures_that_do_not_exist_say_why():
    e = elasticities(im.load_model("li-ke-2020"))
    for s in e.structures.values():
        if not s.exists:
            assert s.reason and not s.entries
        for x in s.entries:
            assert (x.value is None) == (x.kind == UNDEFINED)
            assert x.value is None or math.isfinite(x.value)
    undefined = Elasticity("q", "p", None, UNDEFINED, CLOSED_FORM, "why")
    assert format_value(undefined) == "undefined"
    ds = e.structures["CCA"].to_xarray()
    assert ds["value"].dims == ("quantity", "parameter")
    assert float(ds["value"].sel(quantity=INCOME, parameter="K")) == e.structures["CCA"][INCOME, "K"].value
    every = e.to_xarray()
    assert every["value"].dims == ("structure", "quantity", "parameter")
    assert float(every["value"].sel(structure="CCA", quantity="M_y/M_z", parameter="alpha")) == \
        e.structures["CCA"]["M_y/M_z", "alpha"].value
    assert str(every["kind"].sel(structure="A", quantity="M_y/M_z", parameter="alpha").item()) == "absent"


def test_closed_form_formula_of_an_entry():
    # the closed form of an entry, evaluated at the point, is the number given
    model = im.load_model("li-ke-2020")
    e = elasticities(model, {"K": 0.7, "t": 0.1})
    entry = e.structures["PC"][INCOME, "K"]
    assert entry.formula is not None
    values = model.check_parameters({"K": 0.7, "t": 0.1})
    number = float(entry.formula.xreplace({model.symbols[p.name]: values[p.name] for p in model.parameters}))
    assert number == pytest.approx(entry.value, rel=1e-12)


def test_closed_form_over_its_budget_falls_back_to_the_implicit_function_theorem(monkeypatch):
    import importlib

    el = importlib.import_module("inframarginal.elasticities")  # the module (the package attribute is the function)
    model = im.load_model("li-ke-2020")
    values = {"K": 0.9, "t": 0.1}
    closed = elasticities(model, values, structures=["PA"]).structures["PA"]
    el.closed_form_log_slopes.cache_clear()
    el._compiled_slopes.cache_clear()
    monkeypatch.setattr(el, "symbolic_seconds", lambda: 1e-4)
    try:
        fallback = elasticities(model, values, structures=["PA"]).structures["PA"]
    finally:
        el.closed_form_log_slopes.cache_clear()
        el._compiled_slopes.cache_clear()
    assert fallback.methods == (IMPLICIT,)
    assert all("took too long" in e.note for e in fallback.entries)
    for e in closed.entries:
        assert fallback[e.quantity, e.parameter].value == pytest.approx(e.value, rel=1e-6, abs=1e-8)


def test_unknown_method_is_a_one_line_error():
    with pytest.raises(im.InframarginalError, match="method='x'"):
        elasticities(im.load_model("yang-2001-specialization"), method="x")


def test_cli_table_and_json():
    runner = CliRunner()
    result = runner.invoke(main, ["solve", "yang-2001-specialization", "--set", "k=0.6", "--set", "a=1.5",
                                  "--elasticities"])
    assert result.exit_code == 0, result.output
    assert "Elasticities" in result.output and "per-capita real income" in result.output
    # autarky: -2 a log 2 = -2.079
    assert "-2.079" in result.output
    result = runner.invoke(main, ["solve", "yang-2001-specialization", "--set", "k=0.6", "--set", "a=1.5",
                                  "--elasticities", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    entry = data["elasticities"]["structures"]["A"]["elasticities"][INCOME]["a"]
    assert entry["value"] == pytest.approx(-3 * math.log(2), rel=1e-12)
    assert entry["kind"] == "elasticity" and entry["method"] == CLOSED_FORM
    d = data["elasticities"]["structures"]["D"]["elasticities"]
    assert d[INCOME]["k"]["value"] == pytest.approx(1.0, rel=1e-12)


def test_cli_refuses_elasticities_with_a_search_or_latex():
    for extra in (["--method", "search"], ["--format", "latex"]):
        result = CliRunner().invoke(main, ["solve", "yang-2001-specialization", "--elasticities", *extra])
        assert result.exit_code == 2
        assert "--elasticities takes --method symbolic or numeric" in result.output


def test_notebook_display_holds_every_table():
    e = elasticities(im.load_model("yang-2001-specialization"), {"k": 0.6, "a": 1.5})
    html = e._repr_html_()
    assert html.count("<table>") == 2 and "-2.079" in html  # autarky: -2 a log 2
    assert "Elasticities (d log f / d log theta)" in repr(e)


def test_api_export():
    assert im.elasticities is elasticities
    assert "elasticities" in dir(im)
