"""The classic built-in models against their closed forms in Yang's books.

Each model's published results are written below as plain Python formulas, derived by hand
from the model as the books do (Cobb-Douglas demands, utility equalization, market
clearing), never from the engine's output.  Both the symbolic path (closed forms, relative
1e-9) and the independent numeric path (relative 1e-6) must reproduce them, and the
general equilibrium must switch where the published inequalities say.

Sources (chapters as best located; the books were not at hand when this was written, so
every formula below was re-derived by hand from the model, step by step in the comments,
and the chapter references should be checked against the printed pages).  Models 1 and 2
are the books' two-good examples; models 3 and 4 are the books' three-good and roundabout
set-ups in the forms stated in their model files:

* Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*. Blackwell.
* Yang, X. and Ng, Y.-K. (1993). *Specialization and Economic Organization*. North-Holland.
* Sachs, J. D. and Yang, X. (2003). *Economic Development and the Division of Labor*.
  Blackwell, ch. 4.2 (Smithian model, x = l^a), ch. 5 (fixed learning costs).

Notation: k trading efficiency; p_g the price of g relative to the numeraire (the last
traded good in the model's order of goods); M_g/M_n the number of sellers of g relative to
sellers of the numeraire n.
"""

import math

import pytest

import inframarginal as im
from inframarginal.configurations import find_structure
from inframarginal.equilibrium import corner_equilibrium

# ---------------------------------------------------------------------------------------
# 1. yang-2001-specialization: u = x y, x = l^a, y = l^a (Yang 2001, Part II; Sachs and
#    Yang 2003, sec. 4.2).  Autarky: l_x = l_y = 1/2, u_A = 2^(-2a).  (x/y): output 1,
#    half consumed, half sold: u = k (px/py) / 4; (y/x): u = k (py/px) / 4.  Utility
#    equalization: px/py = 1, u_D = k/4; market clearing: M_x/M_y = 1.
#    D is the general equilibrium iff k/4 > 2^(-2a), i.e. k > 4^(1 - a).


def specialization(p):
    k, a = p["k"], p["a"]
    return {
        "A": {"u": 2 ** (-2 * a)},
        "D": {"u": k / 4, "prices": {"x": 1.0, "y": 1.0}, "relative_numbers": {"M_x/M_y": 1.0}},
    }


def specialization_threshold(p):
    return {"k": 4 ** (1 - p["a"]), "below": "A", "above": "D"}


# ---------------------------------------------------------------------------------------
# 2. yang-2001-fixed-learning: u = x y, x = l - b, y = l - b (Yang 2001, Part II; Sachs and
#    Yang 2003, ch. 5).  Autarky: l_x - b = l_y - b = (1 - 2b)/2, u_A = ((1 - 2b)/2)^2.
#    (x/y): output 1 - b, u = k (px/py)(1 - b)^2 / 4; symmetric (y/x): px/py = 1,
#    u_D = k (1 - b)^2 / 4, M_x/M_y = 1.  D iff k > ((1 - 2b)/(1 - b))^2.


def fixed_learning(p):
    k, b = p["k"], p["b"]
    return {
        "A": {"u": ((1 - 2 * b) / 2) ** 2},
        "D": {"u": k * (1 - b) ** 2 / 4, "prices": {"x": 1.0, "y": 1.0}, "relative_numbers": {"M_x/M_y": 1.0}},
    }


def fixed_learning_threshold(p):
    return {"k": ((1 - 2 * p["b"]) / (1 - p["b"])) ** 2, "below": "A", "above": "D"}


# ---------------------------------------------------------------------------------------
# 3. yang-ng-1993-three-goods: u = x y z, every good l - b (Yang and Ng 1993; Yang 2001,
#    Part II: autarky, partial and complete division of labour).
#    A: each good (1 - 3b)/3, u_A = ((1 - 3b)/3)^3.
#    P = (xz/y), (yz/x): the x-seller keeps z = (1 - 2b)/3 and X = 2(1 - 2b)/3 of x, half
#    sold: u = k (px/py)(1 - 2b)^3 / 27; symmetric, so px/py = 1, M_x/M_y = 1,
#    u_P = k (1 - 2b)^3 / 27.
#    C = (x/yz), (y/xz), (z/xy): output 1 - b, a third consumed, a third traded for each
#    other good: u_C = k^2 (1 - b)^3 / 27, all prices 1, all numbers 1/3.
#    General equilibrium: A for k < ((1 - 3b)/(1 - 2b))^3, P up to ((1 - 2b)/(1 - b))^3,
#    C above (the first bound is below the second for every b in (0, 1/3)).


