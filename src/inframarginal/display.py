"""Rich notebook display: the HTML that Jupyter shows for models, paths and location results.

Jupyter calls an object's ``_repr_html_``; the classes keep a one-line method that calls
the functions here, so the presentation lives in one module.  Every piece of text that
comes from a model file is escaped.  Figures are small inline SVG written by hand (no
Matplotlib, no files): a notebook that shows a path or a beach needs nothing else.
"""

from __future__ import annotations

import html
import math
import sys
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inframarginal.lemma1 import Configuration
    from inframarginal.location.dynamics import Trajectory
    from inframarginal.location.equilibria import Equilibrium, EquilibriumSet
    from inframarginal.model import Model
    from inframarginal.path import StructurePath

#: Colours of structures in figures (Matplotlib's tab10, so they match the phase diagrams).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
_NONE_COLOUR = "#d9d9d9"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    """An HTML table; every cell is escaped.

    Examples
    --------
    >>> table(["a", "b"], [[1, "<x>"]])
    '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td>&lt;x&gt;</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
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


# -- the model ---------------------------------------------------------------------------


def model_html(model: Model, configs: Sequence[Configuration]) -> str:
    """Parameters (default, domain, description), goods, technologies and step-1 counts.

    ``configs`` are the model's configurations (step 1), passed in so that this module
    needs nothing above the model specification.
    """
    sellers: dict[str, int] = {}
    for c in configs:
        key = c.sells or "autarky"
        sellers[key] = sellers.get(key, 0) + 1
    counts = ", ".join(f"{n} {'autarky' if k == 'autarky' else 'selling ' + k}" for k, n in sellers.items())
    parts = [
        f"<div class=\"inframarginal-model\"><p><b>{_e(model.title)}</b> "
        f"(<code>{_e(model.name)}</code>)</p>",
        table(["parameter", "default", "domain", "description"],
              [(p.name, f"{p.default:g}", str(p.domain), p.description) for p in model.parameters],
              "parameters"),
    ]
    if model.derived:
        parts.append(table(["derived", "formula", "description"],
                           [(d.name, d.text, d.description) for d in model.derived], "derived parameters"))
    parts.append(table(["good", "utility weight", "trading efficiency", "description"],
                       [(g.name, str(g.weight), str(g.trading_efficiency), g.description)
                        for g in model.goods], "goods"))
    parts.append(table(["good", "technology", "output", "closed form"],
                       [(t.good, t.name, t.text, "yes" if t.power_form is not None else "numeric only")
                        for t in model.technologies], "technologies"))
    parts.append(table(["structure", "configurations", "description"],
                       [(s.name, " ".join(s.configurations), s.description)
                        for s in model.named_structures], "structures studied"))
    parts.append(f"<p>Step 1 (Lemma 1): {len(configs)} configurations ({_e(counts)}); "
                 f"{len(model.named_structures)} structures studied.</p></div>")
    return "".join(parts)


# -- a structure path --------------------------------------------------------------------


def _colours(names: Iterable[str]) -> dict[str, str]:
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names)))}


def path_svg(path: StructurePath, width: int = 560, height: int = 64) -> str:
    """The path as an SVG strip: one coloured band per segment, a line at each switch."""
    span = path.hi - path.lo
    colours = _colours(s for _, _, s in path.segments if s)

    def x(v: float) -> float:
        return 0.0 if span <= 0 else (v - path.lo) / span * width

    band = height - 22
    shapes = []
    for a, b, s in path.segments:
        x0, x1 = x(a), x(b)
        shapes.append(f'<rect x="{x0:.2f}" y="0" width="{max(x1 - x0, 0.5):.2f}" height="{band}" '
                      f'fill="{colours.get(s, _NONE_COLOUR)}"><title>{_e(s or "(none)")}: '
                      f'{a:.6g} .. {b:.6g}</title></rect>')
        if x1 - x0 > 8 * max(len(s), 2):
            shapes.append(f'<text x="{(x0 + x1) / 2:.2f}" y="{band / 2 + 5:.2f}" text-anchor="middle" '
                          f'font-size="13" font-weight="bold">{_e(s or "(none)")}</text>')
    for sw in path.switches:
        xs = x(sw.value)
        shapes.append(f'<line x1="{xs:.2f}" y1="0" x2="{xs:.2f}" y2="{band}" stroke="black" stroke-width="1.5"/>')
        shapes.append(f'<text x="{xs:.2f}" y="{band + 14}" text-anchor="middle" font-size="11">'
                      f'{sw.value:.6g}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="general equilibrium along '
            f'{_e(path.parameter)}">' + "".join(shapes) + "</svg>")


def path_html(path: StructurePath) -> str:
    """Segments, the switch table (with closed forms) and the SVG strip."""
    fixed = ", ".join(f"{k}={v:g}" for k, v in path.fixed.items())
    switches = table(
        ["from", "to", path.parameter, "kind", "closed form"],
        [(sw.before or "(none)", sw.after or "(none)", f"{sw.value:.15g}", sw.kind,
          "" if sw.closed_form is None else str(sw.closed_form)) for sw in path.switches],
        "switch points")
    segments = table(["from", "to", "general equilibrium"],
                     [(f"{a:.15g}", f"{b:.15g}", s or "(none)") for a, b, s in path.segments], "segments")
    notes = "".join(f"<li>{_e(n)}</li>" for n in path.notes)
    return (f"<div class=\"inframarginal-path\"><p>General equilibrium of <code>{_e(path.model)}</code> "
            f"along <b>{_e(path.parameter)}</b> in [{path.lo:g}, {path.hi:g}]"
            + (f" ({_e(fixed)})" if fixed else "") + "</p>" + path_svg(path) + switches + segments
            + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


# -- the location game -------------------------------------------------------------------


def _num(value: Any) -> str:
    return str(value) if isinstance(value, Fraction) else f"{float(value):.12g}"


def beach_svg(positions: Sequence[Any], circle: bool = False, width: int = 360) -> str:
    """Sellers on the beach [0, 1] (a line) or on a circle of circumference 1, as SVG."""
    dots = []
    if circle:
        r, c = 46.0, 60.0
        base = f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#c2a25f" stroke-width="6"/>'
        for i, p in enumerate(positions):
            angle = 2 * math.pi * float(p) - math.pi / 2
            dots.append(f'<circle cx="{c + r * math.cos(angle):.2f}" cy="{c + r * math.sin(angle):.2f}" '
                        f'r="6" fill="#b03a2e"><title>seller {i + 1} at {_e(_num(p))}</title></circle>')
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120" '
                f'role="img" aria-label="sellers on a circle">{base}{"".join(dots)}</svg>')
    pad, y = 12.0, 22.0
    span = width - 2 * pad
    base = (f'<line x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}" stroke="#c2a25f" stroke-width="6"/>'
            f'<text x="{pad}" y="{y + 22}" font-size="11" text-anchor="middle">0</text>'
            f'<text x="{width - pad}" y="{y + 22}" font-size="11" text-anchor="middle">1</text>')
    stacked: dict[float, int] = {}
    for i, p in enumerate(positions):
        level = stacked.get(float(p), 0)
        stacked[float(p)] = level + 1
        dots.append(f'<circle cx="{pad + float(p) * span:.2f}" cy="{y - 10 * level:.2f}" r="5" fill="#b03a2e">'
                    f'<title>seller {i + 1} at {_e(_num(p))}</title></circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="48" viewBox="0 0 {width} 48" '
            f'role="img" aria-label="sellers on the beach">{base}{"".join(dots)}</svg>')


def equilibrium_html(eq: Equilibrium, circle: bool = False) -> str:
    """One profile: the beach, positions, shares and each seller's certificate."""
    rows = [(i + 1, _num(x), _num(s), _num(c.best_response), "yes" if c.ok else "NO")
            for i, (x, s, c) in enumerate(zip(eq.positions, eq.shares, eq.certificate, strict=False))]
    verdict = "a verified equilibrium" if eq.verified else "NOT an equilibrium"
    return (f"<div class=\"inframarginal-beach\"><p>{verdict}</p>" + beach_svg(eq.positions, circle)
            + table(["seller", "position", "share", "best response (supremum)", "no better deviation"], rows)
            + "</div>")


