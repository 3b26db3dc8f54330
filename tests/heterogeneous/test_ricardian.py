"""The Ricardian model of Cheng, Sachs and Yang (2000) against closed forms derived by hand.

Derivation (Cheng, W., Sachs, J. and Yang, X. (2000). An inframarginal analysis of the
Ricardian model. Review of International Economics 8(2), 208-220; Yang, X. (2001).
Economics: New Classical Versus Neoclassical Frameworks, ch. 11).  A person of country j
produces good i with ``a_ji l**b``, has utility ``x y`` and one unit of labour; a good bought
arrives as ``k`` times the quantity bought.  Write ``p = p_x / p_y``.

* Autarky (xy): maximise ``a_jx a_jy l**b (1 - l)**b``: ``l = 1/2``, ``u_j = a_jx a_jy 4**(-b)``.
* (x/y): produce ``a_jx``, consume ``c``, sell ``a_jx - c`` for ``d = p (a_jx - c)`` of y:
  ``max c k p (a_jx - c)`` gives ``c = a_jx/2``, ``u = k p a_jx**2 / 4``, sells ``a_jx / 2``.
  Symmetrically (y/x): ``u = k a_jy**2 / (4 p)``, buys ``d_x = a_jy / (2 p)``.
* Complete specialization C (home (x/y), foreign (y/x)): clearing of x,
  ``M1 a1x / 2 = M2 a2y / (2 p)``, gives ``p = M2 a2y / (M1 a1x)``; ``u1 = k p a1x**2/4``,
  ``u2 = k a2y**2 / (4 p)``.  Yang's conditions: home stays in (x/y) iff ``p >= a1y / a1x``
  and ``p >= 4**(1-b) a1y / (k a1x)``; foreign stays in (y/x) iff ``p <= a2y / a2x`` and
  ``p <= k a2y 4**(b-1) / a2x``.
* Partial specialization P1 (home (x/y), foreign split (y/x) + (xy)): foreign indifference
  ``k a2y**2 / (4p) = a2x a2y 4**(-b)`` gives ``p = k a2y 4**(b-1) / a2x``; foreign gains
  nothing; clearing of x gives the foreign sellers of y, ``n2y = M1 a1x p / a2y``.
* Partial specialization P2 (home split (x/y) + (xy), foreign (y/x)): ``p = 4**(1-b) a1y/(k a1x)``;
  home gains nothing; ``n1x = M2 a2y / (p a1x)``; home's (x/y) must beat (y/x): ``p >= a1y/a1x``.

The country split between trade and autarky gets none of the gains from trade: all go to the
other country (the one that is completely specialized).
"""

from __future__ import annotations

import math

import pytest

from inframarginal import load_model
from inframarginal.heterogeneous.corner import verify_primal

NAME = "cheng-sachs-yang-2000-ricardian"
BASE = {"a1x": 2.0, "a1y": 1.0, "a2x": 1.0, "a2y": 1.0, "k": 0.8, "b": 1.0, "M1": 1.0, "M2": 1.0}
C = "home (x/y) | foreign (y/x)"
P1 = "home (x/y) | foreign (y/x) (xy)"
P2 = "home (x/y) (xy) | foreign (y/x)"
AUTARKY = "home (xy) | foreign (xy)"


@pytest.fixture(scope="module")
def model():
    return load_model(NAME)


def _point(**changes: float) -> dict[str, float]:
    return {**BASE, **changes}


def test_complete_specialization(model):
    v = _point(M2=1.4)
    p = v["M2"] * v["a2y"] / (v["M1"] * v["a1x"])
    assert v["a1y"] / (v["k"] * v["a1x"]) <= p <= v["k"] * v["a2y"] / v["a2x"]  # inside C's region
    sol = model.solve(v)
    assert sol.general_equilibrium == C
    ce = sol.corner(C)
    assert ce.prices["x"] / ce.prices["y"] == pytest.approx(p, rel=1e-12)
    assert ce.utilities["home"] == pytest.approx(v["k"] * p * v["a1x"] ** 2 / 4, rel=1e-12)
    assert ce.utilities["foreign"] == pytest.approx(v["k"] * v["a2y"] ** 2 / (4 * p), rel=1e-12)
    assert ce.numbers["foreign"]["(y/x)"] == pytest.approx(1.4, rel=1e-12)
    gains = sol.gains(C)
    assert gains["home"] > 0 and gains["foreign"] > 0  # both countries gain
    assert sol.pareto_rank[AUTARKY] == 1  # autarky also passes Yang's check, but is dominated
    assert verify_primal(model, ce, model.check_parameters(v)) < 1e-7