def three_goods(p):
    k, b = p["k"], p["b"]
    return {
        "A": {"u": ((1 - 3 * b) / 3) ** 3},
        "P": {"u": k * (1 - 2 * b) ** 3 / 27, "prices": {"x": 1.0, "y": 1.0},
              "relative_numbers": {"M_x/M_y": 1.0}},
        "C": {"u": k**2 * (1 - b) ** 3 / 27, "prices": {"x": 1.0, "y": 1.0, "z": 1.0},
              "relative_numbers": {"M_x/M_z": 1.0, "M_y/M_z": 1.0},
              "numbers": {"(x/yz)": 1 / 3, "(y/xz)": 1 / 3, "(z/xy)": 1 / 3}},
    }


def three_goods_thresholds(p):
    b = p["b"]
    return [{"k": ((1 - 3 * b) / (1 - 2 * b)) ** 3, "below": "A", "above": "P"},
            {"k": ((1 - 2 * b) / (1 - b)) ** 3, "below": "P", "above": "C"}]


# ---------------------------------------------------------------------------------------
# 4. yang-2001-roundabout: u = x y; x = z^alpha l^a, y = l^a, z = l^a (roundabout
#    production with an intermediate good, Yang 2001 Part IV; Yang and Ng 1993).
#    A: Cobb-Douglas in labour with shares alpha : 1 : 1 for z, x, y:
#       u_A = alpha^(a alpha) (2 + alpha)^(-a (2 + alpha)).
#    P1 = (xz/y), (y/x): the x-seller's gross output X = alpha^(a alpha) (1 + alpha)^(-a (1 + alpha));
#       u = k (px/py) X^2 / 4 = k (py/px) / 4 gives px/py = 1/X, u_P1 = k X / 4, M_x/M_y = 1.
#    P2 = (xy/z), (zy/x), numeraire z, q = pz/px: (zy/x) gives u = k q 4^(-a); (xy/z) buys z
#       and keeps l_x = 1/(2 - alpha): u = (1 - alpha)^(1 + a) (alpha k / q)^(alpha/(1 - alpha))
#       (2 - alpha)^(-a (2 - alpha)/(1 - alpha)).  Equal utilities:
#       q = (1-alpha)^((1+a)(1-alpha)) 4^(a(1-alpha)) k^(2 alpha - 1) alpha^alpha (2-alpha)^(-a(2-alpha)),
#       u_P2 = k q 4^(-a); z market: M_x/M_z = 2^(-a) / z_d with
#       z_d = (alpha k^alpha (2 - alpha)^(-a) / q)^(1/(1 - alpha)).
#    C = (x/yz), (y/x), (z/xy), numeraire z: (y/x) and (z/xy) give py/pz = sqrt(k);
#       px/pz = P = (1-alpha)^(alpha-1) alpha^(-alpha) k^((1-alpha)/2 - alpha);
#       u_C = alpha^alpha (1 - alpha)^(1 - alpha) k^(1 + 3 alpha/2) / 4;
#       z market: M_x/M_z = 1/z_d, z_d = (alpha k^alpha P)^(1/(1 - alpha));
#       y market: M_y/M_z = M_x/M_z + k^(-1/2).


def roundabout(p):
    k, a, al = p["k"], p["a"], p["alpha"]
    X = al ** (a * al) * (1 + al) ** (-a * (1 + al))
    q = ((1 - al) ** ((1 + a) * (1 - al)) * 4 ** (a * (1 - al)) * k ** (2 * al - 1) * al**al
         * (2 - al) ** (-a * (2 - al)))
    zd_p2 = (al * k**al * (2 - al) ** (-a) / q) ** (1 / (1 - al))
    P = (1 - al) ** (al - 1) * al ** (-al) * k ** ((1 - al) / 2 - al)
    zd_c = (al * k**al * P) ** (1 / (1 - al))
    return {
        "A": {"u": al ** (a * al) * (2 + al) ** (-a * (2 + al))},
        "P1": {"u": k * X / 4, "prices": {"x": 1 / X, "y": 1.0}, "relative_numbers": {"M_x/M_y": 1.0}},
        "P2": {"u": k * q * 4 ** (-a), "prices": {"x": 1 / q, "z": 1.0},
               "relative_numbers": {"M_x/M_z": 2 ** (-a) / zd_p2}},
        "C": {"u": al**al * (1 - al) ** (1 - al) * k ** (1 + 1.5 * al) / 4,
              "prices": {"x": P, "y": math.sqrt(k), "z": 1.0},
              "relative_numbers": {"M_x/M_z": 1 / zd_c, "M_y/M_z": 1 / zd_c + k**-0.5}},
    }


