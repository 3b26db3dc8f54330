"""The explorer under hostile clients: budgets, isolation, eviction, bad uploads.

A real server (uvicorn on a free loopback port, in a thread) runs with a short time
limit; hostile requests run to it in worker processes while other clients' requests
must still be answered promptly.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from conftest import SMALL_MODEL, threaded_server

from inframarginal import disk_cache
from inframarginal.modelfile import read_model_text
from inframarginal.web.limits import MAX_BODY_BYTES, ServerLimits
from inframarginal.web.results import ResultCache

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

SEED = "li-ke-2020"
TIME_LIMIT = 4.0
#: A formula whose constant has 10**10 digits: building it never ends (unless refused).
HUGE_NUMBER = SMALL_MODEL.replace('output = "l**a"', 'output = "l**(10**10**10)"', 1)
#: A generous bound on how long a hostile request may delay another client.
DELAY_BOUND = 1.0


def variant(k: float) -> str:
    """The small model with another default trading efficiency: another upload."""
    return SMALL_MODEL.replace("default = 0.9", f"default = {k}", 1)


@pytest.fixture(scope="module")
def limited():
    """A live server with a short time limit and room for two uploads: (app, address)."""
    from inframarginal.web import create_app

    app = create_app(SEED, warm=False, limits=ServerLimits(request_seconds=TIME_LIMIT, max_uploads=2))
    with threaded_server(app) as base:
        with httpx.Client(base_url=base, timeout=600) as http:  # the first solve waits for the workers
            assert http.post("/api/solve", json={"model": SEED, "values": {}}).status_code == 200
        yield app, base


def one_line_error(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    message = body["error"]
    assert message and "\n" not in message and "Traceback" not in message, message
    return message


def test_hostile_requests_do_not_delay_other_clients(limited):
    app, base = limited
    hostile: dict[str, httpx.Response] = {}

    def send(name: str, path: str, body: dict) -> None:
        hostile[name] = httpx.post(base + path, json=body, timeout=120)

    threads = [
        threading.Thread(target=send, args=("upload", "/api/models", {"text": HUGE_NUMBER})),
        # 24 sellers moving one at a time: tens of seconds of work
        threading.Thread(target=send, args=("dynamics", "/api/beach/dynamics",
                                            {"positions": [i / 25 for i in range(1, 25)], "epsilon": 0.001,
                                             "max_rounds": 200})),
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)  # both are in the server: one computing, one waiting for a slot
    worst = {"health": 0.0, "solve": 0.0}
    probes = 0
    with httpx.Client(base_url=base, timeout=60) as http:
        while any(t.is_alive() for t in threads):
            probes += 1
            t0 = time.perf_counter()
            assert http.get("/api/health").status_code == 200
            worst["health"] = max(worst["health"], time.perf_counter() - t0)
            # a new point each time: computed by a worker, never the server's kept answer
            t0 = time.perf_counter()
            r = http.post("/api/solve", json={"model": SEED, "values": {"K": 0.3 + probes * 1e-4}})
            assert r.status_code == 200, r.text
            worst["solve"] = max(worst["solve"], time.perf_counter() - t0)
            time.sleep(0.05)
        for t in threads:
            t.join()
        assert probes >= 10
        assert max(worst.values()) < DELAY_BOUND, worst
        # the hostile requests finished or were stopped at the limit, with a message naming it
        # (the faster best responses may now finish 24 sellers x 200 rounds within it)
        dynamics = hostile["dynamics"]
        assert dynamics.status_code in (200, 422)
        if dynamics.status_code == 422:
            assert f"time limit of {TIME_LIMIT:g} s" in one_line_error(dynamics)
        upload = hostile["upload"]
        if upload.status_code == 422:
            assert f"time limit of {TIME_LIMIT:g} s" in one_line_error(upload)
        else:  # the parser refuses the number itself
            assert upload.status_code == 400 and "uploaded.toml" in one_line_error(upload)
        # the killed workers were replaced: the server still computes
        r = http.post("/api/solve", json={"model": SEED, "values": {"K": 0.25}})
        assert r.status_code == 200
    stopped = sum(r.status_code == 422 for r in hostile.values())
    assert app.state.pool.status()["replaced"] >= min(stopped, 1)


BAD_UPLOADS = [
    ("invalid TOML", "[model\nname = 'x'", 400, ["not valid TOML"]),
    ("deeply nested array", "x = " + "[" * 60_000 + "]" * 60_000, 400, ["nest"]),
    ("deeply nested table", "x = " + "{a = " * 30_000 + "1" + "}" * 30_000, 400, ["nest"]),
    # TOML's reader would take minutes over these (quadratic): refused before it reads them
    ("deeply nested keys", "a" + ".a" * 60_000 + " = 1", 400, ["dotted key"]),
    ("unknown section", SMALL_MODEL + "\n[bogus]\nx = 1\n", 400, ["bogus"]),
    ("unknown key", SMALL_MODEL.replace('name = "my-model"', 'name = "my-model"\ncolour = "red"'), 400, ["colour"]),
    ("binary junk", bytes(range(256)).decode("latin-1") * 8, 400, []),
    ("NUL bytes", "\x00" * 1000, 400, []),
    ("empty", "", 400, []),
]


@pytest.mark.parametrize(("label", "text", "status", "words"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_are_4xx_with_one_line(limited, label, text, status, words):
    _, base = limited
    response = httpx.post(base + "/api/models", json={"filename": "bad.toml", "text": text}, timeout=60)
    assert response.status_code == status, (label, response.text)
    message = one_line_error(response)
    for word in words:
        assert word in message, message


def test_bad_upload_requests_are_4xx(limited):
    _, base = limited
    huge_number = httpx.post(base + "/api/models", json={"text": HUGE_NUMBER}, timeout=60)
    assert huge_number.status_code in (400, 422)
    assert "limit" in one_line_error(huge_number) or "uploaded.toml" in one_line_error(huge_number)
    cases = [
        ("over the body cap", json.dumps({"text": "#" * (MAX_BODY_BYTES + 1)}).encode(), 413),
        ("binary body", bytes(range(256)) * 4, 422),
        ("not UTF-8", b'{"text": "\xff\xfe"}', 422),
        ("nested JSON", b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 422),
        ("text not a string", b'{"text": 12}', 422),
        ("unknown field", b'{"text": "", "path": "/etc/passwd"}', 422),
    ]
    for label, content, expected in cases:
        r = httpx.post(base + "/api/models", content=content, headers={"content-type": "application/json"},
                       timeout=60)
        assert r.status_code == expected, (label, r.text[:300])
        one_line_error(r)


def test_evicted_uploads_free_their_answers_workers_and_disk_cache(limited):
    app, base = limited
    pool, results = app.state.pool, app.state.results
    texts = [variant(k) for k in (0.71, 0.72, 0.73)]
    folders = [disk_cache.model_folder(read_model_text(t)) for t in texts]
    with httpx.Client(base_url=base, timeout=120) as http:
        keys = []
        for text in texts[:2]:
            r = http.post("/api/models", json={"filename": "v.toml", "text": text})
            assert r.status_code == 200, r.text
            keys.append(r.json()["key"])
            assert http.post("/api/solve", json={"model": keys[-1], "values": {"k": 0.3}}).status_code == 200
        assert folders[0].is_dir(), "building the model cached its closed forms on disk"
        assert any(k[0] == keys[0] for k in results._items)
        before = set(pool.pids())
        r = http.post("/api/models", json={"filename": "v.toml", "text": texts[2]})  # room for two: drops the first
        assert r.status_code == 200
        listed = [m["key"] for m in http.get("/api/models").json()["models"] if m["source"] == "upload"]
        assert keys[0] not in listed and keys[1] in listed and r.json()["key"] in listed
        gone = http.get("/api/model", params={"model": keys[0]})
        assert gone.status_code == 400 and "unknown model" in one_line_error(gone)
        assert not any(k[0] == keys[0] for k in results._items)
        assert not folders[0].exists()
        assert folders[1].is_dir()
        # the workers that built the dropped model are replaced (their caches freed)
        deadline = time.monotonic() + 60
        while set(pool.pids()) & before == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(pool.pids()) != before
        # the others still answer
        assert http.post("/api/solve", json={"model": keys[1], "values": {"k": 0.2}}).json()[
            "general_equilibrium"] == "A"


def test_foreign_host_is_refused_by_the_real_server(limited):
    _, base = limited
    port = int(base.rsplit(":", 1)[1])
    for host, status in ((f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200), (f"[::1]:{port}", 200),
                         (f"attacker.example:{port}", 421), (f"127.0.0.1:{port + 1}", 421),
                         ("attacker.example", 421), (f"localhost.attacker.example:{port}", 421)):
        r = httpx.get(base + "/api/models", headers={"Host": host})
        assert r.status_code == status, host
        if status != 200:
            assert "Host" in one_line_error(r)


def test_memory_limit_stops_a_request():
    """A budget far below what a large phase diagram needs: the request is stopped, naming the limit."""
    from fastapi.testclient import TestClient

    from inframarginal.web import create_app

    app = create_app(SEED, warm=False, limits=ServerLimits(request_memory_bytes=2**20))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        axes = {"x": {"name": "K", "lo": 0.1, "hi": 1.0, "n": 500}, "y": {"name": "e", "lo": 0.1, "hi": 0.9, "n": 500}}
        r = client.post("/api/phase", json={"model": SEED, **axes})
        assert r.status_code in (422, 503), r.text[:200]
        assert "memory limit of 1 MB" in one_line_error(r)
        # the worker was replaced; a request within the budget is still answered
        assert client.post("/api/solve", json={"model": SEED, "values": {}}).status_code == 200


def test_result_cache_is_bounded_in_bytes():
    cache = ResultCache(max_bytes=400)
    for i in range(5):
        cache.put("m", i, b"x" * 100)
    assert cache.get("m", 0) is None and cache.get("m", 4) == b"x" * 100  # the oldest went first
    cache.get("m", 1)  # used: kept over 2
    cache.put("n", 0, b"y" * 100)
    assert cache.get("m", 1) is not None and cache.get("m", 2) is None
    cache.put("m", 9, b"z" * 101)  # over a quarter of the bound: not kept
    assert cache.get("m", 9) is None
    cache.drop_model("m")
    assert len(cache) == 1 and cache.get("n", 0) == b"y" * 100


def test_workers_are_recycled_after_their_tasks_and_queues_are_bounded():
    from fastapi.testclient import TestClient

    from inframarginal.web import create_app

    app = create_app(SEED, warm=False, limits=ServerLimits(tasks_per_worker=2))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        pool = app.state.pool
        assert client.post("/api/solve", json={"model": SEED, "values": {"K": 0.41}}).status_code == 200
        first = set(pool.pids())
        for i in range(6):  # new points: each reaches a worker
            r = client.post("/api/solve", json={"model": SEED, "values": {"K": 0.42 + i / 100}})
            assert r.status_code == 200
        deadline = time.monotonic() + 60
        while not set(pool.pids()).isdisjoint(first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert set(pool.pids()).isdisjoint(first), "every worker did its two tasks and was replaced"
        assert pool.status()["replaced"] >= 2
    busy = create_app(SEED, warm=False, limits=ServerLimits(max_queued=0))  # no request may wait
    with TestClient(busy, base_url="http://127.0.0.1:8000") as client:
        r = client.post("/api/solve", json={"model": SEED, "values": {}})
        assert r.status_code == 503 and "busy" in one_line_error(r) and r.headers["retry-after"] == "1"
        assert client.get("/api/health").status_code == 200
