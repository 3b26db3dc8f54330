"""The general equilibria of a model with types along one parameter, with their switch points.

With people who differ, the general equilibrium at a point is the set of corner equilibria
that pass Yang's check for every type (:func:`inframarginal.heterogeneous.general.solve_typed`),
ranked by Pareto dominance.  Along a parameter this set changes at switch points: where a
type's configuration stops paying (the total cost-benefit check binds) or a structure stops
existing.  :func:`typed_path` evaluates the set on a grid and isolates every change between
neighbouring grid points by bisection, to a relative width of ``tolerance``.  Changes that
come and go between two grid points are not seen: the grid's resolution is stated.

References
----------
Cheng, W., Sachs, J. and Yang, X. (2000). An inframarginal analysis of the Ricardian model.
*Review of International Economics* 8(2), 208-220.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inframarginal.errors import SweepError
from inframarginal.heterogeneous.general import solve_typed
from inframarginal.heterogeneous.spec import TypedModel

#: Most grid points of one path (each is a solve over every structure with types).
MAX_POINTS = 2001
#: Default grid points.
DEFAULT_POINTS = 41


@dataclass(frozen=True)
class TypedSwitch:
    """Where the set of general equilibria changes: ``before`` on the left, ``after`` on the right."""

    value: float
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass(frozen=True)
class TypedPath:
    """The general equilibria along ``parameter`` from ``lo`` to ``hi``, the others at ``fixed``."""

    model: str
    parameter: str
    lo: float
    hi: float
    fixed: dict[str, float]
    segments: tuple[tuple[float, float, tuple[str, ...]], ...]
    switches: tuple[TypedSwitch, ...]
    points: int
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "parameter": self.parameter, "lo": self.lo, "hi": self.hi,
                "fixed": self.fixed, "points": self.points,
                "segments": [{"start": a, "stop": b, "general_equilibria": list(ge)} for a, b, ge in self.segments],
                "switches": [{"value": s.value, "before": list(s.before), "after": list(s.after)}
                             for s in self.switches],
                "notes": list(self.notes)}

    def __repr__(self) -> str:
        lines = [f"general equilibria of {self.model} along {self.parameter} (Yang's definition; Pareto-undominated "
                 f"first; {self.points} grid points, switch points bisected):"]
        for a, b, ge in self.segments:
            lines.append(f"  {a:>18.12g} .. {b:<18.12g} {' ; '.join(ge) or '(none)'}")
        for s in self.switches:
            lines.append(f"  switch at {self.parameter} = {s.value:.12g}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def typed_path(model: TypedModel, name: str, lo: float, hi: float, fixed: Mapping[str, float] | None = None,
               *, points: int = DEFAULT_POINTS, tolerance: float = 1e-10) -> TypedPath:
    """The general equilibria of ``model`` along ``name`` in [``lo``, ``hi``].

    Parameters
    ----------
    model : TypedModel
    name : str
        The parameter varied; every point of the path must lie in its domain.
    lo, hi : float
        The ends of the path (``lo < hi``).
    fixed : mapping, optional
        Values of other parameters (defaults fill the rest).
    points : int
        Grid points (3 to :data:`MAX_POINTS`); each costs one solve over every structure.
    tolerance : float
        Width, relative to ``hi - lo``, to which each switch point is bisected.

    Returns
    -------
    TypedPath
    """
    fixed = dict(fixed or {})
    if not 3 <= points <= MAX_POINTS:
        raise SweepError(f"expected between 3 and {MAX_POINTS:,} points on a path", field="points", value=points)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise SweepError(f"path of {name} from {lo} to {hi}: expected finite ends with lo < hi")
    if name in fixed:
        raise SweepError(f"parameter {name} is both varied and fixed; choose one")
    for x in (lo, hi):  # domain and unknown names: the model's own one-line errors
        model.check_parameters({**fixed, name: x})

    cache: dict[float, tuple[str, ...]] = {}

    def label(x: float) -> tuple[str, ...]:
        if x not in cache:
            cache[x] = tuple(solve_typed(model, {**fixed, name: x}).general_equilibria)
        return cache[x]

    xs = [lo + (hi - lo) * i / (points - 1) for i in range(points)]
    xs[-1] = hi
    switches = []
    for a, b in zip(xs, xs[1:], strict=False):
        if label(a) == label(b):
            continue
        left, right = a, b
        while right - left > tolerance * (hi - lo):
            middle = (left + right) / 2
            if label(middle) == label(a):
                left = middle
            else:
                right = middle
        switches.append(TypedSwitch((left + right) / 2, label(left), label(right)))
    segments, start, current = [], lo, label(lo)
    for s in switches:
        segments.append((start, s.value, s.before))
        start, current = s.value, s.after
    segments.append((start, hi, current))
    notes = (f"a change of the general equilibria that comes and goes within {(hi - lo) / (points - 1):.3g} "
             f"of {name} (one grid step) is not seen; raise the points to look closer",)
    return TypedPath(model.name, name, lo, hi, fixed, tuple(segments), tuple(switches), points, notes)


__all__ = ["DEFAULT_POINTS", "MAX_POINTS", "TypedPath", "TypedSwitch", "typed_path"]