CASES = {
    "yang-2001-specialization": (specialization, [
        dict(k=0.6, a=1.5), dict(k=0.2, a=1.2), dict(k=0.9, a=2.5), dict(k=1.0, a=1.05)]),
    "yang-2001-fixed-learning": (fixed_learning, [
        dict(k=0.7, b=0.2), dict(k=0.3, b=0.05), dict(k=0.95, b=0.45), dict(k=0.5, b=0.3)]),
    "yang-ng-1993-three-goods": (three_goods, [
        dict(k=0.7, b=0.1), dict(k=0.2, b=0.02), dict(k=0.95, b=0.3), dict(k=0.5, b=0.2)]),
    "yang-2001-roundabout": (roundabout, [
        dict(k=0.8, a=1.5, alpha=0.4), dict(k=0.3, a=1.0, alpha=0.2), dict(k=1.0, a=2.5, alpha=0.8),
        dict(k=0.55, a=2.0, alpha=0.6)]),
}

PARAMS = [(name, i) for name, (_, points) in CASES.items() for i in range(len(points))]


def assert_matches(ce, expected, rel, where):
    assert ce.exists, (where, ce.reason)
    assert ce.per_capita_real_income == pytest.approx(expected["u"], rel=rel), where
    for g, price in expected.get("prices", {}).items():
        assert ce.prices[g] == pytest.approx(price, rel=rel), (where, g)
    for key, value in expected.get("relative_numbers", {}).items():
        assert ce.relative_numbers[key] == pytest.approx(value, rel=rel), (where, key)
    for label, share in expected.get("numbers", {}).items():
        assert ce.shares[label] == pytest.approx(share, rel=rel), (where, label)


@pytest.mark.parametrize("name, i", PARAMS)
def test_symbolic_path_reproduces_the_published_closed_forms(name, i):
    published, points = CASES[name]
    model = im.load_model(name)
    sol = model.solve(points[i])
    expected = published(points[i])
    assert set(sol.structures) == set(expected)
    for sname, exp in expected.items():
        ce = sol.structures[sname]
        assert ce.method == "symbolic"
        assert_matches(ce, exp, 1e-9, (name, sname, points[i]))
        assert ce.residuals["utility equalization"] < 1e-10
        assert ce.residuals["market clearing"] < 1e-10
    # Yang's theorem: the general equilibrium is the corner equilibrium with the highest
    # per-capita real income, and it survives the total cost-benefit check.
    incomes = {s: e["u"] for s, e in expected.items()}
    best = max(incomes, key=incomes.get)
    if sorted(incomes.values())[-2] < incomes[best] * (1 - 1e-9):
        assert sol.general_equilibrium == best
    assert sol.deviation.passed


@pytest.mark.parametrize("name, i", PARAMS)
def test_numeric_path_reproduces_the_published_closed_forms(name, i):
    published, points = CASES[name]
    model = im.load_model(name)
    values = model.check_parameters(points[i])
    for sname, exp in published(points[i]).items():
        ce = corner_equilibrium(model, find_structure(model, sname), values, method="numeric")
        assert ce.method == "numeric"
        assert_matches(ce, exp, 1e-6, (name, sname, points[i]))


THRESHOLDS = [
    ("yang-2001-specialization", dict(a=a), specialization_threshold) for a in (1.1, 1.5, 2.0, 3.0)
] + [
    ("yang-2001-fixed-learning", dict(b=b), fixed_learning_threshold) for b in (0.05, 0.2, 0.4)
] + [
    ("yang-ng-1993-three-goods", dict(b=b), lambda p, j=j: three_goods_thresholds(p)[j])
    for b in (0.05, 0.15, 0.3) for j in (0, 1)
]


@pytest.mark.parametrize("name, point, threshold", THRESHOLDS)
def test_general_equilibrium_switches_where_the_published_inequality_says(name, point, threshold):
    model = im.load_model(name)
    t = threshold(point)
    assert 0 < t["k"] < 1
    for factor, side in ((1 - 1e-6, "below"), (1 + 1e-6, "above")):
        sol = model.solve({**point, "k": t["k"] * factor})
        assert sol.general_equilibrium == t[side], (point, factor)
        assert sol.deviation.passed


def test_three_goods_evolve_from_autarky_through_partial_to_complete_division_of_labour():
    model = im.load_model("yang-ng-1993-three-goods")
    path = [model.solve(k=k, b=0.1).general_equilibrium for k in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 1.0)]
    # thresholds at b = 0.1: (0.7/0.8)^3 = 0.6699 and (0.8/0.9)^3 = 0.7023
    assert path == ["A", "A", "A", "P", "C", "C", "C"]


