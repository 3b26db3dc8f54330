"""The report of a model with types: its types, the general equilibria, networks and a phase diagram.

Short by design: a model with types has no printed tables to audit, so the report shows what
``inframarginal solve`` finds at the defaults (each type's utility and gain against autarky,
for every general equilibrium in Yang's sense, Pareto-undominated first), the network of each
of them with nodes coloured by type, and a phase diagram over one parameter of each of two types.
Imports only downward: the heterogeneous engine and the report's rendering helpers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from inframarginal.errors import InframarginalError
from inframarginal.heterogeneous.general import TypedSolution, solve_typed
from inframarginal.heterogeneous.phase import plot_typed_phase, typed_sweep
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import iter_typed_structures
from inframarginal.model import Parameter
from inframarginal.report.figures import save_figure
from inframarginal.report.networks import plot_typed_network
from inframarginal.report.render import Cell, Document, to_html, to_markdown
from inframarginal.report.settings import DEFAULT_SETTINGS, ReportSettings
from inframarginal.results import finite_json
from inframarginal.version import __version__

#: Most structure-points of the phase diagram (every grid point solves every structure): a
#: 200 x 200 grid of the Ricardian model's 33 structures fits; a model with more structures
#: gets a coarser grid, said in the report.
PHASE_WORK = 1_500_000

#: Most structures for the report's phase diagram: each costs a batched Newton solve whatever
#: the grid (li-ke-2020-two-locations, 4,657 structures, ran over 3 CPU minutes on a 17 x 17
#: grid), so a larger model's report says how to draw it instead of running unbounded.
PHASE_STRUCTURES = 500

#: How far an axis of the phase diagram reaches around the default of an unbounded parameter.
SPAN = 4.0



def phase_axes(model: TypedModel) -> tuple[str, str]:
    """Two parameters, each of a different type: a type's mass where it is one parameter.

    Raises :class:`InframarginalError` for a model with fewer than two types that have a
    parameter of their own.
    """
    from inframarginal.heterogeneous.payload import type_parameters

    chosen: list[str] = []
    for person in model.types:
        own = sorted(type_parameters(model, person) - set(chosen))
        if not own:
            continue
        mass = person.mass
        # The masses first: the phase diagram then shows which populations allow which structures.
        chosen.append(mass.name if isinstance(mass, sp.Symbol) and mass.name in own else own[0])
        if len(chosen) == 2:
            return chosen[0], chosen[1]
    raise InframarginalError(f"model {model.name!r}: a phase diagram over two types' parameters needs two types "
                             f"with a parameter of their own ({len(chosen)} found)")


def axis_range(parameter: Parameter) -> tuple[float, float]:
    """A finite span inside ``parameter``'s domain: its default divided and multiplied by :data:`SPAN`."""
    default = float(parameter.default)
    lo, hi = (default / SPAN, default * SPAN) if default > 0 else (default - SPAN, default + SPAN)
    lower, upper = float(parameter.domain.lower), float(parameter.domain.upper)
    lo, hi = max(lo, lower), min(hi, upper)
    margin = (hi - lo) * 1e-3  # an open end of the domain is not a value
    if lo not in parameter.domain:
        lo += margin
    if hi not in parameter.domain:
        hi -= margin
    return lo, hi


def _types_section(doc: Document, model: TypedModel, sol: TypedSolution) -> None:
    from inframarginal.heterogeneous.payload import TYPE_COLOURS, type_parameters

    doc.h(1, "Types")
    rows: list[list[Cell]] = []
    for k, person in enumerate(model.types):
        rows.append([person.name, person.description, person.mass_text, f"{sol.masses[person.name]:.6g}",
                     ", ".join(sorted(type_parameters(model, person))) or "-", TYPE_COLOURS[k % len(TYPE_COLOURS)],
                     f"{sol.autarky_utilities[person.name]:.6g}"])
    doc.table(["type", "description", "mass", "mass at defaults", "its parameters", "colour", "autarky utility"],
              rows)
    doc.h(2, "Parameters")
    parameters: list[list[Cell]] = [[p.name, f"{sol.values[p.name]:g}", str(p.domain), p.description]
                                    for p in model.parameters]
    doc.table(["parameter", "default", "domain", "description"], parameters)


