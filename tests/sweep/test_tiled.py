"""The exact pruned sweep (tiled, interval): enclosures hold the pointwise floats, and a grid
settled by boxes is the point-by-point grid, structure for structure and float for float."""

import numpy as np
import pytest

import inframarginal as im
from inframarginal import tiled
from inframarginal.backends import BoundKernel, GridKernel, StructureKernel, bound_kernel
from inframarginal.interval import Enclosure, enclose
from inframarginal.numeric_tree import Program, encode_program
from inframarginal.results import UNSETTLED, general_equilibrium_at, general_equilibrium_of_bounds
from inframarginal.sweep import evaluate_grid, make_grid, parse_variables

CORE = parse_variables("core")


def _axis(model, name, n, reverse=False):
    p = model.parameter(name)
    lo = p.domain.lower if np.isfinite(p.domain.lower) else p.default / 4
    hi = p.domain.upper if np.isfinite(p.domain.upper) else p.default * 4
    values = np.linspace(lo, hi, n)
    return values[::-1] if reverse else values


def _program(kernel, variant):
    core = kernel.kernel.cores[variant]
    return core if isinstance(core, Program) else Program(encode_program(core))


# -- enclosures ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "axes", "fixed"), [
    ("li-ke-2020", ("K", "alpha"), {}),
    ("yang-2001-roundabout", ("k", "alpha"), {}),
    ("li-ke-2020-roundabout-productivity", ("K", "b"), {"alpha": 0.7}),
])
def test_enclosures_hold_every_pointwise_float(name, axes, fixed):
    """At random points of random boxes (corners included), every output of the compiled
    kernel lies inside its enclosure over the box; and most enclosures are bounded."""
    model = im.load_model(name)
    kernel = bound_kernel(model, axes, {**{p.name: p.default for p in model.parameters if p.name not in axes}, **fixed})
    rng = np.random.default_rng(7)
    n_boxes = 300
    spans = [_axis(model, a, 2) for a in axes]
    corners = [np.sort(rng.uniform(lo, hi, (2, n_boxes)), axis=0) for lo, hi in spans]
    # some boxes tiny (a few ulps wide): the enclosure must still hold exactly
    for c in corners:
        c[1, :50] = np.nextafter(np.nextafter(c[0, :50], np.inf), np.inf)
    bounded = 0
    for variant in set(kernel.split):
        program = _program(kernel, variant)
        with np.errstate(all="ignore"):
            bounds = enclose(program, [Enclosure(c[0], c[1]) for c in corners] + list(kernel.constants))
            draws = [np.concatenate([c[:1], c[1:], c[0] + (c[1] - c[0]) * rng.uniform(0, 1, (6, n_boxes))])
                     for c in corners]
            for k in range(draws[0].shape[0]):
                values = program(*(d[k] for d in draws), *kernel.constants)
                for out, b in zip(values, bounds, strict=True):
                    v = np.broadcast_to(out, (n_boxes,))
                    lo, hi = np.broadcast_to(b.lo, (n_boxes,)), np.broadcast_to(b.hi, (n_boxes,))
                    known = ~np.isnan(lo)
                    # NaN bounds (unknown) promise nothing; known bounds hold every float (a NaN fails)
                    ok = ~known | ((lo <= v) & (v <= hi))
                    assert ok.all(), (name, variant, np.flatnonzero(~ok)[:3])
                    bounded += int(known.sum())
    assert bounded > 0.5 * 8 * n_boxes * len(bounds)


