"""A long run of the engine's invariants at random admissible points of every built-in model.

The checks and the sampler are those of ``tests/test_invariants.py`` (the test suite runs a
bounded sample of the same); here many more points, with a report of the points tried, the
violations (with their parameter points) and what the solutions themselves reported
(their notes: incomes outside floating-point range, failed total cost-benefit checks).

Run: python benchmarks/invariants_long.py [--points 200] [--numeric-every 5] [--seed 1]
                                          [--model NAME ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

import inframarginal as im


def _checks():
    """The invariant checks of the test suite (one definition for both)."""
    path = Path(__file__).resolve().parent.parent / "tests" / "test_invariants.py"
    spec = importlib.util.spec_from_file_location("invariant_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _kind(note: str) -> str:
    """A short class of a note, for the summary."""
    for key in ("not studied", "rises without bound", "not an equilibrium", "outside floating-point range",
                "residuals"):
        if key in note:
            return key
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="points per model")
    parser.add_argument("--numeric-every", type=int, default=5,
                        help="also solve every N-th point by the numeric path (slow) and compare")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", action="append", help="only these models (repeatable)")
    parser.add_argument("--json", default=None, help="write the findings to this JSON file")
    args = parser.parse_args(argv)
    checks = _checks()
    models = args.model or list(im.builtin_models())
    report = {}
    total_bad = 0
    for name in models:
        model = im.load_model(name)
        rng = np.random.default_rng(args.seed)
        model.solve()  # compile the closed forms outside the timing
        started = time.perf_counter()
        bad, notes, numeric = {}, Counter(), 0
        examples: dict[str, dict[str, float]] = {}
        for i in range(args.points):
            point = checks.sample_point(model, rng)
            both = args.numeric_every > 0 and i % args.numeric_every == 0
            numeric += both
            found = checks.violations(model, point, numeric=both)
            if found:
                bad[json.dumps(point)] = found
            for note in checks.reported(model.solve(point)):
                kind = _kind(note)
                notes[kind] += 1
                examples.setdefault(kind, point)
        seconds = time.perf_counter() - started
        total_bad += len(bad)
        report[name] = {"points": args.points, "numeric_points": numeric, "violations": bad,
                        "reported": dict(notes), "reported_examples": examples, "seconds": seconds}
        print(f"{name:<36} {args.points:>5} points ({numeric} also numeric) in {seconds:7.1f} s: "
              f"{len(bad)} with violations; reported by the solutions: {dict(notes) or 'nothing'}", flush=True)
        for point, lines in list(bad.items())[:5]:
            print(f"    at {point}:")
            for line in lines:
                print(f"      {line}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    print(f"total: {sum(r['points'] for r in report.values())} points, {total_bad} with violations")
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
