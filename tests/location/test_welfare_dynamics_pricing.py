"""Welfare, best-response dynamics and Hotelling pricing."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from inframarginal.errors import InframarginalError
from inframarginal.location.dynamics import (
    animate_trajectory,
    best_response_dynamics,
    plot_trajectory,
)
from inframarginal.location.pricing import (
    market,
    price_best_response,
    price_equilibrium,
    profit,
    two_stage_equilibrium,
)
from inframarginal.location.welfare import (
    average_distance,
    clustering_agreement,
    social_optimum,
    welfare_comparison,
)


def test_seed_two_merchants_optimum_and_agreement():
    opt = social_optimum(2)
    assert opt.positions == (F(1, 4), F(3, 4)) and opt.average_distance == F(1, 8)
    agr = clustering_agreement(2)
    assert agr.positions == (F(1, 4), F(3, 4)) and agr.shares == (F(1, 2), F(1, 2))
    w = welfare_comparison(2)
    assert w.equilibria[0].positions == (F(1, 2), F(1, 2))
    assert w.equilibria[0].average_distance == F(1, 4) and w.gap == F(1, 8)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("circle", [False, True])
def test_optimum_distance_and_local_optimality(n, circle):
    opt = social_optimum(n, circle)
    assert opt.average_distance == F(1, 4 * n)
    # independent: the distance by midpoint-rule integration on a fine grid
    k = 2000
    pts = [F(2 * i + 1, 2 * k) for i in range(k)]

    def d(t, x):
        a = abs(t - x)
        return min(a, 1 - a) if circle else a

    approx = sum(min(d(t, x) for x in opt.positions) for t in pts) / k
    assert abs(approx - opt.average_distance) < F(1, 10**5)
    # moving any one seller a little never helps
    for i in range(n):
        for step in (F(1, 50), -F(1, 50)):
            xs = list(opt.positions)
            xs[i] = min(max(xs[i] + step, F(0)), F(1) - (F(1, 100) if circle else 0))
            assert average_distance(xs, circle) >= opt.average_distance


def test_no_equilibrium_means_no_gap():
    assert welfare_comparison(3).gap is None


def test_dynamics_two_merchants_move_to_middle():
    t = best_response_dynamics([F(1, 10), F(9, 10)])
    assert t.converged and t.final == (F(1, 2), F(1, 2))
    # each move after the first goes toward the centre
    xs = [s.positions for s in t.steps]
    assert len(xs) > 10 and max(abs(x - F(1, 2)) for x in xs[-1]) == 0


def test_dynamics_simultaneous_and_float():
    assert best_response_dynamics([F(1, 10), F(9, 10)], mode="simultaneous").final == (F(1, 2),) * 2
    t = best_response_dynamics([0.1, 0.9])
    assert all(abs(x - 0.5) < 1e-9 for x in t.final)


def test_dynamics_three_sellers_cycle():
    t = best_response_dynamics([F(1, 10), F(1, 5), F(9, 10)])
    assert not t.converged and "cycle" in t.reason


def test_dynamics_bad_input():
    with pytest.raises(InframarginalError, match="mode"):
        best_response_dynamics([F(1, 2)], mode="random")
    with pytest.raises(InframarginalError, match="epsilon"):
        best_response_dynamics([F(1, 2)], epsilon=0)


def test_dynamics_plot_and_gif(tmp_path):
    t = best_response_dynamics([F(1, 10), F(9, 10)], epsilon=F(1, 10))
    png = plot_trajectory(t, tmp_path / "d.png")
    gif = animate_trajectory(t, tmp_path / "d.gif")
    assert png.read_bytes()[:4] == b"\x89PNG" and gif.read_bytes()[:6] == b"GIF89a"
    with pytest.raises(InframarginalError, match="plot"):
        plot_trajectory(t, tmp_path / "d.txt")


def test_quadratic_two_stage_maximal_differentiation():
    r = two_stage_equilibrium("quadratic")
    assert r.exists and r.locations == (0, 1)
    assert r.subgame.prices == (1, 1) and r.subgame.profits == (F(1, 2), F(1, 2))
    r3 = two_stage_equilibrium("quadratic", rate=3)
    assert r3.subgame.prices == (3, 3)
    # independent check: profit at the price equilibrium falls as firm 1 moves inward
    profits = [price_equilibrium([F(k, 20), 1]).profits[0] for k in range(0, 10)]
    assert all(a > b for a, b in zip(profits, profits[1:], strict=False))


def test_linear_costs_no_price_equilibrium_when_close():
    assert not price_equilibrium([F(2, 5), F(3, 5)], "linear").exists
    ok = price_equilibrium([F(1, 4), F(3, 4)], "linear")
    assert ok.exists and ok.prices == (1, 1)
    # independent check of non-existence: at the Hotelling candidate prices, undercutting pays
    mk = market([F(2, 5), F(3, 5)], "linear")
    candidate = profit(mk, F(1), F(1))
    br = price_best_response(mk, F(1))
    assert br.value > candidate and not br.attained
    lin = two_stage_equilibrium("linear")
    assert not lin.exists and "no pure-strategy" in lin.reason


def test_pricing_bad_input():
    with pytest.raises(InframarginalError, match="cost"):
        price_equilibrium([0, 1], "cubic")
    with pytest.raises(InframarginalError, match="locations"):
        price_equilibrium([F(3, 4), F(1, 4)])
    with pytest.raises(InframarginalError, match="rate"):
        price_equilibrium([0, 1], rate=0)
