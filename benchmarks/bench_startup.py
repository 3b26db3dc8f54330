"""Start-up and warm-command benchmarks (issue 14): each command against a baseline in the same run.

Run: python benchmarks/bench_startup.py [--quick] [--report | --full-report]

Every figure is the CPU time (user + system) of a fresh ``inframarginal`` process, the
median of a few runs, with its wall time beside it.  Baselines, measured in the same run:

- ``--help``: the same process importing SymPy and SciPy first (what ``--help`` loaded
  before the package root and the command line became lazy);
- ``show li-ke-2020`` warm: its output kept in the disk cache against the model built with
  SymPy (``INFRAMARGINAL_NUMERIC_CACHE=0``, which turns kept outputs off too);
- ``solve li-ke-2020`` warm: the SymPy path (``INFRAMARGINAL_NUMERIC_CACHE=0``) on the
  same warm cache of closed forms;
- ``solve li-ke-2020`` cold (an empty cache): the same, which derives everything and, when
  the numeric cache is on, also writes the numeric bundle;
- the 2000 x 2000 seed sweep with its file, warm: with the compiled kernel from the disk
  cache against compiling it with SymPy (``INFRAMARGINAL_NUMERIC_CACHE=0``);
- the same sweep command on a 2 x 2 grid, warm (its fixed cost): the model's outline standing
  in for the model against the path before it, the model built with SymPy on the same warm
  cache (kernel, its check and the sample's certificates read from it; the outline's reader
  switched off in the process).  Not against ``INFRAMARGINAL_NUMERIC_CACHE=0``, which would
  compile the kernel and certify the sample again: not the cost the outline removes;
- ``report li-ke-2020 --size small`` warm and cold (only with ``--report``: minutes; the full
  report with ``--full-report``: tens of minutes): with against without the numeric caches.

``--quick`` runs each command once and skips the sweep.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUICK = "--quick" in sys.argv
FULL_REPORT = "--full-report" in sys.argv
REPORT = "--report" in sys.argv or FULL_REPORT
REPEAT = 1 if QUICK else 3
OFF = {"INFRAMARGINAL_NUMERIC_CACHE": "0"}


def run(args: list[str], cache: str, env: dict[str, str] | None = None, prelude: str = "") -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one ``inframarginal`` process."""
    code = f"{prelude}import sys; from inframarginal.cli import main; main(sys.argv[1:], prog_name='inframarginal')"
    # an installed package runs from compiled bytecode: a session that turns writing it off
    # would time Python's compiler on every command
    full_env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
                "INFRAMARGINAL_CACHE": cache, **(env or {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], env=full_env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def median(args: list[str], cache: str, env: dict[str, str] | None = None, prelude: str = "",
           repeat: int = REPEAT) -> tuple[float, float]:
    runs = [run(args, cache, env, prelude) for _ in range(repeat)]
    return statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs)


def cold(args: list[str], env: dict[str, str] | None = None, repeat: int = REPEAT) -> tuple[float, float]:
    """Each run on an empty cache."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            runs.append(run(args, cache, env))
    return statistics.median(c for c, _ in runs), statistics.median(w for _, w in runs)


def row(name: str, measured: tuple[float, float], baseline: tuple[float, float], target: str) -> None:
    print(f"{name:<44} {measured[0]:7.2f} s CPU ({measured[1]:6.2f} s wall)   baseline {baseline[0]:7.2f} s CPU "
          f"({baseline[1]:6.2f} s wall)   {baseline[0] / measured[0]:5.1f}x   {target}", flush=True)


def main() -> None:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"(1, 5, 15 min) on {os.cpu_count()} cores; CPU time of each process, median of {REPEAT}", flush=True)
    with tempfile.TemporaryDirectory() as warm, tempfile.TemporaryDirectory() as out:
        row("--help", median(["--help"], warm), median(["--help"], warm, prelude="import sympy, scipy.optimize; "),
            "target < 0.3 s")
        show = ["show", "li-ke-2020"]
        run(show, warm)  # keeps its output
        row("show li-ke-2020, warm", median(show, warm), median(show, warm, OFF),
            "kept output vs built with SymPy")
        solve = ["solve", "li-ke-2020"]
        run(solve, warm)  # derives and stores the closed forms and the bundle
        row("solve li-ke-2020, warm", median(solve, warm), median(solve, warm, OFF), "target < 0.5 s")
        row("solve li-ke-2020 --format json, warm", median([*solve, "--format", "json"], warm),
            median([*solve, "--format", "json"], warm, OFF), "target < 0.5 s")
        row("solve li-ke-2020, cold (empty cache)", cold(solve), cold(solve, OFF), "target < 3 s")
        tiny = ["sweep", "li-ke-2020", "--axis", "K=0.05:1:2", "--axis", "t=0:0.9:2", "--out",
                str(Path(out) / "tiny.nc")]
        run(tiny, warm)  # keeps the kernel, its check, the sample's certificates and the outline
        row("sweep 2 x 2 --out tiny.nc, warm", median(tiny, warm),
            median(tiny, warm, prelude="import inframarginal.outline as o; o.load_outline = lambda name: None; "),
            "target < 0.25 s wall; vs the model built")
        if not QUICK:
            nc = str(Path(out) / "big.nc")
            sweep = ["sweep", "li-ke-2020", "--axis", "K=0.05:1:2000", "--axis", "t=0:0.9:2000", "--out", nc]
            run(sweep, warm)  # stores the kernel
            row("sweep 2000 x 2000 --out big.nc, warm", median(sweep, warm), median(sweep, warm, OFF),
                "compiled kernel from the cache vs compiled by SymPy")
        if REPORT:
            size = "full" if FULL_REPORT else "small"
            report = ["report", "li-ke-2020", "--size", size, "--quiet", "--out", str(Path(out) / "report")]
            row(f"report li-ke-2020 --size {size}, cold", cold(report, repeat=1), cold(report, OFF, repeat=1),
                "numeric caches on vs off")
            run(report, warm)
            row(f"report li-ke-2020 --size {size}, warm", median(report, warm, repeat=1),
                median(report, warm, OFF, repeat=1), "numeric caches on vs off")


if __name__ == "__main__":
    main()
