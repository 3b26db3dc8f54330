"""Engine benchmarks (issue 2): symbolic derivation cold and cached, numeric corner equilibrium.

Run: python benchmarks/bench_engine.py
Prints measured times next to the targets; ratios are measured in the same run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import time, sys
t0 = time.perf_counter()
import inframarginal as im
from inframarginal.configurations import studied_structures
from inframarginal.symbolic import structure_closed_form
model = im.load_model("li-ke-2020")
t1 = time.perf_counter()
for s in studied_structures(model):
    structure_closed_form(model, s)
print(time.perf_counter() - t1)
"""


def derivation_seconds(cache: str) -> float:
    env = dict(os.environ, INFRAMARGINAL_CACHE=cache)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        cold = derivation_seconds(cache)
        warm = derivation_seconds(cache)
    print(f"symbolic derivation of all li-ke-2020 structures: cold {cold:.2f} s (target < 10 s), "
          f"from cache {warm:.3f} s (target < 1 s); cache speed-up {cold / warm:.0f}x")

    import inframarginal as im
    from inframarginal.equilibrium import corner_equilibrium

    model = im.load_model("li-ke-2020")
    values = model.check_parameters()
    rows = []
    for structure in model.structures():
        corner_equilibrium(model, structure, values, "numeric")
        times = []
        for _ in range(15):
            t = time.perf_counter()
            corner_equilibrium(model, structure, values, "numeric")
            times.append(time.perf_counter() - t)
        sym = []
        for _ in range(15):
            t = time.perf_counter()
            corner_equilibrium(model, structure, values, "symbolic")
            sym.append(time.perf_counter() - t)
        rows.append((structure.name, statistics.median(times), statistics.median(sym)))
    for name, num, sym in rows:
        print(f"  {name:<4} numeric {num * 1e3:7.2f} ms   compiled closed form {sym * 1e3:6.2f} ms   ratio {num / sym:6.1f}x")
    overall = statistics.median(t for _, t, _ in rows)
    print(f"numeric corner equilibrium, median over structures: {overall * 1e3:.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main()