def _equilibria_section(doc: Document, model: TypedModel, sol: TypedSolution, out: Path) -> None:
    types = list(model.type_names)
    doc.h(1, "General equilibria at the defaults")
    doc.p("Yang's definition: a corner equilibrium at which no person of any type gains by switching to any "
          "other configuration at its prices (the total cost-benefit check over all configurations of all types). "
          "All are reported, Pareto-undominated (rank 0) first; the gain is each type's utility relative to "
          "its autarky utility, minus 1 (negative: that type loses).")
    if not sol.general_equilibria:
        doc.p("No structure passes the check at the defaults.")
        return
    rows: list[list[Cell]] = []
    for name in sol.general_equilibria:
        ce, gains = sol.corner(name), sol.gains(name)
        row: list[Cell] = [name, str(sol.pareto_rank[name])]
        rows.append(row + [cell for t in types for cell in (f"{ce.utilities[t]:.6g}", f"{gains[t]:+.4g}")])
    doc.table(["structure", "Pareto rank"] + [h for t in types for h in (f"utility {t}", f"gain {t}")], rows)
    for i, name in enumerate(sol.general_equilibria):
        ce = sol.corner(name)
        doc.h(2, f"Network: {name}")
        prices = ", ".join(f"p_{m} = {v:.6g}" for m, v in ce.prices.items()) or "none (nobody trades)"
        numbers = "; ".join(f"{t}: " + ", ".join(f"{c} {n:.4g}" for c, n in ce.numbers[t].items())
                            for t in types)
        doc.p(f"Prices (numeraire: the last market): {prices}. People per configuration: {numbers}.")
        doc.img(save_figure(plot_typed_network(model, ce), out, f"network-{i + 1}"),
                f"{name}: nodes coloured by type, arrows from sellers to buyers")


def _phase_section(doc: Document, model: TypedModel, out: Path, settings: ReportSettings) -> dict[str, Any]:
    x, y = phase_axes(model)
    (x0, x1), (y0, y1) = axis_range(model.parameter(x)), axis_range(model.parameter(y))
    structures = sum(1 for _ in iter_typed_structures(model))
    doc.h(1, f"Phase diagram over {x} and {y}")
    if structures > PHASE_STRUCTURES:
        reason = (f"not drawn: the model has {structures:,} structures (the report draws up to "
                  f"{PHASE_STRUCTURES:,}); draw it with: inframarginal sweep {model.name} --axis "
                  f"{x}={x0:g}:{x1:g}:20 --axis {y}={y0:g}:{y1:g}:20 --plot phase.png")
        doc.p(reason[0].upper() + reason[1:] + ".")
        return {"x": x, "y": y, "x_range": [x0, x1], "y_range": [y0, y1], "grid": 0, "not_drawn": reason}
    n = min(settings.grid, max(4, math.isqrt(PHASE_WORK // max(structures, 1))))
    ds = typed_sweep(model, {y: np.linspace(y0, y1, n), x: np.linspace(x0, x1, n)})
    doc.p(f"The general equilibrium (Pareto-undominated, highest mean log utility where several pass) on a "
          f"{n} x {n} grid, {x} in [{x0:g}, {x1:g}] and {y} in [{y0:g}, {y1:g}], the other parameters at "
          "their defaults."
          + (f" The grid is coarser than the report's {settings.grid} points per axis: the model has "
             f"{structures:,} structures, each solved at every point." if n < settings.grid else ""))
    doc.img(save_figure(plot_typed_phase(ds), out, "phase"), f"general equilibrium over {x} and {y}")
    names = list(ds.attrs["structures"])
    codes, counts = np.unique(ds["general_equilibrium"].values, return_counts=True)
    found = {("none" if c < 0 else names[int(c)]): int(k) for c, k in zip(codes, counts, strict=True)}
    rows: list[list[Cell]] = [[s, f"{k:,}"] for s, k in sorted(found.items(), key=lambda item: -item[1])]
    doc.table(["general equilibrium", "grid points"], rows)
    return {"x": x, "y": y, "x_range": [x0, x1], "y_range": [y0, y1], "grid": n, "general_equilibria": found}


def write_typed_report(model: TypedModel, out_dir: str | Path,
                       settings: ReportSettings = DEFAULT_SETTINGS) -> Path:
    """Write the report of a model with types into ``out_dir``.

    Parameters
    ----------
    model : TypedModel
    out_dir : str or Path
    settings : ReportSettings
        ``grid`` is the number of points per axis of the phase diagram.

    Returns
    -------
    Path
        The path of ``report.html`` (next to it: ``report.md``, ``results.json``, ``figures/``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sol = solve_typed(model, {})
    doc = Document(f"inframarginal report: {model.title}", [])
    doc.p(f"Generated by inframarginal {__version__} for model {model.name}, a model with types "
          f"({', '.join(model.type_names)}). {model.description}")
    if model.references:
        doc.bullets(list(model.references))
    _types_section(doc, model, sol)
    _equilibria_section(doc, model, sol, out)
    phase = _phase_section(doc, model, out, settings)
    results = {**sol.to_dict(), "phase_diagram": phase}
    (out / "results.json").write_text(json.dumps(finite_json(results), indent=2, allow_nan=False), encoding="utf-8")
    (out / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")
    return out / "report.html"


__all__ = ["PHASE_STRUCTURES", "PHASE_WORK", "SPAN", "axis_range", "finite_json", "phase_axes", "write_typed_report"]
