"""Models without closed forms go through the numeric path, which must still be right.

``exp(a * log(l))`` is ``l**a`` but is not recognised as a power-form technology, so the
engine has no closed form for it and solves numerically; the power-form twin of the same
model has a closed form.  Yang (2001, ch. 4): with x = l^a, y = l^a and u = x y, autarky
gives u_A = 2^(-2a) and the division of labour (x/y)(y/x) gives u_D = k/4.
"""

import pytest


@pytest.mark.parametrize("k, a", [(0.6, 1.5), (0.2, 1.2), (0.9, 2.5), (0.3, 1.05)])
def test_numeric_path_without_closed_form_matches_published_results(k, a, twin_model):
    general = twin_model("exp(a * log(l))")
    assert all(t.power_form is None for t in general.technologies)
    sol = general.solve(k=k, a=a)
    assert sol.structures["A"].method == "numeric"
    assert sol.structures["A"].per_capita_real_income == pytest.approx(2 ** (-2 * a), rel=1e-9)
    assert sol.structures["D"].per_capita_real_income == pytest.approx(k / 4, rel=1e-9)
    assert sol.structures["D"].prices["x"] == pytest.approx(1.0, rel=1e-9)
    expected = "D" if k > 4 ** (1 - a) else "A"
    assert sol.general_equilibrium == expected
    assert sol.deviation.passed

    closed = twin_model("l**a").solve(k=k, a=a)
    for name in ("A", "D"):
        assert closed.structures[name].method == "symbolic"
        assert closed.structures[name].per_capita_real_income == pytest.approx(
            sol.structures[name].per_capita_real_income, rel=1e-9)
