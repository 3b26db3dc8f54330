import json

from click.testing import CliRunner

from inframarginal.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_models_and_show():
    result = run("models", "--format", "json")
    assert result.exit_code == 0
    assert "li-ke-2020" in {m["name"] for m in json.loads(result.output)}
    shown = json.loads(run("show", "li-ke-2020", "--format", "json").output)
    assert len(shown["configurations"]) == 18
    assert set(shown["structures"]) == {"A", "B", "PA", "PB", "PC", "CCA", "CCB"}
    assert "18" in run("show", "li-ke-2020").output


def test_solve_json_has_the_documented_shape_and_precision():
    result = run("solve", "li-ke-2020", "--set", "K=1", "--set", "t=0", "--set", "F=0.05", "--set", "b=0.05",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "li-ke-2020"
    assert data["parameters"]["k"] == 1.0 and "beta" in data["parameters"]
    pc = data["structures"]["PC"]
    assert set(pc) >= {"exists", "reason", "prices", "numbers", "per_capita_real_income", "configurations",
                       "residuals"}
    # u_PC = k (1 - b)(1 - F)/4 with k = 1, b = F = 0.05, to 12 significant digits
    assert abs(pc["per_capita_real_income"] - 0.95 * 0.95 / 4) < 1e-15
    ge = data["general_equilibrium"]
    assert ge["structure"] == "PC" and ge["deviation_check"]["passed"] is True


def test_solve_reports_nonexistence_without_nan():
    data = json.loads(run("solve", "li-ke-2020", "--set", "alpha=1.5", "--format", "json").output)
    ccb = data["structures"]["CCB"]
    assert ccb["exists"] is False and "without bound" in ccb["reason"]
    assert ccb["per_capita_real_income"] is None


def test_latex_prints_closed_forms():
    out = run("solve", "li-ke-2020", "--format", "latex", "--structure", "PC").output
    assert r"\frac{k \left(1 - F\right) \left(1 - b\right)}{4}" in out


def test_usage_errors_exit_2_with_one_line_and_no_traceback():
    for args, fragment in [
        (("solve", "nope"), "unknown model 'nope'"),
        (("solve", "li-ke-2020", "--set", "K=7"), "K=7.0 is outside its domain (0, 1]"),
        (("solve", "li-ke-2020", "--set", "Q=1"), "unknown parameter 'Q'"),
        (("solve", "li-ke-2020", "--set", "K"), "is not NAME=VALUE"),
        (("solve", "li-ke-2020", "--set", "k=0.3"), "is derived"),
        (("solve", "li-ke-2020", "--structure", "ZZ"), "unknown structure 'ZZ'"),
    ]:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert fragment in result.output
        assert "Traceback" not in result.output


def test_bad_model_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[model]\nname = "bad"\n[parameters.a]\ndefault = 1\ndomain = "(0, 2)"\n'
                    '[goods.x]\ntrading_efficiency = "a"\n[utility]\nweights = {x = 1}\n'
                    '[[technologies.x]]\noutput = "l**q"\n')
    result = run("show", str(path))
    assert result.exit_code == 2
    assert f"{path}: technologies.x[0].output" in result.output and "unknown name 'q'" in result.output