def test_partial_specialization_large_foreign_gets_no_gain(model):
    v = _point(M2=3.0)
    p = v["k"] * v["a2y"] / v["a2x"]
    sol = model.solve(v)
    assert sol.general_equilibrium == P1
    ce = sol.corner(P1)
    assert ce.prices["x"] / ce.prices["y"] == pytest.approx(p, rel=1e-12)
    assert ce.utilities["home"] == pytest.approx(v["k"] * p * v["a1x"] ** 2 / 4, rel=1e-12)
    assert ce.utilities["foreign"] == pytest.approx(v["a2x"] * v["a2y"] / 4, rel=1e-12)
    n2y = v["M1"] * v["a1x"] * p / v["a2y"]
    assert ce.numbers["foreign"]["(y/x)"] == pytest.approx(n2y, rel=1e-10)
    assert ce.numbers["foreign"]["(xy)"] == pytest.approx(v["M2"] - n2y, rel=1e-10)
    gains = sol.gains(P1)
    assert gains["foreign"] == pytest.approx(0.0, abs=1e-12) and gains["home"] > 0.2
    assert verify_primal(model, ce, model.check_parameters(v)) < 1e-7


@pytest.mark.parametrize("b", [1.0, 1.3])
def test_partial_specialization_home_split(model, b):
    v = _point(b=b, M2=0.5)  # n1x = M2 a2y / (p a1x) < M1: the structure exists
    p = 4 ** (1 - b) * v["a1y"] / (v["k"] * v["a1x"])
    sol = model.solve(v)
    ce = sol.corner(P2)
    assert ce.exists
    assert ce.prices["x"] / ce.prices["y"] == pytest.approx(p, rel=1e-12)
    assert ce.utilities["home"] == pytest.approx(v["a1x"] * v["a1y"] * 4 ** -b, rel=1e-12)
    assert ce.numbers["home"]["(x/y)"] == pytest.approx(v["M2"] * v["a2y"] / (p * v["a1x"]), rel=1e-10)
    # Yang's conditions: foreign stays in (y/x); home's (x/y) beats (y/x) (p >= a1y / a1x).
    holds = (p <= v["k"] * v["a2y"] * 4 ** (b - 1) / v["a2x"] and p <= v["a2y"] / v["a2x"]
             and p >= v["a1y"] / v["a1x"])
    assert holds == (b == 1.0)  # at b = 1.3, p = 0.41 < a1y/a1x: home people would switch to (y/x)
    assert (P2 in sol.general_equilibria) == holds
    assert sol.autarky_utilities["foreign"] == pytest.approx(v["a2x"] * v["a2y"] * 4 ** -b, rel=1e-12)


def test_no_trade_when_trading_is_costly(model):
    # C needs k**2 >= (a1y/a1x)(a2x/a2y) = 0.5 (b = 1); so do P1 and P2 (their prices leave the region).
    sol = model.solve(_point(k=0.6))
    assert sol.general_equilibria == (AUTARKY,)


def test_region_boundary_of_complete_specialization(model):
    # C's lower edge p = a1y/(k a1x): below it home people leave (x/y) for autarky.
    k = 0.8
    edge = (1 / (k * 2)) * 2  # M2/M1 where p = M2 a2y/(M1 a1x) meets a1y/(k a1x)
    below = model.solve(_point(M2=edge * (1 - 1e-6)))
    above = model.solve(_point(M2=edge * (1 + 1e-6)))
    assert C not in below.general_equilibria and C in above.general_equilibria
    assert math.isclose(edge, 1.25)
