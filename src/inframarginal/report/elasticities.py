"""The report's section on marginal comparative statics: elasticities within each structure.

At the model's default parameters, one table per studied structure: the elasticity
``d log f / d log theta`` of per-capita real income, relative prices and relative
numbers with respect to every parameter (:mod:`inframarginal.elasticities`), with
the method of each table, a check against central finite differences of the corner
equilibrium at the same point (stated against a fixed threshold), and the closed-form income elasticities where they
are short.  Every entry goes to ``elasticities.csv`` with full precision.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from inframarginal.configurations import find_structure
from inframarginal.elasticities import (
    CLOSED_FORM,
    INCOME,
    SEMI,
    StructureElasticities,
    elasticities,
    finite_difference_discrepancy,
    format_value,
    simplified,
)
from inframarginal.report.context import ReportContext
from inframarginal.report.render import Cell, Document, Math, write_csv

#: Agreement with finite differences the text vouches for (their own error is about 1e-10).
FD_AGREEMENT = 1e-6
#: Longest closed-form elasticity (``sympy.count_ops`` after simplification) printed as a formula.
FORMULA_MAX_OPS = 40


def elasticities_section(doc: Document, ctx: ReportContext, out: Path) -> None:
    """Append the section to ``doc`` and write ``elasticities.csv`` into ``out``."""
    model = ctx.model
    values = model.check_parameters()
    result = elasticities(model, values)
    params = [p.name for p in model.parameters]
    doc.h(1, "Marginal comparative statics: elasticities within each structure")
    doc.p("Infra-marginal analysis compares structures; within a structure the corner equilibrium still moves "
          "with the parameters. Each table gives the elasticity d log f / d log θ (the percentage change of f "
          "per 1% change of the parameter θ) of per-capita real income, the relative prices and the relative "
          "numbers of specialists, at the model's defaults ("
          + ", ".join(f"{p}={values[p]:.6g}" for p in params) + "). "
          "Closed form: differentiated by SymPy from the structure's closed-form corner equilibrium, derived "
          "parameters included through their formulas. Implicit function theorem: from the numeric corner "
          "equilibrium, by the implicit function theorem on each person's optimality conditions, utility "
          "equalization and market clearing. A parameter at 0 gets the semi-elasticity d log f / dθ instead "
          "(marked semi), since every elasticity is 0 there. Each table is checked against central finite "
          "differences of the corner equilibrium at the same point (largest difference shown).")
    csv_rows: list[list[str]] = []
    for s in result.structures.values():
        doc.h(2, f"{s.structure}: {' '.join(s.configurations)}")
        if not s.exists:
            doc.p(f"{s.structure} does not exist at the defaults: {s.reason}.")
            continue
        rows: list[list[Cell]] = []
        for q in s.quantities:
            rows.append([q, f"{s.levels[q]:.6g}", *(format_value(s[q, p]) for p in params)])
            csv_rows.extend([s.structure, q, p, repr(s[q, p].value), s[q, p].kind, s[q, p].method]
                            for p in params)
        doc.table(["quantity", "level", *params], rows)
        worst = finite_difference_discrepancy(model, find_structure(model, s.structure), values, s)
        # a fixed threshold, not the difference itself: the text stays the same whether the
        # closed forms come from SymPy or the disk cache (which may differ in the last bits)
        if worst is None:
            check = "no finite-difference check (a step leaves the domain or the structure)"
        elif worst < FD_AGREEMENT:
            check = f"every entry agrees with central finite differences within {FD_AGREEMENT:.0e}"
        else:
            check = f"CHECK FAILED: an entry differs from central finite differences by {worst:.2e}"
        doc.p(f"Method: {', '.join(s.methods)}; {check}.")
        formulas = _income_formulas(ctx, s)
        if formulas:
            doc.p("Closed-form income elasticities (the short ones):")
            doc.bullets([[f"ε(u, {name}) = ", Math(expr)] for name, expr in formulas])
    if any(e.kind == SEMI for s in result.structures.values() for e in s.entries):
        doc.p("semi: the parameter is 0 at this point; d log f / dθ is given instead of the elasticity.")
    write_csv(out / "elasticities.csv", ["structure", "quantity", "parameter", "value", "kind", "method"], csv_rows)


def _income_formulas(ctx: ReportContext, s: StructureElasticities) -> list[tuple[str, sp.Expr]]:
    """``(label, formula)`` of the short closed-form income elasticities, in the paper's symbols."""
    from inframarginal.report.notation import in_paper_symbols, paper_form

    out = []
    for p in s.parameters:
        e = s[INCOME, p]
        if e.method != CLOSED_FORM or e.formula is None or e.kind == SEMI or e.value == 0:
            continue
        expr = simplified(e.formula)
        if sp.count_ops(expr) > FORMULA_MAX_OPS:
            continue
        rewritten = in_paper_symbols(ctx.model, expr)
        symbol = ctx.model.symbols[p]
        if symbol in expr.free_symbols and symbol not in rewritten.free_symbols:
            rewritten = expr  # keep the parameter itself visible in its own elasticity
        out.append((p, paper_form(ctx.model, rewritten)))
    return out
