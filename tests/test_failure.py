"""Why a corner equilibrium does not exist, as an object (``CornerEquilibrium.failure``).

The failed condition is created where it is evaluated, with its kind, configuration, term,
good and value; the reason text comes from it in the same words as ever; the disk caches
store it beside the text; the explorer reads the object, never the text.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import inframarginal as im
from inframarginal.configurations import configurations
from inframarginal.individual import TermRole, exponent_matrix, programme
from inframarginal.results import (
    Condition,
    ConditionKind,
    Failure,
    condition_entry,
    read_condition_entry,
)
from inframarginal.web.payloads import solution_payload
from inframarginal.web.reasons import explain

MODEL = im.load_model("li-ke-2020")
ROUNDABOUT = "(xy/z)[x=roundabout]"  # structure PA: x from z**alpha * (l - F)


def _dual_weights(model, label: str, values: dict[str, float]) -> tuple[np.ndarray, tuple]:
    """The GP dual weights of a configuration by a numeric linear solve (zero degree of
    difficulty: normality and orthogonality determine them), independent of the closed forms."""
    config = next(c for c in configurations(model) if c.label == label)
    prog = programme(model, config)
    point = {model.symbols[n]: v for n, v in model.check_parameters(values).items() if n in model.symbols}
    a = np.array(exponent_matrix(prog).xreplace(point), dtype=float)
    system = np.vstack([np.eye(1, a.shape[0]), a.T])
    return np.linalg.solve(system, np.eye(a.shape[0], 1).ravel()), prog.terms


def test_an_unbounded_programme_fails_on_the_labour_weight_of_the_good_that_uses_the_input():
    ce = MODEL.solve(alpha=1.2).structures["PA"]
    failure = ce.failure
    assert not ce.exists and isinstance(failure, Failure)
    condition = failure.condition
    assert (failure.kind, failure.configuration) == (ConditionKind.DUAL_WEIGHT, ROUNDABOUT)
    assert (condition.term, condition.constraint, condition.good, condition.role) == (
        "labour in x", "labour", "x", TermRole.LABOUR.value)
    delta, terms = _dual_weights(MODEL, ROUNDABOUT, {"alpha": 1.2})
    i = next(i for i, t in enumerate(terms) if (t.role, t.good) == (TermRole.LABOUR, "x"))
    assert failure.value == pytest.approx(delta[i], rel=1e-9) and failure.value < 0
    # The text is made from the object, in the words of before.
    assert ce.reason == failure.text == (
        f"no optimum for the individual: utility rises without bound (dual weight of 'labour in x' (labour) in "
        f"{ROUNDABOUT} is {failure.value:.6g} <= 0; typically a bought input under non-decreasing returns)")


def test_fixed_costs_that_exhaust_labour_fail_with_the_labour_left():
    failure = MODEL.solve(F=0.6, b=0.45).structures["A"].failure
    assert failure is not None and failure.kind is ConditionKind.LABOUR
    assert failure.value == pytest.approx(1 - 0.6 - 0.45)  # autarky produces x and y: both fixed costs
    assert failure.text == (f"the labour endowment cannot cover the fixed costs of {failure.configuration} "
                            f"(labour left {failure.value:.6g})")
    assert MODEL.solve().structures["A"].failure is None  # it exists at the defaults


def test_condition_texts_keep_their_words():
    assert Condition(ConditionKind.LABOUR, "(x/y)").text == "labour endowment covers the fixed costs of (x/y)"
    assert Condition(ConditionKind.SHARE, "(x/y)").text == "share of people in (x/y)"
    assert Condition(ConditionKind.DUAL_WEIGHT, "(x/y)", "spending on y", "budget", "y", "spending").text == (
        "dual weight of 'spending on y' (budget) in (x/y)")
    for condition in (Condition(ConditionKind.LABOUR, "(x/y)"), Condition(ConditionKind.SHARE, "(y/x)")):
        assert ConditionKind.of(condition.text) is condition.kind  # old texts still read


def test_a_condition_is_stored_beside_its_text_and_an_old_entry_is_refused():
    condition = Condition(ConditionKind.DUAL_WEIGHT, "(xy/z)", "labour in x", "labour", "x", "labour")
    entry = json.loads(json.dumps(condition_entry(["tree"], condition)))
    assert entry[1] == condition.text and read_condition_entry(entry) == (["tree"], condition)
    with pytest.raises(ValueError):  # the layout before: (expression, text)
        read_condition_entry([["tree"], condition.text])
    with pytest.raises(ValueError):
        read_condition_entry([["tree"], condition.text, {**condition.to_dict(), "kind": "NOPE"}])


def test_the_warm_bundle_and_the_compiled_cache_give_the_same_failure(tmp_path, monkeypatch):
    from inframarginal.bundle import _bundle_at, solve_bundle, store_bundle

    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))
    spec = dict(MODEL.spec)
    spec["model"] = {**spec["model"], "name": "li-ke-2020-failure-copy"}
    model = im.build_model(spec)  # a fresh model: its caches start empty in tmp_path
    cold = model.solve(alpha=1.2)
    assert store_bundle(model, "studied", cold)
    warm = solve_bundle(_bundle_at(model.content_hash, "studied"), {"alpha": 1.2})
    assert warm is not None
    for name, ce in cold.structures.items():
        assert warm.structures[name].failure == ce.failure and warm.structures[name].reason == ce.reason
    assert warm.structures["PA"].failure is not None


def test_the_explorer_reads_the_object_not_the_text():
    ce = MODEL.solve(alpha=1.2).structures["PA"]
    reading = explain(MODEL, "PA", "any text at all", ce.failure)
    assert "demand for z is unbounded" in reading and "roundabout technology of x" in reading
    assert explain(MODEL, "PA", "any text at all") == "any text at all"  # no object: the text stands
    labour = MODEL.solve(F=0.6, b=0.45).structures["A"].failure
    assert "(labour left: -0.05)" in explain(MODEL, "A", "", labour)
    nan = Failure.of(labour.condition, float("nan"))
    assert "too close to a bound" in explain(MODEL, "A", nan.text, nan)
    payload = solution_payload(MODEL, MODEL.solve(alpha=1.2))
    pa = next(s for s in payload["structures"] if s["name"] == "PA")
    assert pa["reason_details"] == ce.reason and "demand for z is unbounded" in pa["reason"]


def test_the_json_of_a_solution_carries_the_failure():
    data = MODEL.solve(alpha=1.2).to_dict()
    failure = data["structures"]["PA"]["failure"]
    assert failure["kind"] == "DUAL_WEIGHT" and failure["configuration"] == ROUNDABOUT
    assert failure["good"] == "x" and failure["text"] == data["structures"]["PA"]["reason"]
    assert data["structures"]["A"]["failure"] is None


def test_terms_are_keyed_by_role_and_good():
    """Each term of a programme by hand: (x/yz)[x=roundabout] produces x from z (an intermediate good,
    not consumed), sells x, buys y and z."""
    config = next(c for c in configurations(MODEL) if c.label == "(x/yz)[x=roundabout]")
    keys = {(t.role, t.good): t.meaning for t in programme(MODEL, config).terms}
    assert keys == {
        (TermRole.UTILITY, ""): "1 / utility",
        (TermRole.LABOUR, "x"): "labour in x",
        (TermRole.OUTPUT, "x"): "output of x",
        (TermRole.CONSUMED, "x"): "x consumed", (TermRole.CONSUMED, "y"): "y consumed",  # z: an input only
        (TermRole.SOLD, "x"): "x sold",
        (TermRole.INPUT, "z"): "z used to produce x",
        (TermRole.SPENDING, "y"): "spending on y", (TermRole.SPENDING, "z"): "spending on z",
    }


def test_the_fast_solver_fails_on_the_same_condition_with_the_same_value():
    """The log-linear solver (numeric dual weights) and the closed forms agree on the failure."""
    from inframarginal.loglinear import configuration_arrays

    values = MODEL.check_parameters({"alpha": 1.2})
    arrays = configuration_arrays(MODEL, values)
    labels = [c.label for c in configurations(MODEL)]
    fast = arrays.failures[labels.index(ROUNDABOUT)]
    closed = MODEL.solve(alpha=1.2).structures["PA"].failure
    assert fast is not None and closed is not None
    assert fast.condition == closed.condition and fast.value == pytest.approx(closed.value, rel=1e-9)
    assert arrays.reasons[labels.index(ROUNDABOUT)] == fast.text and "'labour in x' is -5 <= 0" in fast.text
    labour = configuration_arrays(MODEL, MODEL.check_parameters({"F": 0.6, "b": 0.45})).failures[
        labels.index("(xy)[x=plain]")]
    assert labour is not None and labour.kind is ConditionKind.LABOUR and labour.value == pytest.approx(-0.05)
