"""Property test of the share function at random positions, the endpoints 0 and 1 included."""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from inframarginal.location import market_shares
from inframarginal.location.welfare import average_distance

# Endpoints drawn often: they are where the review found a crash.
position = st.one_of(
    st.sampled_from([F(0), F(1), F(1, 2)]),
    st.fractions(min_value=0, max_value=1, max_denominator=64),
)
profiles = st.lists(position, min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(profiles, st.booleans())
def test_shares_sum_to_one_lie_in_unit_interval_and_mirror(xs, circle):
    shares = market_shares(xs, circle)
    assert sum(shares) == 1
    assert all(0 <= s <= 1 for s in shares)
    # mirror x -> 1 - x with the sellers listed in reverse order: the same shares, reversed
    mirrored = [1 - x for x in reversed(xs)]
    assert market_shares(mirrored, circle) == tuple(reversed(shares))
    # the average walk is finite, nonnegative, at most 1/2 and mirror-invariant
    d = average_distance(xs, circle)
    assert 0 <= d <= F(1, 2)
    assert average_distance(mirrored, circle) == d


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 0.25, 0.5]) | st.floats(0, 1), min_size=1, max_size=8))
def test_float_shares_at_the_endpoints(xs):
    shares = market_shares(xs)
    assert abs(sum(shares) - 1) < 1e-9
    assert all(-1e-12 <= s <= 1 + 1e-12 for s in shares)
