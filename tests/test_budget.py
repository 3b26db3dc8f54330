import threading
import time

import pytest

import inframarginal as im
from inframarginal.budget import Budget, checkpoint, symbolic_seconds, time_limit
from inframarginal.errors import BudgetExceeded, InframarginalError

SLOW = "(xz/y)[x=roundabout] (yx/z)[x=roundabout] (zy/x)"


def spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_time_limit_interrupts_work_that_never_checks():
    start = time.monotonic()
    with pytest.raises(BudgetExceeded) as err, time_limit(0.2, "the test loop"):
        spin(5)
    assert time.monotonic() - start < 2
    assert "the test loop ran out of its time budget of 0.2 s" in str(err.value)
    assert "INFRAMARGINAL_SYMBOLIC_SECONDS" in str(err.value)
    assert isinstance(err.value, InframarginalError)


def test_an_inner_limit_does_not_extend_an_outer_one_and_is_restored_after():
    with pytest.raises(BudgetExceeded, match="outer"), time_limit(0.3, "outer"):
        with time_limit(60, "inner"):
            spin(5)
    with time_limit(0.5, "outer"):
        with pytest.raises(BudgetExceeded, match="inner"), time_limit(0.1, "inner"):
            spin(5)
        spin(0.1)  # the outer limit still runs, with time left
    spin(0.7)  # and is gone after its block


def test_off_the_main_thread_limits_are_cooperative():
    errors = []

    def work():
        try:
            with time_limit(0.1, "threaded work"):
                for _ in range(100):
                    time.sleep(0.01)
                    checkpoint()
        except BudgetExceeded as err:
            errors.append(err)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "threaded work" in str(errors[0])


def test_budget_check_and_configuration(monkeypatch):
    budget = Budget(0.05, "a search", hint="raise it with --budget")
    budget.check()
    spin(0.06)
    with pytest.raises(BudgetExceeded, match=r"a search ran out of its time budget of 0.05 s; raise it with --budget"):
        budget.check()
    monkeypatch.setenv("INFRAMARGINAL_SYMBOLIC_SECONDS", "12.5")
    assert symbolic_seconds() == 12.5
    monkeypatch.setenv("INFRAMARGINAL_SYMBOLIC_SECONDS", "0")
    assert symbolic_seconds() == float("inf")
    monkeypatch.setenv("INFRAMARGINAL_SYMBOLIC_SECONDS", "soon")
    with pytest.raises(InframarginalError, match="INFRAMARGINAL_SYMBOLIC_SECONDS='soon' is not a number"):
        symbolic_seconds()


def test_a_structure_whose_factoring_never_ended_is_now_solved_and_agrees_with_the_numeric_path(
        tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))  # a cold cache
    from inframarginal import symbolic
    from inframarginal.configurations import resolve_structure

    model = im.load_model("li-ke-2020")
    structure = resolve_structure(model, SLOW.split())
    form = symbolic._structure_closed_form(model, structure)  # not the memory or disk cache
    assert form is not None and len(form.shares) == 3
    sym = model.solve(method="symbolic", structure=SLOW).to_dict()["structures"][SLOW]
    num = model.solve(method="numeric", structure=SLOW).to_dict()["structures"][SLOW]
    assert sym["exists"] and num["exists"]
    assert sum(sym["numbers"].values()) == pytest.approx(1, abs=1e-12)
    for label, share in num["numbers"].items():
        assert sym["numbers"][label] == pytest.approx(share, rel=1e-6)
    assert sym["per_capita_real_income"] == pytest.approx(num["per_capita_real_income"], rel=1e-6)


def test_cli_suggests_the_numeric_method_when_the_symbolic_budget_runs_out(tmp_path):
    import os
    import subprocess
    import sys

    # a fresh process and a cold disk cache: nothing derived earlier can be reused
    def solve(seconds: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, INFRAMARGINAL_CACHE=str(tmp_path), INFRAMARGINAL_SYMBOLIC_SECONDS=seconds)
        return subprocess.run([sys.executable, "-m", "inframarginal", "solve", "yang-2001-roundabout",
                               "--structure", "C"], capture_output=True, text=True, env=env, timeout=300)

    result = solve("0.05")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: the symbolic derivation of ")
    assert "time budget of 0.05 s" in result.stderr and "--method numeric" in result.stderr
    assert "Traceback" not in result.stderr
    assert solve("30").returncode == 0
