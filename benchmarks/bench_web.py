"""Explorer benchmarks (issue 6): slider moves, phase diagrams and a bounded load test.

Run: python benchmarks/bench_web.py [--duration 30] [--clients 50] [--think-ms 500] [--skip-load] [--quick]

1. A slider move: ``POST /api/solve`` in process (server time, from the ``Server-Timing``
   header), against the engine's ``solve`` called directly (the baseline): target
   median < 100 ms.
2. A 200 x 200 phase diagram of li-ke-2020 with a moved (not cached) parameter:
   ``POST /api/phase`` server time, against the per-point loop of ``solve`` (timed
   on 200 points and scaled to 40 000): target < 200 ms.
3. Load: ``inframarginal serve`` (uvicorn) in a subprocess on loopback; ``--clients``
   concurrent clients, each on a built-in model (round robin), move random sliders for
   ``--duration`` seconds: each sends its next move when the previous answer has
   arrived (as the page does) and the person has paused (``--think-ms`` on average; 0
   sends back to back, a saturation test): target p95 < 300 ms, no errors.  Baseline:
   one client alone for a few seconds, in the same run (the ratio p95 / baseline p95
   is the cost of sharing the server).  ``--hostile`` adds a client that uploads a
   model whose formula never finishes building, again and again (each stopped at the
   server's time limit): the others' latency must not change.  Only 127.0.0.1 is
   contacted; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import subprocess
import sys
import time

import numpy as np

SEED = "li-ke-2020"
#: Longest wait for one answer in the load test (seconds); a longer wait counts as an error.
REQUEST_TIMEOUT = 30.0

#: A model whose formula has a constant of 10**10 digits: building it never ends.
HOSTILE_MODEL = """
[model]
name = "hostile"
[parameters.k]
default = 0.9
domain = "(0, 1]"
[goods.x]
trading_efficiency = "k"
[goods.y]
trading_efficiency = "k"
[utility]
weights = { x = 1, y = 1 }
[[technologies.x]]
output = "l**(10**10**10)"
[[technologies.y]]
output = "l**2"
[structures]
A = ["(xy)"]
D = ["(x/y)", "(y/x)"]
"""


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def server_ms(response) -> float:
    return float(re.search(r"dur=([0-9.]+)", response.headers["server-timing"]).group(1))


def random_values(model, rng: random.Random) -> dict[str, float]:
    from inframarginal.web.payloads import slider_range

    out = {}
    for p in model.parameters:
        r = slider_range(p)
        out[p.name] = rng.uniform(r["min"], r["max"]) if rng.random() < 0.5 else p.default
    return out


def bench_solve(client, model, rng: random.Random, n: int = 300) -> None:
    from inframarginal.equilibrium import solve

    points = [random_values(model, rng) for _ in range(n)]
    engine, server, wall = [], [], []
    for values in points:  # interleaved, so that both see the same load of the machine
        t = time.perf_counter()
        solve(model, values)
        engine.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        response = client.post("/api/solve", json={"model": SEED, "values": values})
        wall.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text
        server.append(server_ms(response))
    e, s = statistics.median(engine), statistics.median(server)
    print(f"slider move (POST /api/solve, {n} random points): server median {s:.2f} ms, p95 "
          f"{pct(server, 95):.2f} ms (target median < 100 ms); in-process round trip median "
          f"{statistics.median(wall):.2f} ms")
    print(f"  baseline: engine solve() alone median {e:.2f} ms; web layer adds {s - e:.2f} ms "
          f"(server/engine ratio {s / e:.2f})")


def bench_phase(client, model, rng: random.Random, repeats: int = 8) -> None:
    from inframarginal.equilibrium import solve
    from inframarginal.web.payloads import slider_range

    n = 200
    rk, rt = slider_range(model.parameter("K")), slider_range(model.parameter("t"))
    body = {"model": SEED, "x": {"name": "K", "lo": rk["min"], "hi": rk["max"], "n": n},
            "y": {"name": "t", "lo": rt["min"], "hi": rt["max"], "n": n}, "values": {"F": 0.05, "b": 0.05}}
    t = time.perf_counter()
    first = client.post("/api/phase", json=body)
    cold = time.perf_counter() - t
    assert first.status_code == 200, first.text
    times = []
    for i in range(repeats):
        body["values"] = {"F": 0.05, "b": 0.05, "e": 0.2 + 0.05 * i + rng.random() * 0.01}  # never cached
        response = client.post("/api/phase", json=body)
        assert response.status_code == 200, response.text
        times.append(server_ms(response))
    # baseline: the per-point loop, timed on 200 points of the same grid
    xs, ys = np.linspace(rk["min"], rk["max"], n), np.linspace(rt["min"], rt["max"], n)
    sample = [(rng.choice(xs), rng.choice(ys)) for _ in range(200)]
    t = time.perf_counter()
    for k, tt in sample:
        solve(model, {"K": float(k), "t": float(tt), "F": 0.05, "b": 0.05, "e": 0.3})
    loop = (time.perf_counter() - t) / len(sample) * n * n * 1000
    med = statistics.median(times)
    print(f"phase diagram 200 x 200 (POST /api/phase, a moved parameter each time): server median "
          f"{med:.1f} ms, max {max(times):.1f} ms (target < 200 ms); first diagram of an axis pair "
          f"(kernel compilation) {cold:.2f} s")
    print(f"  baseline: per-point solve() loop, scaled to 40 000 points: {loop / 1000:.1f} s; "
          f"speed-up {loop / med:.0f}x")


class _Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    The load generator shares the machine's two cores with the server; a full client
    library spends as much CPU per request as the server does, which would measure the
    generator rather than the server.
    """

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def _client(conn: _Connection, model: str, model_params, until: float, latencies: list, errors: list,
                  rng: random.Random, think: float):
    values = {p["name"]: p["default"] for p in model_params}
    while time.perf_counter() < until:
        p = rng.choice(model_params)  # move one slider a few steps, as a drag does
        s = p["slider"]
        steps = round((values[p["name"]] - s["min"]) / s["step"]) + rng.randint(-50, 50)
        values[p["name"]] = s["min"] + min(max(steps, 0), round((s["max"] - s["min"]) / s["step"])) * s["step"]
        body = json.dumps({"model": model, "values": values}).encode()
        t = time.perf_counter()
        try:  # a frozen server must not freeze the benchmark: each answer waits at most 30 s
            status, answer = await asyncio.wait_for(conn.post("/api/solve", body), REQUEST_TIMEOUT)
            if status != 200:
                errors.append(f"{status}: {answer[:200]!r}")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as err:
            errors.append(repr(err))
            await conn.open()
        latencies.append((time.perf_counter() - t) * 1000)
        if think > 0:  # the person's pause between moves, uniform in [0, 2 * think]
            await asyncio.sleep(min(rng.uniform(0, 2 * think), max(0.0, until - time.perf_counter())))


