"""Large models (issue 13): counting, orbits, the stacked exact solver and the certified GE.

Run: python benchmarks/bench_large.py [--quick]   (--quick leaves out the 6-good orbit search)
Prints CPU seconds next to the targets.  The baseline is the engine's own numeric path
(``corner_equilibrium(..., "numeric")``) timed on a sample of structures of the same model in
the same run, extrapolated to all structures: the ratio is the speed-up of the batched path.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

from inframarginal.certified_path import certified_path
from inframarginal.configurations import configurations
from inframarginal.enumeration import count_structures, structure_blocks, structure_from_indices
from inframarginal.equilibrium import corner_equilibrium
from inframarginal.loglinear import configuration_arrays, solve_block
from inframarginal.model import build_model
from inframarginal.search import certified_equilibrium
from inframarginal.symmetry import count_orbits

GOODS = "xyzwvutr"


def symmetric(n: int, name: str = "symmetric"):
    """The symmetric n-good model; another ``name`` gives a model with cold caches."""
    goods = GOODS[:n]
    return build_model({
        "model": {"name": f"{name}-{n}"},
        "parameters": {"k": {"default": 0.6, "domain": "(0, 1]"}, "a": {"default": 1.5, "domain": "[1, inf)"},
                       "b": {"default": 0.02, "domain": f"[0, {1 / n})"}},
        "goods": {g: {"trading_efficiency": "k"} for g in goods},
        "utility": {"weights": {g: 1 for g in goods}},
        "technologies": {g: {"output": "(l - b)**a"} for g in goods},
    })


def cpu(function):
    t = time.process_time()
    value = function()
    return time.process_time() - t, value


def solve_all(model):
    arrays = configuration_arrays(model, model.check_parameters())
    solved = 0
    for traded, block in structure_blocks(model):
        solve_block(arrays, traded, block)
        solved += len(block)
    return solved


def numeric_baseline(model, sample: int = 30) -> float:
    """Seconds per structure of the engine's numeric path, on a random sample of trading structures."""
    values = model.check_parameters()
    rows = [row for _, block in structure_blocks(model) for row in block.tolist()]
    random.Random(0).shuffle(rows)
    t = time.process_time()
    for row in rows[:sample]:
        corner_equilibrium(model, structure_from_indices(model, row), values, "numeric")
    return (time.process_time() - t) / sample


def main() -> None:
    quick = "--quick" in sys.argv
    for n in (4, 5, 6, 7):
        seconds, total = cpu(lambda n=n: count_structures(symmetric(n)))
        print(f"count, symmetric {n} goods: {total:,} structures ({len(configurations(symmetric(n)))} "
              f"configurations) in {seconds:.3f} s, without listing")
    for n in (4, 5) if quick else (4, 5, 6):
        seconds, (total, orbits) = cpu(lambda n=n: count_orbits(symmetric(n)))
        print(f"orbits, symmetric {n} goods: {orbits:,} classes of {total:,} structures in {seconds:.2f} s")

    five = symmetric(5)
    per_structure = numeric_baseline(five)
    seconds, solved = cpu(lambda: solve_all(five))
    baseline = per_structure * solved
    print(f"all {solved:,} trading structures of the symmetric 5-good model solved (batched, exact) in "
          f"{seconds:.2f} s (target < 10 s); the numeric engine takes {per_structure * 1e3:.1f} ms per structure "
          f"(sampled in this run), {baseline / 3600:.1f} h for all: {baseline / seconds:,.0f}x")
    for n, target in ((5, 5), (6, 30)) if not quick else ((5, 5),):
        model = symmetric(n, "cold")  # nothing derived or compiled for it yet
        seconds, result = cpu(lambda model=model: certified_equilibrium(model, method="orbits"))
        print(f"certified GE by the orbit search, symmetric {n} goods: {result.general_equilibrium} in "
              f"{seconds:.2f} s (target < {target} s); {result.certificate}")
    # The welfare bound: a cold model each time (configurations compiled in the timing).
    for n, target in ((5, 5), (6, 30), (7, 60), (8, 60)):
        for k in (0.3, 0.9):
            model = symmetric(n, f"bound{int(k * 10)}")
            seconds, result = cpu(lambda model=model, k=k: certified_equilibrium(model, {"k": k, "a": 1.1}))
            print(f"certified GE by the welfare bound, symmetric {n} goods, k={k}: "
                  f"{result.general_equilibrium[:40]} in {seconds:.2f} s (target < {target} s); "
                  f"{result.how}, gap {result.gap:.1e}, {result.solved} candidates of {result.structures:.3g}")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from large.models import asymmetric5

    model = asymmetric5()
    seconds, result = cpu(lambda: certified_equilibrium(model))
    ex_seconds, ex = cpu(lambda: certified_equilibrium(model, method="exhaustive", limit=10**6))
    same = "same GE" if abs(ex.per_capita_real_income / result.per_capita_real_income - 1) < 1e-9 else "DIFFERENT GE"
    print(f"certified GE, asymmetric 5 goods with an intermediate good: {result.general_equilibrium} in "
          f"{seconds:.2f} s (target < 60 s; {result.how}); exhaustive over {ex.structures:,} structures "
          f"{ex_seconds:.2f} s ({same}, {ex_seconds / seconds:.0f}x)")
    model = symmetric(6, "path")
    seconds, path = cpu(lambda: certified_path(model, "k", 0.01, 1.0, {"a": 1.1}))
    print(f"certified path of the symmetric 6-good model over k in [0.01, 1]: {len(path.switches)} switch(es) at "
          + ", ".join(f"{s.value:.12g}" for s in path.switches) + f" in {seconds:.2f} s (target < 60 s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:,.0f} MB (target < 4 GB)")


if __name__ == "__main__":
    main()