def equilibrium_set_html(es: EquilibriumSet) -> str:
    """Every equilibrium of the game: the isolated ones and the continuum families."""
    circle = es.topology == "circle"
    head = (f"<p><b>{es.sellers} sellers on the {_e(es.topology)}</b>: "
            + ("pure-strategy equilibria exist" if es.exists else "no pure-strategy equilibrium")
            + (f" ({_e(es.reason)})" if es.reason else "") + "</p>")
    parts = [head]
    if es.equilibria:
        parts.append(table(["#", "positions", "shares"],
                           [(i + 1, ", ".join(_num(x) for x in e.positions), ", ".join(_num(s) for s in e.shares))
                            for i, e in enumerate(es.equilibria)], "isolated equilibria"))
        parts.append(beach_svg(es.equilibria[0].positions, circle))
    if es.continuum:
        parts.append(table(["pattern", "free parameters", "family"],
                           [("-".join(str(k) for k in f.pattern), f.dimension, f.description)
                            for f in es.continuum], "continuum families"))
    return "<div class=\"inframarginal-beach\">" + "".join(parts) + "</div>"


def trajectory_html(tr: Trajectory) -> str:
    """A run of best-response dynamics: the final beach and the steps."""
    rows = [(s.index, "" if s.mover is None else s.mover + 1, ", ".join(_num(x) for x in s.positions),
             ", ".join(_num(v) for v in s.shares)) for s in tr.steps]
    return (f"<div class=\"inframarginal-beach\"><p>{_e(tr.mode)} best-response dynamics on the "
            f"{_e(tr.topology)}: {'converged' if tr.converged else 'did not converge'} ({_e(tr.reason)})</p>"
            + beach_svg(tr.final, tr.topology == "circle")
            + table(["step", "mover", "positions", "shares"], rows) + "</div>")
