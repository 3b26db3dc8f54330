"""Consumer densities on the beach: uniform or piecewise linear.

A density is given by its values ``f(x_0), ..., f(x_m)`` at breakpoints
``0 = x_0 < x_1 < ... < x_m = 1`` and is linear in between.  It must be
nonnegative and integrate to 1.  On the circle of circumference 1 the same
density is read periodically.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from inframarginal.location.arithmetic import LocationError, Number, as_number, close, is_exact


@dataclass(frozen=True)
class PiecewiseLinearDensity:
    """A piecewise-linear consumer density on ``[0, 1]``.

    Parameters
    ----------
    breakpoints : tuple of Number
        Strictly increasing, from 0 to 1.
    values : tuple of Number
        Density values at the breakpoints, all nonnegative.

    Use :func:`piecewise_linear_density` or :func:`uniform_density` to build a
    validated instance.
    """

    breakpoints: tuple[Number, ...]
    values: tuple[Number, ...]

    @property
    def exact(self) -> bool:
        """True when every breakpoint and value is a Fraction."""
        return is_exact(self.breakpoints + self.values)

    @cached_property
    def is_uniform(self) -> bool:
        """True when the density is constant (equal to 1)."""
        return all(close(v, 1) for v in self.values)

    @cached_property
    def _exact_uniform(self) -> bool:
        # The equilibrium search evaluates cdf thousands of times on the exact
        # uniform density, where cdf(t) = t; skip the piecewise bookkeeping there.
        return self.exact and len(self.breakpoints) == 2 and all(v == 1 for v in self.values)

    def pdf(self, t: Number) -> Number:
        """Density at ``t`` in ``[0, 1]``."""
        xs, fs = self.breakpoints, self.values
        i = min(max(bisect.bisect_right(xs, t) - 1, 0), len(xs) - 2)
        return fs[i] + (fs[i + 1] - fs[i]) * (t - xs[i]) / (xs[i + 1] - xs[i])

    def cdf(self, t: Number) -> Number:
        """Mass of consumers in ``[0, t]`` for ``t`` in ``[0, 1]`` (clamped outside)."""
        xs, fs = self.breakpoints, self.values
        if t <= xs[0]:
            return 0 * t
        if self._exact_uniform:
            return t if t < 1 else 1 + 0 * t
        if t >= xs[-1]:
            return 1 + 0 * t
        i = bisect.bisect_right(xs, t) - 1
        total = 0 * t
        for j in range(i):
            total += (fs[j] + fs[j + 1]) * (xs[j + 1] - xs[j]) / 2
        slope = (fs[i + 1] - fs[i]) / (xs[i + 1] - xs[i])
        d = t - xs[i]
        return total + fs[i] * d + slope * d * d / 2

    def periodic_cdf(self, t: Number) -> Number:
        """Mass in ``[0, t]`` on the unrolled circle: ``floor(t) + cdf(t - floor(t))``."""
        k = math.floor(t)
        return k + self.cdf(t - k)

    def mass(self, u: Number, v: Number, circle: bool = False) -> Number:
        """Mass of consumers between ``u <= v`` (unrolled coordinates on the circle)."""
        if circle:
            return self.periodic_cdf(v) - self.periodic_cdf(u)
        return self.cdf(v) - self.cdf(u)

    def kinks(self, lo: Number, hi: Number, circle: bool = False) -> list[Number]:
        """Breakpoints (shifted by integers on the circle) in the open interval ``(lo, hi)``."""
        shifts = range(math.floor(lo) - 1, math.floor(hi) + 2) if circle else (0,)
        return sorted({x + s for s in shifts for x in self.breakpoints if lo < x + s < hi})


_UNIFORM = {
    exact: PiecewiseLinearDensity((0 * one, one), (one, one))
    for exact, one in ((True, Fraction(1)), (False, 1.0))
}


def uniform_density(exact: bool = True) -> PiecewiseLinearDensity:
    """The uniform density on ``[0, 1]`` (Fractions when ``exact``)."""
    # One shared (immutable) instance per mode, so its cached properties are computed once.
    return _UNIFORM[bool(exact)]


def piecewise_linear_density(
    breakpoints: Sequence[object], values: Sequence[object]
) -> PiecewiseLinearDensity:
    """Build and validate a piecewise-linear density.

    Parameters
    ----------
    breakpoints : sequence of numbers
        Strictly increasing, starting at 0 and ending at 1.
    values : sequence of numbers
        Nonnegative density values at the breakpoints (same length).

    Returns
    -------
    PiecewiseLinearDensity
        Exact (Fractions) when every input is an int or a Fraction.

    Raises
    ------
    LocationError
        If the lengths differ, the breakpoints are not increasing from 0 to 1,
        a value is negative, or the density does not integrate to 1.
    """
    if len(breakpoints) != len(values) or len(breakpoints) < 2:
        raise LocationError(
            f"density: got {len(breakpoints)} breakpoints and {len(values)} values, "
            "expected two equally long lists with at least 2 entries"
        )
    exact = is_exact(list(breakpoints) + list(values))
    xs = tuple(as_number(x, "density.breakpoints", exact) for x in breakpoints)
    fs = tuple(as_number(v, "density.values", exact) for v in values)
    if not (close(xs[0], 0) and close(xs[-1], 1)):
        raise LocationError(
            f"density.breakpoints: got {xs[0]}..{xs[-1]}, expected to start at 0 and end at 1"
        )
    for a, b in zip(xs, xs[1:], strict=False):
        if not b > a:
            raise LocationError(
                f"density.breakpoints: got {a} then {b}, expected strictly increasing values"
            )
    for v in fs:
        if v < 0:
            raise LocationError(f"density.values: got {v}, expected nonnegative values")
    integral = sum((fs[j] + fs[j + 1]) * (xs[j + 1] - xs[j]) / 2 for j in range(len(xs) - 1))
    if not (integral == 1 if exact else abs(integral - 1) <= 1e-9):
        raise LocationError(f"density: integrates to {integral}, expected 1")
    return PiecewiseLinearDensity(xs, fs)
