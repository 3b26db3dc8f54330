"""CLI: show --count, solve --method search|exhaustive, and budget errors as one line with exit 2."""

import json

from click.testing import CliRunner

from inframarginal.cli import main

FILE = """
[model]
name = "symmetric-5"
[parameters.k]
default = 0.6
domain = "(0, 1]"
[parameters.a]
default = 1.5
domain = "[1, inf)"
[goods.x]
trading_efficiency = "k"
[goods.y]
trading_efficiency = "k"
[goods.z]
trading_efficiency = "k"
[goods.w]
trading_efficiency = "k"
[goods.v]
trading_efficiency = "k"
[utility]
weights = { x = 1, y = 1, z = 1, w = 1, v = 1 }
[technologies.x]
output = "l**a"
[technologies.y]
output = "l**a"
[technologies.z]
output = "l**a"
[technologies.w]
output = "l**a"
[technologies.v]
output = "l**a"
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_show_count_counts_without_listing(tmp_path):
    path = tmp_path / "five.toml"
    path.write_text(FILE)
    out = run("show", str(path), "--count", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["structures"] == 600946 and data["orbits"] == 5429 and data["symmetry_group_order"] == 120
    assert data["structures_by_number_of_traded_goods"] == {"2": 10, "3": 180, "4": 8495, "5": 592260}
    # Plain show of a model too large to list gives the counts and says so, instead of hanging.
    out = run("show", str(path))
    assert out.exit_code == 0 and "too many structures to list" in out.output


def test_solve_search_prints_the_certificate_and_the_ranking(tmp_path):
    path = tmp_path / "five.toml"
    path.write_text(FILE)
    out = run("solve", str(path), "--method", "orbits", "--set", "k=0.9", "--top", "3")
    assert out.exit_code == 0, out.output
    assert "certificate: exhaustive over 5,429 orbit representatives of 600,946 structures" in out.output
    assert "(x/yzwv) (y/xzwv) (z/xywv) (w/xyzv) (v/xyzw)" in out.output
    assert "deviation check passed" in out.output and "top 3:" in out.output


def test_budget_errors_are_one_line_with_exit_2(tmp_path):
    path = tmp_path / "five.toml"
    path.write_text(FILE)
    out = run("solve", str(path), "--method", "exhaustive", "--max-structures", "1000")
    assert out.exit_code == 2
    line = out.output.strip()
    assert "\n" not in line and line.startswith("error:")
    assert "600,946" in line and "1,000" in line and "--max-structures" in line
    assert line.endswith("; use a larger --max-structures or --method search")  # flags, not Python words
    out = run("solve", str(path), "--all-structures")
    assert out.exit_code == 2 and "600,946" in out.output and "--method search" in out.output
    # --all-structures has no limit to raise: only the methods that need no list are suggested
    assert out.output.strip().endswith("; use --method search or --method exhaustive")


def test_solve_exhaustive_names_an_unlisted_structure_that_beats_the_listed_ones():
    out = run("solve", "yang-2001-roundabout", "--method", "exhaustive", "--set", "k=0.909537",
              "--set", "a=1.004338", "--set", "alpha=0.326851", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["general_equilibrium"] == "(x/yz) (y/x) (zy/x)"
    assert "unlisted structure beats the listed ones" in data["listed"]


def test_a_declared_symmetry_the_model_does_not_hold_is_a_one_line_error(tmp_path):
    # x is made different (its own trading efficiency parameter, equal in value): swapping x and y
    # does not map the model onto itself, decided on the formulas.
    bad = FILE.replace("[goods.x]\ntrading_efficiency = \"k\"", "[goods.x]\ntrading_efficiency = \"kx\"")
    bad = bad.replace("[parameters.k]", "[parameters.kx]\ndefault = 0.6\ndomain = \"(0, 1]\"\n[parameters.k]")
    assert bad != FILE
    path = tmp_path / "declared.toml"
    path.write_text(bad + '\n[symmetry]\ninterchangeable = ["x", "y", "z"]\n')
    out = run("show", str(path), "--count")
    assert out.exit_code == 2
    line = out.output.strip()
    assert "\n" not in line and line.startswith("error:")
    assert "symmetry.interchangeable" in line and "'x' and 'y'" in line
    # Declared among goods that are interchangeable: accepted.
    path.write_text(bad + '\n[symmetry]\ninterchangeable = ["y", "z", "w", "v"]\n')
    assert run("show", str(path), "--count").exit_code == 0
    path.write_text(FILE + '\n[symmetry]\ninterchangeable = ["x", "q"]\n')
    out = run("show", str(path), "--count")
    assert out.exit_code == 2 and "'q' is not a good" in out.output


def test_plain_solve_certifies_the_listed_equilibrium_against_all_structures():
    out = run("solve", "yang-2001-roundabout", "--method", "numeric", "--set", "k=0.909537",
              "--set", "a=1.004338", "--set", "alpha=0.326851", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["general_equilibrium"]["listed_structure"] == "C"
    assert data["general_equilibrium"]["structure"] == "(x/yz) (y/x) (zy/x)"
    assert data["certification"]["unlisted_beats_listed"] and data["certification"]["certified_by"] == "bound"
    out = run("solve", "yang-2001-roundabout")
    assert "certification: certified by the welfare bound over all structures: C is the general" in out.output
