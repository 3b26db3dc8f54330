"""Steps 2 and 3 on the seed model, against closed forms derived by hand from the model.

Hand derivations (k = (1 - t) K, all goods Cobb-Douglas weight 1):

* A: l_x - F = l_y - b = (1 - b - F)/2, so u_A = (1 - b - F)^2 / 4.
* B: maximise z^a (l_x - F)(l_y - b) with (l_x - F) + (l_y - b) + (l_z - b) = 1 - F - 2b:
  Cobb-Douglas shares a, 1, 1 give u_B = a^a ((1 - 2b - F)/(2 + a))^(2 + a).
* PC: (x/y) sells half of 1 - F: u = k (px/py)(1-F)^2/4; (y/x): u = k (py/px)(1-b)^2/4;
  equal utilities give px/py = (1-b)/(1-F) and u = k (1-b)(1-F)/4; Mx/My = 1.
* PB: (xz/y) maximises X = z^a (l_x - F) first: X = a^a (1-b-F)^(1+a)/(1+a)^(1+a); then as in
  PC: px/py = (1-b)/X, u = k (1-b) X/4.
* CCB: (z/xy) and (y/x) give py/pz = sqrt(k). (x/yz) buys z at pz: net x after paying for z is
  N = (1-a)(a k px/pz)^(a/(1-a)) (1-F)^(1/(1-a)); u = k (px/py) N^2/4 = k (py/px)(1-b)^2/4 gives
  px/pz = (1-b)^(1-a) k^((1-a)/2 - a) / ((1-a)^(1-a) a^a (1-F)) and
  u = a^a (1-a)^(1-a) (1-b)^(1+a) (1-F) k^(1 + 3a/2) / 4.  CCA: the same with beta for a.
"""

import math

import numpy as np
import pytest

import inframarginal as im
from inframarginal.configurations import configurations
from inframarginal.equilibrium import configuration_utility, corner_equilibrium

MODEL = im.load_model("li-ke-2020")
POINTS = [
    dict(K=0.8, t=0.2, alpha=0.5, b=0.1, F=0.2, e=0.3, theta=0.2),
    dict(K=1.0, t=0.0, alpha=0.3, b=0.05, F=0.05, e=0.5, theta=0.1),
    dict(K=0.4, t=0.5, alpha=0.8, b=0.2, F=0.3, e=0.1, theta=0.5),
]


def hand(point):
    k = (1 - point["t"]) * point["K"]
    a, b, F = point["alpha"], point["b"], point["F"]
    beta = a + point["e"] - point["theta"]
    X = a**a * (1 - b - F) ** (1 + a) / (1 + a) ** (1 + a)

    def cc(a):
        return {
            "u": a**a * (1 - a) ** (1 - a) * (1 - b) ** (1 + a) * (1 - F) * k ** (1 + 1.5 * a) / 4,
            "px": (1 - b) ** (1 - a) * k ** ((1 - a) / 2 - a) / ((1 - a) ** (1 - a) * a**a * (1 - F)),
            "py": math.sqrt(k),
        }

    return {
        "A": {"u": (1 - b - F) ** 2 / 4},
        "B": {"u": a**a * ((1 - 2 * b - F) / (2 + a)) ** (2 + a)},
        "PC": {"u": k * (1 - b) * (1 - F) / 4, "px": (1 - b) / (1 - F)},
        "PB": {"u": k * (1 - b) * X / 4, "px": (1 - b) / X},
        "CCB": cc(a),
        "CCA": cc(beta),
    }


@pytest.mark.parametrize("point", POINTS)
def test_corner_equilibria_match_hand_derivations(point):
    sol = MODEL.solve(point)
    for name, expected in hand(point).items():
        ce = sol.structures[name]
        assert ce.exists, (name, ce.reason)
        assert ce.per_capita_real_income == pytest.approx(expected["u"], rel=1e-12)
        if "px" in expected:
            assert ce.prices["x"] == pytest.approx(expected["px"], rel=1e-12)
        if "py" in expected:
            assert ce.prices["y"] == pytest.approx(expected["py"], rel=1e-12)
    assert sol.structures["PC"].relative_numbers == {"M_x/M_y": pytest.approx(1.0)}


@pytest.mark.parametrize("point", POINTS)
def test_residuals_of_equilibrium_conditions_are_at_rounding_level(point):
    for ce in MODEL.solve(point).structures.values():
        assert ce.residuals["utility equalization"] < 1e-12
        assert ce.residuals["market clearing"] < 1e-12
        # every person's plan uses all labour and meets the budget
        for plan in ce.plans:
            assert sum(plan.labour.values()) == pytest.approx(1.0, rel=1e-12)
            spend = sum(ce.prices[g] * q for g, q in plan.bought.items())
            earn = sum(ce.prices[g] * q for g, q in plan.sold.items())
            assert spend == pytest.approx(earn, rel=1e-12)


def test_bought_input_under_increasing_returns_has_no_corner_equilibrium():
    sol = MODEL.solve(alpha=1.2)
    for name in ("PA", "CCB"):
        ce = sol.structures[name]
        assert not ce.exists
        assert "without bound" in ce.reason and ce.per_capita_real_income is None
    # the numeric path agrees that the x-producer's problem is unbounded
    numeric = corner_equilibrium(MODEL, next(s for s in MODEL.structures() if s.name == "CCB"),
                                 MODEL.check_parameters(alpha=1.2), method="numeric")
    assert not numeric.exists and "without bound" in numeric.reason


