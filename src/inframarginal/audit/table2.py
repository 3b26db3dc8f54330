"""Table 2 regenerated: phase diagrams and paths in K, from the model and from the printed formulas.

The derived side uses the engine's sweeps (:func:`inframarginal.sweep.sweep`) and
exact structure paths (:func:`inframarginal.path.structure_path`).  The printed
side evaluates the paper's printed per-capita real incomes (Table 1 as printed) on
the same grids and picks, at each point, the structure with the highest printed
income among those whose printed formula is a finite real number there: what the
printed algebra implies.  Both are compared with the printed Table 2 ordering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr

from inframarginal.audit.printed import evaluate_printed, load_printed
from inframarginal.compiled import compile_structure, evaluate_structure
from inframarginal.configurations import studied_structures
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.model import Model
from inframarginal.path import IncomeEvaluator, StructurePath, structure_path, switch_path
from inframarginal.phase import plot_path, plot_phase
from inframarginal.report.settings import DEFAULT_SETTINGS
from inframarginal.sweep import sweep

#: The diagrams of the report: (x, y, x range, y range).
DIAGRAMS = (
    ("K", "t", (0.005, 1.0), (0.0, 0.995)),
    ("K", "alpha", (0.005, 1.0), (0.01, 1.5)),
    ("e", "theta", (0.005, 0.995), (0.005, 0.995)),
    ("b", "F", (0.005, 0.995), (0.005, 0.995)),
)

#: Settings of the 1-D paths in K (besides the defaults).
PATHS = (
    {},
    {"t": 0.01, "alpha": 0.85, "b": 0.02, "F": 0.05},
    {"t": 0.01, "alpha": 0.6, "b": 0.3, "F": 0.02, "e": 0.9, "theta": 0.05},
)


def _admissible_range(model: Model, name: str, lo: float, hi: float) -> tuple[float, float]:
    d = model.parameter(name).domain
    lo = max(lo, d.lower + (0 if d.lower_closed else 1e-3))
    hi = min(hi, d.upper - (0 if d.upper_closed else 1e-3))
    # an unbounded domain (yang-2001-roundabout's a > 1): a span around the default, as wide
    # as the default is large, so that the axis is finite and the default stays inside
    default = model.parameter(name).default
    span = max(1.0, abs(default))
    if not math.isfinite(hi):
        hi = default + span
    if not math.isfinite(lo):
        lo = default - span
    return lo, hi


def axis_values(model: Model, name: str, rng: tuple[float, float], n: int = DEFAULT_SETTINGS.grid) -> np.ndarray:
    """``n`` evenly spaced admissible values of ``name`` in ``rng``."""
    lo, hi = _admissible_range(model, name, *rng)
    return np.linspace(lo, hi, n)


def derived_phase(model: Model, x: str, y: str, xs: np.ndarray, ys: np.ndarray,
                  fixed: dict[str, float] | None = None) -> xr.Dataset:
    """The general equilibrium over (x, y), as a dataset :func:`plot_phase` draws.

    The structures' compiled closed forms (compiled once per model,
    :func:`inframarginal.compiled.evaluate_structure`) on the grid, and the shared rule
    :func:`inframarginal.equilibrium.general_equilibrium_at`: the same answer as
    :func:`inframarginal.sweep.sweep` (up to near-ties decided in floating point: the sweep compares
    log incomes) without compiling a kernel for every pair of axes.
    Structures without a closed form fall back to the sweep.
    """
    structures = studied_structures(model)
    if any(compile_structure(model, s) is None for s in structures):
        return sweep(model, {x: xs, y: ys}, fixed or {})
    values = dict(model.check_parameters(fixed or {}))
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    values[x], values[y] = X, Y
    results = [evaluate_structure(model, s, values) for s in structures]
    with np.errstate(invalid="ignore"):
        code, best = general_equilibrium_at(
            [r["per_capita_real_income"] for r in results],
            [r["exists"] & np.isfinite(r["per_capita_real_income"]) for r in results])
    names = np.array([s.name for s in structures] + [""], dtype=object)
    ge = names[code].astype(str)  # code -1 (no structure exists) picks the trailing ""
    ds = xr.Dataset({"general_equilibrium": ((x, y), ge),
                     "equilibrium_income": ((x, y), np.where(code >= 0, best, np.nan))},
                    coords={x: xs, y: ys, "structure": [s.name for s in structures]})
    ds.attrs["model"] = model.name
    return ds


def printed_incomes(model: Model, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Printed per-capita real income of each structure on arrays of points."""
    return {s: evaluate_printed(model, e, values) for s, e in load_printed(model).incomes().items()}


