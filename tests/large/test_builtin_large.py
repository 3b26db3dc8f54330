"""The two 5-good built-in models against closed forms re-derived by hand.

Yang and Ng (1993), the m-good models of the level of division of labour (also Yang 2001,
Part II).  In structure Dn a person sells one of n traded goods, buys the other n - 1
and self-provides the remaining m - n; by symmetry all prices are 1.

Derivation (done by hand, not taken from the code): with prices 1 a person selling good
1 consumes Y/n of her output Y and buys Y/n of each of the n - 1 others, of which k Y/n
arrives, so u = k**(n-1) (Y/n)**n prod_j x_j over the self-provided goods.

* specialization, x = l**a: Y = l_1**a, x_j = l_j**a; maximising
  n a log l_1 + a sum_j log l_j s.t. l_1 + sum_j l_j = 1 gives l_1 = n/m, l_j = 1/m, so
  u(n) = k**(n-1) n**(-n) (n/m)**(a n) m**(-a (m-n)) = k**(n-1) n**(n (a-1)) m**(-a m).
* fixed learning cost, x = l - b: the labour left after m - n + 1 learning costs,
  L = 1 - (m - n + 1) b, splits the same way, so u(n) = k**(n-1) (L/m)**m.
  For m = 3 this is the built-in three-goods model's A, P and C (u_C = k**2 (1-b)**3/27).
"""

import pytest

import inframarginal as im
from inframarginal.loglinear import configuration_arrays, solve_structure
from inframarginal.search import certified_equilibrium

M = 5


def u_specialization(n, k, a):
    return k ** (n - 1) * n ** (n * (a - 1)) * M ** (-a * M)


def u_learning(n, k, b):
    return k ** (n - 1) * ((1 - (M - n + 1) * b) / M) ** M


CASES = [
    ("yang-ng-1993-specialization-5", "a", u_specialization, [(0.3, 1.5), (0.6, 1.5), (0.9, 1.1), (1.0, 2.0)]),
    ("yang-ng-1993-fixed-learning-5", "b", u_learning, [(0.3, 0.05), (0.75, 0.05), (0.5, 0.15), (1.0, 0.01)]),
]


@pytest.mark.parametrize("name, second, formula, points", CASES)
def test_listed_structures_match_the_closed_forms_and_the_ge_is_the_best_of_them(name, second, formula, points):
    model = im.load_model(name)
    for k, other in points:
        values = model.check_parameters({"k": k, second: other})
        arrays = configuration_arrays(model, values)
        for n, structure in enumerate(model.structures(), start=1):
            assert structure.name == f"D{n}"
            fast = solve_structure(arrays, model, structure)
            assert fast.income[0] == pytest.approx(formula(n, k, other), rel=1e-12)
            if n > 1:
                assert fast.log_prices[0] == pytest.approx(0.0, abs=1e-12)  # all prices 1
                assert fast.shares[0] == pytest.approx(1 / n, rel=1e-12)
        result = certified_equilibrium(model, values)
        best = max(range(1, M + 1), key=lambda n: formula(n, k, other))
        assert result.per_capita_real_income == pytest.approx(formula(best, k, other), rel=1e-12)
        assert result.general_equilibrium == f"D{best}" and result.deviation.passed


def test_the_engine_agrees_on_the_complete_division_of_labour():
    model = im.load_model("yang-ng-1993-fixed-learning-5")
    values = model.check_parameters(k=0.8, b=0.05)
    ce = model.solve(values, method="numeric", structure="D5").structures["D5"]
    assert ce.per_capita_real_income == pytest.approx(u_learning(5, 0.8, 0.05), rel=1e-9)
