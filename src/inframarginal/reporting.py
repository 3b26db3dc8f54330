"""The report's entry point: a model's report, with the seed paper's audit where it applies.

:func:`write_report` writes ``report.html`` (self-contained: MathML formulas, figures
referenced relatively), ``report.md`` (the same content, LaTeX formulas), the
figures as PNG and SVG under ``figures/`` and the tables as CSV and LaTeX.  Every
model gets the model, its configurations and structures with network diagrams and
phase diagrams (the generic sections of :mod:`inframarginal.report`); a model with a
transcription of printed results in ``inframarginal/audit/transcriptions/<model>-table1.toml``
(the seed paper, ``li-ke-2020``) also gets the audit (:mod:`inframarginal.audit`): a
one-page summary and contents first, Table 1 derived against printed, Table 2
regenerated from both, the claims, the domain notes, what SymPy proves, the general
equilibrium among all structures and the total cost-benefit check.  This module sits
above both packages: the generic report never imports the audit.  Sizes of grids and
samples come from a :class:`~inframarginal.report.settings.ReportSettings`.  The text
is deterministic for the same version, inputs and settings.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from inframarginal.audit.printed import has_printed_results
from inframarginal.model import Model
from inframarginal.modelfile import load_model
from inframarginal.report import model_section, structures_section
from inframarginal.report.context import ReportContext
from inframarginal.report.elasticities import elasticities_section
from inframarginal.report.figures import save_figure
from inframarginal.report.render import Document, g, to_html, to_markdown, write_csv
from inframarginal.report.settings import DEFAULT_SETTINGS, ReportSettings
from inframarginal.version import __version__

__all__ = ["write_report"]


def _diagram_sections(doc: Document, ctx: ReportContext, out: Path, bar, printed: bool) -> dict:
    from inframarginal.audit import table2 as t2

    model, settings = ctx.model, ctx.settings
    names = {p.name for p in model.parameters}
    diagrams = [d for d in t2.DIAGRAMS if d[0] in names and d[1] in names]
    if not diagrams:
        ps = [p.name for p in model.parameters]
        diagrams = [(ps[i], ps[i + 1], (-math.inf, math.inf), (-math.inf, math.inf))
                    for i in range(0, min(len(ps) - 1, 4), 2)]
    defaults = model.check_parameters()
    fixed_text = ", ".join(f"{p.name}={g(defaults[p.name])}" for p in model.parameters)
    doc.h(1, "4. Table 2, regenerated" if printed else "3. Phase diagrams")
    doc.p(f"General-equilibrium structure over pairs of parameters on {settings.grid} x {settings.grid} grids; "
          f"the other parameters at the model's defaults ({fixed_text}). Derived: the engine's corner equilibria "
          "(existence checked) and the highest per-capita real income. Every figure gives a structure the same "
          "colour."
          + (" Printed: the structure with the highest printed per-capita real income among those whose "
             "printed formula is a finite real number (the printed formulas state no existence conditions)."
             if printed else ""))
    seen: dict[str, set[str]] = {"derived": set(), "printed": set()}
    for x, y, xr, yr in diagrams:
        bar.set_postfix_str(f"phase diagram ({x}, {y})")
        xs, ys = t2.axis_values(model, x, xr, settings.grid), t2.axis_values(model, y, yr, settings.grid)
        ds = t2.derived_phase(model, x, y, xs, ys)
        found = sorted(set(map(str, np.unique(ds["general_equilibrium"].values))) - {""})
        seen["derived"].update(found)
        # phase maps are raster images: PNG only (an SVG would only wrap the same raster)
        doc.img(save_figure(t2.plot_phase(ds, x, y), out, f"phase-{x}-{y}-derived", formats=("png",)),
                f"Derived general equilibrium over ({x}, {y}): {', '.join(found) or 'none'}")
        doc.p(f"Over all structures of the model: {_certify_phase(model, ds, defaults)}.")
        if printed:
            pds = t2.printed_phase(model, x, y, xs, ys)
            pfound = sorted(set(map(str, np.unique(pds["general_equilibrium"].values))) - {""})
            seen["printed"].update(pfound)
            doc.img(save_figure(t2.plot_phase(pds, x, y), out, f"phase-{x}-{y}-printed", formats=("png",)),
                    f"Printed formulas' general equilibrium over ({x}, {y}): {', '.join(pfound) or 'none'}")
        bar.update(1)
    first = "K" if "K" in names else model.parameters[0].name
    p0 = model.parameter(first)
    lo = p0.domain.lower + (0 if p0.domain.lower_closed else 0.005)
    hi = p0.domain.upper if math.isfinite(p0.domain.upper) else p0.domain.lower + 3
    paths = t2.PATHS[: settings.paths] if printed else ({},)
    doc.h(2, f"Paths in {first} with exact switch points")
    rows = []
    for i, fixed in enumerate(paths):
        bar.set_postfix_str(f"path in {first} ({i + 1} of {len(paths)})")
        fixed = {k: v for k, v in fixed.items() if k in names}
        path = t2.structure_path(model, first, lo, hi, fixed, closed_forms=False)
        seq = t2.sequence(path.segments)
        seen["derived"].update(s for s in seq if s != "(none)")
        label = ", ".join(f"{k}={v:g}" for k, v in fixed.items()) or "defaults"
        doc.img(save_figure(t2.plot_path(path), out, f"path-{first}-{i}-derived"),
                f"Derived path in {first} ({label})")
        if path.certification:
            doc.p(f"Over all structures of the model: {path.certification}.")
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
    ctx.results["seen"] = seen
    return seen


def _certify_phase(model: Model, ds, defaults: dict[str, float]) -> str:
    """The phase diagram's listed GE certified against all structures at a few points per region."""
    from inframarginal.search import certify_sample, sweep_sample

    ge = ds["general_equilibrium"]
    labels, codes = np.unique(ge.values.astype(str), return_inverse=True)
    codes = codes.reshape(ge.shape)
    picks = [i for i in sweep_sample(codes) if labels[codes[i]] != ""]
    base = {p.name: defaults[p.name] for p in model.parameters}
    points = [base | {d: float(ds[d].values[j]) for d, j in zip(ge.dims, i, strict=True)} for i in picks]
    return certify_sample(model, points, [str(labels[codes[i]]) for i in picks])


