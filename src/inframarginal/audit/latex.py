"""The corrected Table 1 as a LaTeX table laid out like the paper's own.

One row per structure; columns for the relative prices, the per-capita real income
and the relative numbers of specialists, each cell the formula derived from the
model (stacked when a structure has two prices or two relative numbers).  A dagger
marks an entry where the printed formula differs from the derived one.  The table
needs only ``amsmath`` and ``graphicx`` (both in Debian's ``texlive-latex-base``)
and is scaled to the text width.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sympy as sp

from inframarginal.report.render import _tex_escape


def _stack(items: list[str]) -> str:
    if not items:
        return "--"
    if len(items) == 1:
        return items[0]
    return r"\begin{tabular}[t]{@{}l@{}}" + r" \\[2pt] ".join(items) + r"\end{tabular}"


def _quantity_tex(q: str) -> str:
    """``px/pz`` as ``p_x/p_z``, ``Mx/Mz`` as ``M_x/M_z``."""
    a, b = q.split("/")
    return f"{a[0]}_{a[1:]}/{b[0]}_{b[1:]}"


def table1_latex(structures: list[tuple[str, str, dict[str, sp.Expr]]], differs: set[tuple[str, str]],
                 caption: str, notation: str) -> str:
    """The table's LaTeX source.

    Parameters
    ----------
    structures : list of (name, description, forms)
        ``forms`` maps ``per-capita real income``, ``px/pz``, ``Mx/Mz``... to formulas.
    differs : set of (structure, quantity)
        Entries whose printed formula differs from the derived one (marked with a dagger).
    caption, notation : str
        The caption and a line of notation under the table (plain text, escaped here).
    """
    rows = []
    for name, description, forms in structures:
        def cell(q: str, expr: sp.Expr, name: str = name) -> str:
            mark = r"^{\dagger}" if (name, q) in differs else ""
            label = "" if q == "per-capita real income" else f"{_quantity_tex(q)} = "
            return "$" + label + str(sp.latex(expr, order="none")) + mark + "$"

        prices = [cell(q, e) for q, e in forms.items() if "/" in q and q.startswith("p")]
        numbers = [cell(q, e) for q, e in forms.items() if "/" in q and q.startswith("M")]
        income = [cell(q, e) for q, e in forms.items() if q == "per-capita real income"]
        head = r"\textbf{" + _tex_escape(name) + "}" + (r" \newline {\footnotesize " + _tex_escape(description) + "}"
                                                        if description else "")
        rows.append(" & ".join([head, _stack(prices), _stack(income), _stack(numbers)]) + r" \\ \hline")
    lines = [
        "% Table 1 of Li Ke (2020), corrected: every entry derived from the model.",
        r"% Needs \usepackage{amsmath} and \usepackage{graphicx} (Debian: texlive-latex-base).",
        r"\begin{table}[htbp]",
        r"\centering",
        r"\caption{" + _tex_escape(caption) + "}",
        r"\resizebox{\textwidth}{!}{%",
        r"\renewcommand{\arraystretch}{1.6}%",
        r"\begin{tabular}{|p{3.2cm}|l|l|l|}",
        r"\hline",
        r"\textbf{Structure} & \textbf{Relative price} & \textbf{Per-capita real income} & "
        r"\textbf{Relative number of specialists} \\ \hline",
        *rows,
        r"\end{tabular}}",
        r"\par\smallskip{\footnotesize " + _tex_escape(notation) + "}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def standalone(body: str) -> str:
    """A complete document around ``body`` (for checking that it compiles)."""
    return ("\\documentclass{article}\n\\usepackage[margin=2cm]{geometry}\n\\usepackage{amsmath}\n"
            "\\usepackage{graphicx}\n\\begin{document}\n" + body + "\\end{document}\n")


def write_table1(path: Path, *args: Any, **kwargs: Any) -> None:
    """Write :func:`table1_latex` to ``path``."""
    Path(path).write_text(table1_latex(*args, **kwargs), encoding="utf-8")
