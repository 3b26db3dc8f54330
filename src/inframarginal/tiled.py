"""Exact pruned evaluation of a sweep: boxes of the grid settled whole by enclosures.

Far from the switch curves of an infra-marginal phase diagram, one structure beats every
other by a margin over a whole box of points.  :func:`settle_grid` evaluates each
structure's closed forms (the sweep's compiled kernel, :class:`~inframarginal.backends.BoundKernel`)
on intervals (:func:`inframarginal.interval.enclose`): bounds that hold for the very floats the
point-by-point evaluation computes.  A box whose bounds settle its general equilibrium
(:func:`inframarginal.results.general_equilibrium_of_bounds`) gets that structure at every
point, with its income computed from the structure's own closed form only; a box that is
not settled is halved along every axis, and boxes of at most :data:`LEAF_POINTS` points are
evaluated point by point, all together.  The answer is the point-by-point answer (the same
structure at every point, the same income floats), at a cost that grows with the length of
the switch curves rather than with the number of points.

References
----------
R. E. Moore, R. B. Kearfott and M. J. Cloud, *Introduction to Interval Analysis*, SIAM, 2009,
ch. 5-6 (bisection of boxes on which an enclosure does not decide).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from inframarginal.interval import Enclosure, enclose
from inframarginal.numeric_tree import Program, UnsupportedFunction, encode_program
from inframarginal.results import UNSETTLED, general_equilibrium_at, general_equilibrium_of_bounds

if TYPE_CHECKING:
    from inframarginal.backends import BoundKernel

__all__ = ["FIRST_BOX_POINTS", "LEAF_POINTS", "MIN_POINTS", "Settled", "settle_grid"]

#: Points of a box of the first level (a cube of this volume): the grid is cut into such boxes before halving.
FIRST_BOX_POINTS = 64 * 64
#: Boxes of at most this many points are evaluated point by point.
LEAF_POINTS = 256
#: Longest axis along which subexpressions' floats are kept for exact ranges (memory bound).
MAX_RANGE_VALUES = 1 << 16
#: Grids smaller than this are evaluated point by point (boxes would not pay).
MIN_POINTS = 500_000


@dataclass(frozen=True)
class Settled:
    """How :func:`settle_grid` evaluated a grid: ``by_boxes`` points were settled by
    enclosures (in ``boxes`` boxes), ``by_points`` evaluated point by point."""

    points: int
    by_boxes: int
    boxes: int
    by_points: int


@dataclass(frozen=True)
class _Boxes:
    """Boxes of the grid as index ranges: ``start[i]``, ``stop[i]`` along axis ``i``, one column per box."""

    start: np.ndarray
    stop: np.ndarray

    @property
    def count(self) -> int:
        return int(self.start.shape[1])

    def sizes(self) -> np.ndarray:
        return np.asarray(np.prod(self.stop - self.start, axis=0))

    def take(self, which: np.ndarray) -> _Boxes:
        return _Boxes(self.start[:, which], self.stop[:, which])

    def halves(self) -> _Boxes:
        """Each box cut in two along every axis longer than one point (empty halves dropped)."""
        mid = self.start + (self.stop - self.start + 1) // 2
        starts, stops = [], []
        for corner in range(1 << self.start.shape[0]):
            upper = np.array([(corner >> i) & 1 for i in range(self.start.shape[0])], dtype=bool)[:, None]
            starts.append(np.where(upper, mid, self.start))
            stops.append(np.where(upper, self.stop, mid))
        start, stop = np.concatenate(starts, axis=1), np.concatenate(stops, axis=1)
        keep = (stop > start).all(axis=0)
        return _Boxes(start[:, keep], stop[:, keep])


def settle_grid(kernel: BoundKernel, values: list[np.ndarray], code: np.ndarray,
                income: np.ndarray) -> Settled | None:
    """The general equilibrium and its income on the open mesh of ``values``, into ``code`` and ``income``.

    Parameters
    ----------
    kernel : BoundKernel
        The sweep's kernel at its fixed values.
    values : list of ndarray
        One 1-D array of values per axis of the kernel, each monotone.
    code, income : ndarray
        Arrays of the mesh's shape: the general equilibrium's index (-1: none) and its
        per-capita real income (NaN: none), as the point-by-point evaluation fills them.

    Returns
    -------
    Settled or None
        ``None`` (nothing written) where boxes do not apply: a structure without closed forms,
        an axis that is not monotone, a kernel outside the operations :mod:`inframarginal.interval`
        encloses, or a grid smaller than :data:`MIN_POINTS`.
    """
    shape = tuple(len(v) for v in values)
    points = math.prod(shape)
    if points < MIN_POINTS or not all(k.closed for k in kernel.structures) or not all(map(_monotone, values)):
        return None
    plan = _plan(kernel)
    if plan is None:
        return None
    ranges = {variant: _Ranges(program, values, kernel.constants) for variant, program in plan.programs.items()}
    boxes = _first_boxes(shape)
    settled: list[tuple[_Boxes, np.ndarray]] = []
    leaves: list[_Boxes] = []
    by_boxes = n_boxes = 0
    while boxes.count:
        codes = _settle(kernel, plan, ranges, values, boxes)
        done = codes != UNSETTLED
        by_boxes += int(boxes.sizes()[done].sum())
        n_boxes += int(done.sum())
        settled.append(_runs(boxes.take(done), codes[done]))
        rest = boxes.take(~done)
        small = rest.sizes() <= LEAF_POINTS
        leaves.append(rest.take(small))
        boxes = rest.take(~small).halves()
    income_parts = _IncomeParts(kernel, plan, values)
    for group, codes in settled:
        _fill(group, codes, code, income, income_parts)
    by_points = _pointwise(kernel, values, leaves, code, income)
    return Settled(points, by_boxes, n_boxes, by_points)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (``np.unique`` without its import of ``numpy.ma``, 10 ms)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered


def _monotone(v: np.ndarray) -> bool:
    step = np.diff(v)
    return bool(np.all(step >= 0) or np.all(step <= 0))


@dataclass(frozen=True)
class _Plan:
    """Each structure's program and the indices of its income parts and conditions in it."""

    programs: dict[bool, Program]
    parts: tuple[tuple[bool, tuple[int, ...]], ...]
    conditions: tuple[tuple[int, ...], ...]


