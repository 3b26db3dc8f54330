"""Orderings and signs proved with SymPy from the derived closed forms.

Each result is a :class:`Proof`: the statement, whether SymPy established it, and
the steps, each checked by SymPy (a step is only written when its check passed).
Where a proof is not found the statement is *not* claimed here: the report keeps
the sampled evidence for it and says so.

* :func:`ratio_below_one`: ``u_S / u_T < 1`` from ``log(u_S / u_T) = sum_j c_j log a_j``
  with every term ``<= 0`` (``c_j >= 0`` and ``0 < a_j <= 1``, or the reverse) on the
  region where ``S`` exists, one term strictly negative.
* :func:`autarky_with_intermediate_below_autarky`: ``u_B < u_A`` in the seed model.
* :func:`monotone`: the sign of ``d log q / d p`` for relative numbers.
* :func:`switch_point`: the value of a parameter where two incomes are equal, solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from inframarginal.audit.table1 import log_atoms
from inframarginal.model import Model
from inframarginal.report.notation import paper_form


@dataclass(frozen=True)
class Proof:
    """A statement and the SymPy-checked steps that establish it (``proved`` False: none found)."""

    statement: str
    proved: bool
    steps: tuple[str, ...] = ()
    formula: sp.Expr | None = None
    region: str = ""
    notes: dict[str, str] = field(default_factory=dict)


def interval_substitution(intervals: dict[sp.Symbol, tuple[float, float]]) -> dict[sp.Symbol, sp.Expr]:
    """Map each symbol's open interval onto a positive SymPy symbol (so that assumptions decide signs)."""
    subs = {}
    for s, (lo, hi) in intervals.items():
        u = sp.Symbol(f"u_{s.name}", positive=True)
        lo_, hi_ = sp.nsimplify(lo), hi
        subs[s] = lo_ + u if hi_ == sp.oo or hi_ == float("inf") else lo_ + (sp.nsimplify(hi_) - lo_) * u / (1 + u)
    return subs


def _sign(expr: sp.Expr, subs: dict[sp.Symbol, sp.Expr]) -> int:
    """+1, -1 or 0 (not established) for ``expr`` on the open intervals of ``subs``."""
    g = sp.factor(sp.together(sp.sympify(expr).xreplace(subs)))
    if g.is_positive:
        return 1
    if g.is_negative:
        return -1
    return 0


def model_intervals(model: Model, region: dict[str, tuple[float, float]] | None = None
                    ) -> dict[sp.Symbol, tuple[float, float]]:
    """Open intervals of the base and derived parameters (``region`` overrides by name)."""
    region = region or {}
    out = {}
    for p in model.parameters:
        out[p.symbol] = region.get(p.name, (p.domain.lower, p.domain.upper))
    for d in model.derived:
        if d.name in region:
            out[d.symbol] = region[d.name]
    return out


def ratio_below_one(model: Model, numerator: sp.Expr, denominator: sp.Expr,
                    intervals: dict[sp.Symbol, tuple[float, float]], names: tuple[str, str]) -> Proof:
    """Try to prove ``numerator / denominator < 1`` term by term in the logarithm (see the module)."""
    ratio = sp.powsimp(sp.expand_power_base(sp.sympify(numerator) / sp.sympify(denominator), force=True), force=True)
    point = {s: sp.Float(0.5 * (lo + min(hi, lo + 2.0))) for s, (lo, hi) in intervals.items()}
    statement = f"u_{names[0]} / u_{names[1]} < 1"
    try:
        atoms = log_atoms(ratio, point)
    except Exception:  # a form that does not split into powers: no proof here
        return Proof(statement, False)
    subs = interval_substitution(intervals)
    steps, strict = [], False

    def term(c: sp.Expr, atom: sp.Expr) -> str:
        text = sp.sstr(c)
        return f"({text}) log({sp.sstr(atom)})" if c.is_Add else f"{text} log({sp.sstr(atom)})"

    for atom, c in atoms.items():
        c_sign = _sign(c, subs)
        below = _sign(atom - 1, subs)  # -1: atom < 1, +1: atom > 1
        positive = _sign(atom, subs) > 0 or atom.is_positive
        if not positive:
            return Proof(statement, False, formula=paper_form(model, ratio))
        if c_sign * below == -1:
            strict = True
            steps.append(f"{term(c, atom)} < 0 ({sp.sstr(atom)} {'<' if below < 0 else '>'} 1, "
                         f"exponent {'>' if c_sign > 0 else '<'} 0)")
        elif atom in intervals and c_sign != 0 and intervals[atom][1] == 1 and below == 0:
            steps.append(f"{term(c, atom)} <= 0 ({sp.sstr(atom)} <= 1)")
        else:
            return Proof(statement, False, formula=paper_form(model, ratio))
    return Proof(statement, strict, tuple(steps), paper_form(model, ratio))


