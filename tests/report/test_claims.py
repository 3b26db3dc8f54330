"""Claims: verdicts come from computation; a wrong sign in a fixture is reported as failing."""

import json

import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.audit.claims import ClaimEvaluator, claims_from_records, paper_claims
from inframarginal.cli import main
from inframarginal.report.settings import ReportSettings


@pytest.fixture(scope="module")
def evaluator():
    return ClaimEvaluator(im.load_model("li-ke-2020"), settings=ReportSettings.small())


def _claim(**check):
    return claims_from_records([{"id": "T.1", "text": "test", "checks": [check]}])[0]


def test_true_sign_holds_by_proof(evaluator):
    r = evaluator.evaluate(_claim(kind="sign", quantity="u_A", parameter="F", sign=-1))
    assert r.verdict == "holds" and "symbolic" in r.method


def test_deliberately_wrong_sign_fails_with_counterexample(evaluator):
    r = evaluator.evaluate(_claim(kind="sign", quantity="u_A", parameter="F", sign=1))
    assert r.verdict == "fails"
    ce = r.checks[0]
    assert ce.counterexample and ce.values["derivative"] < 0


def test_wrong_sign_decided_by_sampling_fails(evaluator):
    # d u_PA / d b: not proved by SymPy's factors, so sampling decides
    right = evaluator.evaluate(_claim(kind="sign", quantity="u_PA", parameter="b", sign=-1))
    wrong = evaluator.evaluate(_claim(kind="sign", quantity="u_PA", parameter="b", sign=1))
    assert right.verdict == "holds" and wrong.verdict == "fails"
    assert "sampling" in wrong.method


def test_mixed_sign_is_holds_only_where_with_condition(evaluator):
    r = evaluator.evaluate(_claim(kind="sign", quantity="u_CCA", parameter="e", sign=1))
    assert r.verdict == "holds-only-where"
    assert "log" in r.checks[0].condition


def test_paper_claims_ids():
    ids = [c.id for c in paper_claims(im.load_model("li-ke-2020"))]
    assert ids[:11] == ["P1.i", "P1.ii", "P1.iii", "P1.iv", "P1.v",
                        "P2.i", "P2.ii", "P2.iii", "P2.iv", "P2.v", "P2.vi"]
    assert all(i.split(".")[0] in {"S1", "S2", "S3", "S4"} for i in ids[11:])


def test_cli_claims_json_schema():
    result = CliRunner().invoke(main, ["claims", "li-ke-2020", "--format", "json", "--size", "small"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data) == 29
    for item in data:
        assert {"id", "text", "verdict", "method", "evidence"} <= set(item)
        assert item["verdict"] in {"holds", "fails", "holds-only-where"}
    by_id = {d["id"]: d for d in data}
    assert by_id["S1.3"]["verdict"] == "fails"  # du_CCA/dF = -u/(1-F) < 0 in the model
    assert by_id["S1.9"]["verdict"] == "fails"  # sign of d(u_CCA/u_CCB)/dt is the opposite


def test_cli_claims_unknown_model_is_one_line_error():
    result = CliRunner().invoke(main, ["claims", "no-such-model"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no-such-model" in lines[0] and "Traceback" not in result.output
