"""The explorer's interaction latencies, measured in the browser (issue 15).

Run: python benchmarks/bench_explorer.py [--quick] [--moves 20]

``inframarginal serve --port 0`` runs in a subprocess; headless Debian Chromium
(Playwright, /usr/bin/chromium) opens the page.  Each interaction is timed inside the
page, from the event a user's action fires (a select's ``change``, a slider's
``input``) until every view it touches has its answer drawn (no request in flight but
the switch points' formulas, which follow the path they annotate), with
``performance.now()``:

* cold start of each built-in model: its first selection on the running server
  (target < 3 s), and the server's start until the first page is complete;
* switching models (each built-in model selected again, after the first load);
* a new pair of phase axes, a path along each parameter (each new to the page);
* slider moves on the extension model li-ke-2020-roundabout-productivity (values
  never seen before, so that neither the page nor the server has the answer).

Target: p95 < 200 ms for every interaction.  Baseline, in the same run: the same
new pair of axes and path of the extension model computed as before this change
(a kernel compiled per pair of axes, closed forms solved with every path), in
process, CPU time.  The server's CPU time (its process and workers) is printed at
the end.  Only 127.0.0.1 is contacted; every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
EXTENSION = "li-ke-2020-roundabout-productivity"
TIMEOUT_MS = 60_000

#: In-page timing: run ``action`` (JS source), then wait (requestAnimationFrame) until no
#: view's request is in flight, and one more frame for it to be painted.
MEASURE = """async (action) => {
  const t0 = performance.now();
  (new Function(action))();
  await new Promise((resolve, reject) => {
    const t = performance.now();
    const tick = () => {
      if (document.body.dataset.viewsBusy !== "1") resolve();
      else if (performance.now() - t > TIMEOUT_MS) reject(new Error("timeout"));
      else requestAnimationFrame(tick);
    };
    tick();
  });
  await new Promise((r) => requestAnimationFrame(() => r()));
  return performance.now() - t0;
}""".replace("TIMEOUT_MS", str(TIMEOUT_MS))


def select_js(element_id: str, value: str) -> str:
    return (f"const s = document.getElementById({element_id!r}); s.value = {value!r}; "
            "s.dispatchEvent(new Event('change'));")


def slider_js(name: str, value: float) -> str:
    return (f"const s = document.getElementById('slider-{name}'); s.value = String({value!r}); "
            "s.dispatchEvent(new Event('input'));")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[k]


def report(label: str, ms: list[float], target: float) -> bool:
    p50, p95 = statistics.median(ms), percentile(ms, 95)
    ok = p95 < target
    print(f"  {label:<44} n={len(ms):>3}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(ms):7.1f} ms  "
          f"(target p95 < {target:.0f} ms: {'met' if ok else 'NOT met'})", flush=True)
    return ok


def start_server(cache: str) -> tuple[subprocess.Popen, str, float]:
    env = {**os.environ, "INFRAMARGINAL_CACHE": cache}
    t0 = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", "from inframarginal.cli import main; main()", "serve",
                                "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 180
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line or process.poll() is not None:
            break
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        raise SystemExit(f"serve printed {line!r}")
    return process, match.group(0), t0


def baseline(quick: bool) -> None:
    """The extension's new pair of axes and path as computed before (per-axes kernel, closed forms)."""
    import numpy as np

    from inframarginal.backends import grid_kernel
    from inframarginal.equilibrium import solve
    from inframarginal.modelfile import load_model
    from inframarginal.path import _income_thresholds, structure_path
    from inframarginal.sweep import sweep

    model = load_model(EXTENSION)
    solve(model, {})
    names = [p.name for p in model.parameters]
    pairs = [(names[0], names[1]), (names[2], names[7])] if quick else [(names[0], names[1]), (names[2], names[7]),
                                                                         (names[3], names[6])]
    for x, y in pairs:
        grid_kernel.cache_clear()
        c0 = time.process_time()
        sweep(model, {x: np.linspace(0.01, 0.99, 200), y: np.linspace(0.01, 0.99, 200)}, {})
        print(f"  baseline: new pair of axes {x}-{y} (kernel compiled per pair): "
              f"{1000 * (time.process_time() - c0):.0f} ms CPU", flush=True)
    _income_thresholds.cache_clear()
    c0 = time.process_time()
    structure_path(model, "K", 0.001, 1.0, {})
    old_path = time.process_time() - c0
    print(f"  baseline: path along K with closed forms solved: {1000 * old_path:.0f} ms CPU", flush=True)

    # the same in the explorer's worker now: the model's kernel is compiled once (at start)
    from inframarginal.web import kernels
    from inframarginal.web.worker import op_path, op_phase

    c0 = time.process_time()
    kernels.model_kernel(model)
    print(f"  now: the model's kernel, compiled once at start: {1000 * (time.process_time() - c0):.0f} ms CPU")
    for x, y in pairs:
        axes = [{"name": n, "lo": 0.01, "hi": 0.99, "n": 200} for n in (x, y)]
        c0 = time.process_time()
        op_phase(model, axes[0], axes[1], {})
        print(f"  now: new pair of axes {x}-{y}: {1000 * (time.process_time() - c0):.1f} ms CPU", flush=True)
    c0 = time.process_time()
    op_path(model, "K", 0.001, 1.0, {"t": 0.05})
    new_path = time.process_time() - c0
    print(f"  now: path along K with income curves (formulas on request): {1000 * new_path:.1f} ms CPU "
          f"(x{old_path / new_path:.0f} less)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer moves and pairs")
    parser.add_argument("--moves", type=int, default=30, help="slider moves on the extension model")
    args, _ = parser.parse_known_args()
    if not os.path.exists(CHROMIUM):
        print(f"skipped: {CHROMIUM} is absent (apt-get install chromium)")
        return 0
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: needs Playwright (the [dev] extra)")
        return 0
    from inframarginal.modelfile import builtin_models, load_model

    moves = 10 if args.quick else args.moves
    print("in process, CPU time: before this change (baseline) and now:", flush=True)
    baseline(args.quick)
    ok = True
    cache = os.environ.get("INFRAMARGINAL_CACHE") or tempfile.mkdtemp(prefix="im-bench-explorer-")
    process, address, t_start = start_server(cache)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            # bypass_csp: the timing function is evaluated in the page, which the page's policy forbids
            page = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=True).new_page()
            page.goto(address)
            page.wait_for_function("document.body.dataset.viewsBusy === '0' && !!state.solution",
                                   timeout=TIMEOUT_MS)
            print(f"server start to the first page complete: {time.perf_counter() - t_start:.2f} s wall "
                  "(built-in models pre-warmed; the disk cache as found)", flush=True)

            def measure(action: str) -> float:
                return float(page.evaluate(MEASURE, action))

            models = builtin_models()
            cold = {}
            for name in models:
                if name == "li-ke-2020":
                    continue
                cold[name] = measure(select_js("model-select", name))
            print("cold start of each built-in model (first selection):", flush=True)
            for name, ms in cold.items():
                print(f"  {name:<44} {ms:7.1f} ms", flush=True)
            worst = max(cold.values())
            ok &= worst < 3000
            print(f"  worst {worst:.0f} ms (target < 3000 ms: {'met' if worst < 3000 else 'NOT met'})", flush=True)

            switching = [measure(select_js("model-select", name)) for _ in range(1 if args.quick else 2)
                         for name in models]
            print("interactions after the first load:", flush=True)
            ok &= report("switching models", switching, 200)

            pairs, paths = [], []
            for name in ("li-ke-2020", EXTENSION):
                measure(select_js("model-select", name))
                params = [p.name for p in load_model(name).parameters]
                seen = set()
                for i, x in enumerate(params):
                    y = params[(i + 3) % len(params)]
                    if x == y or (x, y) in seen:
                        continue
                    seen.add((x, y))
                    # x first (a new pair with the old y), then y (the pair measured)
                    measure(select_js("phase-x", x))
                    pairs.append(measure(select_js("phase-y", y)))
                for param in params:
                    paths.append(measure(select_js("path-param", param)))
            ok &= report("a new pair of phase axes", pairs, 200)
            ok &= report("a path along a parameter (new)", paths, 200)

            measure(select_js("model-select", EXTENSION))
            model = load_model(EXTENSION)
            import random

            rng = random.Random(15)
            slider_ms = []
            for _ in range(moves):
                p = rng.choice(model.parameters)
                lo, hi = page.evaluate(f"[sliderOf('{p.name}').min, sliderOf('{p.name}').max]")
                value = round(lo + (hi - lo) * rng.uniform(0.2, 0.8), 6)
                slider_ms.append(measure(slider_js(p.name, value)))
            ok &= report(f"slider moves on {EXTENSION}", slider_ms, 200)

            printed = []
            measure(select_js("model-select", "li-ke-2020"))
            printed.append(measure("const t = document.getElementById('printed-toggle'); t.checked = true; "
                                   "t.dispatchEvent(new Event('change'));"))
            for value in (0.3, 0.45, 0.6, 0.75):
                printed.append(measure(slider_js("K", value)))
            ok &= report("printed-vs-derived on, then slider moves", printed, 200)
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"server CPU time (its process and workers): {used.ru_utime + used.ru_stime:.1f} s", flush=True)
    print("all targets met" if ok else "SOME TARGETS NOT MET", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
