"""Central rules have one home each: a second copy of one fails here."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "inframarginal"


def _calls(name: str) -> set[str]:
    """Modules (paths relative to the package) that call an attribute or function ``name``."""
    out = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                if (isinstance(f, ast.Attribute) and f.attr == name) or (isinstance(f, ast.Name) and f.id == name):
                    out.add(str(path.relative_to(SRC)))
    return out


def test_formulas_become_functions_in_one_place():
    assert _calls("lambdify") == {"expressions.py"}


def test_the_general_equilibrium_rule_is_called_not_copied():
    # general_equilibrium_at is the rule; the deprecated alias in backends only forwards to it.
    assert _calls("general_equilibrium_code") == set()
    # results.py: the rule itself, and solve's choice at one point (general_equilibrium_of)
    assert {"results.py", "sweep.py", "path.py", "report/equilibria.py"} <= _calls("general_equilibrium_at")


def test_caches_keyed_by_a_model_live_on_the_model():
    # functools.cache on a function of a model keeps every model alive for ever (uploads to the
    # explorer included); memo.model_cache keeps the entries on the model and frees them with it.
    offenders = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.args.args and node.args.args[0].arg == "model":
                names = {d.id if isinstance(d, ast.Name) else getattr(d, "attr", "") for d in node.decorator_list}
                if names & {"cache", "lru_cache"}:
                    offenders.add(f"{path.relative_to(SRC)}:{node.name}")
    assert offenders == set()
