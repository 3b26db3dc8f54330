"""The general equilibrium over ALL structures along one parameter, with exact switch points.

:func:`inframarginal.path.structure_path` follows the model's listed structures; for a
model that lists none, or has too many structures to enumerate (the symmetric 6-good
model has 7.6 x 10^8), :func:`certified_path` follows the certified general equilibrium
of :mod:`inframarginal.search` instead.  On a grid of the parameter the general
equilibrium is certified at every point (the welfare bound of :mod:`inframarginal.welfare`,
else the orbit search).  Between two points where it differs, the switch is solved for:
by Brent's method on the difference of the two structures' log incomes (each from the
exact stacked solver, :mod:`inframarginal.loglinear`) where both exist on the bracket, by
bisection of the certified equilibrium otherwise, and the general equilibrium at the
root is certified again; if a third structure beats both there, the bracket is split
at it.  A structure that ties with a newly found equilibrium (a symmetric image, or the
same income) is kept, so that ties do not show as switches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import optimize

from inframarginal.configurations import Structure, named_structures
from inframarginal.enumeration import configuration_table, structure_from_indices
from inframarginal.errors import InframarginalError, SweepError
from inframarginal.loglinear import ConfigurationArrays, configuration_arrays, solve_structure
from inframarginal.model import Model
from inframarginal.path import StructurePath, Switch, SwitchKind
from inframarginal.search import TIE_TOLERANCE, certified_equilibrium
from inframarginal.welfare import bound_search

#: Points of the grid that brackets the switches, by default and at most.
DEFAULT_POINTS = 41
MAX_POINTS = 4001
#: Recursion depth of bracket splitting (each split finds a new structure).
_MAX_SPLITS = 40


class _GE:
    """The certified general equilibrium and structures' log incomes at values of one parameter."""

    def __init__(self, model: Model, name: str, fixed: Mapping[str, float]):
        self.model, self.name, self.fixed = model, name, dict(fixed)
        self.arrays: dict[float, ConfigurationArrays] = {}
        self.certified = 0
        self.by_bound = 0
        self.listed = {s.name: s for s in named_structures(model)}

    def at(self, x: float) -> ConfigurationArrays:
        if x not in self.arrays:
            if len(self.arrays) > 4096:
                self.arrays.clear()
            self.arrays[x] = configuration_arrays(self.model, self.model.check_parameters(self.fixed | {self.name: x}))
        return self.arrays[x]

    def log_income(self, structure: Structure, x: float) -> float:
        """Log per-capita real income of ``structure`` at ``x`` (NaN where its corner equilibrium does not exist)."""
        sol = solve_structure(self.at(x), self.model, structure)
        assert sol.log_income is not None
        return float(sol.log_income[0]) if sol.status[0] == 0 else math.nan

    def ge(self, x: float) -> tuple[Structure | None, float]:
        """The certified general equilibrium at ``x`` and its log income (None, -inf where none exists)."""
        self.certified += 1
        found = bound_search(self.model, self.at(x), keep=1)
        if found.certified:
            self.by_bound += 1
            level, idx = found.log_incomes[0], found.best[0][1]
            return self._listed(structure_from_indices(self.model, idx), x, level), level
        values = self.model.check_parameters(self.fixed | {self.name: x})
        try:
            result = certified_equilibrium(self.model, values, method="search", top=1)
        except InframarginalError as err:
            raise SweepError(f"path: the general equilibrium at {self.name}={x:.12g} is not certified: {err}") from None
        if result.general_equilibrium is None:
            return None, -math.inf
        index = {c.label: i for i, c in enumerate(configuration_table(self.model).configurations)}
        labels = [index[label] for label in result.configurations]
        income = result.per_capita_real_income or 0.0
        level = math.log(income) if income > 0 else -math.inf
        return self._listed(structure_from_indices(self.model, labels), x, level), level

    def _listed(self, structure: Structure, x: float, level: float) -> Structure:
        """A listed structure tied with the general equilibrium where there is one (what the user studies)."""
        if structure.name in self.listed:
            return structure
        return next((s for s in self.listed.values() if self.still(s, x, level)), structure)

    def still(self, structure: Structure | None, x: float, level: float) -> bool:
        """Whether ``structure`` is (tied with) the general equilibrium at ``x``, whose log income is ``level``."""
        if structure is None:
            return level == -math.inf
        u = self.log_income(structure, x)
        return math.isfinite(u) and u >= level + math.log1p(-TIE_TOLERANCE)


