"""What ``inframarginal solve``, ``sweep`` and ``show`` print for a model with types.

Each command's module gains one hook only (a model with types comes here); this module
imports the engine and click, never the rest of ``cli/``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import click
import numpy as np
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


def sweep_typed_command(model: TypedModel, axes: list[tuple[str, Any]], fixed: Mapping[str, float],
                        out: str | None, plot: str | None, fmt: str) -> None:
    """The phase diagram of a model with types: a summary, a NetCDF file and a figure.

    The file holds :func:`inframarginal.heterogeneous.phase.typed_sweep`'s Dataset; its
    ``structures`` attribute is a JSON list (index = ``general_equilibrium`` code).
    """
    from inframarginal.heterogeneous.phase import plot_typed_phase, typed_sweep

    if out is not None and not out.endswith(".nc"):
        raise ParameterError(f"--out {out[:80]!r}: a sweep with types is written as NetCDF (FILE.nc)")
    if plot is not None and not plot.endswith((".png", ".pdf", ".svg")):
        raise ParameterError(f"--plot {plot[:80]!r}: expected FILE.png, FILE.pdf or FILE.svg")
    if plot is not None and len(axes) != 2:
        raise ParameterError(f"--plot needs two --axis for a model with types ({len(axes)} given)")
    names = [n for n, _ in axes]
    if len(set(names)) != len(names):
        raise ParameterError("an --axis is given twice")
    ds = typed_sweep(model, dict(axes), fixed)
    structures = list(ds.attrs["structures"])
    codes, counts = np.unique(ds["general_equilibrium"].values, return_counts=True)
    found = {("none" if c < 0 else structures[int(c)]): int(n) for c, n in zip(codes, counts, strict=True)}
    if out is not None:
        ds.attrs["structures"] = json.dumps(structures)
        ds.to_netcdf(out, engine="h5netcdf")
    if plot is not None:
        ds.attrs["structures"] = structures
        plot_typed_phase(ds).savefig(plot)
    summary = {"model": model.name, "points": int(ds["general_equilibrium"].size),
               "general_equilibria": found, "out": out, "plot": plot}
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"{model.name}: {summary['points']:,} points; general equilibrium (Yang, Pareto-undominated "
                   "first) by points:")
        for name, n in sorted(found.items(), key=lambda item: -item[1]):
            click.echo(f"  {n:>9,}  {name}")


__all__ = ["latex_table", "solve_typed_command", "sweep_typed_command"]


def describe_typed(model: TypedModel) -> dict[str, Any]:
    """What ``inframarginal show`` says of a model with types: its parameters, each type's mass,
    own parameters' effect (its configurations, cross-type trading efficiencies) and the count of
    structures with types (an upper bound, counted without listing them)."""
    from inframarginal.configurations import configurations
    from inframarginal.heterogeneous.structures import count_typed_structures

    masses = model.masses(model.check_parameters())
    return {
        "model": model.name, "title": model.title,
        "parameters": [{"name": p.name, "default": p.default, "domain": str(p.domain), "description": p.description}
                       for p in model.parameters],
        "types": [{"name": t.name, "mass": t.mass_text, "mass_at_defaults": masses[t.name],
                   "description": t.description,
                   "trading_efficiency": {g.name: str(g.trading_efficiency) for g in t.model.goods},
                   "configurations": [c.label for c in configurations(t.model)],
                   "trading_efficiency_from": [{"seller": s, "good": g, "formula": str(f)}
                                               for s, g, f in t.efficiency_from]}
                  for t in model.types],
        "structures_upper_bound": count_typed_structures(model),
    }


def show_typed_command(model: TypedModel, fmt: str) -> None:
    """Print :func:`describe_typed` as a table or as JSON."""
    data = describe_typed(model)
    if fmt == "json":
        click.echo(json.dumps(_clean(data), indent=2, allow_nan=False))
        return
    click.echo(f"{data['title']} [{data['model']}]\n\nparameters:")
    for p in data["parameters"]:
        click.echo(f"  {p['name']:<8} default {p['default']:<10g} domain {p['domain']:<14} {p['description']}")
    click.echo("\ntypes of people:")
    for t in data["types"]:
        click.echo(f"  {t['name']}: mass {t['mass']} (= {t['mass_at_defaults']:.10g} at the defaults)"
                   + (f"; {t['description']}" if t["description"] else ""))
        click.echo("    trading efficiency within the type: "
                   + ", ".join(f"{g} {f}" for g, f in t["trading_efficiency"].items()))
        click.echo(f"    configurations allowed by Lemma 1 ({len(t['configurations'])}): "
                   + "  ".join(t["configurations"]))
        for e in t["trading_efficiency_from"]:
            click.echo(f"    buying {e['good']} from {e['seller']}: trading efficiency {e['formula']}")
    click.echo(f"\nstructures with types: at most {data['structures_upper_bound']:,} (counted, not listed; "
               "which configurations of which type are present)")
