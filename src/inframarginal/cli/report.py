"""``inframarginal report`` and ``inframarginal claims``."""

from __future__ import annotations

import json

import click

from inframarginal.errors import InframarginalError


def register(group: click.Group) -> None:
    """Add the report commands to ``group``."""

    @group.command("report")
    @click.argument("model")
    @click.option("--out", "out_dir", type=click.Path(file_okay=False), default="report", show_default=True,
                  help="Folder to write report.html, report.md, figures/ and the tables into.")
    @click.option("--quiet", is_flag=True, help="No progress bar.")
    @click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
                  help="Grid and sample sizes: the full report, or small ones for a quick look.")
    def report_command(model: str, out_dir: str, quiet: bool, size: str) -> None:
        """Write the report of MODEL: a built-in model name, a model file, or `beach`.

        For `li-ke-2020` (the seed paper) the report also audits the printed Table 1, regenerates
        Table 2 from the model and from the printed formulas, decides every claim and adds domain
        notes. `beach` writes the location-game report of the second seed.
        """
        if model == "beach":
            from inframarginal.location.report import write_beach_report

            for path in write_beach_report(out_dir):
                click.echo(f"wrote {path}")
            return
        from inframarginal.heterogeneous.spec import TypedModel
        from inframarginal.modelfile import load_model
        from inframarginal.report.settings import ReportSettings
        from inframarginal.reporting import write_report

        settings = ReportSettings.small() if size == "small" else ReportSettings()
        loaded = load_model(model)
        if isinstance(loaded, TypedModel):  # a short report of its own: types, equilibria, networks, phase
            from inframarginal.report.typed import write_typed_report

            click.echo(f"wrote {write_typed_report(loaded, out_dir, settings)} (and report.md, results.json, figures/)")
            return
        path = write_report(model, out_dir, progress=not quiet, settings=settings)
        click.echo(f"wrote {path} (and report.md, figures/, tables as CSV and LaTeX)")

    @group.command("claims")
    @click.argument("model")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--size", type=click.Choice(["full", "small"]), default="full", show_default=True,
                  help="Sample sizes of the checks that SymPy does not prove: full, or small for a quick look.")
    def claims_command(model: str, fmt: str, size: str) -> None:
        """Decide the seed paper's claims (Propositions 1-2, Scenarios 1-4) from MODEL's closed forms.

        JSON: a list of objects with id, text, verdict (holds, fails or holds-only-where), method,
        evidence and the details of each check (counterexample points and values).
        """
        from inframarginal.audit.claims import evaluate_claims, paper_claims
        from inframarginal.heterogeneous.spec import require_untyped
        from inframarginal.modelfile import load_model
        from inframarginal.report.settings import ReportSettings

        m = load_model(model)
        require_untyped(m, "claims")
        claims = paper_claims(m)
        if not claims:
            raise InframarginalError(f"no claims are transcribed for model {m.name!r} "
                                     "(claims exist for the seed paper's model, li-ke-2020)")
        results = evaluate_claims(m, claims, settings=ReportSettings.small() if size == "small" else ReportSettings())
        if fmt == "json":
            click.echo(json.dumps([r.to_dict() for r in results], indent=2))
            return
        for r in results:
            click.echo(f"{r.claim.id:<7} {r.verdict:<17} {r.method}")