@pytest.mark.parametrize("a, alpha", [(1.5, 0.4), (2.0, 0.7), (1.8, 0.5)])
def test_roundabout_general_equilibrium_is_the_published_best_structure_along_k(a, alpha):
    model = im.load_model("yang-2001-roundabout")
    seen = []
    for k in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        incomes = {s: e["u"] for s, e in roundabout(dict(k=k, a=a, alpha=alpha)).items()}
        best = max(incomes, key=incomes.get)
        sol = model.solve(k=k, a=a, alpha=alpha)
        assert sol.general_equilibrium == best and sol.deviation.passed
        seen.append(best)
    # Autarky at poor trading efficiency, the complete division of labour at k = 1.
    assert seen[0] == "A" and seen[-1] == "C"
    # Autarky gives way to the complete division of labour no later than where u_C = u_A.
    u_a = roundabout(dict(k=1, a=a, alpha=alpha))["A"]["u"]
    k_ac = (4 * u_a / (alpha**alpha * (1 - alpha) ** (1 - alpha))) ** (1 / (1 + 1.5 * alpha))
    assert model.solve(k=min(1.0, k_ac * 1.001), a=a, alpha=alpha).general_equilibrium != "A"


def test_every_classic_model_names_its_structures_and_documents_its_parameters():
    for name in CASES:
        model = im.load_model(name)
        assert model.references and model.description
        for p in model.parameters:
            assert p.description and p.default in p.domain
        assert {s.name for s in model.structures()} == set(CASES[name][0](model.check_parameters()))


def test_total_cost_benefit_check_finds_a_structure_the_roundabout_analysis_leaves_out():
    # With weak economies of specialization (a near 1) a z-specialist does better by also
    # producing her own y: at C's prices (py/pz = sqrt(k), px/pz = P), (zy/x) earns
    # k (pz/px) 2^(-2a) (half her labour on z sold for x, half on y), which beats u_C here.
    point = dict(k=0.55, a=1.2, alpha=0.6)
    forms = roundabout(point)
    k, a = point["k"], point["a"]
    u_zy_x = k / forms["C"]["prices"]["x"] * 2 ** (-2 * a)
    assert u_zy_x > forms["C"]["u"] == max(f["u"] for f in forms.values())
    model = im.load_model("yang-2001-roundabout")
    sol = model.solve(point)
    assert sol.general_equilibrium == "C" and not sol.deviation.passed
    assert sol.deviation.best_configuration == "(zy/x)"
    assert sol.deviation.best_utility == pytest.approx(u_zy_x, rel=1e-9)
    # The structure it points to, (x/yz) (y/x) (zy/x), beats C and survives the check.
    from inframarginal.equilibrium import deviation_check

    better = find_structure(model, "(x/yz) (y/x) (zy/x)")
    values = model.check_parameters(point)
    ce = corner_equilibrium(model, better, values, method="symbolic")
    numeric = corner_equilibrium(model, better, values, method="numeric")
    assert ce.per_capita_real_income > forms["C"]["u"]
    assert numeric.per_capita_real_income == pytest.approx(ce.per_capita_real_income, rel=1e-9)
    assert deviation_check(model, ce, values).passed


def test_numeric_path_never_reports_a_corner_equilibrium_with_unequal_utilities():
    """Near alpha = 1 the z-buying x-maker's scale is (price ratio)**(1/(1 - alpha)), far beyond
    the numeric path's reach at every price on Newton's way to the solution; the closed form
    (utility equalization and market clearing to rounding) exists there.  The numeric path
    once stopped on the way and still reported a corner equilibrium, utilities 113x apart."""
    model = im.load_model("yang-2001-roundabout")
    structure = find_structure(model, "(x/yz) (yx/z) (zy/x)")
    point = {"k": 0.5861228925666032, "a": 2.8873537557473146, "alpha": 0.9995003532543223}
    closed = corner_equilibrium(model, structure, point, "symbolic")
    assert closed.exists and max(closed.residuals.values()) < 1e-9, closed.residuals
    numeric = corner_equilibrium(model, structure, point, "numeric")
    if numeric.exists:  # only as the same equilibrium
        assert numeric.residuals["utility equalization"] < 1e-7, numeric.residuals
        assert math.isclose(numeric.per_capita_real_income, closed.per_capita_real_income, rel_tol=1e-8)
    else:
        assert "utility equalization" in numeric.reason, numeric.reason
