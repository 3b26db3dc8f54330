"""The ``beach`` CLI and the beach report."""

from __future__ import annotations

import json

from click.testing import CliRunner

from inframarginal.cli import main
from inframarginal.location.report import write_beach_report


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_equilibria_json_shape():
    r = run("beach", "equilibria", "--sellers", "2", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert set(d) == {"sellers", "topology", "exists", "reason", "equilibria", "continuum"}
    assert d["equilibria"] == [{"positions": ["1/2", "1/2"], "shares": ["1/2", "1/2"]}]
    assert d["continuum"] is None and d["topology"] == "line" and d["exists"] is True


def test_equilibria_json_circle_and_none():
    d = json.loads(run("beach", "equilibria", "-n", "3", "--circle", "--format", "json").output)
    assert d["topology"] == "circle" and d["continuum"]
    d = json.loads(run("beach", "equilibria", "-n", "3", "--format", "json").output)
    assert d["exists"] is False and d["equilibria"] == []


def test_optimum_json():
    d = json.loads(run("beach", "optimum", "--sellers", "2", "--format", "json").output)
    assert d["positions"] == ["1/4", "3/4"] and d["average_distance"] == "1/8"
    assert d["welfare_gap"] == "1/8"


def test_dynamics_and_plot(tmp_path):
    gif = tmp_path / "b.gif"
    r = run(
        "beach",
        "dynamics",
        "--start",
        "0.1,0.9",
        "--epsilon",
        "1/10",
        "--plot",
        str(gif),
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["final"] == ["1/2", "1/2"] and d["converged"] and gif.exists()


def test_shares_pricing_crosscheck():
    assert "1/2" in run("beach", "shares", "--positions", "1/4,3/4").output
    d = json.loads(run("beach", "pricing", "--cost", "linear", "--format", "json").output)
    assert d["exists"] is False
    d = json.loads(run("beach", "pricing", "--locations", "0,1", "--format", "json").output)
    assert d["prices"] == ["1", "1"]
    assert "agree = True" in run("beach", "crosscheck", "-n", "3").output


def test_bad_input_exit_code_2():
    for args in (
        ("beach", "equilibria", "--sellers", "0"),
        ("beach", "shares", "--positions", "0.5,1.5"),
        ("beach", "dynamics", "--start", "abc"),
        ("data", "show", "nope"),
    ):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "error:" in r.output or "Error" in r.output


def test_every_command_has_help():
    for args in (
        ("beach",),
        ("beach", "equilibria"),
        ("beach", "optimum"),
        ("beach", "dynamics"),
        ("beach", "shares"),
        ("beach", "pricing"),
        ("beach", "best-response"),
        ("beach", "crosscheck"),
        ("data",),
        ("data", "list"),
        ("data", "show"),
        ("data", "validate"),
    ):
        r = run(*args, "--help")
        assert r.exit_code == 0 and "Usage" in r.output


def test_report_files_and_determinism(tmp_path):
    a = write_beach_report(tmp_path / "a")
    b = write_beach_report(tmp_path / "b")
    assert [p.name for p in a][:2] == ["beach.md", "beach.html"]
    assert all(p.exists() for p in a)
    assert a[0].read_text() == b[0].read_text() and a[1].read_text() == b[1].read_text()
    page = a[1].read_text()
    assert "://" not in page  # self-contained: no CDN, no remote resource
    assert "<script" not in page and "beach_dynamics.gif" in page
    md = a[0].read_text()
    assert "1/4, 3/4" in md and "-123.468.2" in md and "53%" in md
