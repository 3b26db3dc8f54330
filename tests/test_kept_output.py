"""``models`` and a warm ``show`` import neither SymPy nor SciPy, and print what the full path prints."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import inframarginal

MODELS = Path(inframarginal.__file__).parent / "models"


def test_models_imports_neither_sympy_nor_scipy(tmp_path, cli_modules):
    result = cli_modules("models", env={**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path)})
    assert "MODULES []" in result.stderr and "li-ke-2020" in result.stdout


@pytest.mark.parametrize("options", [(), ("--format", "json"), ("--count",)])
def test_warm_show_imports_neither_sympy_nor_scipy_and_prints_the_same(tmp_path, options, cli_modules):
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path)}
    cold = cli_modules("show", "li-ke-2020", *options, env=env)
    assert "MODULES ['sympy']" in cold.stderr  # the first show builds the model
    warm = cli_modules("show", "li-ke-2020", *options, env=env)
    assert "MODULES []" in warm.stderr
    baseline = cli_modules("show", "li-ke-2020", *options, env={**env, "INFRAMARGINAL_NUMERIC_CACHE": "0"})
    assert "sympy" in baseline.stderr
    assert warm.stdout == cold.stdout == baseline.stdout
    assert "li-ke-2020" in warm.stdout


def test_show_of_a_model_file_follows_its_content_and_its_name(tmp_path, cli_modules):
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path / "cache")}
    path = tmp_path / "mine.toml"
    text = (MODELS / "yang-2001-specialization.toml").read_text()
    path.write_text(text)
    first = cli_modules("show", str(path), env=env)
    warm = cli_modules("show", str(path), env=env)
    assert "MODULES []" in warm.stderr and warm.stdout == first.stdout and str(path) in warm.stdout
    # the same content under another name prints that name (show says where the model came from)
    other = tmp_path / "other.toml"
    other.write_text(text)
    assert str(other) in cli_modules("show", str(other), env=env).stdout
    # an edited file is shown as it is now, not as it was kept
    assert "default = 0.6" in text
    path.write_text(text.replace("default = 0.6", "default = 0.25", 1))
    edited = cli_modules("show", str(path), env=env)
    assert "MODULES ['sympy']" in edited.stderr
    assert edited.stdout != first.stdout and "0.25" in edited.stdout


def test_a_failing_show_keeps_nothing(tmp_path):
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path / "cache")}
    bad = tmp_path / "bad.toml"
    bad.write_text((MODELS / "yang-2001-specialization.toml").read_text() + "\n[symmetry]\ninterchangeable = 3\n")
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "inframarginal", "show", str(bad)], capture_output=True,
                                text=True, env=env, timeout=300)
        assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stdout == ""