def test_fixed_costs_that_exhaust_labour():
    sol = MODEL.solve(F=0.6, b=0.45)
    assert not sol.structures["A"].exists
    assert "cannot cover the fixed costs" in sol.structures["A"].reason


def sample(model, rng):
    values = {}
    for p in model.parameters:
        lo, hi = p.domain.lower, p.domain.upper
        if not math.isfinite(hi):
            lo, hi = lo, lo + 2.0 if lo > 0 else 2.0
        width = hi - lo
        values[p.name] = float(rng.uniform(lo + 0.05 * width, hi - 0.05 * width))
    return values


@pytest.mark.parametrize("name", sorted(im.builtin_models()))
def test_symbolic_and_numeric_paths_agree_at_50_random_points(name):
    model = im.load_model(name)
    rng = np.random.default_rng(2020)
    compared = 0
    for _ in range(50):
        values = model.check_parameters(sample(model, rng))
        for structure in model.structures():
            sym = corner_equilibrium(model, structure, values, "symbolic")
            num = corner_equilibrium(model, structure, values, "numeric")
            if not sym.exists:
                assert not num.exists or num.per_capita_real_income < 1e-300, (structure.name, values)
                continue
            assert num.exists, (structure.name, dict(values), num.reason)
            compared += 1
            assert num.per_capita_real_income == pytest.approx(sym.per_capita_real_income, rel=1e-9)
            for g, p in sym.prices.items():
                assert num.prices[g] == pytest.approx(p, rel=1e-9)
            for label, share in sym.shares.items():
                assert num.shares[label] == pytest.approx(share, rel=1e-9)
    assert compared >= 50


@pytest.mark.parametrize("point", POINTS)
def test_general_equilibrium_is_the_best_corner_and_survives_every_deviation(point):
    sol = MODEL.solve(point)
    incomes = {n: ce.per_capita_real_income for n, ce in sol.structures.items() if ce.exists}
    assert sol.general_equilibrium == max(incomes, key=incomes.get)
    ge = sol.structures[sol.general_equilibrium]
    assert sol.deviation.passed and sol.deviation.gain <= 1e-9
    # independent total cost-benefit analysis: every configuration trading only priced goods
    values = MODEL.check_parameters(point)
    for config in configurations(MODEL):
        if {config.sells, *config.buys} - {None} <= set(ge.prices):
            assert configuration_utility(MODEL, config, values, ge.prices) <= ge.per_capita_real_income * (1 + 1e-9)


def test_a_corner_equilibrium_that_is_not_general_fails_the_deviation_check():
    from inframarginal.equilibrium import deviation_check

    point = dict(K=1.0, t=0.0, alpha=0.5, b=0.05, F=0.05)
    sol = MODEL.solve(point)
    assert sol.general_equilibrium == "PC"
    pb = sol.structures["PB"]
    check = deviation_check(MODEL, pb, MODEL.check_parameters(point))
    assert not check.passed and check.gain > 0


def test_results_read_well_in_a_terminal_and_in_jupyter():
    sol = MODEL.solve(K=1.0, t=0.0, F=0.05, b=0.05)
    assert "* PC" in repr(sol) and "deviation check passed" in repr(sol)
    assert "<b>PC</b>" in sol._repr_html_()
    assert "p_x=" in repr(sol.structures["PC"]) and "<table>" in sol.structures["PC"]._repr_html_()
    assert "does not exist" in repr(MODEL.solve(alpha=1.5).structures["CCB"])


def test_cluster_with_constant_returns_in_the_bought_input_does_not_exist():
    # beta = alpha + e - theta = 1 exactly: the closed forms meet 0 ** negative powers there;
    # the result must say the corner equilibrium does not exist, not raise.
    sol = MODEL.solve(alpha=0.9, e=0.3, theta=0.2)
    assert sol.parameters["beta"] == pytest.approx(1.0)
    assert not sol.structures["CCA"].exists and "without bound" in sol.structures["CCA"].reason
    from inframarginal.path import structure_path

    path = structure_path(MODEL, "K", 0.1, 1.0, {"alpha": 0.9, "e": 0.3, "theta": 0.2})
    assert [s for *_, s in path.segments] == ["A", "PC"]
    for lo, hi, name in path.segments:  # each segment's structure is the one-point solver's
        assert MODEL.solve(K=(lo + hi) / 2, alpha=0.9, e=0.3, theta=0.2).general_equilibrium == name


def test_envelope_price_elasticities_match_finite_differences():
    # The numeric path's Newton step uses d log u / d log p from the budget multiplier
    # (envelope theorem); compare with re-solving the person's problem at shifted prices.
    from inframarginal.configurations import resolve_configuration
    from inframarginal.numeric import individual_optimum

    values = MODEL.check_parameters(K=0.7, alpha=0.4)
    prices = {"x": 2.5, "y": 0.8, "z": 1.0}
    for label in ("(x/yz)[x=cluster]", "(z/xy)", "(y/x)"):
        config = resolve_configuration(MODEL, label)
        base = individual_optimum(MODEL, config, values, prices)
        for good, slope in base.price_elasticities.items():
            h = 1e-5
            up = individual_optimum(MODEL, config, values, {**prices, good: prices[good] * math.exp(h)})
            down = individual_optimum(MODEL, config, values, {**prices, good: prices[good] * math.exp(-h)})
            numeric = (math.log(up.utility) - math.log(down.utility)) / (2 * h)
            assert slope == pytest.approx(numeric, rel=1e-5, abs=1e-7), (label, good)
