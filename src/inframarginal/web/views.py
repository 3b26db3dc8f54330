"""The explorer's views computed in a worker: phase diagrams, paths with income curves,
switch-point formulas and the seed paper's printed results.

Phase diagrams and paths evaluate :func:`inframarginal.web.kernels.model_kernel`
(compiled once per model), so that a new pair of axes or a new path parameter costs
milliseconds.  Switch points come without their closed forms; :func:`formulas` solves
for those on request (once per model, parameter and pair of structures, then read
from memory or the disk cache), so that the page shows the path at once and the
formulas when they come.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from inframarginal import disk_cache
from inframarginal.configurations import find_structure, studied_structures
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.expressions import to_function
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.web import kernels, notation

#: Points of the income-vs-parameter curves (the switch points are added to them).
CURVE_POINTS = 241
#: Points per axis of the printed phase diagram.
PRINTED_AXIS_POINTS = 120


def phase(model: Model, x: Mapping[str, Any], y: Mapping[str, Any], fixed: Mapping[str, float]) -> dict[str, Any]:
    """The general equilibrium's index on an ``x`` by ``y`` grid (rows along ``y``; -1: none)."""
    xs, ys = np.linspace(x["lo"], x["hi"], x["n"]), np.linspace(y["lo"], y["hi"], y["n"])
    codes = kernels.phase_codes(model, x["name"], xs, y["name"], ys, fixed)
    return {
        "x": {"name": x["name"], "values": xs.tolist()},
        "y": {"name": y["name"], "values": ys.tolist()},
        "structures": [s.name for s in studied_structures(model)],
        "codes": codes.astype(int).tolist(),
        "depends_on": sorted(kernels.dependencies(model)),
    }


def income_curves(model: Model, name: str, lo: float, hi: float, fixed: Mapping[str, float],
                  switches: Sequence[float] = ()) -> dict[str, Any]:
    """Every studied structure's per-capita real income along ``name`` (``None`` where its corner
    equilibrium does not exist), on a grid that includes the switch points."""
    xs = np.unique(np.concatenate([np.linspace(lo, hi, CURVE_POINTS), np.asarray(switches, dtype=float)]))
    logs = kernels.log_income_curves(model, name, xs, fixed)
    with np.errstate(all="ignore"):
        incomes = np.exp(logs)
    names = [s.name for s in studied_structures(model)]
    return {"x": xs.tolist(),
            "income": {n: [float(v) if math.isfinite(v) and v > 0 else None for v in row]
                       for n, row in zip(names, incomes, strict=True)}}


def path(model: Model, name: str, lo: float, hi: float, fixed: Mapping[str, float]) -> dict[str, Any]:
    """The general equilibrium along ``name`` with its switch points, and the income curves."""
    from inframarginal.path import structure_path

    result = structure_path(model, name, lo, hi, fixed, closed_forms=False,
                            kernel=lambda grid: kernels.axis_view(model, grid))
    out = result.to_dict()
    out["curves"] = income_curves(model, name, result.lo, result.hi, fixed, [s.value for s in result.switches])
    out["depends_on"] = sorted(kernels.dependencies(model))
    return out


# -- switch-point formulas ----------------------------------------------------------------


def _candidates(model: Model, name: str, before: str, after: str) -> list[dict[str, Any]]:
    """The thresholds SymPy finds for ``u_before = u_after`` in ``name``, each with its forms in
    the paper's notation; kept on disk (JSON) as derived data."""
    from inframarginal.path import _income_thresholds
    from inframarginal.serialization import (
        UnsupportedExpression,
        expression_from_json,
        expression_to_json,
    )

    key = f"{name}|{before}|{after}"
    stored = disk_cache.read_entry(model, "explorer-thresholds", key)
    if isinstance(stored, list):
        try:
            return [{"expr": expression_from_json(c["expr"]), "forms": c["forms"]} for c in stored]
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass
    try:
        found = _income_thresholds(model, name, before, after)
    except Exception:  # SymPy could not solve it: the numeric switch point stands alone
        found = []
    out = [{"expr": e, "forms": notation.threshold_forms(model, name, e)} for e in found]
    try:
        disk_cache.write_entry(model, "explorer-thresholds", key,
                               [{"expr": expression_to_json(c["expr"]), "forms": c["forms"]} for c in out])
    except UnsupportedExpression:
        pass
    return out


