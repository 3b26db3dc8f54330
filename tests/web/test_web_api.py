"""The explorer's JSON API, in process (FastAPI's TestClient).

Answers are compared with the engine called directly, with hand-computed beach
shares, and with the network's own market-clearing identity; every mistake must be
a 4xx with a message, never a 500 with a traceback.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

# The explorer's package imports FastAPI: without the [web] extra, skip before importing it.
pytest.importorskip("fastapi", reason='needs the [web] extra: pip install "inframarginal[web]"')

from click.testing import CliRunner

import inframarginal as im
from inframarginal.equilibrium import solve
from inframarginal.errors import InframarginalError
from inframarginal.modelfile import builtin_models, read_model_text
from inframarginal.web.limits import MAX_BODY_BYTES, MAX_GRID_POINTS

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

SEED = "li-ke-2020"
POINT = {"K": 1.0, "t": 0.0, "F": 0.05, "b": 0.05}



def error_of(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert "Traceback" not in body["error"]
    return body["error"]


# --------------------------------------------------------------------------- models


def test_models_lists_every_builtin(client):
    listing = client.get("/api/models").json()
    assert listing["default"] == SEED
    assert {m["key"] for m in listing["models"] if m["source"] == "built-in"} == set(builtin_models())


def test_model_payload_describes_parameters_and_sliders(client):
    model = im.load_model(SEED)
    payload = client.get("/api/model", params={"model": SEED}).json()
    assert [p["name"] for p in payload["parameters"]] == [p.name for p in model.parameters]
    for sent, p in zip(payload["parameters"], model.parameters, strict=True):
        assert sent["default"] == p.default
        assert sent["domain"] == str(p.domain)
        assert sent["description"] == p.description
        lo, hi = sent["slider"]["min"], sent["slider"]["max"]
        # the slider never leaves the domain and contains the default
        assert lo in p.domain and hi in p.domain and lo <= p.default <= hi
    assert [s["name"] for s in payload["structures"]] == ["A", "B", "PA", "PB", "PC", "CCA", "CCB"]


def test_model_key_is_never_opened_as_a_path(client, tmp_path, small_model):
    model_file = tmp_path / "m.toml"
    model_file.write_text(small_model)
    for key in (str(model_file), "../models/li-ke-2020", "/etc/passwd"):
        response = client.get("/api/model", params={"model": key})
        assert response.status_code == 400
        assert "unknown model" in error_of(response)


# --------------------------------------------------------------------------- solve


def test_solve_equals_the_engine(client):
    model = im.load_model(SEED)
    expected = solve(model, POINT)
    got = client.post("/api/solve", json={"model": SEED, "values": POINT}).json()
    assert got["general_equilibrium"] == expected.general_equilibrium
    # full precision: the JSON float is the engine's float, bit for bit
    assert got["per_capita_real_income"] == expected.per_capita_real_income
    assert got["parameters"] == expected.parameters
    by_name = {s["name"]: s for s in got["structures"]}
    assert list(by_name) == list(expected.structures)
    for name, ce in expected.structures.items():
        s = by_name[name]
        assert s["exists"] == ce.exists
        assert s["reason"] == ce.reason
        if ce.exists:
            assert s["per_capita_real_income"] == ce.per_capita_real_income
            assert s["prices"] == ce.prices
            assert s["numbers"] == ce.shares
        else:
            assert s["per_capita_real_income"] is None and s["reason"]


def test_solve_at_defaults_and_at_low_trading_efficiency(client):
    model = im.load_model(SEED)
    for values in ({}, {**POINT, "K": 0.05}):
        got = client.post("/api/solve", json={"model": SEED, "values": values}).json()
        assert got["general_equilibrium"] == solve(model, values).general_equilibrium
    low = client.post("/api/solve", json={"model": SEED, "values": {**POINT, "K": 0.05}}).json()
    assert low["general_equilibrium"] == "A"
    assert low["network"]["edges"] == [] and len(low["network"]["nodes"]) == 1


def test_network_arrows_clear_every_market(client):
    """Arrows go from each good's sellers to its buyers; what buyers take equals what sellers sell."""
    values = {"K": 1.0, "t": 0.0, "F": 0.05, "b": 0.05, "alpha": 0.9, "e": 0.6, "theta": 0.05}
    got = client.post("/api/solve", json={"model": SEED, "values": values}).json()
    net = got["network"]
    ge = next(s for s in got["structures"] if s["name"] == got["general_equilibrium"])
    assert net["structure"] == ge["name"]
    assert [n["id"] for n in net["nodes"]] == ge["configurations"]
    assert math.isclose(sum(n["share"] for n in net["nodes"]), 1.0, rel_tol=1e-12)
    assert len(net["nodes"]) >= 2, "at these values the general equilibrium is a division of labour"
    sellers = {n["sells"]: n for n in net["nodes"] if n["sells"]}
    engine = solve(im.load_model(SEED), values).structures[ge["name"]]
    plans = {p.configuration: p for p in engine.plans}
    for good, seller in sellers.items():
        edges = [e for e in net["edges"] if e["good"] == good]
        assert edges and all(e["from"] == seller["id"] for e in edges)
        assert {e["to"] for e in edges} == {n["id"] for n in net["nodes"] if good in n["buys"]}
        assert all(e["price"] == ge["prices"][good] == engine.prices[good] for e in edges)
        supplied = seller["share"] * plans[seller["id"]].sold[good]
        assert math.isclose(sum(e["quantity"] for e in edges), supplied, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("values", "status", "words"),
    [
        ({"K": 2.0}, 400, ["K", "2.0", "(0, 1]"]),
        ({"Q": 1.0}, 400, ["unknown parameter", "Q"]),
        ({"K": "abc"}, 422, ["values.K", "number"]),
        ({"k": 0.3}, 400, ["derived"]),
    ],
)
def test_solve_mistakes_are_4xx_with_a_message(client, values, status, words):
    response = client.post("/api/solve", json={"model": SEED, "values": values})
    assert response.status_code == status
    message = error_of(response)
    for word in words:
        assert word in message


