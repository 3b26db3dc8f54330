"""The general equilibrium along a 1-D path of one parameter, with exact switch points.

Along a path the general equilibrium jumps from one structure to another: this is
infra-marginal comparative statics (Yang 2001, ch. 4).  A jump happens where two
corner equilibria give the same per-capita real income (the incomes cross), or
where the current structure stops existing.  :func:`structure_path` brackets every
jump on a fine grid, isolates it by bisection, and then solves for it: by Brent's
method on the difference of log incomes when the incomes cross (to 1e-12 and
better), by bisection of the existence condition otherwise.  Where the symbolic
path gives the threshold in closed form (SymPy solves ``log u_a = log u_b`` for the
parameter), it is reported too, after checking that it equals the numeric root.

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*. Prentice-Hall.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from inframarginal.configurations import find_structure
from inframarginal.display import NONE_COLOUR, colours, escape, table
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.errors import Advice, python_words
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.sweep import Grid, SweepError, make_grid

#: Points of the grid that brackets the switches.
GRID_POINTS = 2001
#: Most points of that grid (checked before anything is allocated): a finer grid does not
#: make switch points more exact (they are solved for), only slower to find.
MAX_PATH_POINTS = 1_000_000
#: Width below which a bracket is solved rather than bisected further (relative to the path).
_ISOLATE = 1e-7


class SwitchKind(enum.StrEnum):
    """Why the general equilibrium changes at a switch point (a string: JSON and text show the value)."""

    #: The per-capita real incomes of the two structures are equal there.
    INCOME = "income"
    #: A corner equilibrium stops or starts existing there.
    EXISTENCE = "existence"


@dataclass(frozen=True)
class Switch:
    """A point where the general equilibrium changes structure.

    ``kind`` is :attr:`SwitchKind.INCOME` (the per-capita real incomes of ``before`` and
    ``after`` are equal at ``value``) or :attr:`SwitchKind.EXISTENCE` (a corner equilibrium
    stops or starts existing there); each equals its string, ``"income"`` or ``"existence"``.  ``income_gap`` is ``log u_before - log u_after`` at ``value``
    (NaN when one does not exist).  ``closed_form`` is the threshold as a SymPy
    expression of the parameters where SymPy solves for it, else ``None``.
    """

    parameter: str
    value: float
    before: str
    after: str
    kind: SwitchKind
    income_gap: float
    bracket: tuple[float, float]
    closed_form: sp.Expr | None = None
    closed_form_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "value": float(self.value),
            "before": self.before,
            "after": self.after,
            "kind": str(self.kind),
            "income_gap": _number(self.income_gap),
            "bracket": [float(self.bracket[0]), float(self.bracket[1])],
            "closed_form": None if self.closed_form is None else str(self.closed_form),
            "closed_form_latex": None if self.closed_form is None else sp.latex(self.closed_form),
            "closed_form_value": _number(self.closed_form_value),
        }


def _number(value: float | None) -> float | str | None:
    if value is None:
        return None
    return float(value) if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class StructurePath:
    """The sequence of general-equilibrium structures along ``parameter`` in [lo, hi].

    ``segments`` are ``(lo, hi, structure)`` (structure ``""`` where no corner
    equilibrium exists); ``switches`` the points between consecutive segments.
    """

    model: str
    parameter: str
    lo: float
    hi: float
    fixed: dict[str, float]
    segments: list[tuple[float, float, str]]
    switches: list[Switch]
    notes: list[str] = field(default_factory=list)
    #: The listed GE certified against all structures of the model (one line; see ``search.certify_sample``).
    certification: str = ""

    def to_dict(self, write: Callable[[str, object], str] = python_words) -> dict[str, Any]:
        """The path as JSON; the settings its certification suggests written by ``write(field, value)``."""
        return {
            "model": self.model,
            "parameter": self.parameter,
            "range": [float(self.lo), float(self.hi)],
            "fixed": {k: float(v) for k, v in self.fixed.items()},
            "segments": [{"from": float(a), "to": float(b), "structure": s} for a, b, s in self.segments],
            "switches": [s.to_dict() for s in self.switches],
            "notes": list(self.notes),
            "certification": _advice(self.certification, write),
        }

    def __repr__(self) -> str:
        return self.text()

    def text(self, write: Callable[[str, object], str] = python_words) -> str:
        """The path as lines of text; the settings its certification suggests written by ``write``
        (Python words by default; the command line passes its flags)."""
        lines = [f"general equilibrium of {self.model} along {self.parameter} in "
                 f"[{self.lo:.12g}, {self.hi:.12g}]"]
        for a, b, s in self.segments:
            lines.append(f"  {a:>20.15g} .. {b:<20.15g} {s or '(none)'}")
        for sw in self.switches:
            cf = f"; closed form {sw.closed_form}" if sw.closed_form is not None else ""
            lines.append(f"  switch {sw.before or '(none)'} -> {sw.after or '(none)'} at "
                         f"{self.parameter} = {sw.value:.15g} ({sw.kind}){cf}")
        if self.certification:
            lines.append(f"  {_advice(self.certification, write)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Jupyter's display: the switch table and an inline SVG strip."""
        return path_html(self)


