"""Run every benchmark (benchmarks/bench_*.py) in turn and print its output.

Run: python benchmarks/run.py [--quick]   (--quick is passed on to benchmarks that take it)

Among them bench_explorer.py, the explorer's interaction latencies measured in Chromium.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    status = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=here.parent)
        if result.returncode != 0:
            print(f"!! {script.name} failed with exit status {result.returncode}", flush=True)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
