"""Rich notebook display: the generic pieces of the HTML that Jupyter shows.

Jupyter calls an object's ``_repr_html_``; each renderer lives next to what it renders
(``inframarginal.api.model_html``, ``inframarginal.path.path_html``, the beach game's
in ``inframarginal.location``) and builds on the helpers here: escaped tables,
the colours of structures, and IPython's display of Matplotlib figures.  Every piece of
text that comes from a model file is escaped.  Figures are small inline SVG written by
hand (no Matplotlib, no files): a notebook that shows a path or a beach needs nothing else.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Sequence
from typing import Any

#: Colours of structures in figures (Matplotlib's tab10, so they match the phase diagrams).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
#: Colour of "no general equilibrium" in figures.
NONE_COLOUR = "#d9d9d9"


def escape(value: Any) -> str:
    """``value`` as text safe inside HTML (every piece of text from a model file goes through it)."""
    return html.escape(str(value), quote=True)


def colours(names: Iterable[str]) -> dict[str, str]:
    """A colour of :data:`PALETTE` for each name, in sorted order of the names."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names)))}


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """An HTML table; every cell is escaped.

    Examples
    --------
    >>> table(["a", "b"], [[1, "<x>"]])
    '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;x&gt;</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def enable_notebook_figures() -> bool:
    """Let IPython show figures made without pyplot, as PNG, where nothing else does yet.

    Jupyter's inline backend registers its figure display only when pyplot is imported;
    the figures here are built on :class:`matplotlib.figure.Figure` directly (so that the
    user's backend is never switched), and would otherwise show as ``<Figure size ...>``.
    Outside IPython, or where a display is already registered, nothing changes.

    Returns
    -------
    bool
        Whether a display was registered now.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return False
    from matplotlib.figure import Figure

    png = formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
        return False  # the inline backend (or the user) already shows figures
    except KeyError:
        pass
    from IPython.core.pylabtools import print_figure

    # IPython does not annotate print_figure
    png.for_type(Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))  # type: ignore[no-untyped-call]
    return True
