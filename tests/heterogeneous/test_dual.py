"""Two countries with different trading efficiencies: the dual structure, against closed forms.

Derivation (Yang, X. (2001). Economics: New Classical Versus Neoclassical Frameworks, ch. 4,
for one country; Sachs, J., Yang, X. and Zhang, D. (2000). Globalization, dual economy, and
economic development. China Economic Review 11, for the dual structure).  Output ``l**a``,
utility ``x y``.  In autarky ``l = 1/2`` and ``u = 4**(-a)``.  A specialist produces 1, keeps
1/2 and sells 1/2: with efficiency ``k`` on the good bought, (x/y) gives ``u = k p / 4`` and
(y/x) ``u = k / (4 p)`` (``p = p_x / p_y``).  Home's division of labour: equalization gives
``p = 1``, ``u1 = k1 / 4``, half of home in each configuration.  Foreign stays in autarky,
``u2 = 4**(-a)``.  Yang's check: home people keep the division of labour iff
``k1 / 4 >= 4**(-a)``; a foreign person switching to (x/y) at ``p = 1`` buys y from home with
efficiency ``k0`` and gets ``k0 / 4``, so foreign stays iff ``k0 <= 4**(1 - a)``: the relative gain
of that switch is ``k0 4**(a-1) - 1``.
"""

from __future__ import annotations

import pytest

from inframarginal import load_model
from inframarginal.heterogeneous.corner import verify_primal

DUAL = "home (x/y) (y/x) | foreign (xy)"


@pytest.fixture(scope="module")
def model():
    return load_model("yang-two-country-dual")


@pytest.mark.parametrize(("k1", "k0", "a"), [(0.8, 0.4, 1.5), (0.9, 0.5, 1.2), (0.95, 0.45, 1.5)])
def test_dual_structure_is_the_general_equilibrium(model, k1, k0, a):
    assert k1 >= 4 ** (1 - a) >= k0
    values = {"k1": k1, "k0": k0, "a": a, "k2": 0.1}
    sol = model.solve(values)
    assert sol.general_equilibrium == DUAL
    ce = sol.corner(DUAL)
    assert ce.utilities["home"] == pytest.approx(k1 / 4, rel=1e-12)
    assert ce.utilities["foreign"] == pytest.approx(4 ** -a, rel=1e-12)
    assert ce.prices["x"] == pytest.approx(ce.prices["y"], rel=1e-12)
    assert ce.shares["home"]["(x/y)"] == pytest.approx(0.5, rel=1e-12)
    gains = sol.gains(DUAL)
    assert gains["home"] == pytest.approx(k1 * 4 ** (a - 1) - 1, rel=1e-10)
    assert gains["foreign"] == pytest.approx(0.0, abs=1e-12)  # who gains: home only
    foreign = sol.deviations[DUAL].gain["foreign"]
    assert foreign == pytest.approx(0.0, abs=1e-12)  # staying in autarky is their best choice
    assert verify_primal(model, ce, model.check_parameters(values)) < 1e-7


def test_dual_structure_breaks_when_trade_between_countries_is_good(model):
    a, k0 = 1.5, 0.6  # k0 > 4**(1 - a) = 0.5: a foreign person gains by buying from home
    sol = model.solve(k1=0.8, k0=k0, a=a, k2=0.1)
    deviation = sol.deviations[DUAL]
    assert not deviation.passed and deviation.best["foreign"] in {"(x/y)", "(y/x)"}
    assert deviation.gain["foreign"] == pytest.approx(k0 * 4 ** (a - 1) - 1, rel=1e-10)
    assert DUAL not in sol.general_equilibria


def test_complete_specialization_across_the_border(model):
    """home (x/y), foreign (y/x), both buying across the border at k0: p = M2/M1, u1 = k0 p/4, u2 = k0/(4p)."""
    values = {"k0": 0.9, "M1": 1.0, "M2": 1.5}
    ce = model.solve(values, structure="home (x/y) | foreign (y/x)").corner("home (x/y) | foreign (y/x)")
    p = 1.5
    assert ce.prices["x"] / ce.prices["y"] == pytest.approx(p, rel=1e-12)
    assert ce.utilities["home"] == pytest.approx(0.9 * p / 4, rel=1e-12)
    assert ce.utilities["foreign"] == pytest.approx(0.9 / (4 * p), rel=1e-12)
    assert verify_primal(model, ce, model.check_parameters(values)) < 1e-7


def test_each_country_trading_at_home_is_two_markets(model):
    """Both countries divide labour at home and do not trade across the border (k0 < k1, k2).

    Each country is Yang's one-country model: p = 1 within it, u1 = k1/4, u2 = k2/4; a good has
    one market per country (its own price level).  A person who switches and trades across the
    border gets k0/4 (selling and buying in the other country's markets, at its prices), so the
    structure is a general equilibrium iff k0 <= k1 and k0 <= k2, and k1, k2 >= 4**(1-a)."""
    both = "home (x/y) (y/x) | foreign (x/y) (y/x)"
    sol = model.solve(k1=0.8, k2=0.6, k0=0.4, a=1.5)
    ce = sol.corner(both)
    assert ce.exists and set(ce.prices) == {"x@home", "y@home", "x@foreign", "y@foreign"}
    assert ce.prices["x@home"] == pytest.approx(ce.prices["y@home"], rel=1e-12)
    assert ce.utilities["home"] == pytest.approx(0.2, rel=1e-12)
    assert ce.utilities["foreign"] == pytest.approx(0.15, rel=1e-12)
    assert both in sol.general_equilibria and sol.pareto_rank[both] == 0
    assert verify_primal(model, ce, model.check_parameters({"k1": 0.8, "k2": 0.6, "k0": 0.4})) < 1e-7
    # across the border better than at home abroad (k0 > k2): foreign buyers buy from home sellers,
    # foreign sellers have no buyers, and the structure is not a corner equilibrium
    worse = model.solve(k1=0.8, k2=0.6, k0=0.7, a=1.5).corner(both)
    assert not worse.exists and "no income" in worse.reason
