"""End-to-end (Debian Chromium through Playwright): the explorer's views of issue 15 -- income
curves with the general-equilibrium envelope, switch points as typeset formulas, the printed-vs-
derived view, greyed-out stale results and non-existence reasons with their details.

What the page shows is checked against hand derivations and the engine called here.
"""

from __future__ import annotations

import re

import pytest

import inframarginal as im
from inframarginal.equilibrium import solve
from inframarginal.phase import structure_colour

pytestmark = pytest.mark.browser
pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')
pytest.importorskip("playwright", reason="needs Playwright (the [dev] extra)")

SEED = "li-ke-2020"
TIMEOUT = 60_000


def open_explorer(page, address: str, query: str = "") -> None:
    page.goto(address + query)
    page.wait_for_selector("#slider-K", timeout=TIMEOUT)
    page.wait_for_function("document.body.dataset.busy === '0' && !!state.solution && !!state.path",
                           timeout=TIMEOUT)


def k_star(F: float, b: float) -> float:
    """Hand derivation: u_A = (1 - F - b)^2 / 4 equals u_PC = k (1 - F)(1 - b) / 4 at this k."""
    return (1 - F - b) ** 2 / ((1 - F) * (1 - b))


def test_income_curves_envelope_and_the_switch_formula(page, live_server, shoot):
    F, b, t = 0.1, 0.1, 0.2
    open_explorer(page, live_server, f"?model={SEED}&F={F}&b={b}&t={t}&path=K")
    curves = page.locator("#curves")
    # one line per structure that exists somewhere on the path, in the structure's one colour
    drawn = {c.get_attribute("data-structure"): c.get_attribute("stroke") for c in curves.locator("path.curve").all()}
    assert {"A", "PC"} <= set(drawn)
    assert all(colour == structure_colour(name) for name, colour in drawn.items())
    # the envelope is the general equilibrium: A below K*, PC above (hand derivation)
    envelope = [e.get_attribute("data-structure") for e in curves.locator("path.envelope").all()]
    assert envelope == ["A", "PC"]
    switch = page.locator("#switches li").first
    value = float(switch.inner_text().split(":")[0].split("=")[1])
    assert value == pytest.approx(k_star(F, b) / (1 - t), rel=1e-10)
    # the closed form arrives after the path, typeset by KaTeX, as K* and k* (the paper's k)
    page.wait_for_selector("#switches .formula .katex", timeout=TIMEOUT)
    sources = page.locator("#switches .formula annotation").all_text_contents()
    assert sources[0].startswith("K^* =") and sources[1].startswith("k^* =")
    assert "t" not in re.sub(r"\\[a-z]+", "", sources[1])  # k* involves F and b only
    page.locator("#curves-card").scroll_into_view_if_needed()
    shoot(page, "explorer-income-curves")
    assert not [p for p in page.problems if "script error" in p], page.problems


def test_printed_vs_derived_view(page, live_server, shoot):
    F, b, t, K = 0.1, 0.2, 0.25, 0.8
    open_explorer(page, live_server, f"?model={SEED}&F={F}&b={b}&t={t}&K={K}")
    card = page.locator("#printed-card")
    assert card.is_visible()
    assert "inframarginal report li-ke-2020" in page.locator("#report-link").inner_text()
    page.check("#printed-toggle")
    page.wait_for_selector("#printed-formulas tr[data-structure='CCA'] .katex", timeout=TIMEOUT)
    rows = page.locator("#printed-formulas tr[data-structure]")
    assert rows.count() == 7
    a_row = page.locator("#printed-formulas tr[data-structure='A']")
    printed_a = float(a_row.locator(".printed-value").inner_text())
    assert printed_a == pytest.approx((1 - F - b) ** 2 / 4, rel=1e-5)  # shown to 6 digits
    assert "differs" not in (a_row.get_attribute("class") or "")  # the paper's A is right
    # the derived column is the engine's
    derived_pc = float(page.locator("#printed-formulas tr[data-structure='PC'] .derived-value").inner_text())
    assert derived_pc == pytest.approx(solve(im.load_model(SEED), {"F": F, "b": b, "t": t, "K": K})
                                       .structures["PC"].per_capita_real_income, rel=1e-5)
    # the printed phase diagram is drawn, and the printed curves appear dashed beside the derived
    assert page.evaluate("(() => { const c = document.getElementById('printed-phase').getContext('2d');"
                         " return c.getImageData(100, 100, 1, 1).data[3]; })()") == 255
    page.wait_for_selector("#curves path.printed-curve", state="attached", timeout=TIMEOUT)
    card.scroll_into_view_if_needed()
    shoot(page, "explorer-printed-vs-derived")
    page.uncheck("#printed-toggle")
    assert page.locator("#curves path.printed-curve").count() == 0


def test_invalid_input_greys_out_until_corrected(page, live_server):
    open_explorer(page, live_server, f"?model={SEED}")
    page.fill("#value-b", "")
    page.press("#value-b", "Enter")
    page.locator("#stale").wait_for(state="visible", timeout=TIMEOUT)
    assert "b: no number given" in page.locator("#stale").inner_text()
    page.fill("#value-b", "1.5")
    page.press("#value-b", "Enter")
    page.wait_for_function("document.getElementById('stale').textContent.includes('b = 1.5 is outside its domain (0, 1)')",
                           timeout=TIMEOUT)
    assert page.evaluate("getComputedStyle(document.getElementById('income-card')).opacity") == "0.45"
    page.fill("#value-b", "0.12")
    page.press("#value-b", "Enter")
    page.locator("#stale").wait_for(state="hidden", timeout=TIMEOUT)
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=TIMEOUT)
    assert "stale" not in (page.locator("body").get_attribute("class") or "")
    assert page.evaluate("getComputedStyle(document.getElementById('income-card')).opacity") == "1"


def test_a_structure_that_does_not_exist_says_why_in_economics_words(page, live_server, shoot):
    open_explorer(page, live_server, f"?model={SEED}&alpha=1.5")
    row = page.locator(".bar-row[data-structure='PA']")
    assert "absent" in row.get_attribute("class")
    text = row.inner_text()
    assert "demand for z is unbounded" in text and "dual weight" not in text
    row.locator("summary").click()
    assert "dual weight" in row.locator("details").inner_text()
    page.locator("#income-card").scroll_into_view_if_needed()
    shoot(page, "explorer-reasons")
