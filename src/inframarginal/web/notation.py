"""Formulas as the explorer shows them: simplified, in the model's own notation, as LaTeX.

SymPy's solutions come back in the base parameters and often as products of
``exp(c log x)``.  :func:`tidy` gathers those into powers, and :func:`paper_form`
writes the model's derived parameters back in (``(1 - t) K`` as ``k``,
``alpha + e - theta`` as ``beta`` in the seed paper), so that the page can render,
with KaTeX, the formula a reader of the paper would write.  Nothing here is ever
parsed from user text: the expressions come from the engine.
"""

from __future__ import annotations

import sympy as sp

from inframarginal.model import Model


def tidy(expr: sp.Expr) -> sp.Expr:
    """``expr`` with ``exp(a log x) exp(b log y)`` gathered into ``x^a y^b`` and powers denested."""
    out = sp.powdenest(sp.powsimp(expr, force=True), force=True)
    # exp(sum of c log x) -> exp(log(prod x^c)) -> prod x^c
    out = out.replace(lambda e: isinstance(e, sp.exp), lambda e: sp.exp(sp.logcombine(sp.expand(e.args[0]), force=True)))
    return _exponents(sp.powsimp(out, force=True))


def _exponents(expr: sp.Expr) -> sp.Expr:
    """Exponents over a common denominator (-2e/(3(e - theta)) + 2 theta/(3(e - theta)) cancel)."""
    return expr.replace(lambda e: isinstance(e, sp.Pow) and not e.exp.is_Number,
                        lambda e: sp.Pow(e.base, sp.factor(sp.cancel(sp.together(e.exp)))))


def paper_form(model: Model, expr: sp.Expr) -> sp.Expr:
    """``expr`` simplified, with the model's derived parameters (``k``, ``beta``) written back in."""
    out = tidy(expr)
    for d in model.derived:
        out = out.subs(d.formula, d.symbol)
    out = _exponents(out)
    for d in model.derived:  # once more: a derived parameter may appear only once exponents are gathered
        out = out.subs(d.formula, d.symbol)
    return sp.factor(out) if out.count_ops() < 60 else out


def latex(model: Model, expr: sp.Expr) -> str:
    """LaTeX of :func:`paper_form` (Greek parameter names as Greek letters)."""
    return str(sp.latex(paper_form(model, expr)))


def threshold_forms(model: Model, name: str, threshold: sp.Expr) -> list[dict[str, str]]:
    """A switch point ``name = threshold`` in the paper's notation: the parameter itself, and
    each derived parameter built from it (``k`` from ``K``) when its value there is simpler.

    Returns ``[{"symbol": LaTeX, "formula": LaTeX, "text": plain text}, ...]``, the parameter first.
    """
    symbol = model.parameter(name).symbol
    form = paper_form(model, threshold)
    out = [{"symbol": sp.latex(symbol) + "^*", "formula": sp.latex(form), "text": str(form)}]
    for d in model.derived:
        if symbol in d.formula.free_symbols:
            value = tidy(d.formula.xreplace({symbol: threshold}))
            value = sp.factor(sp.cancel(value)) if value.count_ops() < 80 else value
            if value.count_ops() <= form.count_ops():
                derived = paper_form(model, value)
                out.append({"symbol": sp.latex(d.symbol) + "^*", "formula": sp.latex(derived), "text": str(derived)})
    return out
