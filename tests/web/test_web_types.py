"""An uploaded model with types gets a one-line 4xx from the explorer, which does not show types yet."""

from __future__ import annotations

from importlib import resources

import pytest

pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')


def test_upload_a_model_with_types_is_refused_in_one_line(client):
    text = resources.files("inframarginal.heterogeneous.models").joinpath(
        "yang-two-country-dual.toml").read_text("utf-8")
    response = client.post("/api/models", json={"filename": "dual.toml", "text": text})
    assert 400 <= response.status_code < 500
    message = response.json()["error"]
    assert "has types (home, foreign)" in message and "\n" not in message