def test_enclosure_of_each_operation():
    def box(program, lo, hi):
        p = Program({"arguments": ["x"], "assignments": [], "outputs": [program], "sequence": True})
        with np.errstate(all="ignore"):
            out = enclose(p, [Enclosure(np.array(lo), np.array(hi))])[0]
        return float(out.lo), float(out.hi)

    x = ["a", 0]
    assert box(["**", x, ["i", "2"]], -1.0, 2.0) == (0.0, pytest.approx(4.0))  # even power across 0
    lo, hi = box(["**", x, ["i", "3"]], -2.0, 1.0)
    assert lo == pytest.approx(-8.0) and lo <= -8.0 and hi >= 1.0
    assert all(np.isnan(box(["/", ["i", "1"], x], -1.0, 1.0)))  # a division by an interval holding 0
    assert all(np.isnan(box(["call", "numpy.log", x], -1.0, 1.0)))  # the log of a possibly negative number
    assert all(np.isnan(box(["call", "numpy.sqrt", x], -1e-300, 1.0)))
    assert all(np.isnan(box(["**", x, ["f", 0.5]], -1.0, 1.0)))  # a fractional power of a negative number
    lo, hi = box(["call", "numpy.log", x], 0.0, 1.0)
    assert lo == -np.inf and 0.0 <= hi < 1e-13
    lo, hi = box(["-", x, x], 1.0, 2.0)  # the dependency problem: wide, but an enclosure
    assert lo <= 0.0 <= hi and (lo, hi) == (-1.0, 1.0)
    lo, hi = box(["**", ["f", 2.0], x], 1.0, 3.0)  # a varying exponent
    assert lo <= 2.0 and 8.0 <= hi < 8.0 * (1 + 1e-13)


def test_outputs_at_computes_only_what_is_asked_and_the_same_floats():
    p = Program({"arguments": ["x", "y"],
                 "assignments": [["call", "numpy.log", ["a", 0]], ["*", ["v", 0], ["a", 1]]],
                 "outputs": [["+", ["v", 0], ["f", 1.5]], ["-", ["v", 1], ["a", 1]], ["i", "3"]],
                 "sequence": True})
    assert p.argument_sets() == [frozenset({0}), frozenset({0, 1}), frozenset()]
    x, y = np.linspace(0.5, 2, 5)[:, None], np.linspace(-1, 1, 4)[None, :]
    every = p(x, y)
    first, third = p.outputs_at([x, y], [0, 2])
    assert np.array_equal(first, every[0]) and third == 3
    assert np.array_equal(p.outputs_at([x, y], [1])[0], every[1])


# -- the rule over boxes -------------------------------------------------------------------


def test_general_equilibrium_of_bounds():
    # boxes: 0 settled for 1; 1 overlapping bounds; 2 rival 0 never exists; 3 none exists;
    # 4 a rival with unknown bounds; 5 equal bounds (a tie: the point rule would take the first)
    lower = [[1.0, 1.0, 5.0, 0.0, 1.0, 2.0], [2.0, 1.2, 1.0, 0.0, 2.0, 2.0]]
    upper = [[1.5, 1.5, 6.0, 0.0, np.nan, 2.0], [3.0, 2.0, 1.1, 0.0, 3.0, 2.0]]
    surely = [[True, True, False, False, True, True], [True, True, True, False, True, True]]
    never = [[False, False, True, True, False, False], [False, False, False, True, False, False]]
    codes = general_equilibrium_of_bounds(lower, upper, surely, never)
    assert codes.tolist() == [1, UNSETTLED, 1, -1, UNSETTLED, UNSETTLED]


# -- settled grids against the point-by-point grid ---------------------------------------------


CASES = [
    ("li-ke-2020", {"K": 700, "t": 600}, {}),
    ("li-ke-2020", {"alpha": 650, "b": 500}, {"K": 0.9}),
    ("li-ke-2020-roundabout-productivity", {"K": 600, "alpha": 600}, {}),
    ("yang-2001-roundabout", {"k": 600, "alpha": 700}, {}),
    ("yang-ng-1993-fixed-learning-5", {"k": 800, "b": 500}, {}),
    ("yang-2001-specialization", {"k": 400_000}, {}),  # one axis
    ("li-ke-2020", {"K": 90, "t": 80, "alpha": 70}, {}),  # three axes
]


@pytest.mark.parametrize("variables", ["core", "prices,numbers"])
@pytest.mark.parametrize(("name", "sizes", "fixed"), CASES)
def test_settled_grid_is_the_pointwise_grid(name, sizes, fixed, variables, monkeypatch):
    model = im.load_model(name)
    axes = {a: _axis(model, a, n, reverse=(i == 1)) for i, (a, n) in enumerate(sizes.items())}
    grid = make_grid(model, axes, fixed)
    chosen = parse_variables(variables)
    monkeypatch.setattr(tiled, "MIN_POINTS", 10**12)
    pointwise = evaluate_grid(grid, variables=chosen)
    monkeypatch.setattr(tiled, "MIN_POINTS", 1)
    settled = evaluate_grid(grid, variables=chosen)
    assert set(settled) == set(pointwise) == set(chosen)
    for name in chosen:  # codes, incomes, prices, numbers: the same floats
        assert np.array_equal(settled[name], pointwise[name], equal_nan=True), name
    assert len(np.unique(pointwise["general_equilibrium"])) >= 2  # switches inside the grid


