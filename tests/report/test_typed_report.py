"""``inframarginal report`` of a model with types: it writes, and its numbers are the hand-derived ones.

The Ricardian model of Cheng, Sachs and Yang (2000) at its defaults (a1x = 2, the other
productivities 1, k = 0.8, b = 1, M1 = M2 = 1); the derivation is in
tests/heterogeneous/test_ricardian.py.  With ``p = p_x / p_y``, complete specialization needs
``p = M2 a2y / (M1 a1x) = 0.5`` to be at least ``a1y / (k a1x) = 0.625``: it is not, so home
splits between (x/y) and autarky (partial specialization P2) at ``p = 0.625``. Home gains nothing
(u1 = a1x a1y / 4 = 0.5); foreign gets ``k a2y**2 / (4 p) = 0.32`` against its autarky 0.25 (gain
+28 %); home sellers of x: ``n1x = M2 a2y / (p a1x) = 0.8``, 0.2 stay in autarky.

Over (M1, M2), with r = M2 / M1: complete specialization where ``0.625 <= r / 2 <= k = 0.8``, i.e.
``1.25 <= r <= 1.6``; P2 (home split) below, P1 (foreign split) above.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from inframarginal.cli import main
from inframarginal.errors import InframarginalError
from inframarginal.heterogeneous.spec import build_typed_model
from inframarginal.modelfile import load_model
from inframarginal.report.settings import ReportSettings
from inframarginal.report.typed import axis_range, phase_axes

NAME = "cheng-sachs-yang-2000-ricardian"
P2 = "home (x/y) (xy) | foreign (y/x)"
P1 = "home (x/y) | foreign (y/x) (xy)"
C = "home (x/y) | foreign (y/x)"
GRID = 12


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from inframarginal.report.typed import write_typed_report

    out = tmp_path_factory.mktemp("typed") / "r"
    path = write_typed_report(load_model(NAME), out, ReportSettings(grid=GRID))
    return out, path


def test_writes_report_figures_and_results(written):
    out, path = written
    assert path == out / "report.html" and path.is_file() and (out / "report.md").is_file()
    for stem in ("network-1", "phase"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000
    md = (out / "report.md").read_text("utf-8")
    assert "## Types" in md and "## Phase diagram over M1 and M2" in md
    assert f"| {P2.replace('|', chr(92) + '|')} | 0 | 0.5 | +0 | 0.32 | +0.28 |" in md


def test_equilibrium_numbers_are_the_hand_derived_ones(written):
    data = json.loads((written[0] / "results.json").read_text("utf-8"))
    ge = data["general_equilibria"][0]
    assert ge["structure"] == P2 and ge["pareto_rank"] == 0
    assert ge["utilities"]["home"] == pytest.approx(0.5, rel=1e-8)
    assert ge["utilities"]["foreign"] == pytest.approx(0.8 / (4 * 0.625), rel=1e-8)
    assert ge["gain_over_autarky"]["home"] == pytest.approx(0.0, abs=1e-8)
    assert ge["gain_over_autarky"]["foreign"] == pytest.approx(0.32 / 0.25 - 1, rel=1e-8)
    assert ge["prices"]["x"] / ge["prices"]["y"] == pytest.approx(0.625, rel=1e-8)
    assert ge["numbers"]["home"]["(x/y)"] == pytest.approx(0.8, rel=1e-8)
    assert data["autarky_utilities"] == pytest.approx({"home": 0.5, "foreign": 0.25}, rel=1e-8)


def test_numbers_match_solve(written):
    result = CliRunner().invoke(main, ["solve", NAME, "--format", "json"])
    assert result.exit_code == 0, result.output
    solved = json.loads(result.output)
    reported = json.loads((written[0] / "results.json").read_text("utf-8"))
    assert [g["structure"] for g in reported["general_equilibria"]] == \
        [g["structure"] for g in solved["general_equilibria"]]
    for a, b in zip(reported["general_equilibria"], solved["general_equilibria"], strict=True):
        assert a["utilities"] == pytest.approx(b["utilities"], rel=1e-12)
        assert a["gain_over_autarky"] == pytest.approx(b["gain_over_autarky"], rel=1e-12, abs=1e-12)


def test_phase_diagram_regions_match_the_ratio_of_populations(written):
    phase = json.loads((written[0] / "results.json").read_text("utf-8"))["phase_diagram"]
    assert (phase["x"], phase["y"]) == ("M1", "M2") and phase["grid"] == GRID
    m1 = np.linspace(*phase["x_range"], GRID)
    m2 = np.linspace(*phase["y_range"], GRID)
    r = m2[:, None] / m1[None, :]
    expected = {P2: int((r < 1.25).sum()), C: int(((r >= 1.25) & (r <= 1.6)).sum()), P1: int((r > 1.6).sum())}
    on_edge = int((np.isclose(r, 1.25, rtol=1e-9) | np.isclose(r, 1.6, rtol=1e-9)).sum())
    found = phase["general_equilibria"]
    assert set(found) <= set(expected) and sum(found.values()) == GRID * GRID
    for name, count in expected.items():
        assert abs(found.get(name, 0) - count) <= on_edge


def test_cli_writes_a_typed_report(tmp_path, monkeypatch):
    monkeypatch.setattr(ReportSettings, "small", classmethod(lambda cls: cls(grid=6)))
    result = CliRunner().invoke(main, ["report", NAME, "--out", str(tmp_path / "r"), "--size", "small"])
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output and (tmp_path / "r" / "figures" / "phase.png").is_file()


def test_axis_ranges_stay_inside_open_and_closed_domains():
    model = load_model(NAME)
    assert axis_range(model.parameter("M1")) == (0.25, 4.0)
    lo, hi = axis_range(model.parameter("k"))  # (0, 1], default 0.8: 0.2 to 1, 1 included
    assert (lo, hi) == (0.2, 1.0)


def test_phase_axes_need_two_types_with_parameters():
    """Foreign with mass 1 and the common technologies: only home has parameters of its own."""
    import tomllib
    from importlib import resources

    spec = tomllib.loads(resources.files("inframarginal.heterogeneous.models").joinpath(
        f"{NAME}.toml").read_text("utf-8"))
    spec["types"]["foreign"] = {"mass": "1"}
    with pytest.raises(InframarginalError, match="two types with a parameter of their own"):
        phase_axes(build_typed_model(spec))


def test_a_model_with_too_many_structures_gets_no_phase_diagram_but_a_command(tmp_path, monkeypatch):
    import inframarginal.report.typed as typed

    monkeypatch.setattr(typed, "PHASE_STRUCTURES", 10)  # the Ricardian model has 33 structures
    typed.write_typed_report(load_model(NAME), tmp_path, ReportSettings(grid=4))
    phase = json.loads((tmp_path / "results.json").read_text("utf-8"))["phase_diagram"]
    assert phase["grid"] == 0 and "33 structures" in phase["not_drawn"]
    assert f"inframarginal sweep {NAME} --axis M1=0.25:4:20 --axis M2=0.25:4:20" in phase["not_drawn"]
    assert not (tmp_path / "figures" / "phase.png").exists()
    assert (tmp_path / "figures" / "network-1.png").exists()
