"""Market shares, densities and best responses."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from inframarginal.errors import InframarginalError
from inframarginal.location import best_response, market_shares, piecewise_linear_density


def test_two_merchants_shares_at_quarter_points():
    assert market_shares([F(1, 4), F(3, 4)]) == (F(1, 2), F(1, 2))


def test_moving_toward_rival_gains_share():
    # the seed: a merchant moving toward the other's territory wins consumers
    assert market_shares([F(3, 8), F(3, 4)])[0] == F(9, 16) > F(1, 2)


def test_colocated_sellers_split_equally():
    assert market_shares([F(1, 2), F(1, 2), F(3, 4)]) == (F(5, 16), F(5, 16), F(3, 8))


def test_float_inputs_give_floats():
    s = market_shares([0.25, 0.75])
    assert all(isinstance(v, float) for v in s) and abs(sum(s) - 1) < 1e-12


def test_circle_shares():
    assert market_shares([F(0), F(1, 4)], circle=True) == (F(1, 2), F(1, 2))
    assert market_shares([F(0), F(0), F(1, 2)], circle=True) == (F(1, 4), F(1, 4), F(1, 2))


def test_density_shares_exact():
    tent = piecewise_linear_density([0, F(1, 2), 1], [0, 2, 0])
    # seller at 1/4 vs 3/4: boundary at 1/2 by symmetry
    assert market_shares([F(1, 4), F(3, 4)], density=tent) == (F(1, 2), F(1, 2))
    # mass in [0, 1/4] under the tent is 2 * (1/4)^2 = 1/8
    assert market_shares([F(0), F(1, 2)], density=tent)[0] == F(1, 8)


@pytest.mark.parametrize(
    "xs, ys",
    [([0, 1], [1, -1]), ([0, 1], [1, 2]), ([0, F(1, 2)], [2, 2]), ([F(1, 2), 0, 1], [1, 1, 1])],
)
def test_bad_density_rejected(xs, ys):
    with pytest.raises(InframarginalError):
        piecewise_linear_density(xs, ys)


@pytest.mark.parametrize("pos", [[F(-1, 10)], [F(11, 10)], [], [float("nan")], ["a"]])
def test_positions_off_beach_rejected(pos):
    with pytest.raises(InframarginalError, match="position"):
        market_shares(pos)


def test_best_response_not_attained_reported_as_supremum():
    br = best_response([F(3, 4)])
    assert br.value == F(3, 4) and not br.attained and br.maximizers == ()
    (a,) = br.approached
    assert (a.point, a.side) == (F(3, 4), "left")
    assert "approaches 3/4 from the left, not attained" in br.description


def test_best_response_to_centre_is_centre():
    br = best_response([F(1, 2)])
    assert br.attained and br.value == F(1, 2)
    assert [(i.lo, i.hi) for i in br.maximizers] == [(F(1, 2), F(1, 2))]


def test_best_response_interval_between_rivals():
    br = best_response([F(1, 4), F(1, 4), F(3, 4)])
    (iv,) = br.maximizers
    assert (iv.lo, iv.hi, iv.lo_closed, iv.hi_closed) == (F(1, 4), F(3, 4), False, True)
    assert br.value == F(1, 4)


def test_best_response_with_density_vertex_inside_gap():
    tent = piecewise_linear_density([0, F(1, 2), 1], [0, 2, 0])
    br = best_response([F(1, 4), F(3, 4)], density=tent)
    assert br.attained and br.value == F(7, 16)
    assert [str(i) for i in br.maximizers] == ["1/2"]


def test_best_response_values_match_dense_sampling():
    # independent check: the supremum bounds every sampled payoff and is approached
    others = [F(1, 5), F(2, 3)]
    br = best_response(others)
    samples = [market_shares([F(k, 600), *others])[0] for k in range(601)]
    assert max(samples) <= br.value
    assert br.value - max(samples) <= F(1, 600)