def test_most_of_the_seed_grid_is_settled_by_boxes(seed):
    values = [np.linspace(0.05, 1, 1000), np.linspace(0, 0.9, 1000)]
    grid = make_grid(seed, dict(zip(("K", "t"), values, strict=True)))
    code, income = np.empty((1000, 1000), np.int8), np.empty((1000, 1000))
    report = tiled.settle_grid(grid.kernel, values, code, income)
    assert report is not None and report.points == 10**6
    assert report.by_boxes + report.by_points >= report.points
    assert report.by_boxes > 0.9 * report.points  # the switch curves are short


def test_boxes_do_not_apply(seed, twin_model):
    values = [np.linspace(0.05, 1, 800), np.linspace(0, 0.9, 800)]
    kernel = make_grid(seed, dict(zip(("K", "t"), values, strict=True))).kernel
    code, income = np.empty((800, 800), np.int8), np.empty((800, 800))
    shuffled = [np.random.default_rng(1).permutation(values[0]), values[1]]
    assert tiled.settle_grid(kernel, shuffled, code, income) is None  # not monotone
    small = [values[0][:100], values[1][:100]]
    assert tiled.settle_grid(kernel, small, code[:100, :100], income[:100, :100]) is None
    numeric = make_grid(twin_model("exp(a * log(l))"), {"k": np.linspace(0.1, 1, 800), "a": np.linspace(1.05, 2.9, 800)}).kernel
    assert tiled.settle_grid(numeric, [np.linspace(0.1, 1, 800), np.linspace(1.05, 2.9, 800)], code, income) is None


def _kernel_of(outputs, layouts):
    """A kernel over axes (x, y) from hand-written outputs: each structure's log-income parts
    then its conditions, as ``(first, parts, conditions)`` layouts."""
    program = Program({"arguments": ["x", "y"], "assignments": [], "outputs": outputs, "sequence": True})
    structures = tuple(StructureKernel(None, closed=True) for _ in layouts)
    grid = GridKernel(None, ("x", "y"), (), structures, None, 0, {True: program}, {True: tuple(layouts)},
                      {True: ()}, {True: ()}, ())
    return BoundKernel(grid, {}, (), (True,) * len(layouts))


def test_switches_where_a_structure_stops_existing():
    """Where the richer structure stops existing (a condition, not an income, makes the switch),
    boxes across the switch are not settled for it."""
    x, y = ["a", 0], ["a", 1]
    outputs = [
        ["f", 0.0],  # 0: income 1 everywhere, always exists
        x, y, ["-", ["f", 1.0], x],  # 1: log income x + y, exists where x < 1
        ["+", x, ["f", 0.5]], ["-", y, ["f", 0.3]], ["**", ["-", x, ["f", 2.0]], ["i", "2"]],  # 2: y > 0.3, x != 2
        ["call", "numpy.log", x], y, ["call", "numpy.sqrt", ["-", ["f", 2.5], x]],  # 3: x > 0, x <= 2.5
    ]
    kernel = _kernel_of(outputs, [(0, 1, 0), (1, 2, 1), (4, 1, 2), (7, 2, 0)])
    values = [np.linspace(-2, 3, 900), np.linspace(-1, 2, 800)]
    incomes, flags = kernel.log_incomes(values[0][:, None], values[1][None, :])
    expected, best = general_equilibrium_at(incomes, flags)
    code, income = np.empty((900, 800), np.int8), np.empty((900, 800))
    report = tiled.settle_grid(kernel, values, code, income)
    assert report is not None and report.by_boxes > 0.5 * report.points
    assert np.array_equal(code, expected)
    with np.errstate(all="ignore"):
        assert np.array_equal(income, np.where(expected >= 0, np.exp(best), np.nan), equal_nan=True)
    assert {0, 1, 2, 3} <= set(np.unique(expected).tolist())
