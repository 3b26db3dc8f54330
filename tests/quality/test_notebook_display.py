"""Notebook-native: no backend switching at import, rich HTML display, figures shown in IPython."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import inframarginal as im
from inframarginal.location import find_equilibria
from inframarginal.location.dynamics import best_response_dynamics
from inframarginal.location.figures import beach_svg
from inframarginal.path import path_svg, structure_path


def test_importing_plots_and_report_keeps_the_users_backend_and_style():
    code = ("import matplotlib; matplotlib.use('svg'); "
            "import matplotlib as m; before = dict(m.rcParams); "
            "import inframarginal, inframarginal.phase, inframarginal.report, inframarginal.report.networks; "
            "changed = [k for k, v in m.rcParams.items() if before[k] != v]; "
            "print(matplotlib.get_backend(), changed)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["svg", "[]"]


def test_plots_do_not_touch_pyplot():
    code = ("import numpy as np, sys, inframarginal as im; from inframarginal.phase import plot_phase; "
            "m = im.load_model('yang-2001-specialization'); "
            "fig = plot_phase(m.sweep({'k': np.linspace(0.1, 1, 5)})); "
            "print(type(fig).__name__, 'matplotlib.pyplot' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Figure", "False"]


def test_model_html_lists_parameters_goods_technologies_and_counts():
    model = im.load_model("yang-2001-roundabout")
    page = model._repr_html_()
    for p in model.parameters:
        assert f"<td>{p.name}</td>" in page and str(p.domain) in page
    assert "elasticity of x output with respect to the intermediate good z" in page
    for g in ("x", "y", "z"):
        assert f"<td>{g}</td>" in page
    assert "z**alpha * l**a" in page
    # Lemma 1 with goods x, y (consumed) and z (input of x): 9 configurations, 4 structures named
    assert "9 configurations" in page and "4 structures studied" in page


def test_model_html_escapes_model_file_text():
    spec = dict(im.load_model("yang-2001-specialization").spec)
    spec["model"] = {"name": "esc", "title": "<script>alert(1)</script>"}
    page = im.build_model(spec)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.fixture(scope="module")
def path():
    return structure_path(im.load_model("yang-2001-specialization"), "k", 0.05, 1.0)


def test_path_html_has_switch_table_and_svg(path):
    page = path._repr_html_()
    # Yang (2001, ch. 4): autarky below k = 4**(1 - a) = 0.5 at a = 1.5, division of labour above
    assert "<td>A</td><td>D</td><td>0.5" in page
    assert "2**(2 - 2*a)" in page
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    root = ET.fromstring(svg)  # well-formed
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 2
    # the switch at k = 0.5 sits at (0.5 - 0.05) / 0.95 of the width
    line = root.find("{http://www.w3.org/2000/svg}line")
    assert float(line.get("x1")) == pytest.approx(560 * 0.45 / 0.95, abs=0.01)


def test_path_svg_alone_is_valid(path):
    ET.fromstring(path_svg(path, width=300))


def test_location_results_display():
    two = find_equilibria(2)
    page = two._repr_html_()
    # Hotelling: two sellers both at 1/2, each with half the market
    assert "1/2, 1/2" in page and "<svg" in page
    assert "verified equilibrium" in two.equilibria[0]._repr_html_()
    assert "no pure-strategy equilibrium" in find_equilibria(3)._repr_html_()
    tr = best_response_dynamics([0, 1], mode="sequential")
    assert "<svg" in tr._repr_html_() and "converged" in tr._repr_html_()


def test_beach_svg_places_sellers():
    root = ET.fromstring(beach_svg([0, 1], width=112))
    xs = sorted(float(c.get("cx")) for c in root.findall("{http://www.w3.org/2000/svg}circle"))
    assert xs == [12.0, 100.0]


def test_figures_display_as_png_in_ipython():
    pytest.importorskip("IPython")
    code = ("from IPython.core.interactiveshell import InteractiveShell; import numpy as np; "
            "shell = InteractiveShell.instance(); import inframarginal as im; "
            "from inframarginal.phase import plot_phase; "
            "fig = plot_phase(im.load_model('yang-2001-specialization').sweep({'k': np.linspace(0.1, 1, 5)})); "
            "data, _ = shell.display_formatter.format(fig); "
            "print(sorted(data), data['image/png'][:4] == b'\\x89PNG')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["['image/png',", "'text/plain']", "True"]
