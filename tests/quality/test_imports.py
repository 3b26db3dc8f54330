"""The layering of pyproject.toml's [tool.importlinter] holds: no module imports one above it.

Lazy imports inside functions count (grimp reads every import statement); only imports made
for type checkers alone are left out.  The second test checks the contract itself, so that
an emptied or loosened contract cannot pass unnoticed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_lint_imports_keeps_every_contract():
    pytest.importorskip("importlinter", reason="needs import-linter (the [dev] extra)")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "lint-imports not found next to the interpreter"
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_no_import_cycle_anywhere_at_module_level():
    grimp = pytest.importorskip("grimp", reason="needs grimp (import-linter, the [dev] extra)")
    graph = grimp.build_graph("inframarginal", exclude_type_checking_imports=True)
    # Tarjan's strongly connected components over every module (not only siblings).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert cycles == []
    # The package root is the facade: no submodule imports it.
    assert graph.find_modules_that_directly_import("inframarginal") == set()


def test_the_layers_contract_covers_the_engine():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}
    engine = {"model", "lemma1", "configurations", "enumeration", "equilibrium", "sweep", "path",
              "zarr_store", "report", "audit", "api", "web", "cli"}
    assert engine <= named
    order = [layer.split("|")[0].strip() for layer in layers]
    assert order.index("cli") < order.index("audit") < order.index("report") < order.index("equilibrium")
    assert order.index("equilibrium") < order.index("model")