#: Kernels compiled in this process, read as programs (once per compiled function).
_PROGRAMS: weakref.WeakKeyDictionary[Any, Program] = weakref.WeakKeyDictionary()


def _plan(kernel: BoundKernel) -> _Plan | None:
    programs = {}
    try:
        for variant in set(kernel.split):
            core = kernel.kernel.cores[variant]
            if not isinstance(core, Program):
                if core not in _PROGRAMS:
                    _PROGRAMS[core] = Program(encode_program(core))
                core = _PROGRAMS[core]
            programs[variant] = core
    except (UnsupportedFunction, ValueError, TypeError):
        return None
    parts, conditions = [], []
    for s, variant in enumerate(kernel.split):
        first, n_parts, n_cond = kernel.kernel.layouts[variant][s]
        parts.append((variant, tuple(range(first, first + n_parts))))
        conditions.append(tuple(range(first + n_parts, first + n_parts + n_cond)))
    return _Plan(programs, tuple(parts), tuple(conditions))


def _first_boxes(shape: tuple[int, ...]) -> _Boxes:
    side = max(1, round(FIRST_BOX_POINTS ** (1 / len(shape))))
    starts = np.meshgrid(*(np.arange(0, n, side) for n in shape), indexing="ij")
    start = np.array([s.ravel() for s in starts])
    return _Boxes(start, np.minimum(start + side, np.array(shape)[:, None]))


def _runs(boxes: _Boxes, codes: np.ndarray) -> tuple[_Boxes, np.ndarray]:
    """Settled boxes merged along the last axis where they touch and have the same structure."""
    if boxes.count < 2:
        return boxes, codes
    lead = [*boxes.start[:-1], *boxes.stop[:-1]]
    order = np.lexsort((boxes.start[-1], codes, *lead[::-1]))
    start, stop, codes = boxes.start[:, order], boxes.stop[:, order], codes[order]
    joins = (codes[1:] == codes[:-1]) & (start[-1, 1:] == stop[-1, :-1])
    joins &= (start[:-1, 1:] == start[:-1, :-1]).all(axis=0) & (stop[:-1, 1:] == stop[:-1, :-1]).all(axis=0)
    first = np.flatnonzero(np.concatenate(([True], ~joins)))
    last = np.concatenate((first[1:], [len(codes)])) - 1
    merged_stop = stop[:, first].copy()
    merged_stop[-1] = stop[-1, last]
    return _Boxes(start[:, first], merged_stop), codes[first]


