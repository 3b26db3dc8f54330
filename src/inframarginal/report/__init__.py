"""The report's generic building blocks: a model's sections, rendering, networks, settings.

The sections here (the model, its configurations and structures) make up the report of
any model; :mod:`inframarginal.audit` builds the seed paper's audit on them, and
:func:`inframarginal.reporting.write_report`, above both, chooses which a model gets.
:func:`~inframarginal.reporting.write_report` writes ``report.html`` (self-contained: MathML formulas, figures
referenced relatively), ``report.md`` (the same content, LaTeX formulas), the
figures as PNG and SVG under ``figures/`` and the tables as CSV and LaTeX.  Every
model gets the model, its configurations and structures with network diagrams and
phase diagrams; a model with a transcription of printed results in
``inframarginal/audit/transcriptions/<model>-table1.toml`` (the seed paper, ``li-ke-2020``) also
gets a one-page summary and contents first, Table 1 derived against printed (and
corrected, as a LaTeX table), Table 2 regenerated from both, the claims, the domain
notes, what SymPy proves, the general equilibrium among all structures and the total
cost-benefit check.  Sizes of grids and samples come from a
:class:`~inframarginal.report.settings.ReportSettings`.  Every derivation and diagram
is computed once (:class:`~inframarginal.report.context.ReportContext`); symbolic
results are kept in the disk cache.  The text is deterministic for the same version,
inputs and settings.

References
----------
Li Ke (2020). Restructuring Production Chain with Industrial Network and Cluster
after the COVID-19 Pandemic.
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*. Blackwell.
"""

from __future__ import annotations

from pathlib import Path

from inframarginal.configurations import configurations, studied_structures
from inframarginal.enumeration import count_structures
from inframarginal.model import Model
from inframarginal.report.figures import save_figure
from inframarginal.report.render import Document, Math, g
from inframarginal.report.settings import ReportSettings


def model_section(doc: Document, model: Model) -> None:
    doc.h(1, "1. The model")
    doc.p(f"{model.title} [{model.name}], read from {Path(str(model.source)).name}.")
    if model.description:
        doc.p(model.description)
    doc.table(["parameter", "default", "domain", "meaning"],
              [[p.name, g(p.default), str(p.domain), p.description] for p in model.parameters])
    if model.derived:
        doc.table(["derived parameter", "formula", "meaning"],
                  [[d.name, Math(d.formula), d.description] for d in model.derived])
    doc.table(["good", "utility weight", "trading efficiency", "meaning"],
              [[g_.name, str(g_.weight), Math(g_.trading_efficiency), getattr(g_, "description", "")]
               for g_ in model.goods])
    doc.table(["good", "technology", "output", "meaning"],
              [[t.good, t.name, Math(t.output), getattr(t, "description", "")] for t in model.technologies])
    doc.p("Every person has one unit of labour; utility is the Cobb-Douglas product of the consumed "
          "quantities with the weights above; a good bought arrives times its trading efficiency.")


def structures_section(doc: Document, model: Model, out: Path, bar) -> None:
    from inframarginal.report.networks import plot_network, plot_networks

    configs = configurations(model)
    structures = studied_structures(model)
    doc.h(1, "2. Configurations and structures (the lost Figure 1)")
    doc.p(f"Lemma 1 allows {len(configs)} configurations in this model (with one configuration per "
          f"technology choice of x); they combine into {count_structures(model):,} structures whose "
          f"trades close, of which the model file names {len(structures)}. Each diagram below is drawn "
          "from the enumeration: a node per kind of specialist (configuration), an arrow per traded good "
          "from the seller to the buyer, labelled with the good.")
    doc.p("Configurations: " + ", ".join(c.label for c in configs) + ".")
    doc.table(["structure", "configurations", "traded goods", "meaning"],
              [[s.name, " ".join(s.labels), ", ".join(s.traded_goods) or "none", s.description]
               for s in structures])
    path = save_figure(plot_networks(list(structures)), out, "networks")
    doc.img(path, "The named structures as networks of division of labour: " + ", ".join(s.name for s in structures))
    for s in structures:  # each network also on its own, as SVG, for reuse elsewhere
        save_figure(plot_network(s), out, f"network-{s.name}", formats=("svg",))
    bar.update(1)


__all__ = ["ReportSettings", "model_section", "structures_section"]
