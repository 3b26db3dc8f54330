"""The explorer's elasticities: the endpoint against hand derivations, the panel in Chromium."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')

import inframarginal as im

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

SEED = "li-ke-2020"
POINT = {"K": 1.0, "t": 0.0, "F": 0.05, "b": 0.05}
TIMEOUT = 60_000


def test_endpoint_gives_every_structure_and_hand_checkable_entries(client):
    got = client.post("/api/elasticities", json={"model": SEED, "values": POINT})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["general_equilibrium"] == "PC"
    assert [s["name"] for s in body["structures"]] == [s.name for s in im.load_model(SEED).structures()]
    autarky = next(s for s in body["structures"] if s["name"] == "A")
    (row,) = autarky["rows"]
    entries = {e["parameter"]: e for e in row["entries"]}
    # autarky A: u = ((1 - F - b)/2)^2, whatever K, t, alpha: e(u, F) = -2F/(1 - F - b)
    assert entries["F"]["value"] == pytest.approx(-2 * 0.05 / 0.9, rel=1e-12)
    assert entries["K"]["value"] == 0.0
    assert entries["t"]["kind"] == "semi-elasticity"  # t = 0 here
    assert autarky["methods"] == ["closed form"]
    for s in body["structures"]:
        for r in s["rows"]:
            for e in r["entries"]:
                assert e["value"] is None or math.isfinite(e["value"])


def test_endpoint_refuses_a_value_outside_the_domain(client):
    got = client.post("/api/elasticities", json={"model": SEED, "values": {"K": 5.0}})
    assert got.status_code == 400
    assert "K=5" in got.json()["error"] and "domain" in got.json()["error"]


@pytest.mark.browser
def test_panel_shows_the_general_equilibrium_and_greys_out_on_a_bad_point(page, live_server, shoot):
    pytest.importorskip("playwright", reason="needs Playwright (the [dev] extra)")
    from inframarginal.elasticities import elasticities

    page.goto(live_server + f"?model={SEED}&K=1&t=0&F=0.05&b=0.05")
    page.wait_for_selector("#elasticities-card summary", timeout=TIMEOUT)
    page.click("#elasticities-card summary")
    page.wait_for_selector("#elasticities-table[data-structure] tbody tr", timeout=TIMEOUT)
    assert page.locator("#elasticities-table").get_attribute("data-structure") == "PC"
    expected = elasticities(im.load_model(SEED), POINT).structures["PC"]
    cell = page.locator('#elasticities-table tr[data-quantity="per-capita real income"] td[data-parameter="b"]')
    assert float(cell.inner_text()) == pytest.approx(expected["per-capita real income", "b"].value, rel=1e-3)
    assert "(semi)" in page.locator('#elasticities-table tr[data-quantity="per-capita real income"] '
                                    'td[data-parameter="t"]').inner_text()
    shoot(page, "explorer-elasticities")
    # choose another structure
    page.select_option("#elasticities-structure", "CCA")
    assert page.locator("#elasticities-table").get_attribute("data-structure") == "CCA"
    # a point outside the domain: the table stays, greyed, and the reason is shown
    page.evaluate("history.replaceState(null, '', '?model=li-ke-2020&K=5&t=0&F=0.05&b=0.05')")
    page.wait_for_selector("#elasticities-table.stale", timeout=TIMEOUT)
    assert "domain" in page.locator("#elasticities-status").inner_text()
    assert not [p for p in page.problems if "elasticities" in p and "400" not in p]
