"""The report: a model's analysis and, for the seed paper, the audit of its printed results.

:func:`write_report` writes ``report.html`` (self-contained: MathML formulas, figures
referenced relatively), ``report.md`` (the same content, LaTeX formulas), the
figures as PNG and SVG under ``figures/`` and the tables as CSV and LaTeX.  Every
model gets the model, its configurations and structures with network diagrams and
phase diagrams; a model with a transcription of printed results in
``inframarginal/data/<model>-table1.toml`` (the seed paper, ``li-ke-2020``) also
gets Table 1 derived against printed, Table 2 regenerated from both, the claims
and the domain notes.  The text is deterministic for the same version and inputs.

References
----------
Li Ke (2020). Restructuring Production Chain with Industrial Network and Cluster
after the COVID-19 Pandemic.
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*. Blackwell.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from inframarginal import __version__
from inframarginal.configurations import configurations, enumerate_structures, studied_structures
from inframarginal.model import Model
from inframarginal.modelfile import load_model
from inframarginal.report.figures import save_figure
from inframarginal.report.printed import has_printed_results, load_printed
from inframarginal.report.render import Document, Math, to_html, to_markdown, write_csv, write_latex

#: The clearly labelled extension shown beside the seed model in the domain notes.
VARIANTS = {"li-ke-2020": "li-ke-2020-roundabout-productivity"}

TABLE1_COLUMNS = ["structure", "quantity", "derived", "printed", "verdict", "point", "derived_value",
                  "printed_value", "kind_of_mistake"]


def _g(x: float) -> str:
    return f"{x:.6g}" if math.isfinite(x) else str(x)


def _pt(point: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in point.items())


def _model_section(doc: Document, model: Model) -> None:
    doc.h(1, "1. The model")
    doc.p(f"{model.title} [{model.name}], read from {Path(str(model.source)).name}.")
    if model.description:
        doc.p(model.description)
    doc.table(["parameter", "default", "domain", "meaning"],
              [[p.name, _g(p.default), str(p.domain), p.description] for p in model.parameters])
    if model.derived:
        doc.table(["derived parameter", "formula", "meaning"],
                  [[d.name, Math(d.formula), d.description] for d in model.derived])
    doc.table(["good", "utility weight", "trading efficiency", "meaning"],
              [[g.name, str(g.weight), Math(g.trading_efficiency), getattr(g, "description", "")]
               for g in model.goods])
    doc.table(["good", "technology", "output", "meaning"],
              [[t.good, t.name, Math(t.output), getattr(t, "description", "")] for t in model.technologies])
    doc.p("Every person has one unit of labour; utility is the Cobb-Douglas product of the consumed "
          "quantities with the weights above; a good bought arrives times its trading efficiency.")


def _structures_section(doc: Document, model: Model, out: Path, bar) -> None:
    configs = configurations(model)
    structures = studied_structures(model)
    doc.h(1, "2. Configurations and structures (the lost Figure 1)")
    doc.p(f"Lemma 1 allows {len(configs)} configurations in this model (with one configuration per "
          f"technology choice of x); they combine into {len(enumerate_structures(model))} structures whose "
          f"trades close, of which the model file names {len(structures)}. Each diagram below is drawn "
          "from the enumeration: a node per kind of specialist (configuration), an arrow per traded good "
          "from the seller to the buyer, labelled with the good.")
    doc.p("Configurations: " + ", ".join(c.label for c in configs) + ".")
    from inframarginal.report.networks import plot_network

    doc.table(["structure", "configurations", "traded goods", "meaning"],
              [[s.name, " ".join(s.labels), ", ".join(s.traded_goods) or "none", s.description]
               for s in structures])
    for s in structures:
        path = save_figure(plot_network(s), out, f"network-{s.name}")
        doc.img(path, f"Structure {s.name}: {' '.join(s.labels)}")
        bar.update(1)


def _table1_section(doc: Document, model: Model, out: Path, bar) -> list:
    from inframarginal.report.table1 import TOLERANCE, audit_table1

    rows = audit_table1(model)
    bar.update(1)
    doc.h(1, "3. Table 1, derived against printed")
    agree = sum(r.verdict == "agrees" for r in rows)
    doc.p(f"Each printed entry of Table 1 (transcribed in inframarginal/data/{model.name}-table1.toml) "
          "next to the closed form derived from the model file (GP dual of each configuration, utility "
          "equalization, market clearing). Both are evaluated at the model's default point and at random "
          f"admissible points where the derived corner equilibrium exists; an entry agrees when they "
          f"coincide to a relative {TOLERANCE:g} at every point. {agree} of {len(rows)} entries agree.")
    doc.p("k = (1 - t) K and beta = alpha + e - theta. Prices are relative to the last traded good "
          "(the paper's numeraire); M_g is the number of people selling good g.")
    table = []
    for r in rows:
        table.append([r.structure, r.quantity, Math(r.derived) if r.derived is not None else "(none)",
                      Math(r.printed), r.verdict,
                      "" if r.verdict == "agrees" else f"at {_pt(r.point)}: derived {_g(r.derived_value)}, "
                      f"printed {_g(r.printed_value)}", r.kind])
    headers = ["structure", "quantity", "derived", "printed (our reading)", "verdict", "difference", "kind of mistake"]
    doc.table(headers, table)
    write_csv(out / "table1.csv", TABLE1_COLUMNS, [
        [r.structure, r.quantity, "" if r.derived is None else str(r.derived), r.entry.text, r.verdict,
         " ".join(f"{k}={v!r}" for k, v in r.point.items()), repr(r.derived_value), repr(r.printed_value), r.kind]
        for r in rows])
    write_latex(out / "table1.tex", headers, table, "Table 1 of the seed paper, derived against printed")
    doc.p("Readings of garbled entries (the printed text is kept in the CSV and the data file):")
    doc.bullets([f"{r.structure} {r.quantity}: {r.entry.reading}" for r in rows if r.entry.reading])
    return rows


def _diagram_sections(doc: Document, model: Model, out: Path, bar, printed: bool) -> dict:
    from inframarginal.report import table2 as t2

    names = {p.name for p in model.parameters}
    diagrams = [d for d in t2.DIAGRAMS if d[0] in names and d[1] in names]
    if not diagrams:
        ps = [p.name for p in model.parameters]
        diagrams = [(ps[i], ps[i + 1], (-math.inf, math.inf), (-math.inf, math.inf))
                    for i in range(0, min(len(ps) - 1, 4), 2)]
    defaults = model.check_parameters()
    fixed_text = ", ".join(f"{p.name}={_g(defaults[p.name])}" for p in model.parameters)
    doc.h(1, "4. Table 2, regenerated" if printed else "3. Phase diagrams")
    doc.p(f"General-equilibrium structure over pairs of parameters on {t2.GRID} x {t2.GRID} grids; the other "
          f"parameters at the model's defaults ({fixed_text}). Derived: the engine's corner equilibria "
          "(existence checked) and the highest per-capita real income."
          + (" Printed: the structure with the highest printed per-capita real income among those whose "
             "printed formula is a finite real number (the printed formulas state no existence conditions)."
             if printed else ""))
    seen: dict[str, set[str]] = {"derived": set(), "printed": set()}
    for x, y, xr, yr in diagrams:
        xs, ys = t2.axis_values(model, x, xr), t2.axis_values(model, y, yr)
        ds = t2.derived_phase(model, x, y, xs, ys)
        found = sorted(set(map(str, np.unique(ds["general_equilibrium"].values))) - {""})
        seen["derived"].update(found)
        doc.img(save_figure(t2.plot_phase(ds, x, y), out, f"phase-{x}-{y}-derived"),
                f"Derived general equilibrium over ({x}, {y}): {', '.join(found) or 'none'}")
        if printed:
            pds = t2.printed_phase(model, x, y, xs, ys)
            pfound = sorted(set(map(str, np.unique(pds["general_equilibrium"].values))) - {""})
            seen["printed"].update(pfound)
            doc.img(save_figure(t2.plot_phase(pds, x, y), out, f"phase-{x}-{y}-printed"),
                    f"Printed formulas' general equilibrium over ({x}, {y}): {', '.join(pfound) or 'none'}")
        bar.update(1)
    first = "K" if "K" in names else model.parameters[0].name
    p0 = model.parameter(first)
    lo = p0.domain.lower + (0 if p0.domain.lower_closed else 0.005)
    hi = p0.domain.upper if math.isfinite(p0.domain.upper) else p0.domain.lower + 3
    settings = t2.PATHS if printed else ({},)
    doc.h(2, f"Paths in {first} with exact switch points")
    rows = []
    for i, fixed in enumerate(settings):
        fixed = {k: v for k, v in fixed.items() if k in names}
        path = t2.structure_path(model, first, lo, hi, fixed, closed_forms=False)
        seq = t2.sequence(path.segments)
        seen["derived"].update(s for s in seq if s != "(none)")
        label = ", ".join(f"{k}={v:g}" for k, v in fixed.items()) or "defaults"
        doc.img(save_figure(t2.plot_path(path), out, f"path-{first}-{i}-derived"),
                f"Derived path in {first} ({label})")
        switches = "; ".join(f"{s.before or '(none)'} -> {s.after or '(none)'} at {first} = {s.value:.12g}"
                             for s in path.switches) or "no switch"
        rows.append([label, "derived", " -> ".join(seq), switches])
        if printed:
            pp = t2.printed_path(model, first, lo, hi, fixed)
            pseq = t2.sequence(pp.segments)
            doc.img(save_figure(t2.plot_printed_path(model, pp), out, f"path-{first}-{i}-printed"),
                    f"Printed formulas' path in {first} ({label})")
            rows.append([label, "printed formulas", " -> ".join(pseq),
                         "; ".join(f"{a or '(none)'} -> {b or '(none)'} at {first} = {v:.12g}"
                                   for v, a, b in pp.switches) or "no switch"])
        bar.update(1)
    doc.table(["setting", "from", "sequence", "switch points"], rows)
    write_csv(out / "paths.csv", ["setting", "from", "sequence", "switch_points"], rows)
    return seen


def _table2_comparison(doc: Document, model: Model, out: Path, seen: dict) -> None:
    printed = load_printed(model)
    doc.h(2, "Comparison with the printed Table 2")
    doc.p("The printed Table 2 orders the general equilibrium as " +
          ", ".join(c.structure for c in printed.table2) + " (columns left to right; our reading of the "
          "garbled column headers below). For each column: does its structure appear anywhere in the "
          "diagrams and paths above?")
    rows = [[str(i + 1), c.trading_efficiency, c.condition, c.structure,
             "yes" if c.structure in seen["derived"] else "no",
             "yes" if c.structure in seen["printed"] else "no"] for i, c in enumerate(printed.table2)]
    headers = ["column", "K", "condition", "printed structure", "in derived diagrams", "in printed-formula diagrams"]
    doc.table(headers, rows)
    write_csv(out / "table2.csv", headers, rows)
    write_latex(out / "table2.tex", headers, rows, "Printed Table 2 against the regenerated diagrams")
    missing = sorted({c.structure for c in printed.table2} - seen["derived"])
    doc.p("From the model, only " + ", ".join(sorted(seen["derived"])) + " occur; the printed ordering's "
          + ", ".join(missing) + " never do on these diagrams (see the domain notes for the whole space). "
          "The printed formulas imply yet another partition: " + ", ".join(sorted(seen["printed"])) + ".")


def _claims_section(doc: Document, model: Model, out: Path, bar) -> list:
    from inframarginal.report.claims import SIGN_SAMPLES, evaluate_claims, paper_claims

    claims = paper_claims(model)
    results = evaluate_claims(model, claims, progress=bar)
    doc.h(1, "5. Claims")
    doc.p("Every claim of Proposition 1 (i-v), Proposition 2 (its six items, printed as i, ii, iii, vi, vi, "
          "vii) and the derivative signs of Scenarios 1-4, decided from the derived closed forms: a SymPy "
          "sign proof where the factors' signs can be established, else dense random sampling "
          f"({SIGN_SAMPLES} uniform points for signs, general equilibria on random points and lines), "
          "with the sample size and a counterexample stated. Also available as "
          f"`inframarginal claims {model.name} --format json`.")
    counts = {v: sum(r.verdict == v for r in results) for v in ("holds", "fails", "holds-only-where")}
    doc.p(f"{counts['holds']} hold, {counts['fails']} fail, {counts['holds-only-where']} hold only where stated.")
    rows = [[r.claim.id, r.verdict, r.method, r.claim.text, r.evidence] for r in results]
    headers = ["id", "verdict", "method", "claim", "evidence"]
    doc.table(headers, rows)
    write_csv(out / "claims.csv", headers, rows)
    write_latex(out / "claims.tex", headers, rows, "Claims of the seed paper")
    (out / "claims.json").write_text(json.dumps([r.to_dict() for r in results], indent=2) + "\n", encoding="utf-8")
    return results


def _domain_section(doc: Document, model: Model, out: Path, bar) -> None:
    from inframarginal.report import table2 as t2
    from inframarginal.report.domain import DOMAIN_SAMPLES, domain_boxes, never_winning

    boxes = domain_boxes(model)
    bar.update(1)
    doc.h(1, "6. Domain notes")
    doc.p("The paper states alpha >= 1 (\"the efficiency coefficient of roundabout production\") and beta >= 1 "
          "for increasing returns with a cluster, yet every Table 1 entry with an intermediate good has "
          "exponents such as 1/(1 - alpha) or (1 - alpha)^(1 - alpha), defined only for alpha < 1. In the "
          "model itself, with alpha >= 1 a person who buys z faces non-decreasing returns in the bought "
          "input: her problem is unbounded and the corner equilibria of PA, CCB (and CCA when beta >= 1) "
          "do not exist (the engine reports them as non-existent, not as numbers).")
    rows = []
    for b in boxes:
        for s in b.wins:
            rows.append([b.label, s, f"{100 * b.exists[s]:.1f}%", str(b.wins[s]),
                         _g(b.closest[s]) if s in b.closest else ""])
    doc.table(["region", "structure", "corner equilibrium exists at", "general equilibrium at (points)",
               "best ratio u_S / u_GE where it never wins"], rows)
    never = never_winning(boxes)
    winners = [s for s in boxes[0].wins if s not in never]
    doc.p(f"Evidence: {DOMAIN_SAMPLES} uniform random points in each region over the whole 7-dimensional "
          "space (unbounded alpha capped at 3). Plainly: with utility x*y and these technologies, only "
          f"{' and '.join(winners)} can ever be the general equilibrium; {', '.join(never)} never are. "
          "The evidence is the sampling; a heuristic reading: labour is at most 1, so a self-provided z is below 1 and "
          "z^alpha < 1; roundabout production then lowers the output of x while costing the extra fixed "
          "cost b, and buying z adds a trading loss. The paper's story (autarky, then partial, then complete "
          "division of labour with and without a cluster) cannot occur in its own model.")
    variant_name = VARIANTS.get(model.name)
    if not variant_name:
        return
    variant = load_model(variant_name)
    doc.h(2, f"A clearly labelled extension: {variant_name}")
    doc.p("EXTENSION, NOT THE PAPER. The variant model file "
          f"src/inframarginal/models/{variant_name}.toml multiplies roundabout and cluster production of x by "
          "a productivity constant a (a = 1 is the paper): x = a z^alpha (l - F) and x = a z^beta (l - F). "
          "It is the smallest change that gives roundabout methods a productivity gain, as intermediate "
          "goods have in Yang (2001). Its defaults: "
          + ", ".join(f"{p.name}={_g(p.default)}" for p in variant.parameters) + ".")
    vboxes = domain_boxes(variant, DOMAIN_SAMPLES // 2)
    wins = {s: sum(b.wins[s] for b in vboxes) for s in vboxes[0].wins}
    doc.p("Under the variant, sampling the space (a in (0, 3)) finds every structure as a general equilibrium "
          "somewhere: " + ", ".join(f"{s}: {n} points" for s, n in wins.items()) + ".")
    path = t2.structure_path(variant, "K", 0.005, 1.0, {}, closed_forms=False)
    doc.img(save_figure(t2.plot_path(path), out, "variant-path-K"),
            f"Extension {variant_name}: general equilibrium along K at its defaults")
    doc.p("Along K: " + " -> ".join(t2.sequence(path.segments)) + "; switches " +
          "; ".join(f"{s.before} -> {s.after} at K = {s.value:.12g}" for s in path.switches) + ".")
    ds = t2.derived_phase(variant, "K", "t", t2.axis_values(variant, "K", (0.005, 1.0)),
                          t2.axis_values(variant, "t", (0.0, 0.995)))
    doc.img(save_figure(t2.plot_phase(ds, "K", "t"), out, "variant-phase-K-t"),
            f"Extension {variant_name}: general equilibrium over (K, t)")
    bar.update(1)


def write_report(model_name: str, out_dir: str | Path, progress: bool = True) -> Path:
    """Write the report of ``model_name`` (a built-in name or a model file) into ``out_dir``.

    Returns the path of ``report.html``.
    """
    model = load_model(model_name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    audit = has_printed_results(model.name)
    n_structures = len(studied_structures(model))
    from inframarginal.report.claims import paper_claims
    from inframarginal.report.table2 import DIAGRAMS, PATHS

    total = n_structures + len(DIAGRAMS) + (len(PATHS) if audit else 1)
    if audit:
        total += 1 + len(paper_claims(model)) + 1 + (1 if model.name in VARIANTS else 0)
    title = f"inframarginal report: {model.title}"
    doc = Document(title, [])
    doc.p(f"Generated by inframarginal {__version__} for model {model.name}. "
          + ("The seed paper's printed Tables 1 and 2 and its claims are audited against the model; "
             "nothing here is taken from the printed algebra except what is audited." if audit else
             "No printed results are transcribed for this model: the paper audit is not run."))
    with tqdm(total=total, desc=f"report {model.name}", unit="step", disable=not progress) as bar:
        _model_section(doc, model)
        _structures_section(doc, model, out, bar)
        if audit:
            _table1_section(doc, model, out, bar)
        seen = _diagram_sections(doc, model, out, bar, printed=audit)
        if audit:
            _table2_comparison(doc, model, out, seen)
            _claims_section(doc, model, out, bar)
            _domain_section(doc, model, out, bar)
    (out / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")
    return out / "report.html"


__all__ = ["write_report"]
