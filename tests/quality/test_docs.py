"""The documentation builds with warnings as errors, and every notebook in it runs.

Sphinx executes each built-in model's notebook during the build (MyST-NB,
``nb_execution_mode = "force"``), so a notebook that no longer runs fails this test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import inframarginal as im

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    for module in ("sphinx", "myst_nb", "sphinx_click", "ipykernel"):
        pytest.importorskip(module, reason='needs the [docs] extra: pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("docs-html")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-j", "auto", "-b", "html",
         str(DOCS), str(out)],
        capture_output=True, text=True, timeout=900)
    # the Jupyter kernels' own notes on stderr (IPKernelApp, and tornado's log of a ZMQ
    # callback when parallel kernels shut down) are not Sphinx warnings
    problems = [line for line in run.stderr.splitlines()
                if ("WARNING" in line or "ERROR" in line)
                and "IPKernelApp" not in line and not line.startswith("ERROR:tornado")]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    assert not problems, "\n".join(problems)
    return out


def test_one_executed_notebook_per_builtin_model(site):
    for name in im.builtin_models():
        page = (site / "notebooks" / f"{name}.html").read_text("utf-8")
        assert "Traceback" not in page, name
        # executed: the model's rich display and a phase diagram rendered as an image
        assert 'class="inframarginal-model"' in page, name
        assert "data:image/png" in page or "<img" in page, name


def test_textbook_thresholds_in_notebooks(site):
    # the specialization notebook asserts k = 4**(1 - a) and shows the closed form 2**(2 - 2*a)
    page = (site / "notebooks" / "yang-2001-specialization.html").read_text("utf-8")
    assert "2**(2 - 2*a)" in page or "2^{2 - 2 a}" in page


def test_cli_reference_lists_every_command(site):
    page = (site / "cli.html").read_text("utf-8")
    from inframarginal.cli import main

    for name in main.commands:
        assert f'id="inframarginal-{name}"' in page, name


def test_model_file_reference_names_every_key(site):
    page = re.sub(r"<[^>]+>", "", (site / "model-file.html").read_text("utf-8"))
    # every section and key build_model accepts (model.py); a new key must be documented
    for key in ("[model]", "[parameters.NAME]", "[derived]", "[goods.NAME]", "[utility]",
                "[[technologies.GOOD]]", "[labour]", "[structures]", "name", "title", "description",
                "references", "default", "domain", "formula", "trading_efficiency", "weights",
                "output", "endowment", "configurations"):
        assert key in page, key


def test_api_reference_has_the_three_steps(site):
    page = (site / "api.html").read_text("utf-8")
    for name in ("load_model", "configurations", "corner_equilibrium", "general_equilibrium",
                 "deviation_check", "structure_path", "plot_phase"):
        assert f'id="inframarginal.{name}"' in page or f"{name}</span>" in page, name


def test_model_file_examples_build_and_agree():
    # the complete examples of the reference page, in TOML and in Python, are the same model;
    # Yang (2001, ch. 4): D is the general equilibrium above k = 4**(1 - a) = 0.5 at a = 1.5
    import tomllib

    text = (DOCS / "model-file.md").read_text("utf-8")
    toml = [b for b in re.findall(r"```toml\n(.*?)```", text, re.DOTALL) if "[model]" in b][-1]
    python = re.findall(r"```python\n(.*?)```", text, re.DOTALL)[-1]
    from_toml = im.build_model(tomllib.loads(toml))
    namespace: dict = {}
    exec(compile(python, "model-file.md", "exec"), namespace)  # our own documentation's example
    from_python = namespace["model"]
    for model in (from_toml, from_python):
        assert model.solve(k=0.51).general_equilibrium == "D"
        assert model.solve(k=0.49).general_equilibrium == "A"