def test_malformed_requests(client):
    cases = [
        client.post("/api/solve", json={"values": {}}),                          # no model
        client.post("/api/solve", json={"model": SEED, "values": {}, "x": 1}),   # unknown field
        client.post("/api/solve", content=b"{not json", headers={"content-type": "application/json"}),
        client.post("/api/solve", content=b'{"model": "li-ke-2020", "values": {"K": NaN}}',
                    headers={"content-type": "application/json"}),
        client.post("/api/solve", json=[1, 2]),
        client.get("/api/model"),
    ]
    for response in cases:
        assert response.status_code == 422, response.text
        assert error_of(response).startswith("malformed request")
    unknown = client.post("/api/solve", json={"model": "no-such-model"})
    assert unknown.status_code == 400 and "no-such-model" in error_of(unknown)
    assert client.get("/api/nothing").status_code == 404


def test_request_bodies_are_capped(client):
    big = b'{"model": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = client.post("/api/solve", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "cap" in error_of(response)

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b" " * 8192

    response = client.post("/api/solve", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "cap" in error_of(response)


def test_unexpected_failure_is_a_500_without_details(app, client):
    def broken():
        raise RuntimeError("secret internal detail")

    app.add_api_route("/api/test-broken", broken)
    response = client.get("/api/test-broken")
    assert response.status_code == 500
    message = error_of(response)
    assert "secret" not in message and "RuntimeError" in message


def test_pages_and_assets_are_local(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    static = Path(im.__file__).parent / "web" / "static"
    files = [p for p in static.rglob("*") if p.is_file()]
    assert any(p.name == "katex.min.js" for p in files)  # math is rendered by a local copy
    for path in files:
        name = path.relative_to(static).as_posix()
        if path.suffix in (".html", ".js", ".css"):
            text = path.read_text("utf-8")
            for namespace in ("http://www.w3.org/2000/svg", "http://www.w3.org/1998/Math/MathML"):
                text = text.replace(namespace, "")  # XML namespaces: names, never fetched
            for url in ("http://", "https://", "//cdn"):
                assert url not in text, (name, url)
        assert client.get(f"/static/{name}").status_code == 200


# --------------------------------------------------------------------------- upload


def test_upload_broken_model_reports_the_parser_message(client, small_model):
    for text in ("[model\nname = 'x'", small_model.replace('output = "l**a"', 'output = "__import__(1)"', 1)):
        with pytest.raises(InframarginalError) as parsed:
            read_model_text(text, source="broken.toml")
        response = client.post("/api/models", json={"filename": "broken.toml", "text": text})
        assert response.status_code == 400
        assert error_of(response) == str(parsed.value)


def test_upload_a_model_then_solve_it(client, small_model):
    response = client.post("/api/models", json={"filename": "mine.toml", "text": small_model})
    assert response.status_code == 200
    payload = response.json()
    assert payload["key"].startswith("upload:") and payload["name"] == "my-model"
    assert [p["name"] for p in payload["parameters"]] == ["k", "a"]
    assert any(m["key"] == payload["key"] for m in client.get("/api/models").json()["models"])
    model = read_model_text(small_model)
    for k, expected in ((0.1, "A"), (0.9, "D")):  # D iff k > 4^(1 - a) = 0.5 (Yang 2001, ch. 4)
        got = client.post("/api/solve", json={"model": payload["key"], "values": {"k": k}}).json()
        assert got["general_equilibrium"] == solve(model, {"k": k}).general_equilibrium == expected
    too_big = client.post("/api/models", json={"filename": "big.toml", "text": "#" * (MAX_BODY_BYTES + 1)})
    assert too_big.status_code in (413, 422)


# --------------------------------------------------------------------------- phase and path


def test_phase_diagram_agrees_with_solve_at_its_points(client):
    model = im.load_model(SEED)
    values = {"t": 0.0, "F": 0.05, "b": 0.05, "e": 0.6, "alpha": 0.9, "theta": 0.05}
    body = {"model": SEED, "values": values,
            "x": {"name": "K", "lo": 0.05, "hi": 1.0, "n": 9}, "y": {"name": "e", "lo": 0.1, "hi": 0.9, "n": 7}}
    response = client.post("/api/phase", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    xs, ys = data["x"]["values"], data["y"]["values"]
    assert len(xs) == 9 and len(ys) == 7 and len(data["codes"]) == 7
    assert xs[0] == 0.05 and xs[-1] == 1.0
    seen = set()
    for j in range(0, 7, 2):
        for i in range(0, 9, 2):
            expected = solve(model, {**values, "K": xs[i], "e": ys[j]}).general_equilibrium
            code = data["codes"][j][i]
            got = data["structures"][code] if code >= 0 else None
            assert got == expected, (xs[i], ys[j])
            seen.add(got)
    assert "A" in seen and len(seen) >= 2


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [
        ({"name": "K", "lo": 0.1, "hi": 1, "n": 10_000}, {"name": "e", "lo": 0.1, "hi": 0.9, "n": 10_000},
         ["100000000 points", f"cap of {MAX_GRID_POINTS}"]),
        ({"name": "K", "lo": 0.1, "hi": 1, "n": 2000}, {"name": "e", "lo": 0.1, "hi": 0.9, "n": 2},
         ["2000 points", "per axis"]),
        ({"name": "K", "lo": 0.1, "hi": 1, "n": 10}, {"name": "K", "lo": 0.1, "hi": 1, "n": 10}, ["same parameter"]),
        ({"name": "K", "lo": 0.1, "hi": 3, "n": 10}, {"name": "e", "lo": 0.1, "hi": 0.9, "n": 10}, ["outside", "K"]),
        ({"name": "K", "lo": 0.9, "hi": 0.1, "n": 10}, {"name": "e", "lo": 0.1, "hi": 0.9, "n": 10}, ["below"]),
        ({"name": "Z", "lo": 0.1, "hi": 1, "n": 10}, {"name": "e", "lo": 0.1, "hi": 0.9, "n": 10}, ["unknown", "Z"]),
    ],
)
def test_phase_refusals(client, x, y, words):
    response = client.post("/api/phase", json={"model": SEED, "x": x, "y": y})
    assert response.status_code == 400
    message = error_of(response)
    for word in words:
        assert word in message


def test_path_switches_where_the_equilibrium_changes(client):
    model = im.load_model(SEED)
    values = {"t": 0.0, "F": 0.05, "b": 0.05}
    response = client.post("/api/path", json={"model": SEED, "name": "K", "lo": 0.05, "hi": 1.0, "values": values})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["switches"], "autarky at low K, division of labour at K = 1"
    for sw in data["switches"]:
        x = sw["value"]
        assert solve(model, {**values, "K": x * (1 - 1e-9)}).general_equilibrium == sw["before"]
        assert solve(model, {**values, "K": x * (1 + 1e-9)}).general_equilibrium == sw["after"]
    bad = client.post("/api/path", json={"model": SEED, "name": "K", "lo": 0.9, "hi": 0.1})
    assert bad.status_code == 400 and "below" in error_of(bad)


# --------------------------------------------------------------------------- beach


def test_beach_shares_by_hand(client):
    got = client.post("/api/beach/shares", json={"positions": [0.2, 0.5, 0.9]}).json()["shares"]
    # boundaries at the midpoints 0.35 and 0.7
    assert got == pytest.approx([0.35, 0.35, 0.3], abs=1e-12)
    ring = client.post("/api/beach/shares", json={"positions": [0.1, 0.3, 0.6], "circle": True}).json()["shares"]
    # arcs between neighbours 0.2, 0.3 and 0.5 (across 1 = 0), each split in half
    assert ring == pytest.approx([0.25 + 0.1, 0.1 + 0.15, 0.15 + 0.25], abs=1e-12)


def test_beach_dynamics_reach_the_middle_and_refuse_bad_input(client):
    data = client.post("/api/beach/dynamics", json={"positions": [0.1, 0.9]}).json()
    assert data["converged"]
    assert all(abs(float(x) - 0.5) <= 0.01 for x in data["final"])
    for body, status in (({"positions": [0.1, 1.5]}, 400), ({"positions": []}, 422),
                         ({"positions": [0.5] * 100}, 422), ({"positions": [0.1], "max_rounds": 10**6}, 422),
                         ({"positions": [0.1], "mode": "chaotic"}, 422)):
        response = client.post("/api/beach/dynamics", json=body)
        assert response.status_code == status, body
        error_of(response)


# --------------------------------------------------------------------------- command


def test_serve_help_and_busy_port():
    import socket

    from inframarginal.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "127.0.0.1" in result.output
    assert "--time-limit" in result.output and "--memory-limit" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


# --------------------------------------------------------------------------- host


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200), ("LOCALHOST:8000", 200),
     ("evil.example:8000", 421), ("127.0.0.1:8001", 421), ("127.0.0.1", 421), ("127.0.0.1.evil.example:8000", 421),
     ("localhost:8000@evil.example", 421), ("", 421)],
)
def test_requests_to_another_host_are_refused(client, host, status):
    """A page using DNS rebinding sends its own name as Host: refused before any work."""
    response = client.get("/api/models", headers={"host": host})
    assert response.status_code == status, host
    if status != 200:
        assert "Host" in error_of(response)


def test_host_check_rules():
    from inframarginal.web.hosts import HostCheck

    local = HostCheck(None, host="127.0.0.1")
    assert local.allowed("localhost:80", 80) and local.allowed("localhost", 80)
    assert not local.allowed("localhost", 8000) and not local.allowed("10.0.0.2:8000", 8000)
    named = HostCheck(None, host="explorer.lan")
    assert named.allowed("explorer.lan:8000", 8000) and not named.allowed("other.lan:8000", 8000)
    v6 = HostCheck(None, host="::1")
    assert v6.allowed("[::1]:8000", 8000) and not v6.allowed("::1:8000", 8000)
    wildcard = HostCheck(None, host="0.0.0.0")
    assert wildcard.allowed("10.0.0.2:8000", 8000) and wildcard.allowed("[fe80::1]:8000", 8000)
    assert not wildcard.allowed("attacker.example:8000", 8000)


def test_health_answers_with_the_workers(client):
    data = client.get("/api/health").json()
    assert data["status"] == "ok" and data["workers"] >= 1 and data["busy"] >= 0