def autarky_with_intermediate_below_autarky(model: Model, u_a: sp.Expr, u_b: sp.Expr) -> Proof:
    """``u_B < u_A`` for ``u_B = alpha^alpha ((1 - 2b - F)/(2 + alpha))^(2 + alpha)``, ``u_A = (1 - b - F)^2/4``.

    Steps (each checked by SymPy): ``u_B = g(alpha) X^(2 + alpha)`` with ``X = 1 - 2b - F``
    and ``g = alpha^alpha / (2 + alpha)^(2 + alpha)``; ``f = log(4 g)`` has ``f(0+) = 0`` and
    ``f' = log(alpha / (2 + alpha)) < 0``, so ``g < 1/4``; with ``0 < X < 1 - b - F`` and
    ``X <= 1``, ``u_B < X^2 / 4 < u_A``.
    """
    statement = "u_B < u_A wherever B's corner equilibrium exists (1 - 2b - F > 0)"
    names = {p.name: p.symbol for p in model.parameters}
    if not {"alpha", "b", "F"} <= set(names):
        return Proof(statement, False)
    alpha, b, F = names["alpha"], names["b"], names["F"]
    a = sp.Symbol("a", positive=True)
    X = 1 - 2 * b - F
    g = a**a / (2 + a) ** (2 + a)
    steps = []
    ratio = sp.simplify(sp.powsimp(sp.sympify(u_b).xreplace({alpha: a}) / (g * X ** (2 + a)), force=True))
    if ratio != 1:
        return Proof(statement, False)
    steps.append("u_B = g(alpha) X^(2 + alpha) with X = 1 - 2b - F and g = alpha^alpha / (2 + alpha)^(2 + alpha)")
    f = sp.log(4) + a * sp.log(a) - (2 + a) * sp.log(2 + a)
    if sp.limit(f, a, 0, "+") != 0:
        return Proof(statement, False)
    derivative = sp.simplify(sp.diff(f, a) - sp.log(a / (2 + a)))
    if derivative != 0 or not sp.simplify(a / (2 + a) - 1).is_negative:
        return Proof(statement, False)
    steps.append("f = log(4 g) has f(0+) = 0 and f' = log(alpha / (2 + alpha)) < 0, so g < 1/4 for alpha > 0")
    bb, ff = sp.Symbol("b_", positive=True), sp.Symbol("F_", positive=True)
    if not sp.simplify((1 - 2 * bb - ff) - (1 - bb - ff)).is_negative:
        return Proof(statement, False)
    if sp.simplify(sp.sympify(u_a) - (1 - b - F) ** 2 / 4) != 0:
        return Proof(statement, False)
    steps.append("0 < X < 1 - b - F and X < 1, so u_B < X^alpha X^2 / 4 < (1 - b - F)^2 / 4 = u_A")
    return Proof(statement, True, tuple(steps), paper_form(model, u_b / u_a))


def monotone(model: Model, quantity: sp.Expr, symbol: sp.Symbol,
             intervals: dict[sp.Symbol, tuple[float, float]]) -> int:
    """Proved sign of ``d log(quantity) / d symbol`` on ``intervals`` (0: not established)."""
    derivative = sp.diff(sp.expand_log(sp.log(quantity), force=True), symbol)
    return _sign(sp.together(derivative), interval_substitution(intervals))


def switch_point(model: Model, u_low: sp.Expr, u_high: sp.Expr, symbol: sp.Symbol) -> sp.Expr | None:
    """The value of ``symbol`` where ``u_low = u_high`` (the unique positive root), or None."""
    roots = [r for r in sp.solve(sp.Eq(sp.sympify(u_low), sp.sympify(u_high)), symbol)
             if not r.has(sp.I)]
    return paper_form(model, sp.factor(roots[0])) if len(roots) == 1 else None
