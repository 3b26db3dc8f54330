"""Models with types (issue 17): one point of a two-type three-good model, and a Ricardian phase diagram.

Run: python benchmarks/bench_types.py [--quick]
CPU seconds (time.process_time) on one core; targets: a two-type three-good model at one point
< 2 s; a 200 x 200 phase diagram of the Ricardian model < 10 s.  The baseline measured in the
same run is the engine's own one-type solve of li-ke-2020 (numeric, its seven named structures),
so the ratio says how a point with types compares with a point without.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def cpu(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    quick = "--quick" in sys.argv
    from inframarginal import load_model

    two_locations = load_model("li-ke-2020-two-locations")
    seed = load_model("li-ke-2020")
    two_locations.solve()  # warm: configurations, compiled programmes
    seed.solve(method="numeric")
    baseline = cpu(lambda: seed.solve(method="numeric"))
    point = cpu(lambda: two_locations.solve())
    n = len(two_locations.solve().corner_equilibria)
    print(f"two types, three goods (li-ke-2020-two-locations), one point, {n} structures: {point:.3f} s CPU "
          f"(target < 2 s); baseline li-ke-2020 numeric (7 structures, one type) {baseline:.3f} s: "
          f"ratio {point / baseline:.1f}")

    ricardian = load_model("cheng-sachs-yang-2000-ricardian")
    side = 20 if quick else 200
    grid = {"M2": np.linspace(0.2, 4.0, side), "k": np.linspace(0.5, 1.0, side)}
    ricardian.sweep({"M2": grid["M2"][:2], "k": grid["k"][:2]})
    start = time.process_time()
    ds = ricardian.sweep(grid)
    seconds = time.process_time() - start
    kinds = len(set(ds["general_equilibrium"].values.ravel().tolist()))
    print(f"Ricardian phase diagram {side} x {side} over (M2, k): {seconds:.2f} s CPU (target < 10 s at "
          f"200 x 200), {side * side / seconds:.0f} points/s, {kinds} general equilibria")


if __name__ == "__main__":
    main()
