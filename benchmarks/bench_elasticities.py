"""Elasticities (issue 15, item 2): closed form, implicit function theorem, finite differences.

Run: python benchmarks/bench_elasticities.py [--quick]
Per structure of li-ke-2020 at its defaults, CPU time of one full quantity x parameter table
by the compiled closed-form derivatives (after the first call), by the implicit function
theorem on the numeric corner equilibrium, and of the baseline measured in the same run:
central finite differences of the numeric corner equilibrium (2 solves per parameter).
The first (cold) call, which differentiates and compiles, is timed separately.
"""

from __future__ import annotations

import statistics
import sys
import time


def cpu(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.process_time()
        function()
        times.append(time.process_time() - t)
    return statistics.median(times)


def main() -> None:
    repeat = 3 if "--quick" in sys.argv else 10
    import inframarginal as im
    from inframarginal.elasticities import structure_elasticities
    from inframarginal.equilibrium import corner_equilibrium, solve

    model = im.load_model("li-ke-2020")
    values = model.check_parameters()
    solve(model, values)  # closed forms loaded (or derived) before timing
    structures = list(model.structures())
    t = time.process_time()
    for s in structures:
        structure_elasticities(model, s, values)
    print(f"first call (differentiate and compile every structure): {time.process_time() - t:.2f} s CPU")

    def finite_differences(s):
        for p in model.parameters:
            for sign in (1, -1):
                corner_equilibrium(model, s, {**values, p.name: values[p.name] * (1 + sign * 1e-5)}, "numeric")

    print(f"{'structure':<10}{'closed form':>14}{'IFT':>12}{'FD baseline':>14}{'FD/IFT':>9}")
    for s in structures:
        closed = cpu(lambda s=s: structure_elasticities(model, s, values), repeat)
        implicit = cpu(lambda s=s: structure_elasticities(model, s, values, "numeric"), repeat)
        fd = cpu(lambda s=s: finite_differences(s), max(1, repeat // 3))
        print(f"{s.name:<10}{closed * 1e3:>11.2f} ms{implicit * 1e3:>9.2f} ms{fd * 1e3:>11.2f} ms{fd / implicit:>8.1f}x")


if __name__ == "__main__":
    main()
