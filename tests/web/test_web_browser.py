"""End-to-end: the explorer in real headless Chromium (Debian's), driven through Playwright.

The server is ``inframarginal serve --port 0`` in a subprocess. Screenshots go to
tests/artifacts/. What the page shows is checked against the engine called here.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

import inframarginal as im
from inframarginal.equilibrium import solve
from inframarginal.errors import InframarginalError
from inframarginal.modelfile import read_model_text

pytestmark = pytest.mark.browser
pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')
pytest.importorskip("playwright", reason="needs Playwright (the [dev] extra)")

SEED = "li-ke-2020"
TIMEOUT = 60_000  # ms; the first phase diagram compiles its kernel


def wait_idle(page) -> None:
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=TIMEOUT)


def shown_structure(page) -> str:
    return page.locator("#ge-name").get_attribute("data-structure")


def url_values(page) -> dict[str, float]:
    query = parse_qs(urlparse(page.url).query)
    return {k: float(v[0]) for k, v in query.items() if k not in ("model", "px", "py", "path")}


def open_explorer(page, address: str, query: str = "") -> None:
    page.goto(address + query)
    page.wait_for_selector("#slider-K", timeout=TIMEOUT)
    page.wait_for_function("document.querySelector('#ge-name').dataset.structure !== undefined", timeout=TIMEOUT)
    wait_idle(page)


def test_trading_efficiency_slider_moves_autarky_to_division_of_labour(page, live_server, shoot):
    model = im.load_model(SEED)
    # t = 0, small fixed learning costs, K at its lowest: set through the shareable address
    open_explorer(page, live_server, f"?model={SEED}&t=0&F=0.05&b=0.05&K=0.05")
    assert shown_structure(page) == "A"
    assert page.locator("#network circle").count() == 1
    shoot(page, "explorer-autarky")

    # drag the K slider with the mouse from its left end to its right end
    box = page.locator("#slider-K").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    seen = []
    for step in range(1, 11):
        page.mouse.move(box["x"] + 2 + step * (box["width"] - 4) / 10, y, steps=3)
        wait_idle(page)
        seen.append(shown_structure(page))
    page.mouse.up()
    wait_idle(page)

    values = url_values(page)
    assert values["K"] == pytest.approx(1.0, abs=2e-3)
    assert values["t"] == 0 and values["F"] == 0.05 and values["b"] == 0.05
    final = shown_structure(page)
    # the page shows what the engine says at the values the address records
    assert final == solve(model, values).general_equilibrium
    assert seen[0] == "A" and final not in ("A", "B"), seen
    assert page.locator("#network circle").count() >= 2
    assert page.locator(f".bar-row.ge[data-structure='{final}']").count() == 1
    assert page.locator("#network path[marker-end]").count() >= 2  # traded goods as arrows
    shoot(page, "explorer-division-of-labour")
    # the switch points of the path along K bracket the move
    assert page.locator("#switches li").first.inner_text().startswith("K = ")
    assert not [p for p in page.problems if "script error" in p], page.problems


def test_reset_and_shared_address(page, live_server):
    open_explorer(page, live_server, f"?model={SEED}&K=0.3&theta=0.5")
    assert page.locator("#value-K").input_value() == "0.3"
    assert page.locator("#value-theta").input_value() == "0.5"
    page.click("#reset")
    wait_idle(page)
    defaults = {p.name: p.default for p in im.load_model(SEED).parameters}
    assert url_values(page) == defaults
    assert shown_structure(page) == solve(im.load_model(SEED), {}).general_equilibrium
    # the bars show every structure; those that do not exist say why
    assert page.locator(".bar-row").count() == 7
    for row in page.locator(".bar-row.absent").all():
        assert "does not exist:" in row.inner_text()


def test_a_typed_value_outside_the_domain_is_refused_with_the_reason(page, live_server):
    open_explorer(page, live_server)
    before = shown_structure(page)
    page.fill("#value-K", "2")
    page.press("#value-K", "Enter")
    banner = page.locator("#stale")
    banner.wait_for(state="visible", timeout=TIMEOUT)
    assert "K = 2" in banner.inner_text() and "(0, 1]" in banner.inner_text()
    assert "invalid" in page.locator("#value-K").get_attribute("class")
    # the last valid results stay on screen, greyed out, and the banner says so
    assert "stale" in page.locator("body").get_attribute("class")
    assert "greyed out" in banner.inner_text()
    assert shown_structure(page) == before
    page.fill("#value-K", "0.5")
    page.press("#value-K", "Enter")
    banner.wait_for(state="hidden", timeout=TIMEOUT)
    wait_idle(page)
    assert shown_structure(page) == solve(im.load_model(SEED), url_values(page)).general_equilibrium


def test_upload_a_broken_model_shows_the_parser_error(page, live_server, tmp_path, shoot):
    open_explorer(page, live_server)
    text = "[model]\nname = 'broken'\n\n[parameters.k]\ndefault = 0.5\ndomain = '(0, 1'\n"
    with pytest.raises(InframarginalError) as parsed:
        read_model_text(text, source="broken.toml")
    path = tmp_path / "broken.toml"
    path.write_text(text)
    page.set_input_files("#upload", str(path))
    error = page.locator("#upload-error")
    error.wait_for(state="visible", timeout=TIMEOUT)
    assert str(parsed.value) in error.inner_text()
    assert "broken.toml" in error.inner_text()
    shoot(page, "explorer-upload-error")
    # the page keeps working on the model it had
    assert shown_structure(page) == solve(im.load_model(SEED), {}).general_equilibrium


def test_upload_a_model_file_gives_its_sliders(page, live_server, tmp_path, small_model):
    open_explorer(page, live_server)
    path = tmp_path / "mine.toml"
    path.write_text(small_model)
    page.set_input_files("#upload", str(path))
    page.wait_for_selector("#slider-a", timeout=TIMEOUT)
    wait_idle(page)
    assert page.locator("#sliders .param").count() == 2
    model = read_model_text(small_model)
    assert shown_structure(page) == solve(model, url_values(page)).general_equilibrium
    # at the defaults k = 0.9 > 4^(1 - a) = 0.5 (a = 1.5): division of labour (Yang 2001, ch. 4)
    assert shown_structure(page) == "D"
    assert page.locator("#upload-error").is_hidden()


def test_phase_diagram_click_moves_the_point(page, live_server, shoot):
    open_explorer(page, live_server, f"?model={SEED}&t=0.5&F=0.05&b=0.05&px=K&py=t")
    page.wait_for_function("document.querySelector('#phase-info').textContent.startsWith('Click')", timeout=TIMEOUT)
    page.locator("#phase-card").scroll_into_view_if_needed()
    canvas = page.locator("#phase-marker").bounding_box()
    # the bottom-right corner of the plot: K near its highest value, t near its lowest
    page.mouse.click(canvas["x"] + canvas["width"] - 20, canvas["y"] + canvas["height"] - 45)
    wait_idle(page)
    values = url_values(page)
    assert values["K"] > 0.9 and values["t"] < 0.05
    assert shown_structure(page) == solve(im.load_model(SEED), values).general_equilibrium
    shoot(page, "explorer-phase")


def test_beach_dynamics_gather_sellers_in_the_middle(page, live_server, shoot):
    open_explorer(page, live_server)
    page.click("#beach-run")
    page.wait_for_function("document.querySelector('#beach-status').textContent.startsWith('converged')",
                           timeout=TIMEOUT)
    shares = page.locator("#beach-shares").inner_text()
    assert shares.count("share 0.5") == 2, shares
    page.locator("#beach-card").scroll_into_view_if_needed()
    shoot(page, "explorer-beach")
