"""Domain notes: which corner equilibria exist where, and which structures can ever win.

Dense uniform sampling of the whole parameter space, split at alpha = 1 (the paper
states alpha >= 1 while Table 1's exponents 1/(1 - alpha) need alpha < 1), with
the engine's corner equilibria (:func:`inframarginal.compiled.evaluate_structure`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inframarginal.compiled import evaluate_structure
from inframarginal.configurations import studied_structures
from inframarginal.disk_cache import read_entry, write_entry
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.model import Model
from inframarginal.report.settings import DEFAULT_SETTINGS
from inframarginal.sampling import sample_points


@dataclass(frozen=True)
class DomainBox:
    """Sampling results in one box of the parameter space."""

    label: str
    bounds: dict[str, tuple[float, float]]
    samples: int
    exists: dict[str, float]  # share of points where each corner equilibrium exists
    wins: dict[str, int]  # points where each structure is the general equilibrium
    closest: dict[str, float]  # max over points of u_S / u_GE for structures that never win


def _box(model: Model, label: str, bounds: dict[str, tuple[float, float]], n: int, seed: int) -> DomainBox:
    """One region's sampling, kept in the disk cache (it depends only on the model and its arguments)."""
    key = f"{label}|{sorted(bounds.items())!r}|{n}|{seed}"
    cached = read_entry(model, "report-domain-box", key)
    if isinstance(cached, dict) and set(cached) == {"exists", "wins", "closest"}:
        return DomainBox(label, bounds, n, {k: float(v) for k, v in cached["exists"].items()},
                         {k: int(v) for k, v in cached["wins"].items()},
                         {k: float(v) if v is not None else float("nan") for k, v in cached["closest"].items()})
    box = _sample_box(model, label, bounds, n, seed)
    write_entry(model, "report-domain-box", key, {
        "exists": box.exists, "wins": box.wins,
        "closest": {k: (v if np.isfinite(v) else None) for k, v in box.closest.items()}})
    return box


def _sample_box(model: Model, label: str, bounds: dict[str, tuple[float, float]], n: int, seed: int) -> DomainBox:
    values = sample_points(model, n, seed, bounds=bounds)
    structures = studied_structures(model)
    names = [s.name for s in structures]
    results = [evaluate_structure(model, s, values) for s in structures]
    income = np.stack([r["per_capita_real_income"] for r in results])
    filled = np.where(np.isnan(income), -np.inf, income)
    with np.errstate(invalid="ignore"):
        best, top = general_equilibrium_at(list(income), [r["exists"] & np.isfinite(r["per_capita_real_income"])
                                                            for r in results])
    wins = {n_: int((best == i).sum()) for i, n_ in enumerate(names)}
    closest = {}
    for i, n_ in enumerate(names):
        if wins[n_] == 0:
            with np.errstate(all="ignore"):
                ratio = np.where(np.isfinite(filled[i]) & np.isfinite(top), filled[i] / top, np.nan)
            closest[n_] = float(np.nanmax(ratio)) if np.isfinite(ratio).any() else float("nan")
    return DomainBox(label, bounds, n, {n_: float(r["exists"].mean()) for n_, r in zip(names, results, strict=True)},
                     wins, closest)


def domain_boxes(model: Model, n: int = DEFAULT_SETTINGS.domain_samples) -> list[DomainBox]:
    """Sample the model's domain (``n`` points per region); for a model with ``alpha``,
    separately below and above 1."""
    base = {}
    for p in model.parameters:
        lo, hi = p.domain.lower, p.domain.upper
        base[p.name] = (lo, hi if np.isfinite(hi) else lo + 3.0)
    if "alpha" not in base:
        return [_box(model, "whole domain", base, n, 7)]
    low = dict(base, alpha=(base["alpha"][0], 1.0))
    high = dict(base, alpha=(1.0, max(3.0, base["alpha"][0] + 2.0)))
    return [_box(model, "alpha < 1 (where Table 1's exponents are defined)", low, n, 7),
            _box(model, "alpha >= 1 (the paper's stated range)", high, n, 8)]


def never_winning(boxes: list[DomainBox]) -> list[str]:
    names = list(boxes[0].wins)
    return [s for s in names if all(b.wins[s] == 0 for b in boxes)]