def printed_general_equilibrium(model: Model, values: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    """Name of the structure with the highest printed income at each point ("" where none is real)."""
    incomes = printed_incomes(model, values)
    shape = np.broadcast_shapes(*(np.shape(v) for v in incomes.values()))
    arrays = [np.broadcast_to(incomes[n], shape) if n in incomes else None for n in names]
    with np.errstate(invalid="ignore"):
        code, _ = general_equilibrium_at(arrays, [None if a is None else np.isfinite(a) for a in arrays])
    return np.array(list(names) + [""], dtype=object)[code].astype(str)


def printed_phase(model: Model, x: str, y: str, xs: np.ndarray, ys: np.ndarray,
                  fixed: dict[str, float] | None = None) -> xr.Dataset:
    """What the printed formulas imply over (x, y), as a dataset :func:`plot_phase` draws."""
    names = [s.name for s in studied_structures(model)]
    values = dict(model.check_parameters(fixed or {}))
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    values[x], values[y] = X, Y
    ge = printed_general_equilibrium(model, values, names)
    ds = xr.Dataset({"general_equilibrium": ((x, y), ge)}, coords={x: xs, y: ys, "structure": names})
    ds.attrs["model"] = f"{model.name} (printed formulas)"
    return ds


@dataclass(frozen=True)
class PrintedPath:
    """The printed formulas' general equilibrium along one parameter, with switch points."""

    parameter: str
    lo: float
    hi: float
    fixed: dict[str, float]
    segments: list[tuple[float, float, str]]
    switches: list[tuple[float, str, str]]


class _PrintedIncomes(IncomeEvaluator):
    """The printed formulas' incomes along one parameter: where a formula is a finite real
    number the structure "exists" (the printed formulas state no existence conditions)."""

    def __init__(self, model: Model, name: str, base: dict[str, float], names: list[str]):
        self.model, self.name, self.base, self.names = model, name, base, tuple(names)
        self.incomes = load_printed(model).incomes()

    def at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.atleast_1d(np.asarray(x, dtype=float))
        values = {**self.base, self.name: x}
        log_income = np.full((len(self.names), len(x)), -np.inf)
        with np.errstate(all="ignore"):
            for s, structure in enumerate(self.names):
                if structure in self.incomes:
                    u = np.broadcast_to(evaluate_printed(self.model, self.incomes[structure], values), x.shape)
                    # asinh: increasing on all reals (a printed income may be negative), so the
                    # choice and the roots of the gap are those of the incomes themselves
                    log_income[s] = np.where(np.isfinite(u), np.arcsinh(np.where(np.isfinite(u), u, 0.0)), -np.inf)
        return log_income, np.isfinite(log_income)


def printed_path(model: Model, name: str, lo: float, hi: float, fixed: dict[str, float],
                 points: int = 2000) -> PrintedPath:
    """Printed-formula structures along ``name``, switch points by the engine's own search
    (:func:`inframarginal.path.switch_path`, the printed formulas as its source of incomes)."""
    names = [s.name for s in studied_structures(model)]
    source = _PrintedIncomes(model, name, dict(model.check_parameters(fixed)), names)
    segments, switches = switch_path(source, name, np.linspace(lo, hi, points))
    return PrintedPath(name, lo, hi, {k: float(v) for k, v in fixed.items()}, segments,
                       [(sw.value, sw.before, sw.after) for sw in switches])


def plot_printed_path(model: Model, path: PrintedPath):
    """Draw a printed-formula path like the engine's paths."""
    shim = StructurePath(f"{model.name} (printed formulas)", path.parameter, path.lo, path.hi, path.fixed,
                         path.segments, list(path.switches), [])
    return plot_path(shim)


def derived_path(model: Model, lo: float, hi: float, fixed: dict[str, float]) -> StructurePath:
    return structure_path(model, "K", lo, hi, fixed, closed_forms=False)


def sequence(segments) -> list[str]:
    out = []
    for seg in segments:
        s = seg[2] or "(none)"
        if not out or out[-1] != s:
            out.append(s)
    return out


__all__ = [
    "DIAGRAMS", "PATHS", "PrintedPath", "axis_values", "derived_path", "derived_phase",
    "plot_phase", "plot_printed_path", "printed_path", "printed_phase", "sequence",
]
