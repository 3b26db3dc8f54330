"""The seed paper's audit as sections of the report: Table 1, proofs, equilibria, the summary.

Each function adds one section to a :class:`~inframarginal.report.render.Document`
from a :class:`~inframarginal.report.context.ReportContext`, storing what later
sections (and the summary, written last and placed first) need in ``ctx.results``.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from inframarginal.configurations import find_structure, studied_structures
from inframarginal.report.context import ReportContext
from inframarginal.report.notation import in_paper_symbols, paper_form
from inframarginal.report.render import Document, Math, g, write_csv, write_latex

TABLE1_COLUMNS = ["structure", "quantity", "derived", "printed", "verdict", "point", "derived_value",
                  "printed_value", "kind_of_mistake"]

#: The clearly labelled extension shown beside the seed model in the domain notes.
VARIANTS = {"li-ke-2020": "li-ke-2020-roundabout-productivity"}

#: Where the paper claims complete division of labour (its Table 2: K large): the settings of
#: the paths in K at K = 1.
CLAIMED_K = 1.0


def _percent(gain: float) -> str:
    return f"{100 * gain:.1f}% more"


def pt(point: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in point.items())


# -- Table 1 -------------------------------------------------------------------------------------


def table1_section(doc: Document, ctx: ReportContext, out: Path) -> list:
    from inframarginal.audit.latex import write_table1
    from inframarginal.audit.table1 import TOLERANCE, audit_table1

    model = ctx.model
    rows = audit_table1(model, ctx.settings.table1_samples)
    ctx.results["table1"] = rows
    doc.h(1, "3. Table 1, derived against printed")
    agree = sum(r.verdict == "agrees" for r in rows)
    doc.p(f"Each printed entry of Table 1 (transcribed in inframarginal/audit/transcriptions/{model.name}-table1.toml) "
          "next to the closed form derived from the model file (GP dual of each configuration, utility "
          "equalization, market clearing), both written in the paper's notation: k = (1 - t) K and "
          "beta = alpha + e - theta. Both are evaluated at the model's default point and at "
          f"{ctx.settings.table1_samples} random admissible points where the derived corner equilibrium "
          f"exists; an entry agrees when they coincide to a relative {TOLERANCE:g} at every point. "
          f"{agree} of {len(rows)} entries agree.")
    doc.p("Prices are relative to the last traded good (the paper's numeraire); M_g is the number of "
          "people selling good g. Where an entry differs, the last column gives the exact relation between "
          "printed and derived, simplified to one product of powers: printed / derived, or printed * derived "
          "where the printed price is inverted (then printed = relation / derived). It says what the printed "
          "algebra got wrong.")
    table = []
    defaults = {p.name: float(p.default) for p in model.parameters}
    for r in rows:
        derived = Math(ctx.paper(r.structure).get(r.quantity)) if r.derived is not None else "(none)"
        printed = Math(paper_form(model, ctx.cached_expression(
            "report-printed-in-k", sp.srepr(r.printed), lambda r=r: in_paper_symbols(model, r.printed))))
        what: list = []
        if r.verdict != "agrees":
            where = "at the default point" if r.point == defaults else f"at {pt(r.point)}"
            what = [f"{r.kind.replace('**', '^')}. "]
            if r.ratio is not None:
                what += [f"Exactly: {r.relation} = ", Math(paper_form(model, r.ratio)), ". "]
            what.append(f"{where[0].upper()}{where[1:]}: derived {g(r.derived_value)}, printed {g(r.printed_value)}.")
        table.append([r.structure, r.quantity, derived, printed, r.verdict, what or ""])
    headers = ["structure", "quantity", "derived", "printed (our reading)", "verdict", "what differs"]
    doc.table(headers, table)
    write_csv(out / "table1.csv", TABLE1_COLUMNS, [
        [r.structure, r.quantity, "" if r.derived is None else str(r.derived), r.entry.text, r.verdict,
         " ".join(f"{k}={v!r}" for k, v in r.point.items()), repr(r.derived_value), repr(r.printed_value), r.kind]
        for r in rows])
    differs = {(r.structure, r.quantity) for r in rows if r.verdict != "agrees"}
    write_table1(out / "table1.tex",
                 [(s.name, s.description, ctx.paper(s.name)) for s in studied_structures(model)], differs,
                 "Table 1 of Li Ke (2020), corrected: relative prices, per-capita real incomes and relative "
                 "numbers of specialists derived from the model",
                 "k = (1 - t) K, beta = alpha + e - theta. Prices relative to the last traded good; M_g: number "
                 "of sellers of good g. A dagger marks an entry where the printed formula differs.")
    write_latex(out / "table1-audit.tex", headers[:5], [row[:5] for row in table],
                "Table 1 of the seed paper, derived against printed")
    doc.p("The corrected Table 1 as a LaTeX table laid out like the paper's (table1.tex, needs amsmath and "
          "graphicx); the entry-by-entry audit as a longtable in table1-audit.tex; both in CSV in table1.csv.")
    inverted = [r for r in rows if r.relation == "printed * derived" and r.ratio is not None]
    if inverted:
        parts = []
        for r in inverted:
            parts += [f"{r.structure} {r.quantity}: printed * derived = ", Math(paper_form(model, r.ratio)), "; "]
        doc.p("Why the printed prices of the complete division of labour are wrong: each is, exactly, the reciprocal "
              "of the derived price times a power of the trading efficiency alone (", *parts[:-1],
              "). So the printed entry is p_z/p_x, not p_x/p_z, and its exponent of the trading efficiency k is off "
              "as well (by the power shown). The printed incomes of the same structures carry 1 - F and the bracket "
              "in alpha on the wrong side of the fraction, as an inverted price would put them.")
    ctx.results["inverted"] = inverted
    readings = [f"{r.structure} {r.quantity}: {r.entry.reading}" for r in rows if r.entry.reading]
    if readings:
        doc.p("Readings of garbled entries (the printed text is kept in the CSV and the data file):")
        doc.bullets(readings)
    return rows


# -- proofs --------------------------------------------------------------------------------------


def _intervals(ctx: ReportContext) -> dict:
    from inframarginal.audit.proofs import model_intervals

    region = {}
    names = {p.name for p in ctx.model.parameters} | {d.name for d in ctx.model.derived}
    if "alpha" in names:
        region["alpha"] = (0, 1)  # where the roundabout corner equilibria exist (exponents 1/(1 - alpha))
    if "beta" in names:
        region["beta"] = (0, 1)
    if "k" in names:
        region["k"] = (0, 1)
    return model_intervals(ctx.model, region)


def proofs_section(doc: Document, ctx: ReportContext) -> None:
    """Orderings proved with SymPy; the switch point k* as a formula; monotone relative numbers."""
    from inframarginal.audit import proofs as P

    names = set(ctx.names)
    doc.h(1, "7. What SymPy proves")
    doc.p("Orderings and signs established from the derived closed forms by SymPy, each step checked "
          "(see inframarginal.audit.proofs). Where no proof is found the report says so and keeps "
          "the sampled evidence (domain notes, claims).")
    intervals = _intervals(ctx)

    def run() -> list[dict]:
        found: list[P.Proof] = []
        if {"A", "B"} <= names:
            found.append(P.autarky_with_intermediate_below_autarky(ctx.model, ctx.income("A"), ctx.income("B")))
        if "PC" in names:
            for s in ("CCA", "CCB", "PA", "PB"):
                if s in names and ctx.income(s) is not None:
                    found.append(P.ratio_below_one(ctx.model, ctx.income(s), ctx.income("PC"), intervals, (s, "PC")))
        return [_proof_to_json(p) for p in found]

    proved = [_proof_from_json(ctx, d) for d in ctx.cached("report-proofs", "orderings", run)]
    rows = []
    for proof in proved:
        rows.append([proof.statement, "proved (SymPy)" if proof.proved else "no proof found: sampling only",
                     Math(proof.formula) if proof.formula is not None else "",
                     "; ".join(proof.steps) if proof.proved else "see the domain notes' sampling"])
    ctx.results["proofs"] = proved
    if rows:
        doc.table(["statement", "status", "ratio", "steps"], rows)
        doc.p("The ratios to PC hold on alpha in (0, 1) and beta in (0, 1), k in (0, 1], where the "
              "corresponding corner equilibria exist (their formulas contain (1 - alpha)^(1 - alpha), "
              "defined only there). A ratio below 1 everywhere means the structure is never the general "
              "equilibrium: PC gives more.")
    # the switch point
    k = ctx.symbol("k")
    if {"A", "PC"} <= names and k is not None:
        kstar = ctx.cached_expression("report-proofs", "switch A PC k",
                                      lambda: P.switch_point(ctx.model, ctx.income("A"), ctx.income("PC"), k))
        kstar = paper_form(ctx.model, kstar) if kstar is not None else None
        ctx.results["kstar"] = kstar
        if kstar is not None:
            doc.h(2, "The switch point k*")
            doc.p("Autarky A gives way to the partial division of labour PC where u_A = u_PC, i.e. at")
            doc.math(sp.Eq(sp.Symbol("k^*"), kstar, evaluate=False))
            doc.p("(solved by SymPy from the derived incomes; in K: K* = k* / (1 - t)). At the model's defaults "
                  f"k* = {g(_at_defaults(ctx, kstar))}, K* = {g(_at_defaults(ctx, kstar / (1 - _t(ctx))))}. "
                  "u_PC / u_A rises with k (u_PC is proportional to k, u_A does not depend on it), so the general "
                  "equilibrium is A below k* and PC above, as long as no third structure beats both.")
    # monotone relative numbers
    doc.h(2, "Relative numbers of specialists")
    mrows = []
    for s in ctx.names:
        for q, expr in ctx.forms(s).items():
            if not q.startswith("M") or expr.is_number:
                continue
            signs = []
            symbols = sorted(expr.free_symbols, key=lambda x: x.name)
            proved_signs = ctx.cached("report-proofs", f"monotone {s} {q}",
                                      lambda expr=expr, symbols=symbols: [P.monotone(ctx.model, expr, x, intervals)
                                                                          for x in symbols])
            for sym, sign in zip(symbols, proved_signs, strict=True):
                signs.append(f"{'falls' if sign < 0 else 'rises' if sign > 0 else 'not monotone on the whole region (no proof)'}"
                             f" in {sym.name}")
            mrows.append([s, q, Math(ctx.paper(s)[q]), "; ".join(signs)])
    if mrows:
        doc.table(["structure", "quantity", "formula", "proved monotonicity (sign of d log M / d p)"], mrows)
        doc.p("With sqrt(k) cancelled, the complete division of labour's relative numbers are (1 - beta) / "
              "(beta sqrt(k)) and 1 / (beta sqrt(k)) (alpha for CCB): the better trading efficiency, the fewer "
              "x and y specialists per z specialist.")


def _proof_to_json(proof) -> dict:
    from inframarginal.serialization import UnsupportedExpression, expression_to_json

    try:
        formula = expression_to_json(proof.formula) if proof.formula is not None else None
    except UnsupportedExpression:
        formula = None
    return {"statement": proof.statement, "proved": proof.proved, "steps": list(proof.steps), "formula": formula}


def _proof_from_json(ctx: ReportContext, data: dict):
    from inframarginal.audit.proofs import Proof
    from inframarginal.serialization import expression_from_json

    formula = data.get("formula")
    formula = paper_form(ctx.model, expression_from_json(formula)) if formula is not None else None
    return Proof(str(data["statement"]), bool(data["proved"]), tuple(str(x) for x in data["steps"]), formula)


def _t(ctx: ReportContext) -> sp.Expr:
    t = ctx.symbol("t")
    return t if t is not None else sp.Integer(0)


def _at_defaults(ctx: ReportContext, expr: sp.Expr) -> float:
    from inframarginal.report.notation import default_values

    return float(sp.N(sp.sympify(expr).xreplace(default_values(ctx.model))))


# -- all structures ------------------------------------------------------------------------------


def _paper_points(ctx: ReportContext) -> list[tuple[str, dict[str, float]]]:
    from inframarginal.audit.table2 import PATHS

    names = {p.name for p in ctx.model.parameters}
    points = [("model defaults", {})]
    for i, fixed in enumerate(PATHS[: ctx.settings.paths]):
        fixed = {k: v for k, v in fixed.items() if k in names}
        if "K" in names:
            points.append((f"path setting {i + 1} at K = {CLAIMED_K:g}", dict(fixed, K=CLAIMED_K)))
    return points


def all_structures_section(doc: Document, ctx: ReportContext) -> None:
    from inframarginal.report.equilibria import all_structures

    model = ctx.model
    results = all_structures(model, _paper_points(ctx))
    ctx.results["all_structures"] = results
    n = results[0].solved if results else 0
    doc.h(1, "8. The general equilibrium among all structures")
    doc.p(f"The model allows {n} structures (inframarginal.configurations.enumerate_structures), of which the "
          f"paper names {len(ctx.names)}. Each is solved with inframarginal.equilibrium.corner_equilibrium "
          "(numeric method) at the points below; the general equilibrium is the structure with the highest "
          "per-capita real income among those whose corner equilibrium exists (inframarginal.equilibrium."
          "general_equilibrium_at). Unlisted structures are named by their configurations.")
    rows = []
    for r in results:
        best, listed = r.best, r.best_listed
        beat = r.beating_listed()
        rows.append([r.label, pt(r.point), f"{best.name} ({g(best.income)})" if best else "(none)",
                     f"{listed.name} ({g(listed.income)})" if listed else "(none)",
                     "; ".join(f"{b.name} ({g(b.income)})" for b in beat[:3]) or "none",
                     str(len(r.ranking))])
    doc.table(["point", "parameters", "general equilibrium (all structures)", "best named structure",
               "unlisted structures beating it", "structures that exist"], rows)
    any_beat = [r for r in results if r.beating_listed()]
    if any_beat:
        doc.p("An unlisted structure beats every named one at " + ", ".join(r.label for r in any_beat) + ".")
    else:
        doc.p("At every point above the general equilibrium among all structures is one of the named structures: "
              "the paper's list is not what goes wrong. The runners-up among the unlisted structures:")
        runners = []
        for r in results[:1]:
            runners = [x for x in r.ranking if not x.listed][:3]
        doc.bullets([f"{x.name}: {g(x.income)}" for x in runners] or ["none exist"])


# -- total cost-benefit --------------------------------------------------------------------------


def cost_benefit_section(doc: Document, ctx: ReportContext) -> None:
    from inframarginal.audit.printed import load_printed
    from inframarginal.report.equilibria import cost_benefit

    model = ctx.model
    claimed = []
    for c in load_printed(model).table2:
        if c.structure not in claimed and c.structure in ctx.names:
            claimed.append(c.structure)
    doc.h(1, "9. Total cost-benefit check")
    doc.p("Yang's total cost-benefit check: at a structure's corner-equilibrium prices, could anyone do better "
          "by choosing another configuration (among those whose goods are all traded there)? A general "
          "equilibrium must pass it. It is run at the general equilibrium of each point and at every structure "
          "the paper's Table 2 claims as an equilibrium (" + ", ".join(claimed) + "), where that structure's "
          "corner equilibrium exists. Gain: the switcher's utility over the structure's per-capita real income, "
          "minus 1.")
    rows, checks = [], []
    ge_of = {r.label: r.best_listed.name for r in ctx.results.get("all_structures", []) if r.best_listed}
    for label, point in _paper_points(ctx):
        ge = ge_of.get(label)
        for s in dict.fromkeys(([ge] if ge else []) + claimed):
            cb = cost_benefit(model, find_structure(model, s), point, label)
            if not cb.exists:
                continue
            checks.append(cb)
            who = "; ".join(f"{w.configuration}: {g(w.utility)} (+{100 * w.gain:.1f}%)" for w in cb.switchers[:3])
            rows.append([label, s + (" (GE)" if s == ge else ""), g(cb.income),
                         "passes" if cb.passed else "fails", who or "nobody", str(cb.checked)])
    ctx.results["cost_benefit"] = checks
    doc.table(["point", "structure", "per-capita real income", "check", "who would switch (utility, gain)",
               "configurations checked"], rows)
    cc = [c for c in checks if c.structure in ("CCA", "CCB") and not c.passed]
    if cc:
        c = cc[0]
        w = c.switchers[0]
        doc.p(f"At {c.structure}'s prices ({c.label}), a person choosing {w.configuration} earns {g(w.utility)} "
              f"against {c.structure}'s {g(c.income)}: {_percent(w.gain)}. The paper's claimed complete "
              "division of labour is not an equilibrium: its people would leave it.")


# -- the summary ---------------------------------------------------------------------------------


def summary(ctx: ReportContext) -> Document:
    """The one-page summary, from the results the sections stored (placed first in the report)."""
    from inframarginal.audit.printed import load_printed

    model = ctx.model
    doc = Document("", [])
    doc.box("summary", True)
    doc.h(1, "Summary")
    printed = load_printed(model)
    order = " -> ".join(dict.fromkeys(c.structure for c in printed.table2))
    doc.p("What the paper claims. As trading efficiency K rises the general equilibrium moves from autarky "
          f"through partial to complete division of labour, with and without an industrial cluster (Table 2: {order}); "
          "Propositions 1-2 and Scenarios 1-4 sign the effects of K, t, alpha, b, F, e and theta. Table 1 gives each "
          "structure's prices, incomes and relative numbers.")
    winners = ctx.results.get("winners", [])
    never = ctx.results.get("never", [])
    kstar = ctx.results.get("kstar")
    doc.p("What the model gives. Under the model as stated (utility x y, x = z^alpha (l - F) with roundabout "
          f"production), only {' and '.join(winners) or '(none)'} are ever the general equilibrium; "
          f"{', '.join(never) or 'none'} never are. The switch from A to PC is at")
    if kstar is not None:
        doc.math(sp.Eq(sp.Symbol("k^*"), kstar, evaluate=False))
        doc.p(f"with k = (1 - t) K (at the defaults k* = {g(_at_defaults(ctx, kstar))}): A below, PC above.")
    rows = ctx.results.get("table1", [])
    claims = ctx.results.get("claims", [])
    counts = {v: sum(r.verdict == v for r in claims) for v in ("holds", "fails", "holds-only-where")}
    cbs = ctx.results.get("cost_benefit", [])
    cc_fail = [c for c in cbs if c.structure in ("CCA", "CCB") and not c.passed]
    allr = ctx.results.get("all_structures", [])
    beat = [r for r in allr if r.beating_listed()]
    seen = ctx.results.get("seen", {"derived": set()})
    missing = sorted({c.structure for c in printed.table2} - seen["derived"])
    verdicts = [
        ["Table 1 (printed formulas)", f"{sum(r.verdict == 'agrees' for r in rows)} of {len(rows)} entries agree "
         "with the derivation", "section 3"],
        ["Table 2 (ordering)", "not reproduced: " + (", ".join(missing) or "none") + " never the general "
         "equilibrium on the diagrams", "section 4"],
        ["Claims (Propositions 1-2, Scenarios 1-4)", f"{counts['holds']} hold, {counts['fails']} fail, "
         f"{counts['holds-only-where']} hold only where stated", "section 5"],
        ["Orderings", "; ".join(f"{p.statement.split(' wherever')[0]}: {'proved' if p.proved else 'sampled only'}"
                                 for p in ctx.results.get("proofs", [])), "section 7"],
        ["Unlisted structures", f"beat the named ones at {len(beat)} of {len(allr)} points" if allr else "not checked",
         "section 8"],
        ["Total cost-benefit at CCA/CCB", ("fails: " + (f"{cc_fail[0].switchers[0].configuration} earns "
                                                         f"{_percent(cc_fail[0].switchers[0].gain)} at "
                                                         f"{cc_fail[0].structure}'s prices ({cc_fail[0].label})")
                                            if cc_fail else "passes") if cbs else "not checked",
         "section 9"],
    ]
    doc.table(["what", "verdict", "where"], verdicts)
    exists = ctx.results.get("exists_high", {})
    not_exist = [s for s, share in exists.items() if share == 0]
    doc.p("Three things went wrong, and why:")
    differ = [r for r in rows if r.verdict != "agrees"]
    doc.bullets([
        "The domain. The paper states alpha >= 1, yet its Table 1 exponents such as 1/(1 - alpha) need alpha < 1; "
        "in the model with alpha >= 1 buying z gives non-decreasing returns, a buyer's problem is unbounded and "
        + (", ".join(not_exist) if not_exist else "the roundabout structures") + " have no corner equilibrium there "
        "(domain notes).",
        "Roundabout production cannot pay in this model. Labour is at most 1, so a self-provided z is below 1 and "
        "z^alpha < 1: it lowers x's output while costing the fixed cost b, and buying z adds a trading loss. SymPy "
        "proves u_B < u_A and u_CCA, u_CCB < u_PC (section 7); PA and PB are below A or PC at every sampled point. "
        "The paper's story (autarky, partial, complete division of labour with a cluster) cannot occur in its own "
        "model.",
        f"The printed algebra. {len(differ)} of {len(rows)} Table 1 entries differ from the derivation (wrong "
        "exponents, factors on the wrong side such as 1 - F in the CC incomes, missing factors); the printed incomes "
        "then order the structures differently again, and the claimed equilibria were never put to the total "
        "cost-benefit check" + (f": at {cc_fail[0].structure}'s prices ({cc_fail[0].label}) a "
                                f"{cc_fail[0].switchers[0].configuration} person earns "
                                f"{_percent(cc_fail[0].switchers[0].gain)}" if cc_fail else "") + ".",
    ])
    doc.box("summary", False)
    doc.h(1, "Contents")
    doc.contents()
    return doc


# -- domain notes ---------------------------------------------------------------------------------


def domain_section(doc: Document, ctx: ReportContext, out: Path) -> None:
    from inframarginal.audit import table2 as t2
    from inframarginal.audit.domain import domain_boxes, never_winning
    from inframarginal.report.figures import save_figure

    model = ctx.model
    n = ctx.settings.domain_samples
    boxes = domain_boxes(model, n)
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
                         g(b.closest[s]) if s in b.closest else ""])
    doc.table(["region", "structure", "corner equilibrium exists at", "general equilibrium at (points)",
               "best ratio u_S / u_GE where it never wins"], rows)
    never = never_winning(boxes)
    winners = [s for s in boxes[0].wins if s not in never]
    ctx.results["winners"], ctx.results["never"] = winners, never
    if len(boxes) > 1:
        ctx.results["exists_high"] = boxes[1].exists
    proofs = ctx.results.get("proofs", [])
    proved = [p.statement.split(" wherever")[0] for p in proofs if p.proved]
    unproved = [p.statement for p in proofs if not p.proved]
    doc.p(f"Evidence: {n} uniform random points in each region over the whole {len(model.parameters)}-dimensional "
          f"space (unbounded alpha capped at 3). Plainly: only {' and '.join(winners)} can ever be the general "
          f"equilibrium; {', '.join(never)} never are. "
          + (f"Proved by SymPy (section 7): {'; '.join(proved)}. " if proved else "")
          + (f"No proof found for {'; '.join(unproved)}: for these the sampling above is the evidence. "
             if unproved else "")
          + "Why: labour is at most 1, so a self-provided z is below 1 and z^alpha < 1; roundabout production "
          "then lowers the output of x while costing the extra fixed cost b, and buying z adds a trading loss.")
    variant_name = VARIANTS.get(model.name)
    if not variant_name:
        return
    from inframarginal.modelfile import load_model

    variant = load_model(variant_name)
    doc.h(2, f"A clearly labelled extension: {variant_name}")
    doc.p("EXTENSION, NOT THE PAPER. The variant model file "
          f"src/inframarginal/models/{variant_name}.toml multiplies roundabout and cluster production of x by "
          "a productivity constant a (a = 1 is the paper): x = a z^alpha (l - F) and x = a z^beta (l - F). "
          "It is the smallest change that gives roundabout methods a productivity gain, as intermediate "
          "goods have in Yang (2001). Its defaults: "
          + ", ".join(f"{p.name}={g(p.default)}" for p in variant.parameters) + ".")
    vboxes = domain_boxes(variant, max(n // 2, 1))
    wins = {s: sum(b.wins[s] for b in vboxes) for s in vboxes[0].wins}
    doc.p("Under the variant, sampling the space (a in (0, 3)) finds as general equilibria: "
          + ", ".join(f"{s}: {k} points" for s, k in wins.items()) + ".")
    path = t2.structure_path(variant, "K", 0.005, 1.0, {}, closed_forms=False)
    doc.img(save_figure(t2.plot_path(path), out, "variant-path-K"),
            f"Extension {variant_name}: general equilibrium along K at its defaults")
    doc.p("Along K: " + " -> ".join(t2.sequence(path.segments)) + "; switches " +
          "; ".join(f"{s.before} -> {s.after} at K = {s.value:.12g}" for s in path.switches) + ".")
    ds = t2.derived_phase(variant, "K", "t", t2.axis_values(variant, "K", (0.005, 1.0), ctx.settings.grid),
                          t2.axis_values(variant, "t", (0.0, 0.995), ctx.settings.grid))
    doc.img(save_figure(t2.plot_phase(ds, "K", "t"), out, "variant-phase-K-t", formats=("png",)),
            f"Extension {variant_name}: general equilibrium over (K, t)")


# -- claims ---------------------------------------------------------------------------------------


def claims_section(doc: Document, ctx: ReportContext, out: Path, bar) -> list:
    import json

    from inframarginal.audit.claims import evaluate_claims, paper_claims

    model = ctx.model
    s = ctx.settings
    results = evaluate_claims(model, paper_claims(model), progress=bar, settings=s)
    ctx.results["claims"] = results
    doc.h(1, "5. Claims")
    doc.p("Every claim of Proposition 1 (i-v), Proposition 2 (its six items, printed as i, ii, iii, vi, vi, "
          "vii) and the derivative signs of Scenarios 1-4, decided from the derived closed forms: a SymPy "
          "sign proof where the factors' signs can be established, else dense random sampling "
          f"({s.sign_samples} uniform points for signs, {s.appear_samples} for general equilibria, {s.lines} random "
          f"lines of {s.steps} points for monotonicity), with the sample size and a counterexample stated; a "
          "sampled verdict is evidence, not a proof, and says so in its method. Also available as "
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


def table2_comparison(doc: Document, ctx: ReportContext, out: Path, seen: dict) -> None:
    from inframarginal.audit.printed import load_printed

    printed = load_printed(ctx.model)
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


__all__ = ["TABLE1_COLUMNS", "all_structures_section", "claims_section", "cost_benefit_section", "domain_section",
           "proofs_section", "summary", "table1_section", "table2_comparison"]
