"""The engine speaks in neutral words: no command-line flag in its messages.

An engine module names an argument (``field=``, ``use=(("method", "search"),)``) and the
command line writes it as a flag (:mod:`inframarginal.cli.flags`).  This scans the string
constants of every module outside the edges (``cli/``, ``web/``) for a flag; docstrings
are documentation and are not scanned.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from inframarginal.cli.flags import FLAGS, SWITCHES

SRC = Path(__file__).resolve().parents[2] / "src" / "inframarginal"

#: The edges: they speak the command line's (or the browser's) language.
EDGES = ("cli/", "web/")
#: Texts that tell a reader which command reproduces a figure: documentation of the command line.
ALLOWED = {
    "report/typed.py": {"--axis", "--plot"},
    "audit/sections.py": {"--format"},
}

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def flags_in(source: str) -> set[str]:
    """Flags named by the string constants of ``source`` (f-string parts included, docstrings not)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return {flag for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
            for flag in FLAG.findall(node.value)}


def _engine_modules() -> list[tuple[str, str]]:
    return [(path.relative_to(SRC).as_posix(), path.read_text("utf-8")) for path in sorted(SRC.rglob("*.py"))
            if not path.relative_to(SRC).as_posix().startswith(EDGES)]


def test_the_scan_sees_a_flag_in_a_message_and_none_in_a_docstring():
    source = '"""Run ``solve --method search``."""\nraise E(f"{n} structures; use --method search")\nx = a - -b\n'
    assert flags_in(source) == {"--method"}
    assert flags_in('raise E("no flag here: a--b, -- alone")') == set()


def test_no_engine_message_names_a_flag():
    found, allowed = {}, {}
    for name, source in _engine_modules():
        flags = flags_in(source)
        allowed[name] = flags & ALLOWED.get(name, set())
        if flags - ALLOWED.get(name, set()):
            found[name] = sorted(flags - ALLOWED.get(name, set()))
    assert found == {}, "name the argument (field=, use=) and let inframarginal.cli.flags print the flag"
    assert {n: a for n, a in allowed.items() if a} == ALLOWED  # no stale entry in the allow-list


def test_every_field_the_engine_names_has_a_flag():
    """A field without a flag would reach command-line users in Python words."""
    named: set[tuple[str, object]] = set()
    for _, source in _engine_modules():
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "field" and isinstance(kw.value, ast.Constant):
                    named.add((kw.value.value, None))
                if kw.arg == "use" and isinstance(kw.value, ast.Tuple):
                    for pair in kw.value.elts:
                        if isinstance(pair, ast.Tuple) and isinstance(pair.elts[0], ast.Constant):
                            value = pair.elts[1].value if isinstance(pair.elts[1], ast.Constant) else None
                            named.add((pair.elts[0].value, value))
    assert {"points", "method", "backend", "structures"} <= {f for f, _ in named}  # the scan finds them
    missing = {(f, v) for f, v in named if f not in FLAGS and (f, v) not in SWITCHES}
    assert missing == set()
