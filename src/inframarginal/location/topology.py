"""The two beaches: the segment ``[0, 1]`` and the circle of circumference 1."""

from __future__ import annotations

from collections.abc import Sequence

from inframarginal.location.arithmetic import LocationError, Number, as_number, fmt, is_exact


def topology_name(circle: bool) -> str:
    """``"circle"`` or ``"line"``."""
    return "circle" if circle else "line"


def check_sellers(n: object) -> int:
    """Validate a number of sellers (an int ``>= 1``)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise LocationError(f"sellers: got {n!r}, expected an integer >= 1")
    return n


def check_positions(positions: Sequence[object], circle: bool = False) -> tuple[Number, ...]:
    """Validate seller positions and convert them to one number type.

    Parameters
    ----------
    positions : sequence of numbers
        On the line each must lie in ``[0, 1]``; on the circle in ``[0, 1]``
        too, with 1 identified with 0 (it is returned as 0).
    circle : bool
        The topology.

    Returns
    -------
    tuple of Number
        Fractions when every input is exact, floats otherwise.

    Raises
    ------
    LocationError
        If there is no position or a position is outside the beach.
    """
    if len(positions) == 0:
        raise LocationError("positions: got an empty list, expected at least one seller")
    exact = is_exact(positions)
    out = []
    for i, p in enumerate(positions):
        x = as_number(p, f"positions[{i}]", exact)
        if not 0 <= x <= 1:
            where = "the circle [0, 1)" if circle else "the beach [0, 1]"
            raise LocationError(f"positions[{i}]: got {fmt(x)}, expected a point of {where}")
        if circle and x == 1:
            x = 0 * x
        out.append(x)
    return tuple(out)
