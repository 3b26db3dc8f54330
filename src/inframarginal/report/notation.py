"""Formulas in the paper's notation: simplified, factors positive, terms in the paper's order.

The derived closed forms are products of powers in the model's parameters and its
derived parameters (``k = (1 - t) K`` and ``beta = alpha + e - theta`` for the seed
model).  :func:`paper_form` writes one as the paper would: ``1 - b - F`` rather than
``-F - b + 1``, every factor positive at the model's default point, factors with a
negative exponent in the denominator, and quotients of sums in ``sqrt(k)`` cancelled.
:func:`in_paper_symbols` rewrites a printed formula given in the base parameters in
``k`` and ``beta``.  The results are unevaluated SymPy expressions; print them with
``order="none"`` (as :class:`inframarginal.report.render.Math` does) to keep the order.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from inframarginal.model import Model


def _order(model: Model) -> dict[sp.Symbol, int]:
    symbols = [p.symbol for p in model.parameters] + [d.symbol for d in model.derived]
    return {s: i for i, s in enumerate(symbols)}


def default_values(model: Model) -> dict[sp.Symbol, sp.Float]:
    """The model's default point for the base and the derived parameters."""
    values = {p.symbol: sp.Float(p.default) for p in model.parameters}
    for d in model.derived:
        values[d.symbol] = sp.Float(sp.sympify(d.formula).xreplace(values))
    return values


def _value(expr: sp.Expr, point: dict[sp.Symbol, float]) -> float | None:
    try:
        v = complex(sp.N(expr.xreplace(point)))
    except (TypeError, ValueError):
        return None
    return v.real if abs(v.imag) < 1e-12 else None


def _cancel_square_roots(expr: sp.Expr) -> sp.Expr:
    """Cancel a quotient of sums in ``sqrt(s)`` (``s = r**2``, ``r > 0``) where that shortens it."""
    roots = {a.base for a in expr.atoms(sp.Pow) if a.exp == sp.Rational(1, 2) and a.base.is_Symbol}
    out = expr
    for s in roots:
        r = sp.Dummy("r", positive=True)
        candidate = sp.factor(sp.cancel(out.xreplace({s: r**2}))).xreplace({r: sp.sqrt(s)})
        if sp.count_ops(candidate) < sp.count_ops(out):
            out = candidate
    return out


class _Writer:
    def __init__(self, model: Model):
        self.order = _order(model)
        self.point = default_values(model)

    def term_key(self, term: sp.Expr) -> tuple[Any, ...]:
        if term.is_number:  # a positive constant first (1 - b - F), a negative one last (3 beta - 1)
            return (-1 if bool(term > 0) else len(self.order) + 1, False, 0, "")
        symbols = sorted(term.free_symbols, key=lambda s: self.order.get(s, len(self.order)))
        first = self.order.get(symbols[0], len(self.order)) if symbols else -1
        negative = bool(term.as_coeff_Mul()[0] < 0)  # within a symbol, positive terms first
        return (first, negative, sp.Poly(term, *symbols).total_degree() if term.is_polynomial(*symbols) else 9,
                str(term))

    def add(self, expr: sp.Expr) -> sp.Expr:
        terms = sorted(sp.Add.make_args(expr), key=self.term_key)
        return sp.Add(*[self.write(t) for t in terms], evaluate=False)

    def exponent(self, e: sp.Expr) -> sp.Expr:
        if e.is_number:
            return e
        expanded = sp.expand(e)
        terms = sp.Add.make_args(expanded)
        if all(t.is_polynomial(*t.free_symbols) and t.as_coeff_Mul()[0].is_Integer for t in terms):
            return self.add(expanded) if expanded.is_Add else expanded
        factored = sp.factor(e)
        return self.write(factored)

    def write(self, expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            return expr
        if expr.is_Add:
            return self.add(expr)
        if expr.is_Pow or expr.is_Mul:
            return self.product(expr)
        return expr.func(*[self.write(a) for a in expr.args])

    def product(self, expr: sp.Expr) -> sp.Expr:
        sign, coefficient = 1, sp.Integer(1)
        numerator: list[sp.Expr] = []
        denominator: list[sp.Expr] = []
        for factor in sp.Mul.make_args(expr):
            base, e = factor.as_base_exp()
            if factor.is_Rational:
                if factor < 0:
                    sign, factor = -sign, -factor
                coefficient *= factor
                continue
            if base.is_Add:
                value = _value(base, self.point)
                if value is not None and value < 0 and e.is_integer:
                    base = sp.expand(-base)
                    if int(e) % 2:
                        sign = -sign
            ev = _value(e, self.point)
            negative = ev is not None and ev < 0
            e = -e if negative else e
            written = self.write(base) if not base.is_Atom else base
            item = written if e == 1 else sp.Pow(written, self.exponent(e), evaluate=False)
            (denominator if negative else numerator).append(item)
        p, q = sp.fraction(coefficient)
        if p != 1 or not (numerator or denominator):
            numerator.insert(0, p)
        if q != 1:
            denominator.insert(0, q)
        bottom = None
        if denominator:
            bottom = denominator[0] if len(denominator) == 1 else sp.Mul(*denominator, evaluate=False)
        if not numerator:
            top = sp.Pow(bottom, -1, evaluate=False)
        else:
            top = numerator[0] if len(numerator) == 1 else sp.Mul(*numerator, evaluate=False)
            if bottom is not None:
                top = sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False)
        return sp.Mul(-1, top, evaluate=False) if sign < 0 else top


def paper_form(model: Model, expr: sp.Expr) -> sp.Expr:
    """``expr`` simplified and written in the paper's way (see the module docstring)."""
    expr = _cancel_square_roots(sp.sympify(expr))
    return _Writer(model).write(expr)


def in_paper_symbols(model: Model, expr: sp.Expr) -> sp.Expr:
    """A formula in the base parameters rewritten in the derived ones where that shortens it.

    Each derived parameter ``d = f(p, ...)`` is solved for one of its base parameters
    ``p`` (``K = k / (1 - t)``, ``e = beta - alpha + theta``) and substituted; the
    rewriting is kept when the formula then has fewer symbols, or loses ``p`` without
    getting longer (so that ``(1 - t) K`` becomes ``k`` and ``1 - alpha - e + theta``
    becomes ``1 - beta``, while a formula in ``alpha`` alone is left alone).
    """
    out = sp.sympify(expr)
    base = {p.name: p.symbol for p in model.parameters}
    for d in model.derived:
        # the model's own symbols (the formula may carry symbols with other assumptions)
        formula = sp.sympify(d.formula).xreplace({s: base.get(s.name, s) for s in sp.sympify(d.formula).free_symbols})
        for p in sorted(formula.free_symbols & out.free_symbols, key=lambda s: s.name):
            # solved for p keeping the formula's own factors (K = k / (1 - t), not -k / (t - 1))
            if formula.is_Mul and p in formula.args:
                solved = d.symbol / sp.Mul(*[a for a in formula.args if a != p])
            elif formula.is_Add and formula.coeff(p) in (1, -1):
                c = formula.coeff(p)
                solved = (d.symbol - (formula - c * p)) / c
            else:
                continue
            candidate = sp.expand_power_base(sp.powdenest(out.xreplace({p: solved}), force=True), force=True)
            candidate = sp.powsimp(candidate, force=True, combine="exp")
            if len(candidate.free_symbols) < len(out.free_symbols) or (
                    p not in candidate.free_symbols and sp.count_ops(candidate) <= sp.count_ops(out)):
                out = candidate
                break
    return out
