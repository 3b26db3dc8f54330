"""Phase diagrams: where each structure is the general equilibrium.

:func:`plot_phase` draws a sweep (:func:`inframarginal.sweep.sweep`): a 2-D map with
one colour per structure, each region labelled and a legend; a 1-D strip for a
single axis; a chosen 2-D slice for more axes.  :func:`plot_path` draws a
:class:`inframarginal.path.StructurePath` as a strip with its exact switch points.
Figures are :class:`matplotlib.figure.Figure` objects made without pyplot: importing
this module leaves the user's Matplotlib backend alone (a notebook's inline plots keep
working, and a notebook displays the returned figure), and no display is needed.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch

from inframarginal.display import enable_notebook_figures
from inframarginal.errors import InframarginalError

if TYPE_CHECKING:
    from inframarginal.path import StructurePath

_NONE = "(none)"
_NONE_COLOUR = "#d9d9d9"
_INADMISSIBLE_COLOUR = "#ffffff"


#: One colour per structure name in every figure (the seed paper's and Yang's usual names);
#: other names get a colour of :data:`_PALETTE` chosen from the name alone.
STRUCTURE_COLOURS = {
    "A": "#1f77b4", "B": "#8c564b", "PA": "#ff7f0e", "PB": "#bcbd22", "PC": "#2ca02c",
    "CCA": "#d62728", "CCB": "#9467bd", "D": "#17becf", "C": "#e377c2", "P": "#7f7f7f",
}
_PALETTE = ("#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
            "#9edae5", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")


def structure_colour(name: str) -> str:
    """The colour of structure ``name`` in every figure: fixed for the usual names, else from the name."""
    if name in STRUCTURE_COLOURS:
        return STRUCTURE_COLOURS[name]
    return _PALETTE[zlib.crc32(name.encode("utf-8")) % len(_PALETTE)]


def _colours(names: list[str]) -> dict[str, Any]:
    return {n: structure_colour(n) for n in names}


def _text_width(ax: Axes, text: str, fontsize: float) -> float:
    """Approximate width of ``text`` in axes fraction (0.6 em per character)."""
    width_in = figure_of(ax).get_figwidth() * ax.get_position().width
    return 0.6 * fontsize * len(text) / 72.0 / max(width_in, 1e-6)


def _staggered(positions: list[float], widths: list[float]) -> list[int]:
    """Row (0, 1, 2...) of each label at axes-fraction ``positions`` so that no two in a row overlap."""
    rows: list[int] = []
    ends: list[float] = []  # right end of the last label in each row
    for x, w in zip(positions, widths, strict=True):
        for r, end in enumerate(ends):
            if x - w / 2 > end + 0.01:
                ends[r] = x + w / 2
                rows.append(r)
                break
        else:
            ends.append(x + w / 2)
            rows.append(len(ends) - 1)
    return rows


def _structures(ds: xr.Dataset) -> list[str]:
    if "structure" in ds.coords:
        return [str(s) for s in ds.coords["structure"].values]
    return sorted({str(v) for v in np.unique(ds["general_equilibrium"].values)} - {""})


def _select(ds: xr.Dataset, x: str | None, y: str | None, where: dict[str, float]) -> tuple[xr.Dataset, list[str]]:
    """Reduce a sweep to the axes to plot: ``where`` picks values (nearest) of the others."""
    axes = [str(d) for d in ds["general_equilibrium"].dims]
    for name in where:
        if name not in axes:
            raise InframarginalError(f"slice {name}=...: {name} is not an axis of the sweep (axes: {', '.join(axes)})")
    chosen = [a for a in (x, y) if a is not None]
    for a in chosen:
        if a not in axes:
            raise InframarginalError(f"{a} is not an axis of the sweep (axes: {', '.join(axes)})")
    for a in axes:
        if len(chosen) >= min(2, len(axes)):
            break
        if a not in chosen and a not in where:
            chosen.append(a)
    notes = []
    for a in axes:
        if a in chosen:
            continue
        if a in where:
            ds = ds.sel({a: where[a]}, method="nearest")
        else:
            ds = ds.isel({a: ds.sizes[a] // 2})
        notes.append(f"{a} = {float(ds[a]):.4g}")
    return ds, [*chosen, *notes]


def thin(ds: xr.Dataset, max_points: int = 1200) -> xr.Dataset:
    """Every n-th value of each axis, so that no axis has more than ``max_points`` (for plotting)."""
    axes = [str(d) for d in ds["general_equilibrium"].dims]
    steps = {a: -(-ds.sizes[a] // max_points) for a in axes}
    return ds.isel({a: slice(None, None, s) for a, s in steps.items() if s > 1})


def plot_phase(ds: xr.Dataset, x: str | None = None, y: str | None = None, ax: Axes | None = None,
               **slice: float) -> Figure:
    """Phase diagram of a sweep: the general equilibrium's structure over the axes.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep (needs ``general_equilibrium``, names or integer codes; ``admissible`` is
        used when present).
    x, y : str, optional
        The axes on the horizontal and vertical axis (default: the first two).
    ax : matplotlib Axes, optional
    **slice : float
        Values of the other axes (nearest grid value); their middle value by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    enable_notebook_figures()
    sub, info = _select(ds, x, y, slice)
    chosen = [a for a in info if "=" not in a]
    fixed = [a for a in info if "=" in a]
    if ax is None:
        fig = Figure(figsize=(7.5, 5.5) if len(chosen) == 2 else (8, 2.4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = figure_of(ax)
    names = _structures(ds)
    labels = [*names, _NONE]
    colours = _colours(names)
    ge = sub["general_equilibrium"]
    admissible = sub["admissible"] if "admissible" in sub else xr.ones_like(ge, dtype=bool)
    if ge.dtype.kind in "iu" and "structure" in ds.coords:
        # integer codes (a sweep's file): the index in the structure coordinate, -1 none
        codes = np.asarray(ge.values, dtype=int)
        codes = np.where(codes < 0, len(names), codes)
    else:
        index = {n: i for i, n in enumerate(names)}
        found, inverse = np.unique(ge.values.astype(str), return_inverse=True)
        codes = np.array([index.get(v, len(names)) for v in found], dtype=int)[inverse.reshape(ge.shape)]
    codes = np.where(admissible.values, codes, len(names) + 1)
    cmap = ListedColormap([colours[n] for n in names] + [_NONE_COLOUR, _INADMISSIBLE_COLOUR])
    title = f"general equilibrium of {ds.attrs.get('model', 'the model')}"
    if len(chosen) == 2:
        xa, ya = chosen
        data = codes if ge.dims == (ya, xa) else codes.T if ge.dims == (xa, ya) else codes
        xs, ys = sub[xa].values, sub[ya].values
        ax.pcolormesh(xs, ys, data, cmap=cmap, vmin=-0.5, vmax=len(names) + 1.5, shading="nearest",
                      rasterized=True)
        ax.set_xlabel(xa)
        ax.set_ylabel(ya)
        placed: list[tuple[float, float]] = []  # label centres in grid fractions
        for i, n in enumerate(labels):
            mask = data == i
            if mask.sum() < 0.002 * mask.size:  # too small to hold a label: the legend names it
                continue
            rows, cols = np.nonzero(mask)
            # label at the region's point closest to its centroid (regions need not be convex),
            # moved to another point of the region when it would overlap a label already placed
            cy, cx = rows.mean(), cols.mean()
            order = np.argsort((rows - cy) ** 2 + (cols - cx) ** 2)
            fr, fc = rows / max(data.shape[0] - 1, 1), cols / max(data.shape[1] - 1, 1)
            k = next((j for j in order[:: max(1, len(order) // 400)]
                      if all(abs(fc[j] - px) > 0.12 or abs(fr[j] - py) > 0.07 for px, py in placed)), None)
            if k is None:
                continue
            placed.append((fc[k], fr[k]))
            ax.text(xs[cols[k]], ys[rows[k]], n, ha="center", va="center", fontsize=11, weight="bold",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7, "lw": 0})
    else:
        (xa,) = chosen
        xs = sub[xa].values
        ax.pcolormesh(xs, [0.0, 1.0], np.vstack([codes, codes]), cmap=cmap, vmin=-0.5, vmax=len(names) + 1.5,
                      shading="nearest")
        ax.set_ylim(0.0, 1.0)
        ax.set_yticks([])
        ax.set_xlabel(xa)
        _strip_labels(ax, xs, [labels[c] if c <= len(names) else "" for c in codes])
    present = sorted(set(np.unique(codes).tolist()))
    handles = [Patch(color=colours[labels[i]] if i < len(names) else _NONE_COLOUR, label=labels[i])
               for i in present if i <= len(names)]
    if len(names) + 1 in present:
        handles.append(Patch(facecolor=_INADMISSIBLE_COLOUR, edgecolor="black", label="outside the domain"))
    ax.legend(handles=handles, title="structure", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(title + (f" ({', '.join(fixed)})" if fixed else ""))
    return fig


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the top-level one when it sits in a subfigure)."""
    fig = ax.figure
    while isinstance(fig, SubFigure):
        fig = fig.figure
    return fig


def _strip_labels(ax: Axes, xs: np.ndarray, labels: list[str]) -> None:
    start = 0
    span = float(xs[-1] - xs[0]) or 1.0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            width = (xs[i - 1] - xs[start]) / span
            if labels[start] and width > _text_width(ax, labels[start], 11):  # else only the legend names it
                ax.text(0.5 * (xs[start] + xs[i - 1]), 0.5, labels[start], ha="center", va="center",
                        fontsize=11, weight="bold")
            start = i


def _switch_labels(ax: Axes, values: list[float], lo: float, hi: float) -> None:
    """Mark switch points with vertical lines and their values, staggered so that none overlap."""
    texts = [f"{v:.6g}" for v in values]
    span = (hi - lo) or 1.0
    rows = _staggered([(v - lo) / span for v in values], [_text_width(ax, t, 9) for t in texts])
    for v, t, r in zip(values, texts, rows, strict=True):
        ax.axvline(v, color="black", lw=1.2)
        ax.text(v, 1.02 + 0.16 * r, t, ha="center", va="bottom", fontsize=9, transform=ax.get_xaxis_transform())


def plot_path(path: StructurePath, ax: Axes | None = None) -> Figure:
    """A structure path as a strip, with each switch point marked and its value written.

    Parameters
    ----------
    path : inframarginal.path.StructurePath
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ax is None:
        fig = Figure(figsize=(8, 2.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = figure_of(ax)
    enable_notebook_figures()
    names = sorted({s for _, _, s in path.segments if s})
    colours = _colours(names)
    span = (path.hi - path.lo) or 1.0
    for a, b, s in path.segments:
        ax.axvspan(a, b, color=colours.get(s, _NONE_COLOUR))
        label = s or _NONE
        if (b - a) / span > _text_width(ax, label, 11):  # a narrow segment is named by the legend only
            ax.text(0.5 * (a + b), 0.5, label, ha="center", va="center", fontsize=11, weight="bold")
    values = [sw[0] if isinstance(sw, tuple) else sw.value for sw in path.switches]
    _switch_labels(ax, values, path.lo, path.hi)
    ax.set_xlim(path.lo, path.hi)
    ax.set_yticks([])
    ax.set_xlabel(path.parameter)
    rows = max(_staggered([(v - path.lo) / span for v in values],
                          [_text_width(ax, f"{v:.6g}", 9) for v in values]), default=0) + 1
    ax.set_title(f"general equilibrium of {path.model} along {path.parameter}", pad=6 + 14 * rows)
    handles = [Patch(color=colours[n], label=n) for n in names]
    if handles:
        ax.legend(handles=handles, title="structure", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