@model_cache
def _compiled_candidates(model: Model, name: str, before: str, after: str) -> tuple[tuple[Any, list[Any]], ...]:
    """:func:`_candidates` as complex NumPy functions of the base parameters (compiled once):
    choosing the candidate at new values costs microseconds, not a 30-digit evaluation."""
    symbols = [p.symbol for p in model.parameters]
    out = []
    for c in _candidates(model, name, before, after):
        function = to_function(symbols, c["expr"], [{"log": np.emath.log, "sqrt": np.emath.sqrt}, "numpy"])
        out.append((function, c["forms"]))
    return tuple(out)


def formulas(model: Model, name: str, values: Mapping[str, float],
             switches: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Closed forms of income switch points, in the paper's notation where SymPy finds them.

    Each switch (``before``, ``after``, ``value``) gets the candidate threshold that
    equals its numeric value at ``values`` (to 1e-9), or ``None``.
    """
    fixed = model.check_parameters({k: v for k, v in values.items() if k != name})
    # the threshold does not involve the path's own parameter: any admissible value stands in for it
    args = [np.complex128(fixed.get(p.name, p.default)) for p in model.parameters]
    out = []
    for sw in switches:
        before, after, value = str(sw["before"]), str(sw["after"]), float(sw["value"])
        found = None
        if before and after:
            find_structure(model, before), find_structure(model, after)  # unknown names: a 400
            for function, forms in _compiled_candidates(model, name, before, after):
                try:
                    with np.errstate(all="ignore"):
                        v = complex(function(*args))
                except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                    continue
                if abs(v.imag) <= 1e-9 * max(1.0, abs(v.real)) and math.isclose(v.real, value, rel_tol=1e-9,
                                                                                abs_tol=1e-12):
                    found = forms
                    break
        out.append({"before": before, "after": after, "value": value, "forms": found})
    return {"parameter": name, "switches": out}


# -- the seed paper's printed results --------------------------------------------------------


@model_cache
def _income_formulas(model: Model) -> tuple[dict[str, str], dict[str, str]]:
    """Each structure's printed and derived per-capita real income as LaTeX in the paper's
    notation (typeset once per model: they do not move with the parameters)."""
    from inframarginal.audit.printed import load_printed
    from inframarginal.symbolic import structure_closed_form

    derived = {}
    for s in studied_structures(model):
        form = structure_closed_form(model, s)
        if form is not None:
            derived[s.name] = notation.latex(model, sp.exp(form.log_income))
    printed = {n: notation.latex(model, e) for n, e in load_printed(model).incomes().items()}
    return printed, derived


def printed(model: Model, x: Mapping[str, Any], y: Mapping[str, Any], path_axis: Mapping[str, Any],
            values: Mapping[str, float]) -> dict[str, Any]:
    """The paper's printed incomes beside the derived ones: formulas, values at ``values``, the
    phase diagram they imply (the highest printed income, as the paper reads its Table 1;
    the printed formulas carry no existence conditions) and curves along the path parameter."""
    from inframarginal.audit.printed import evaluate_printed, load_printed

    results = load_printed(model)
    incomes = results.incomes()
    names = [s.name for s in studied_structures(model) if s.name in incomes]
    point = model.check_parameters(dict(values))
    base: dict[str, np.ndarray] = {p.name: np.asarray(point[p.name], dtype=float) for p in model.parameters}

    def at(grid: dict[str, np.ndarray]) -> np.ndarray:
        return np.stack([evaluate_printed(model, incomes[n], grid) for n in names])

    here = at(dict(base))
    xs = np.linspace(x["lo"], x["hi"], PRINTED_AXIS_POINTS)
    ys = np.linspace(y["lo"], y["hi"], PRINTED_AXIS_POINTS)
    grid = {**base, x["name"]: xs.reshape(1, -1), y["name"]: ys.reshape(-1, 1)}
    table = at(grid)
    # Step 3's rule, with "exists" read as "the printed formula has a finite value here".
    codes, _ = general_equilibrium_at(list(table), list(np.isfinite(table)))
    px = np.linspace(path_axis["lo"], path_axis["hi"], CURVE_POINTS)
    curves = at({**base, path_axis["name"]: px})
    printed_tex, derived = _income_formulas(model)
    return {
        "source": results.source,
        "structures": names,
        "formulas": [{"structure": n, "printed": printed_tex[n], "derived": derived.get(n)}
                     for n in names],
        "at_point": {n: (float(v) if math.isfinite(v) else None) for n, v in zip(names, here, strict=True)},
        "phase": {"x": {"name": x["name"], "values": xs.tolist()}, "y": {"name": y["name"], "values": ys.tolist()},
                  "structures": names, "codes": codes.astype(int).tolist()},
        "curves": {"name": path_axis["name"], "x": px.tolist(),
                   "income": {n: [float(v) if math.isfinite(v) else None for v in row]
                              for n, row in zip(names, curves, strict=True)}},
    }
