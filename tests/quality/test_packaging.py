"""Packaging: one version, license and citation files, extras that match the imports, and the
README's two commands as CI runs them."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import metadata, version
from pathlib import Path

import inframarginal

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / "src" / "inframarginal" / package).rglob("*.py"):
        for m in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", path.read_text("utf-8"), re.MULTILINE):
            found.add(m.group(1))
    return found


def test_one_version():
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "inframarginal.__version__"}
    assert version("inframarginal") == inframarginal.__version__
    cff = (ROOT / "CITATION.cff").read_text("utf-8")
    assert re.search(rf"^version: {re.escape(inframarginal.__version__)}$", cff, re.MULTILINE)
    assert f"## [{inframarginal.__version__}]" in (ROOT / "CHANGELOG.md").read_text("utf-8")


def test_license_and_metadata():
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")
    meta = metadata("inframarginal")
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("Classifier") and meta["Author"]
    assert "Typing :: Typed" in meta.get_all("Classifier")


def test_web_extra_matches_what_the_explorer_imports():
    web = " ".join(PYPROJECT["project"]["optional-dependencies"]["web"])
    imported = _imports("web")
    assert "pydantic" in imported and "pydantic" in web
    assert "multipart" not in imported and "python-multipart" not in web
    for module in ("fastapi", "uvicorn"):
        assert module in web


def test_readme_commands_and_ci():
    readme = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.DOTALL)
    main_job = next(b for b in blocks if "inframarginal report" in b)
    tests = next(b for b in blocks if "pytest" in b)
    # the main job installs the base package only; contributors' tools are not needed for it
    assert 'pip install -e .' in main_job and "[dev]" not in main_job
    assert '".[dev]"' in tests
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert ci.rstrip().splitlines()[-1] == tests.strip()
