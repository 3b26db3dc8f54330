"""The explorer with types: /api/typed/solve and the /types page in real Chromium.

Expectations derived by hand for the Ricardian model of Cheng, Sachs and Yang (2000) at its
defaults (a1x = 2, a1y = a2x = a2y = 1, k = 0.8, b = 1; derivation in
tests/heterogeneous/test_ricardian.py).  With p = p_x / p_y, complete specialization needs
p = M2 a2y / (M1 a1x) between a1y / (k a1x) = 0.625 and k a2y / a2x = 0.8:

* M2 = 1 (default): p = 0.5 < 0.625, home splits (partial specialization) at p = 0.625; home
  u1 = a1x a1y / 4 = 0.5 (gain 0), foreign u2 = k a2y**2 / (4 p) = 0.32 (gain +28 %).
* M2 = 1.4: p = 0.7, complete specialization; u1 = k p a1x**2 / 4 = 0.56 (gain +12 %),
  u2 = k a2y**2 / (4 p) = 2 / 7 (gain +14.29 %).
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')

NAME = "cheng-sachs-yang-2000-ricardian"
PARTIAL = "home (x/y) (xy) | foreign (y/x)"
COMPLETE = "home (x/y) | foreign (y/x)"


def test_typed_models_are_listed(client):
    listing = client.get("/api/models").json()
    assert NAME in {m["key"] for m in listing["typed"]}
    assert NAME not in {m["key"] for m in listing["models"]}  # the main page does not take them


def test_typed_solve_gives_per_type_incomes(client):
    body = client.post("/api/typed/solve", json={"model": NAME, "values": {"M2": 1.4}}).json()
    types = {t["name"]: t for t in body["types"]}
    assert body["general_equilibria"][0]["structure"] == COMPLETE
    assert types["home"]["utility"] == pytest.approx(0.56, rel=1e-8)
    assert types["foreign"]["utility"] == pytest.approx(2 / 7, rel=1e-8)
    assert types["home"]["gain_over_autarky"] == pytest.approx(0.56 / 0.5 - 1, rel=1e-8)
    assert types["foreign"]["gain_over_autarky"] == pytest.approx((2 / 7) / 0.25 - 1, rel=1e-8)
    sliders = {s["name"]: s for s in body["sliders"]}
    assert sliders["M1"]["types"] == ["home"] and sliders["M2"]["types"] == ["foreign"]
    assert {n["type"] for n in body["network"]["nodes"]} == {"home", "foreign"}


def test_typed_solve_refuses_unknown_model_and_bad_value_in_one_line(client):
    response = client.post("/api/typed/solve", json={"model": "li-ke-2020", "values": {}})
    assert 400 <= response.status_code < 500 and "unknown model with types 'li-ke-2020'" in response.json()["error"]
    response = client.post("/api/typed/solve", json={"model": NAME, "values": {"M2": -1}})
    assert 400 <= response.status_code < 500
    message = response.json()["error"]
    assert "M2" in message and "\n" not in message


@pytest.mark.browser
def test_mass_slider_moves_per_type_incomes(page, live_server, shoot):
    pytest.importorskip("playwright", reason="needs Playwright (the [dev] extra)")
    page.goto(live_server)
    page.wait_for_selector(f"#model-select option[value='types:{NAME}']", state="attached", timeout=60_000)
    page.select_option("#model-select", f"types:{NAME}")
    page.wait_for_selector("#slider-M2", timeout=60_000)
    page.wait_for_function("document.body.dataset.busy === '0'", timeout=60_000)

    def incomes() -> dict[str, tuple[float, float]]:
        out = {}
        for name in ("home", "foreign"):
            row = page.locator(f"#typed-incomes tr[data-type='{name}']")
            out[name] = (float(row.locator(".utility").get_attribute("data-value")),
                         float(row.locator(".gain").get_attribute("data-value")))
        return out

    assert page.locator("#typed-ge").get_attribute("data-structure") == PARTIAL
    before = incomes()
    assert before["home"] == pytest.approx((0.5, 0.0), abs=1e-8)
    assert before["foreign"] == pytest.approx((0.32, 0.28), rel=1e-8)
    assert page.locator("#slider-M2").locator("xpath=ancestor::fieldset").get_attribute("data-type") == "foreign"

    page.locator("#slider-M2").fill("1.4")
    page.wait_for_function(f"document.querySelector('#typed-ge').dataset.structure === '{COMPLETE}'"
                           " && document.body.dataset.busy === '0'", timeout=60_000)
    after = incomes()
    assert after["home"] == pytest.approx((0.56, 0.12), rel=1e-8)
    assert after["foreign"] == pytest.approx((2 / 7, 8 / 7 - 1), rel=1e-8)
    assert page.locator("#typed-network circle[data-type='home']").count() == 1
    assert page.locator("#typed-network circle[data-type='foreign']").count() == 1
    shoot(page, "explorer-types-ricardian")
    assert page.problems == []