def _steps(model: Model, audit: bool, settings: ReportSettings) -> int:
    from inframarginal.audit import table2 as t2

    names = {p.name for p in model.parameters}
    diagrams = sum(1 for d in t2.DIAGRAMS if d[0] in names and d[1] in names) or min(2, len(names) // 2)
    total = 1 + diagrams + (settings.paths if audit else 1)
    if audit:
        from inframarginal.audit.claims import paper_claims

        total += 1 + len(paper_claims(model)) + 1 + 3
    return total


def write_report(model_name: str, out_dir: str | Path, progress: bool = True,
                 settings: ReportSettings = DEFAULT_SETTINGS) -> Path:
    """Write the report of ``model_name`` (a built-in name or a model file) into ``out_dir``.

    Parameters
    ----------
    model_name : str
    out_dir : str or Path
    progress : bool
        Show a progress bar naming each step.
    settings : ReportSettings
        Sizes of the grids and samples (``ReportSettings.small()`` for a quick report).

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    from inframarginal.audit import sections as A

    model = load_model(model_name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    audit = has_printed_results(model.name)
    ctx = ReportContext(model, settings)
    doc = Document(f"inframarginal report: {model.title}", [])
    doc.p(f"Generated by inframarginal {__version__} for model {model.name}. "
          + ("The seed paper's printed Tables 1 and 2 and its claims are audited against the model; "
             "nothing here is taken from the printed algebra except what is audited." if audit else
             "No printed results are transcribed for this model: the paper audit is not run."))
    summary_at = len(doc.blocks)
    if not audit:
        doc.h(1, "Contents")
        doc.contents()
    with tqdm(total=_steps(model, audit, settings), desc=f"report {model.name}", unit="step",
              disable=not progress) as bar:

        def step(name: str) -> None:
            bar.set_postfix_str(name)

        step("the model and its structures")
        model_section(doc, model)
        structures_section(doc, model, out, bar)
        if audit:
            step("Table 1: derived against printed")
            A.table1_section(doc, ctx, out)
            bar.update(1)
        seen = _diagram_sections(doc, ctx, out, bar, printed=audit)
        if audit:
            A.table2_comparison(doc, ctx, out, seen)
            step("claims")
            A.claims_section(doc, ctx, out, bar)
            step("SymPy proofs")
            tail = Document("", [])
            A.proofs_section(tail, ctx)
            bar.update(1)
            step("domain notes")
            A.domain_section(doc, ctx, out)
            bar.update(1)
            step("all structures")
            A.all_structures_section(tail, ctx)
            bar.update(1)
            step("total cost-benefit check")
            A.cost_benefit_section(tail, ctx)
            bar.update(1)
            doc.blocks.extend(tail.blocks)
            doc.blocks[summary_at:summary_at] = A.summary(ctx).blocks
    elasticities_section(doc, ctx, out)  # marginal comparative statics, every model
    (out / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    (out / "report.html").write_text(to_html(doc), encoding="utf-8")
    return out / "report.html"
