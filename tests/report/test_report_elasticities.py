"""The report's elasticities section: present for every model, its numbers right."""

import csv
import math

import pytest

import inframarginal as im
from inframarginal.configurations import find_structure
from inframarginal.equilibrium import corner_equilibrium
from inframarginal.report.context import ReportContext
from inframarginal.report.elasticities import elasticities_section
from inframarginal.report.render import Document, to_html, to_markdown
from inframarginal.reporting import write_report


def test_section_tables_match_finite_differences_of_the_corner_equilibrium(tmp_path):
    model = im.load_model("li-ke-2020")
    doc = Document("t", [])
    elasticities_section(doc, ReportContext(model), tmp_path)
    md = to_markdown(doc)
    assert "Marginal comparative statics" in md
    names = [s.name for s in model.structures()]
    for name in names:
        assert f"### {name}: " in md
    assert "<math" in to_html(doc)  # the closed-form income elasticities as MathML
    with open(tmp_path / "elasticities.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    values = model.check_parameters()
    # independent check: income elasticity of CCA in e by central differences
    entry = next(r for r in rows if r["structure"] == "CCA" and r["quantity"] == "per-capita real income"
                 and r["parameter"] == "e")
    structure = find_structure(model, "CCA")
    h = 1e-6
    up = corner_equilibrium(model, structure, model.check_parameters({"e": values["e"] * (1 + h)}))
    down = corner_equilibrium(model, structure, model.check_parameters({"e": values["e"] * (1 - h)}))
    fd = (up.log_income - down.log_income) / (math.log1p(h) - math.log1p(-h))
    assert float(entry["value"]) == pytest.approx(fd, rel=1e-6)
    assert {r["method"] for r in rows} == {"closed form"}
    assert len(rows) == sum(1 for r in rows if r["value"] not in ("", "None", "nan"))


def test_every_model_report_has_the_section(tmp_path, small_settings):
    write_report("li-ke-2020-roundabout-productivity", tmp_path, progress=False, settings=small_settings)
    md = (tmp_path / "report.md").read_text()
    assert "Marginal comparative statics: elasticities within each structure" in md
    assert "every entry agrees with central finite differences within 1e-06" in md
    assert "CHECK FAILED" not in md
    assert (tmp_path / "elasticities.csv").exists()
