"""The whole report: files, table1.csv columns, determinism, and rendering in headless Chromium."""

import csv
import os
from pathlib import Path

import pytest

from inframarginal.reporting import write_report

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_report_files_and_table1_csv(report_dir):
    for name in ("report.html", "report.md", "table1.csv", "table1.tex", "claims.csv", "table2.csv"):
        assert (report_dir / name).is_file(), name
    assert (report_dir / "figures" / "network-CCA.svg").is_file()
    assert (report_dir / "figures" / "phase-K-t-printed.png").is_file()
    with open(report_dir / "table1.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:8] == ["structure", "quantity", "derived", "printed", "verdict", "point",
                                 "derived_value", "printed_value"]
    assert {r["verdict"] for r in rows} == {"agrees", "differs"}
    html = (report_dir / "report.html").read_text()
    assert "<math" in html and "http://" not in html.replace("http://www.w3.org/1998/Math/MathML", "")


def test_report_is_deterministic(report_dir, tmp_path, small_settings):
    write_report("li-ke-2020", tmp_path / "b", progress=False, settings=small_settings)
    for name in ("report.md", "report.html", "table1.csv", "claims.csv", "table2.csv", "paths.csv"):
        assert (report_dir / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_generic_model_gets_generic_sections(tmp_path, small_settings):
    write_report("li-ke-2020-roundabout-productivity", tmp_path, progress=False, settings=small_settings)
    md = (tmp_path / "report.md").read_text()
    assert "Phase diagrams" in md and "Table 1, derived against printed" not in md


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_dir):
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing in CI (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is not installed")
    pytest.importorskip("playwright", reason="needs Playwright (the [dev] extra)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto((report_dir / "report.html").as_uri())
        page.wait_for_load_state("load")
        assert "Table 1, derived against printed" in page.inner_text("body")
        # MathML is laid out (a non-empty box), images load
        box = page.locator("math").first.bounding_box()
        assert box and box["width"] > 0
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        page.locator("#s-3--table-1--derived-against-printed").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "report-table1.png"))
        browser.close()