# -- display in a notebook ---------------------------------------------------------------


def path_svg(path: StructurePath, width: int = 560, height: int = 64) -> str:
    """The path as an SVG strip: one coloured band per segment, a line at each switch."""
    span = path.hi - path.lo
    colour_of = colours(s for _, _, s in path.segments if s)

    def x(v: float) -> float:
        return 0.0 if span <= 0 else (v - path.lo) / span * width

    band = height - 22
    shapes = []
    for a, b, s in path.segments:
        x0, x1 = x(a), x(b)
        shapes.append(f'<rect x="{x0:.2f}" y="0" width="{max(x1 - x0, 0.5):.2f}" height="{band}" '
                      f'fill="{colour_of.get(s, NONE_COLOUR)}"><title>{escape(s or "(none)")}: '
                      f'{a:.6g} .. {b:.6g}</title></rect>')
        if x1 - x0 > 8 * max(len(s), 2):
            shapes.append(f'<text x="{(x0 + x1) / 2:.2f}" y="{band / 2 + 5:.2f}" text-anchor="middle" '
                          f'font-size="13" font-weight="bold">{escape(s or "(none)")}</text>')
    for sw in path.switches:
        xs = x(sw.value)
        shapes.append(f'<line x1="{xs:.2f}" y1="0" x2="{xs:.2f}" y2="{band}" stroke="black" stroke-width="1.5"/>')
        shapes.append(f'<text x="{xs:.2f}" y="{band + 14}" text-anchor="middle" font-size="11">'
                      f'{sw.value:.6g}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="general equilibrium along '
            f'{escape(path.parameter)}">' + "".join(shapes) + "</svg>")


def _advice(text: str, write: Callable[[str, object], str]) -> str:
    """``text`` with the settings it suggests written by ``write`` where it is :class:`Advice`."""
    return text.text(write) if isinstance(text, Advice) else text


