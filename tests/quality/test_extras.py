"""A missing optional extra is one line naming the extra, exit status 2 (simulated by hiding
the extra's modules in sys.modules, which makes their import raise ModuleNotFoundError)."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from inframarginal.cli import main
from inframarginal.extras import MissingExtraError, missing_extra


def hide(monkeypatch, *modules: str) -> None:
    """Make ``import M`` fail for each M (and its submodules already imported)."""
    for name in list(sys.modules):
        if name.split(".")[0] in modules:
            monkeypatch.delitem(sys.modules, name)
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_serve_without_web_extra(monkeypatch):
    hide(monkeypatch, "uvicorn", "fastapi", "starlette", "pydantic")
    monkeypatch.delitem(sys.modules, "inframarginal.web", raising=False)
    monkeypatch.delitem(sys.modules, "inframarginal.web.app", raising=False)
    line = one_line_error(CliRunner().invoke(main, ["serve", "--port", "0"]))
    assert line.startswith("error: ")
    assert 'pip install "inframarginal[web]"' in line and "serve" in line


def test_zarr_sweep_without_distributed_extra(monkeypatch, tmp_path):
    hide(monkeypatch, "zarr", "dask", "distributed")
    monkeypatch.delitem(sys.modules, "inframarginal.zarr_store", raising=False)
    out = tmp_path / "s.zarr"
    result = CliRunner().invoke(main, ["sweep", "yang-2001-specialization", "--axis", "k=0.1:1:5",
                                       "--out", str(out)])
    line = one_line_error(result)
    assert "[distributed]" in line and 'pip install "inframarginal[distributed]"' in line


def test_other_missing_modules_are_not_dressed_up():
    assert missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
    assert missing_extra(ImportError("cannot import name 'x'")) is None


@pytest.mark.parametrize(("module", "extra"), [("uvicorn", "web"), ("pydantic", "web"),
                                               ("dask", "distributed"), ("zarr", "distributed"),
                                               ("jax", "gpu")])
def test_each_extra_module_names_its_extra(module, extra):
    err = missing_extra(ModuleNotFoundError(f"No module named '{module}'", name=f"{module}.sub"))
    assert isinstance(err, MissingExtraError) and err.extra == extra
    assert f"inframarginal[{extra}]" in str(err) and repr(module) in str(err)