def _settle(kernel: BoundKernel, plan: _Plan, ranges: dict[bool, _Ranges], values: list[np.ndarray],
            boxes: _Boxes) -> np.ndarray:
    """Each box's structure by :func:`~inframarginal.results.general_equilibrium_of_bounds`."""
    axes = []
    for v, start, stop in zip(values, boxes.start, boxes.stop, strict=True):
        first, last = v[start], v[stop - 1]
        axes.append(Enclosure(np.minimum(first, last), np.maximum(first, last)))
    with np.errstate(all="ignore"):
        bounds = {variant: enclose(program, [*axes, *kernel.constants], ranges[variant].over(boxes))
                  for variant, program in plan.programs.items()}
        n = boxes.count
        lower: list[Any] = []
        upper: list[Any] = []
        surely: list[Any] = []
        never: list[Any] = []
        for (variant, parts), conditions in zip(plan.parts, plan.conditions, strict=True):
            out = bounds[variant]
            lo, hi = out[parts[0]]
            for j in parts[1:]:  # summed in the kernel's order: the same floats, enclosed
                lo, hi = lo + out[j].lo, hi + out[j].hi
            sure = np.isfinite(lo) & np.isfinite(hi)
            none = (hi == -np.inf) | (lo == np.inf)
            for j in conditions:
                sure = sure & (out[j].lo > 0)
                none = none | (out[j].hi <= 0)
            for target, value in ((lower, lo), (upper, hi), (surely, sure), (never, none)):
                target.append(np.broadcast_to(value, (n,)))
    return general_equilibrium_of_bounds(lower, upper, surely, never)


class _Ranges:
    """The exact ranges over boxes of a program's subexpressions of a single axis.

    Interval arithmetic overestimates an expression in which a variable appears more than
    once (``alpha / (1 - alpha)``).  Every largest subexpression that depends on one axis only
    is evaluated at that axis's values (the floats of the point-by-point evaluation), and its
    least and greatest value over each box's run of indices are taken: bounds that are
    attained, handed to :func:`~inframarginal.interval.enclose` in place of its own.
    """

    def __init__(self, program: Program, values: list[np.ndarray], constants: tuple[float, ...]):
        dims = len(values)
        local_axes: list[frozenset[int]] = []
        axes: dict[int, frozenset[int]] = {}

        def visit(tree: Any) -> frozenset[int]:
            tag = tree[0]
            if tag == "a":
                found = frozenset({tree[1]}) if tree[1] < dims else frozenset()
            elif tag == "v":
                found = local_axes[tree[1]]
            elif tag in ("i", "f"):
                found = frozenset()
            else:
                found = frozenset().union(*(visit(t) for t in (tree[2:] if tag == "call" else tree[1:])))
            axes[id(tree)] = found
            return found

        for tree in program.assignments:
            local_axes.append(visit(tree))
        for tree in program.outputs:
            visit(tree)
        self.nodes: list[tuple[Any, int]] = []
        # an axis too long to keep each subexpression's floats along it is left to intervals
        short = {i for i, v in enumerate(values) if len(v) <= MAX_RANGE_VALUES}

        def largest(tree: Any, above: frozenset[int] | None) -> None:
            tag, own = tree[0], axes[id(tree)]
            if len(own) == 1 and own <= short and own != above and tag not in ("a", "v", "i", "f"):
                self.nodes.append((tree, next(iter(own))))
            elif len(own) > 1 and tag not in ("a", "v", "i", "f"):
                for t in (tree[2:] if tag == "call" else tree[1:]):
                    largest(t, own)

        for tree in [*program.assignments, *program.outputs]:
            largest(tree, None)
        mesh = [v.reshape([-1 if j == i else 1 for j in range(dims)]) for i, v in enumerate(values)]
        with np.errstate(all="ignore"):
            found = program.values_of([t for t, _ in self.nodes], [*mesh, *constants])
        self.values = [np.asarray(f, dtype=float).reshape(-1) for f in found]

    def over(self, boxes: _Boxes) -> dict[int, Enclosure]:
        """The nodes' enclosures over each box, by ``id`` of the node."""
        out = {}
        cuts: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for (tree, axis), found in zip(self.nodes, self.values, strict=True):
            if axis not in cuts:
                # a level's boxes have, along an axis, ranges that are equal or apart: the ends
                # of all of them cut the axis into pieces, each box's range being one piece
                start, stop = boxes.start[axis], boxes.stop[axis]
                ends = _distinct(np.concatenate((start, stop)))
                cuts[axis] = (ends, np.searchsorted(ends, start))
            ends, piece = cuts[axis]
            part = found[: ends[-1]]
            out[id(tree)] = Enclosure(np.minimum.reduceat(part, ends[:-1])[piece],
                                      np.maximum.reduceat(part, ends[:-1])[piece])
        return out


