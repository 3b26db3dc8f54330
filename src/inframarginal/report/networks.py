"""Network diagrams of structures (the paper's lost Figure 1), drawn from the enumeration.

Each kind of person in a structure (a configuration) is a node; each traded good an
arrow from the configuration selling it to every configuration buying it, labelled
with the good.  An autarky structure is one node producing everything itself.
"""

from __future__ import annotations

import math
import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from inframarginal.configurations import Structure, trades
from inframarginal.heterogeneous.corner import TypedCornerEquilibrium
from inframarginal.heterogeneous.payload import TYPE_COLOURS
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.phase import STRUCTURE_COLOURS, figure_of, structure_colour


def plot_network(structure: Structure, ax: Axes | None = None) -> Figure:
    """Draw ``structure`` as a network of division of labour; returns the figure."""
    if ax is None:
        fig = Figure(figsize=(4.2, 3.6), layout="constrained")  # no pyplot: the backend is the user's
        ax = fig.add_subplot()
    else:
        fig = figure_of(ax)
    labels = list(structure.labels)
    n = len(labels)
    if n == 1:
        pos = {labels[0]: (0.0, 0.0)}
    else:
        pos = {lab: (math.cos(math.pi / 2 + 2 * math.pi * i / n), math.sin(math.pi / 2 + 2 * math.pi * i / n))
               for i, lab in enumerate(labels)}
    for lab, (x, y) in pos.items():
        ax.text(x, y, lab, ha="center", va="center", fontsize=9, zorder=3,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#e8f0fb", "ec": "#2c5aa0"})
    for seller, buyer, good in trades(structure):
        (x0, y0), (x1, y1) = pos[seller], pos[buyer]
        arrow = FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=16, lw=1.4,
                                color="#b03a2e", connectionstyle="arc3,rad=0.18", shrinkA=24, shrinkB=24, zorder=2)
        ax.add_patch(arrow)
        # label beside the arc's middle, on the side the arc bends to
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = x1 - x0, y1 - y0
        ax.text(mx + 0.14 * dy, my - 0.14 * dx, good, color="#b03a2e", fontsize=11, weight="bold",
                ha="center", va="center", zorder=4)
    if n == 1:
        ax.text(0, -0.45, "autarky: produces everything it consumes", ha="center", fontsize=8)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    title = structure.name + (f": {structure.description}" if structure.description else "")
    ax.set_title(textwrap.fill(title, 34), fontsize=9, color=structure_colour(structure.name)
                 if structure.name in STRUCTURE_COLOURS else "black")
    return fig


def plot_networks(structures: list[Structure], columns: int = 4) -> Figure:
    """All ``structures`` as one figure, a grid of network diagrams (``columns`` per row)."""
    rows = -(-len(structures) // columns)
    fig = Figure(figsize=(2.9 * columns, 2.7 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, structure in zip(axes.ravel(), structures, strict=False):
        plot_network(structure, ax)
    for ax in axes.ravel()[len(structures):]:
        ax.axis("off")
    return fig


def plot_typed_network(model: TypedModel, ce: TypedCornerEquilibrium, ax: Axes | None = None) -> Figure:
    """Draw a corner equilibrium with types: one node per (type, configuration), coloured by type.

    An arrow goes from the sellers of each market to every configuration buying there,
    labelled with the market (``x``, or ``x@home`` where a good has several markets).
    """
    if ax is None:
        fig = Figure(figsize=(4.8, 4.0), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = figure_of(ax)
    nodes = [(k, person.name, config) for k, (person, configs) in
             enumerate(zip(model.types, ce.structure.configurations(model), strict=True)) for config in configs]
    n = len(nodes)
    pos = {(t, c.label): (math.cos(math.pi / 2 + 2 * math.pi * i / n), math.sin(math.pi / 2 + 2 * math.pi * i / n))
           if n > 1 else (0.0, 0.0) for i, (_, t, c) in enumerate(nodes)}
    for k, t, config in nodes:
        x, y = pos[t, config.label]
        colour = TYPE_COLOURS[k % len(TYPE_COLOURS)]
        ax.text(x, y, f"{t}\n{config.label}", ha="center", va="center", fontsize=8, zorder=3, color=colour,
                bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": colour, "lw": 1.6})
    markets = ce.markets
    if markets is not None:
        for _, buyer, config in nodes:
            for h in config.buys:
                market = markets.purchase(buyer, h)
                for _, seller, other in nodes:
                    if other.sells == h and seller in markets.sellers[market]:
                        (x0, y0), (x1, y1) = pos[seller, other.label], pos[buyer, config.label]
                        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=14,
                                                     lw=1.2, color="#555555", connectionstyle="arc3,rad=0.18",
                                                     shrinkA=26, shrinkB=26, zorder=2))
                        ax.text((x0 + x1) / 2 + 0.14 * (y1 - y0), (y0 + y1) / 2 - 0.14 * (x1 - x0),
                                markets.keys[market], fontsize=9, ha="center", va="center", zorder=4)
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(textwrap.fill(ce.name, 44), fontsize=9)
    return fig
