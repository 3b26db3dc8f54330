"""What ``inframarginal solve`` prints for a model with types (table, JSON, LaTeX).

Kept here so that the command line's module gains one hook only; it imports engine modules
and click, never the rest of ``cli/``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import click
import sympy as sp

from inframarginal.errors import ParameterError
from inframarginal.heterogeneous.general import solve_typed
from inframarginal.heterogeneous.spec import TypedModel


def _number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return _number(value)
    return value


def solve_typed_command(model: TypedModel, values: Mapping[str, float], structure: str | None, method: str,
                        fmt: str, limit: int | None = None) -> None:
    """Solve ``model`` at ``values`` and print the corner and general equilibria.

    ``limit`` bounds the structures examined (``None``: the default of 100,000).
    """
    if method not in ("symbolic", "numeric"):
        raise ParameterError(f"--method {method} is not available for a model with types "
                             "(its structures are all solved: use the default)")
    sol = solve_typed(model, values, only=structure, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(_clean(sol.to_dict()), indent=2, allow_nan=False))
    elif fmt == "latex":
        click.echo(latex_table(sol))
    else:
        click.echo(repr(sol))


def latex_table(sol: Any) -> str:
    """Each general equilibrium's utilities, gains over autarky and prices, as a LaTeX tabular."""
    types = list(sol.model.type_names)
    lines = [f"% general equilibria of {sol.model.name} (Yang's definition), numbers to 6 digits",
             "\\begin{tabular}{l" + "rr" * len(types) + "}", "structure & "
             + " & ".join(f"$u_{{\\mathrm{{{t}}}}}$ & gain$_{{\\mathrm{{{t}}}}}$" for t in types) + " \\\\"]
    for name in sol.general_equilibria:
        ce = sol.corner(name)
        gains = sol.gains(name)
        cells = " & ".join(f"{ce.utilities[t]:.6g} & {gains[t]:+.4g}" for t in types)
        lines.append(f"\\verb!{name}! & {cells} \\\\")
    lines.append("\\end{tabular}")
    from inframarginal.heterogeneous.symbolic import typed_closed_form

    for name in sol.general_equilibria:  # closed forms where SymPy finds them
        form = typed_closed_form(sol.model, sol.corner(name).structure)
        if form is None:
            lines.append(f"% {name}: no closed form found (numeric values above)")
            continue
        lines.append(f"% closed forms of {name}")
        for g, price in form.prices.items():
            lines.append(f"$p_{{{g}}} = {sp.latex(price)}$\\\\")
        for t, u in form.utilities.items():
            lines.append(f"$u_{{\\mathrm{{{t}}}}} = {sp.latex(u)}$\\\\")
    return "\n".join(lines)


__all__ = ["latex_table", "solve_typed_command"]