def path_html(path: StructurePath) -> str:
    """Segments, the switch table (with closed forms) and the SVG strip."""
    fixed = ", ".join(f"{k}={v:g}" for k, v in path.fixed.items())
    switches = table(
        ["from", "to", path.parameter, "kind", "closed form"],
        [(sw.before or "(none)", sw.after or "(none)", f"{sw.value:.15g}", sw.kind,
          "" if sw.closed_form is None else str(sw.closed_form)) for sw in path.switches],
        "switch points")
    segments = table(["from", "to", "general equilibrium"],
                     [(f"{a:.15g}", f"{b:.15g}", s or "(none)") for a, b, s in path.segments], "segments")
    notes = "".join(f"<li>{escape(n)}</li>" for n in path.notes)
    return (f"<div class=\"inframarginal-path\"><p>General equilibrium of <code>{escape(path.model)}</code> "
            f"along <b>{escape(path.parameter)}</b> in [{path.lo:g}, {path.hi:g}]"
            + (f" ({escape(fixed)})" if fixed else "") + "</p>" + path_svg(path) + switches + segments
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


class IncomeEvaluator:
    """Log incomes and existence of named structures along one parameter: the input of
    :func:`switch_path`.

    Subclasses give :meth:`at`; the engine's is built from a sweep's kernel (the corner
    equilibria), the audit's from a paper's printed formulas (one more input to the same
    search for switch points).
    """

    names: tuple[str, ...] = ()

    def at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(log_income, exists)``, each of shape (structures, points), at the values ``x``;
        ``log_income`` is -inf where the structure does not exist."""
        raise NotImplementedError

    def code(self, x: np.ndarray) -> np.ndarray:
        """Index of the general equilibrium at each value (-1: none), by the one rule."""
        return general_equilibrium_at(*self.at(x))[0]

    def code1(self, x: float) -> int:
        """:meth:`code` at one value."""
        return int(self.code(np.array([x]))[0])

    def gap(self, a: int, b: int, x: float) -> float:
        """Log income of structure ``a`` minus that of ``b`` at ``x`` (NaN unless both exist)."""
        log_income, exists = self.at(np.array([x]))
        if not (exists[a, 0] and exists[b, 0]):
            return math.nan
        return float(log_income[a, 0] - log_income[b, 0])

    def exists(self, s: int, x: float) -> bool:
        """Whether structure ``s`` exists at ``x``."""
        return bool(self.at(np.array([x]))[1][s, 0])


class _Evaluator(IncomeEvaluator):
    """The engine's log incomes and existence of every studied structure along one parameter."""

    def __init__(self, grid: Grid, kernel: Any = None):
        self.grid = grid
        self.kernel = grid.kernel if kernel is None else kernel(grid)
        self.names = grid.structures
        self.numeric = [i for i, k in enumerate(self.kernel.structures) if not k.closed]

    def at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.atleast_1d(np.asarray(x, dtype=float))
        incomes, flags = self.kernel.log_incomes(x)
        log_income = np.full((len(self.names), len(x)), -np.inf)
        exists = np.zeros((len(self.names), len(x)), dtype=bool)
        for s, (inc, ok) in enumerate(zip(incomes, flags, strict=True)):
            if inc is not None:
                log_income[s], exists[s] = inc, ok
        if self.numeric:
            from inframarginal.batched import numeric_structure_grid

            points = {self.grid.names[0]: x, **{k: np.full(len(x), v) for k, v in self.grid.fixed.items()}}
            for s in self.numeric:
                r = numeric_structure_grid(self.grid.model, self.kernel.structures[s].structure, points)
                log_income[s], exists[s] = r["log_income"], r["exists"]
        log_income[~exists] = -np.inf
        return log_income, exists


def structure_path(model: Model, name: str, lo: float, hi: float, fixed: Mapping[str, float] | None = None,
                   *, points: int = GRID_POINTS, closed_forms: bool = True,
                   kernel: Callable[[Grid], Any] | None = None) -> StructurePath:
    """The general equilibrium along ``name`` from ``lo`` to ``hi``, with exact switch points.

    Parameters
    ----------
    model : Model
    name : str
        The base parameter varied along the path.
    lo, hi : float
        The ends of the path (``lo < hi``), inside the closure of the domain; an end on an
        open boundary of the domain is moved inside by 1e-9 of the path's length.
    fixed : mapping, optional
        Values of the other parameters (defaults for the rest).
    points : int
        Points of the bracketing grid.
    closed_forms : bool
        Also solve for each threshold symbolically.
    kernel : callable, optional
        Builds, from the path's grid, the evaluator of the structures' log incomes (a
        :class:`~inframarginal.backends.BoundKernel` or one with its ``structures`` and
        ``log_incomes``); default: the grid's own kernel, compiled for this parameter.
        The explorer passes one compiled once per model.

    Raises
    ------
    SweepError
        For a reversed or empty range, or one outside the domain.
    """
    if not 3 <= points <= MAX_PATH_POINTS:
        raise SweepError(f"expected between 3 and {MAX_PATH_POINTS:,} points on the path "
                         f"({8 * points / 2**30:.2f} GiB per array of the grid)", field="points", value=f"{points:,}")
    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise SweepError(f"path of {name} from {lo:g} to {hi:g}: the range is "
                         f"{'empty' if lo == hi else 'reversed'}; give lo < hi")
    notes = []
    base = {p.name: p for p in model.parameters}
    if name in base:
        domain = base[name].domain
        width = hi - lo
        if lo == domain.lower and not domain.lower_closed:
            lo += 1e-9 * width
            notes.append(f"{name} starts at {lo:.12g}: the domain {domain} excludes its lower bound")
        if hi == domain.upper and not domain.upper_closed:
            hi -= 1e-9 * width
            notes.append(f"{name} ends at {hi:.12g}: the domain {domain} excludes its upper bound")
    grid = make_grid(model, {name: np.linspace(lo, hi, points)}, fixed)
    if not grid.admissible[0].all():
        raise SweepError(f"path of {name} from {lo:g} to {hi:g} goes outside the domain {base[name].domain} of {name}")
    ev = _Evaluator(grid, kernel)
    segments, switches = switch_path(ev, name, grid.axes[0][1])
    if closed_forms:
        switches = [_with_closed_form(model, grid, ev, sw) for sw in switches]
        first = segments[0][2]  # the closed forms may refine the switch points: segments again
        segments = _segments(lo, hi, first, switches)
    from inframarginal.search import certify_sample

    # Each segment's middle, certified against every structure of the model.
    middles = [dict(grid.fixed) | {name: (a + b) / 2} for a, b, _ in segments]
    certification = certify_sample(model, middles, [s for _, _, s in segments])
    return StructurePath(model.name, name, lo, hi, dict(grid.fixed), segments, switches, notes, certification)


def switch_path(ev: IncomeEvaluator, name: str, xs: np.ndarray
                ) -> tuple[list[tuple[float, float, str]], list[Switch]]:
    """The general equilibrium along ``xs`` (increasing) with its switch points, from any
    source of incomes: segments ``(start, stop, structure)`` ("" where none exists) and
    switches, each isolated by bisection on the general equilibrium and solved exactly
    (root of the log-income gap, or the boundary of existence).
    """
    xs = np.asarray(xs, dtype=float)
    lo, hi = float(xs[0]), float(xs[-1])
    codes = ev.code(xs)
    switches: list[Switch] = []
    for i in np.nonzero(codes[1:] != codes[:-1])[0]:
        switches.extend(_isolate(ev, name, float(xs[i]), int(codes[i]), float(xs[i + 1]), int(codes[i + 1]),
                                 hi - lo))
    first = ev.names[int(codes[0])] if codes[0] >= 0 else ""
    return _segments(lo, hi, first, switches), switches


def _segments(lo: float, hi: float, first: str, switches: list[Switch]) -> list[tuple[float, float, str]]:
    """Segments ``(start, stop, structure)`` from the first structure and the switches after it."""
    segments = []
    start, current = lo, first
    for sw in switches:
        segments.append((start, sw.value, current))
        start, current = sw.value, sw.after
    segments.append((start, hi, current))
    return segments


def _isolate(ev: IncomeEvaluator, name: str, xl: float, cl: int, xr: float, cr: int, length: float) -> list[Switch]:
    """Every switch in [xl, xr] where the general equilibrium goes from ``cl`` to ``cr``."""
    out: list[Switch] = []
    # Bisect on the general equilibrium until the bracket is tiny; keep code(xl) == cl.
    a, b, cb = xl, xr, cr
    while b - a > _ISOLATE * length:
        m = 0.5 * (a + b)
        cm = ev.code1(m)
        if cm == cl:
            a = m
        else:
            b, cb = m, cm
    switch = _solve(ev, name, a, b, cl, cb)
    out.append(switch)
    if cb != cr:
        # Something else happens between this switch and xr (the grid missed it).
        x = np.nextafter(max(b, switch.value), math.inf)
        if x < xr:
            out.extend(_isolate(ev, name, x, ev.code1(x), xr, cr, length))
    return out


def _solve(ev: IncomeEvaluator, name: str, a: float, b: float, ca: int, cb: int) -> Switch:
    before = ev.names[ca] if ca >= 0 else ""
    after = ev.names[cb] if cb >= 0 else ""
    if ca >= 0 and cb >= 0:
        ga, gb = ev.gap(ca, cb, a), ev.gap(ca, cb, b)
        if math.isfinite(ga) and math.isfinite(gb) and ga >= 0 >= gb:
            if ga == 0:
                root = a
            elif gb == 0:
                root = b
            else:
                root = optimize.brentq(lambda x: ev.gap(ca, cb, x), a, b, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                                       maxiter=200)
            return Switch(name, root, before, after, SwitchKind.INCOME, ev.gap(ca, cb, root), (a, b))
    # An existence boundary: bisect the existence of the structure that changes.
    s = ca if ca >= 0 and not ev.exists(ca, b) else cb
    side = ev.exists(s, a)
    while b - a > 1e-15 * max(1.0, abs(a)) and np.nextafter(a, math.inf) < b:
        m = 0.5 * (a + b)
        if ev.exists(s, m) == side:
            a = m
        else:
            b = m
    root = 0.5 * (a + b)
    gap = ev.gap(ca, cb, root) if ca >= 0 and cb >= 0 else math.nan
    return Switch(name, root, before, after, SwitchKind.EXISTENCE, gap, (a, b))


# -- closed forms ---------------------------------------------------------------------------


def _with_closed_form(model: Model, grid: Grid, ev: _Evaluator, sw: Switch) -> Switch:
    if sw.kind is not SwitchKind.INCOME:
        return sw
    try:
        candidates = _income_thresholds(model, sw.parameter, sw.before, sw.after)
    except Exception:  # SymPy could not solve it: the numeric root stands alone
        return sw
    values = {model.parameter(k).symbol: sp.Rational(v) for k, v in grid.fixed.items()}
    for expr in candidates:
        try:
            value = complex(expr.evalf(30, subs=values))
        except (TypeError, ValueError):
            continue
        if abs(value.imag) <= 1e-12 and math.isclose(value.real, sw.value, rel_tol=1e-9, abs_tol=1e-12):
            return Switch(**{**sw.__dict__, "closed_form": expr, "closed_form_value": value.real})
    return sw


@model_cache  # independent of the other parameters' values: solved once per model, parameter and pair
def _income_thresholds(model: Model, name: str, before: str, after: str) -> list[sp.Expr]:
    """Solutions of ``log u_before = log u_after`` for the parameter ``name`` that SymPy finds.

    Log incomes are sums ``sum_j c_j log(atom_j)``: with one atom depending on the
    parameter the threshold is explicit; with several and rational exponents the
    equation is algebraic (``prod atom_j^c_j = const``) and SymPy solves it when it can.
    """
    from inframarginal.symbolic import structure_closed_form

    forms = [structure_closed_form(model, find_structure(model, s)) for s in (before, after)]
    if any(f is None for f in forms):
        return []
    x = model.parameter(name).symbol
    derived = model.derived_substitution()
    diff = (forms[0].log_income - forms[1].log_income).xreplace(derived)
    diff = sp.expand(sp.expand_log(diff, force=True))
    logs = {f for f in diff.atoms(sp.log) if x in f.free_symbols}
    coefficients = {atom: diff.coeff(atom) for atom in logs}
    rest = sp.expand(diff - sum(c * a for a, c in coefficients.items()))
    if x in rest.free_symbols or any(x in c.free_symbols for c in coefficients.values()):
        if not logs and diff.is_polynomial(x) and sp.degree(diff, x) == 1:
            return [sp.factor(sp.solve(diff, x)[0])]
        return []
    if len(logs) == 1:
        ((atom, coefficient),) = coefficients.items()
        solutions = sp.solve(sp.Eq(atom.args[0], sp.exp(-rest / coefficient)), x)
    elif logs and all(c.is_Rational for c in coefficients.values()):
        # prod atom_j^c_j = exp(-rest), with the exponents made whole numbers
        scale = sp.ilcm(*(sp.Rational(c).q for c in coefficients.values()))
        lhs = sp.Mul(*(a.args[0] ** (c * scale) for a, c in coefficients.items()))
        solutions = sp.solve(sp.numer(sp.together(lhs - sp.exp(-rest * scale))), x)
    else:
        return []
    return [sp.factor(sp.powsimp(sp.powdenest(s, force=True), force=True)) for s in solutions]
