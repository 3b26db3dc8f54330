"""The beach report: the seed's two merchants, the data tables and their validation.

:func:`write_beach_report` writes ``beach.md`` and a self-contained
``beach.html`` (no external resources; images are local files next to it)
plus the figures.  The text is deterministic.

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered", Review of Economic Studies 42 (1975) 27-49.
.. [3] C. d'Aspremont, J. J. Gabszewicz and J.-F. Thisse, "On Hotelling's
   'Stability in competition'", Econometrica 47 (1979) 1145-1150.
"""

from __future__ import annotations

import html
import pathlib
from fractions import Fraction

from inframarginal.location.arithmetic import fmt


def _join(xs) -> str:
    return ", ".join(fmt(x) for x in xs)


def _sections(figs: dict[str, str]) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """(title, paragraphs, [(image file, caption)]) for each section."""
    from inframarginal.data_tables.validation import validate
    from inframarginal.location.dynamics import best_response_dynamics
    from inframarginal.location.equilibria import find_equilibria
    from inframarginal.location.pricing import two_stage_equilibrium
    from inframarginal.location.welfare import welfare_comparison

    w = welfare_comparison(2)
    eq = w.equilibria[0]
    traj = best_response_dynamics([Fraction(1, 10), Fraction(9, 10)])
    beach = [
        "Two merchants sell the same water at the same price on a beach [0, 1] with consumers "
        "spread evenly; each consumer walks to the nearest stall (Hotelling 1929).",
        f"Social optimum: stalls at {_join(w.optimum.positions)}, average walk "
        f"{fmt(w.optimum.average_distance)}, shares {_join(w.optimum.shares)}.",
        f"Competition: the unique Nash equilibrium puts both stalls at {_join(eq.positions)} "
        f"(shares {_join(eq.shares)}), average walk {fmt(eq.average_distance)}.",
        f"Clustering agreement: the merchants agree on {_join(w.agreement.positions)} and keep "
        f"equal shares {_join(w.agreement.shares)}, restoring the optimum; the welfare gap of "
        f"competition is {fmt(w.gap)} in average distance walked.",
        f"Best-response dynamics from 1/10 and 9/10 (step 1/100 beside the rival when the best "
        f"response is not attained): {len(traj.steps) - 1} moves, {traj.reason}.",
    ]
    more = []
    for n in range(2, 7):
        for circle in (False, True):
            r = find_equilibria(n, circle)
            iso = "; ".join(f"({_join(e.positions)})" for e in r.equilibria) or "none isolated"
            if not r.exists:
                iso = "no pure-strategy equilibrium"
            cont = f", {len(r.continuum)} continuum family(ies)" if r.continuum else ""
            more.append(f"n = {n}, {r.topology}: {iso}{cont}.")
    quad = two_stage_equilibrium("quadratic")
    lin = two_stage_equilibrium("linear")
    pricing = [
        f"Quadratic transport costs: locations {_join(quad.locations)}, prices "
        f"{_join(quad.subgame.prices)} ({quad.reason}).",
        f"Linear transport costs: {lin.reason}.",
    ]
    rep = validate()
    findings = [f"{rep.summary()}."] + [
        f"[{f.severity}] {f.table}: {f.message}." for f in rep.findings
    ]
    data_text = [
        "Table 1 (cluster market shares), Table 2 (U.S. trade in goods with China, millions of "
        "U.S. dollars, 2001 to July 2009) and Table 3 (GDP sector composition, 2008) ship as CSV "
        "files with their printed values; the figures show the values as printed.",
    ]
    return [
        (
            "Two merchants on a beach",
            beach,
            [(figs["png"], "Best-response dynamics"), (figs["gif"], "Animation")],
        ),
        ("More sellers (exact equilibria)", more, []),
        ("Locations then prices", pricing, []),
        (
            "Data tables",
            data_text,
            [(figs["trade"], "Trade balance"), (figs["gdp"], "Sector composition")],
        ),
        ("Validation of the printed tables", findings, []),
    ]


def write_beach_report(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Write ``beach.md``, ``beach.html`` and their figures into ``out_dir``.

    Parameters
    ----------
    out_dir : pathlib.Path
        Output folder (created if missing).

    Returns
    -------
    list of pathlib.Path
        ``beach.md``, ``beach.html`` and the image files, in that order.
    """
    from inframarginal.data_tables.figures import plot_gdp_composition, plot_trade_balance
    from inframarginal.location.dynamics import (
        animate_trajectory,
        best_response_dynamics,
        plot_trajectory,
    )

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    traj = best_response_dynamics([Fraction(1, 10), Fraction(9, 10)])
    images = [
        plot_trajectory(traj, out / "beach_dynamics.png"),
        animate_trajectory(traj, out / "beach_dynamics.gif"),
        plot_trade_balance(out / "trade_balance.png"),
        plot_gdp_composition(out / "gdp_composition.png"),
    ]
    figs = dict(zip(("png", "gif", "trade", "gdp"), (p.name for p in images), strict=True))
    sections = _sections(figs)
    md = ["# The beach game and the seed's tables", ""]
    body = []
    for title, paras, imgs in sections:
        md += [f"## {title}", ""]
        body.append(f"<h2>{html.escape(title)}</h2>")
        for p in paras:
            md += [f"- {p}" if title != "Two merchants on a beach" else p, ""]
            body.append(f"<p>{html.escape(p)}</p>")
        for file, caption in imgs:
            md += [f"![{caption}]({file})", ""]
            body.append(
                f'<figure><img src="{html.escape(file)}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    md += [
        "## References",
        "",
        "- H. Hotelling (1929), Stability in competition, The Economic Journal 39, 41-57.",
        "- B. C. Eaton and R. G. Lipsey (1975), The principle of minimum differentiation "
        "reconsidered, Review of Economic Studies 42, 27-49.",
        "- C. d'Aspremont, J. J. Gabszewicz and J.-F. Thisse (1979), On Hotelling's "
        "'Stability in competition', Econometrica 47, 1145-1150.",
        "",
    ]
    refs = "".join(f"<li>{html.escape(line[2:])}</li>" for line in md[-5:-1])
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>The beach game</title><style>body{font-family:sans-serif;max-width:52em;"
        "margin:2em auto;line-height:1.4}img{max-width:100%}</style></head><body>"
        "<h1>The beach game and the seed's tables</h1>"
        + "\n".join(body)
        + f"<h2>References</h2><ul>{refs}</ul></body></html>\n"
    )
    md_path = out / "beach.md"
    html_path = out / "beach.html"
    md_path.write_text("\n".join(md), encoding="utf-8")
    html_path.write_text(page, encoding="utf-8")
    return [md_path, html_path, *images]