async def _hostile(conn: _Connection, until: float, answers: list) -> None:
    """Upload a model that never finishes building, again and again (new text each time)."""
    i = 0
    while time.perf_counter() < until:
        i += 1
        text = HOSTILE_MODEL + f"\n# upload {i}\n"
        try:
            status, _ = await asyncio.wait_for(conn.post("/api/models", json.dumps({"text": text}).encode()),
                                               max(1.0, until - time.perf_counter()))
            answers.append(status)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            answers.append(0)
            await conn.open()


async def _run_clients(host: str, port: int, models: dict[str, list], clients: int, duration: float,
                       think: float, hostile: bool):
    names = list(models)
    conns = [_Connection(host, port) for _ in range(clients + hostile)]  # one connection per client
    for c in conns:
        await c.open()
    try:
        latencies: list[float] = []
        errors: list[str] = []
        hostile_answers: list[int] = []
        until = time.perf_counter() + duration
        rngs = [random.Random(i) for i in range(clients)]
        jobs = [_client(conns[i], names[i % len(names)], models[names[i % len(names)]], until, latencies, errors,
                        rngs[i], think) for i in range(clients)]
        if hostile:
            jobs.append(_hostile(conns[-1], until, hostile_answers))
        await asyncio.gather(*jobs)
    finally:
        for c in conns:
            await c.close()
    return latencies, errors, hostile_answers