def certified_path(model: Model, name: str, lo: float, hi: float, fixed: Mapping[str, float] | None = None, *,
                   points: int = DEFAULT_POINTS) -> StructurePath:
    """The certified general equilibrium over all structures along ``name`` in [lo, hi], with exact switches.

    Parameters
    ----------
    model : Model
        Technologies of power form (the exact stacked solver).
    name : str
        The base parameter varied.
    lo, hi : float
        The ends (``lo < hi``) inside the closure of the domain; an end on an open boundary
        is moved inside by 1e-9 of the path's length.
    fixed : mapping, optional
        The other parameters (defaults for the rest).
    points : int
        Points of the bracketing grid (the general equilibrium is certified at each).
    """
    if not 3 <= points <= MAX_POINTS:
        raise SweepError(f"expected between 3 and {MAX_POINTS:,} points on a certified path",
                         field="points", value=f"{points:,}")
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise SweepError(f"path of {name} from {lo:g} to {hi:g}: the range is "
                         f"{'empty' if lo == hi else 'reversed'}; give lo < hi")
    base = {p.name: p for p in model.parameters}
    if name not in base:
        raise SweepError(f"path: {name!r} is not a parameter of {model.name} (parameters: {', '.join(base)})")
    domain, notes = base[name].domain, []
    if lo == domain.lower and not domain.lower_closed:
        lo += 1e-9 * (hi - lo)
        notes.append(f"{name} starts at {lo:.12g}: the domain {domain} excludes its lower bound")
    if hi == domain.upper and not domain.upper_closed:
        hi -= 1e-9 * (hi - lo)
        notes.append(f"{name} ends at {hi:.12g}: the domain {domain} excludes its upper bound")
    rest = model.check_parameters({**(fixed or {}), name: lo})
    fixed_all = {p: rest[p] for p in base if p != name}
    ev = _GE(model, name, fixed_all)
    xs = np.linspace(lo, hi, points)
    switches: list[Switch] = []
    current, _ = ev.ge(float(xs[0]))
    first = current
    for xl, xr in zip(xs[:-1].tolist(), xs[1:].tolist(), strict=True):
        nxt, nlevel = ev.ge(xr)
        if ev.still(current, xr, nlevel):
            continue
        switches.extend(_isolate(ev, xl, current, xr, nxt, hi - lo, 0))
        current = nxt
    segments, start = [], lo
    now = first.name if first is not None else ""
    for sw in switches:
        segments.append((start, sw.value, now))
        start, now = sw.value, sw.after
    segments.append((start, hi, now))
    certification = (f"general equilibrium over all structures, certified at each of the {ev.certified} points "
                     f"evaluated ({ev.by_bound} by the welfare bound, the rest by the orbit search)")
    return StructurePath(model.name, name, lo, hi, fixed_all, segments, switches, notes, certification)


def _name(s: Structure | None) -> str:
    return "" if s is None else s.name


def _isolate(ev: _GE, xl: float, a: Structure | None, xr: float, b: Structure | None, length: float,
             depth: int) -> list[Switch]:
    """The switches between ``a`` (the GE at ``xl``) and ``b`` (the GE at ``xr``)."""
    if depth > _MAX_SPLITS:
        raise SweepError(f"path: more than {_MAX_SPLITS} structures between {ev.name}={xl:.12g} and {xr:.12g}")

    def gap(x: float) -> float:
        if a is None or b is None:
            return math.nan
        return ev.log_income(a, x) - ev.log_income(b, x)

    gl, gr = gap(xl), gap(xr)
    if math.isfinite(gl) and math.isfinite(gr) and gl >= 0 >= gr and gl != gr:
        if gl == 0:
            x = xl
        elif gr == 0:
            x = xr
        else:
            x = optimize.brentq(gap, xl, xr, xtol=4 * np.finfo(float).eps * max(1.0, abs(xl)), rtol=8.9e-16,
                                maxiter=200)
        c, level = ev.ge(x)
        if ev.still(a, x, level) or ev.still(b, x, level):
            return [Switch(ev.name, x, _name(a), _name(b), SwitchKind.INCOME, gap(x), (xl, xr))]
        return _isolate(ev, xl, a, x, c, length, depth + 1) + _isolate(ev, x, c, xr, b, length, depth + 1)
    # One of them stops (or starts) existing inside the bracket: bisect the certified equilibrium.
    while xr - xl > 1e-12 * length:
        mid = 0.5 * (xl + xr)
        c, level = ev.ge(mid)
        if ev.still(a, mid, level):
            xl = mid
        elif ev.still(b, mid, level):
            xr = mid
        else:
            return _isolate(ev, xl, a, mid, c, length, depth + 1) + _isolate(ev, mid, c, xr, b, length, depth + 1)
    return [Switch(ev.name, xr, _name(a), _name(b), SwitchKind.EXISTENCE, gap(xr), (xl, xr))]


__all__ = ["DEFAULT_POINTS", "MAX_POINTS", "certified_path"]