class _IncomeParts:
    """A structure's log-income parts, each computed once on the axes it depends on
    (one axis or none); a part of several axes is computed on each box."""

    def __init__(self, kernel: BoundKernel, plan: _Plan, values: list[np.ndarray]):
        self.kernel, self.plan, self.values = kernel, plan, values
        self.dims = len(values)
        self._axes = {variant: [frozenset(a for a in args if a < self.dims) for args in program.argument_sets()]
                      for variant, program in plan.programs.items()}
        self._whole: dict[tuple[bool, int], Any] = {}

    def log_income(self, structure: int, box: tuple[slice, ...]) -> Any:
        variant, parts = self.plan.parts[structure]
        total: Any = None
        for j in parts:
            part = self._part(variant, j, box)
            total = np.asarray(part, dtype=float) if total is None else total + part
        return total

    def _part(self, variant: bool, j: int, box: tuple[slice, ...]) -> Any:
        axes = self._axes[variant][j]
        if len(axes) <= 1:
            key = (variant, j)
            if key not in self._whole:
                self._whole[key] = self._evaluate(variant, j, [slice(None)] * self.dims)
            whole = self._whole[key]
            return whole[tuple(b if np.shape(whole)[i] > 1 else slice(None) for i, b in enumerate(box))] \
                if np.ndim(whole) else whole
        return self._evaluate(variant, j, list(box))

    def _evaluate(self, variant: bool, j: int, box: list[slice]) -> Any:
        mesh = [v[b].reshape([-1 if k == i else 1 for k in range(self.dims)])
                for i, (v, b) in enumerate(zip(self.values, box, strict=True))]
        with np.errstate(all="ignore"):
            return self.plan.programs[variant].outputs_at([*mesh, *self.kernel.constants], [j])[0]


def _fill(boxes: _Boxes, codes: np.ndarray, code: np.ndarray, income: np.ndarray, parts: _IncomeParts) -> None:
    for b in range(boxes.count):
        box = tuple(slice(int(a), int(z)) for a, z in zip(boxes.start[:, b], boxes.stop[:, b], strict=True))
        s = int(codes[b])
        code[box] = s
        if s < 0:
            income[box] = np.nan
            continue
        with np.errstate(all="ignore"):  # exp of the parts' broadcast sum, assigned by broadcasting
            income[box] = np.exp(parts.log_income(s, box))


def _pointwise(kernel: BoundKernel, values: list[np.ndarray], leaves: list[_Boxes], code: np.ndarray,
               income: np.ndarray) -> int:
    """The leaves' points, evaluated as the point-by-point sweep does: on open meshes, one per
    band of the first level's boxes along the leading axes, over the last axis's values that
    some leaf of the band needs (the points of a mesh a leaf does not hold are computed again,
    to the same floats)."""
    side = max(1, round(FIRST_BOX_POINTS ** (1 / len(values))))
    bands: dict[tuple[int, ...], list[np.ndarray]] = {}
    for group in leaves:
        for b in range(group.count):
            key = tuple(int(a) // side for a in group.start[:-1, b])
            bands.setdefault(key, []).append(np.arange(group.start[-1, b], group.stop[-1, b]))
    count = 0
    for key, columns in bands.items():
        index = [np.arange(k * side, min((k + 1) * side, len(v))) for k, v in zip(key, values, strict=False)]
        index.append(_distinct(np.concatenate(columns)))
        mesh = [v[i].reshape([-1 if j == a else 1 for j in range(len(values))])
                for a, (v, i) in enumerate(zip(values, index, strict=True))]
        incomes, flags = kernel.log_incomes(*mesh)
        chosen, best = general_equilibrium_at(incomes, flags)
        with np.errstate(all="ignore"):
            np.exp(best, out=best)
        best[chosen < 0] = np.nan
        where = np.ix_(*index)
        code[where] = chosen
        income[where] = best
        count += best.size
    return count