async def _load(base: str, clients: int, duration: float, think: float, hostile: bool):
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=600) as http:
        listing = (await http.get("/api/models")).json()["models"]
        models = {}
        for m in listing:
            if m["source"] == "built-in":
                models[m["key"]] = (await http.get("/api/model", params={"model": m["key"]})).json()["parameters"]
        # let the server finish its start-up work (workers' pre-warm, the first phase diagram)
        # before the clock starts
        params = models[SEED]
        axes = [{"name": p["name"], "lo": p["slider"]["min"], "hi": p["slider"]["max"], "n": 200} for p in params[:2]]
        await http.post("/api/phase", json={"model": SEED, "x": axes[0], "y": axes[1]})
        for name in models:
            await http.post("/api/solve", json={"model": name, "values": {}})
    host, port = base.removeprefix("http://").split(":")
    alone = await _run_clients(host, int(port), models, 1, min(5.0, duration), think=0.0, hostile=False)
    shared = await _run_clients(host, int(port), models, clients, duration, think, hostile)
    return len(models), alone, shared


def bench_load(clients: int, duration: float, think: float, hostile: bool, base: str | None = None) -> None:
    process = None
    if base is None:
        process = subprocess.Popen(
            [sys.executable, "-c", "from inframarginal.cli import main; main()", "serve", "--port", "0",
             "--time-limit", "5"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
    try:
        if process is not None:
            line = process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            if not match:
                raise SystemExit(f"serve did not start: {line!r}")
            base = match.group(0)
        n_models, alone, (latencies, errors, hostile_answers) = asyncio.run(
            _load(base, clients, duration, think, hostile))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    base95 = pct(alone[0], 95)
    print(f"  baseline: one client alone, back to back: {len(alone[0])} requests, p50 {pct(alone[0], 50):.1f} ms, "
          f"p95 {base95:.1f} ms, errors {len(alone[1])}")
    print(f"load: {clients} concurrent clients on the {n_models} built-in models moving sliders "
          f"for {duration:.0f} s on loopback, pause between moves {think * 1000:.0f} ms on average"
          f"{', with a hostile uploader' if hostile else ''}: "
          f"{len(latencies)} requests ({len(latencies) / duration:.0f}/s), errors {len(errors)}; latency "
          f"p50 {pct(latencies, 50):.0f} ms, p95 {pct(latencies, 95):.0f} ms, p99 {pct(latencies, 99):.0f} ms, "
          f"max {max(latencies):.0f} ms (target p95 < 300 ms, no errors); p95 / baseline p95 "
          f"{pct(latencies, 95) / base95:.1f}")
    if hostile:
        print(f"  hostile uploads answered: {len(hostile_answers)}, statuses {sorted(set(hostile_answers))}")
    for e in errors[:5]:
        print("  error:", e)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--think-ms", type=float, default=500.0,
                        help="mean pause of a client between an answer and its next move (0: back to back)")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--hostile", action="store_true", help="add a client uploading a never-ending model")
    parser.add_argument("--base", help="load an explorer already running at this address (http://127.0.0.1:PORT) "
                                       "instead of starting one; with --skip-inprocess")
    parser.add_argument("--skip-inprocess", action="store_true", help="only the load test")
    parser.add_argument("--quick", action="store_true", help="a 10 s load test and fewer points")
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 10.0)

    import warnings

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

    import inframarginal as im
    from inframarginal.web import create_app

    model = im.load_model(SEED)
    rng = random.Random(6)
    if args.skip_inprocess:
        bench_load(args.clients, args.duration, args.think_ms / 1000, args.hostile, args.base)
        return
    with TestClient(create_app(SEED, warm=False), base_url="http://127.0.0.1:8000") as client:
        bench_solve(client, model, rng, n=100 if args.quick else 300)
        bench_phase(client, model, rng, repeats=4 if args.quick else 8)
    if not args.skip_load:
        bench_load(args.clients, args.duration, args.think_ms / 1000, args.hostile)


if __name__ == "__main__":
    main()
