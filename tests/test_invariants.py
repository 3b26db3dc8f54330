"""Invariants of the engine at random admissible points of every built-in model.

At a seeded sample of points inside each parameter's domain (a bounded sample here, a
long run in ``benchmarks/invariants_long.py``, which uses :func:`violations`):

* the general equilibrium's per-capita real income is at least every existing
  structure's (Yang's theorem: the general equilibrium is the corner equilibrium with
  the highest income), and it passes the total cost-benefit check;
* prices and numbers of people are finite and positive, and the shares of the
  population sum to 1;
* the equilibrium conditions hold: utility equalization and market clearing residuals
  are small;
* the closed forms (``method="symbolic"``) and the independent numeric path agree to
  1e-6 relative where both find a corner equilibrium;
* solving twice gives the same output bit for bit.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import inframarginal as im

#: Relative tolerance of symbolic = numeric.
AGREEMENT = 1e-6
#: Residuals of the equilibrium conditions (the numeric path polishes to about 1e-10).
RESIDUAL = {"symbolic": 1e-9, "numeric": 1e-6}
#: Relative tolerance of "sums to 1" (the shares of a structure).
SHARES = 1e-9


def sample_point(model: im.Model, rng: np.random.Generator) -> dict[str, float]:
    """A random point strictly inside every parameter's domain.

    A bounded interval is sampled uniformly (its ends excluded); a half-line
    ``(lo, inf)`` as ``lo + s`` with ``s`` log-uniform in [0.01, 20] (or, for ``lo = 0``,
    in [0.05, 20]); the range keeps every quantity within the numeric path's reach.
    """
    point = {}
    for p in model.parameters:
        d = p.domain
        if math.isfinite(d.upper):
            lo = d.lower + 1e-3 * (d.upper - d.lower)
            hi = d.upper if d.upper_closed else d.upper - 1e-3 * (d.upper - d.lower)
            value = float(rng.uniform(lo, hi))
        else:
            smallest = 0.05 if d.lower == 0 else 0.01
            value = d.lower + float(np.exp(rng.uniform(np.log(smallest), np.log(20.0))))
        assert value in d, (p.name, value, d)
        point[p.name] = value
    return point


def _log_income(ce) -> float:
    return ce.log_income if ce.log_income is not None else math.log(ce.per_capita_real_income)


def solution_violations(sol, method: str) -> list[str]:
    """Violations of the invariants of one solution (empty if none)."""
    out = []
    existing = {n: ce for n, ce in sol.structures.items() if ce.exists}
    if existing and sol.general_equilibrium is None:
        out.append("structures exist but no general equilibrium was chosen")
    if sol.general_equilibrium is not None:
        ge = sol.structures[sol.general_equilibrium]
        for name, ce in existing.items():
            if _log_income(ce) > _log_income(ge) + 1e-12:
                out.append(f"{name}'s income {ce.per_capita_real_income!r} exceeds the general equilibrium "
                           f"{sol.general_equilibrium}'s {ge.per_capita_real_income!r}")
        if not sol.deviation.passed and not sol.notes:  # a failure the output does not explain
            out.append(f"total cost-benefit check fails: {sol.deviation.best_configuration} gains "
                       f"{sol.deviation.gain:.3g} at {sol.general_equilibrium}'s prices")
    for name, ce in existing.items():
        values = [ce.per_capita_real_income, *ce.prices.values(), *ce.shares.values(),
                  *ce.relative_numbers.values()]
        if not all(math.isfinite(v) and v > 0 for v in values) and not ce.notes:
            out.append(f"{name}: a price, number or income is not finite and positive: {values}")
        total = math.fsum(ce.shares.values())
        if abs(total - 1.0) > SHARES:
            out.append(f"{name}: shares sum to {total!r}")
        for key, r in ce.residuals.items():
            if not r <= RESIDUAL[method]:
                out.append(f"{name}: {key} residual {r:.3g}")
    return out


def agreement_violations(sym, num) -> list[str]:
    """Where the closed forms and the numeric path differ by more than :data:`AGREEMENT`."""
    out = []
    for name, a in sym.structures.items():
        b = num.structures[name]
        if not (a.exists and b.exists):
            continue
        pairs = [("income", a.per_capita_real_income, b.per_capita_real_income)]
        pairs += [(f"p_{g}", a.prices[g], b.prices.get(g, math.nan)) for g in a.prices]
        pairs += [(f"share {c}", a.shares[c], b.shares.get(c, math.nan)) for c in a.shares]
        for what, x, y in pairs:
            if not math.isclose(x, y, rel_tol=AGREEMENT, abs_tol=0.0):
                out.append(f"{name}: {what} symbolic {x!r} numeric {y!r}")
    income = {m: {n: ce.per_capita_real_income for n, ce in s.structures.items() if ce.exists}
              for m, s in (("symbolic", sym), ("numeric", num))}
    if sym.general_equilibrium != num.general_equilibrium:
        both = set(income["symbolic"]) & set(income["numeric"])
        a, b = sym.general_equilibrium, num.general_equilibrium
        tie = a in both and b in both and math.isclose(income["symbolic"][a], income["symbolic"][b], rel_tol=1e-9)
        if not tie:
            out.append(f"general equilibrium: symbolic {a} numeric {b} "
                       f"(existing: symbolic {sorted(income['symbolic'])}, numeric {sorted(income['numeric'])})")
    return out


def _canonical(sol) -> str:
    return json.dumps(sol.to_dict(), sort_keys=True, default=repr)


def reported(sol) -> list[str]:
    """What the solution itself says is wrong or inexact (its notes and its structures' notes)."""
    return [*sol.notes, *(f"{n}: {note}" for n, ce in sol.structures.items() for note in ce.notes)]


def violations(model: im.Model, point: dict[str, float], numeric: bool = True) -> list[str]:
    """Every invariant violated at ``point`` (each as a line naming the check).

    A total cost-benefit check that fails is a violation only where the solution does not
    say so in its notes (see :func:`reported`).
    """
    sym = model.solve(point, method="symbolic")
    out = [f"symbolic: {v}" for v in solution_violations(sym, "symbolic")]
    if _canonical(sym) != _canonical(model.solve(point, method="symbolic")):
        out.append("symbolic: two solves differ")
    if numeric:
        num = model.solve(point, method="numeric")
        out += [f"numeric: {v}" for v in solution_violations(num, "numeric")]
        out += agreement_violations(sym, num)
        if _canonical(num) != _canonical(model.solve(point, method="numeric")):
            out.append("numeric: two solves differ")
    return out


# -- the bounded sample of the test suite ---------------------------------------------------------

#: (model, points checked on both paths, points checked on the closed forms only): the numeric
#: path takes about a second per point of the li-ke models, a tenth of one elsewhere.
SAMPLE = [
    ("yang-2001-specialization", 6, 30),
    ("yang-2001-fixed-learning", 6, 30),
    ("yang-ng-1993-three-goods", 6, 30),
    ("yang-2001-roundabout", 3, 30),
    ("li-ke-2020", 1, 12),
    ("li-ke-2020-roundabout-productivity", 1, 12),
]


@pytest.mark.parametrize("name,both,symbolic_only", SAMPLE)
def test_invariants_at_random_admissible_points(name, both, symbolic_only):
    model = im.load_model(name)
    rng = np.random.default_rng(20260401)
    found = {}
    for i in range(both + symbolic_only):
        point = sample_point(model, rng)
        bad = violations(model, point, numeric=i < both)
        if bad:
            found[json.dumps(point)] = bad
    assert not found, json.dumps(found, indent=1)


def test_sampler_stays_inside_every_domain_and_is_seeded():
    for name in im.builtin_models():
        model = im.load_model(name)
        a = [sample_point(model, np.random.default_rng(3)) for _ in range(50)]
        b = [sample_point(model, np.random.default_rng(3)) for _ in range(50)]
        assert a[:1] == b[:1]
        for point in a:
            model.check_parameters(point)  # raises outside a domain


def test_a_general_equilibrium_outside_the_studied_structures_is_reported():
    """Found by the invariant run: near a = 1 a structure with (zy/x), not among the studied
    A, P1, P2, C, is the general equilibrium; the answer must say so, not only 'FAILED'."""
    model = im.load_model("yang-2001-roundabout")
    sol = model.solve(k=0.6701003044670395, a=1.0553097317404574, alpha=0.6080520693272814)
    assert not sol.deviation.passed and sol.deviation.best_configuration == "(zy/x)"
    assert sol.deviation.gain > 0.1
    # Python words here; the command line prints its flag (tests/test_cli_engine.py).
    assert any(note.endswith("; use structures='all'") for note in sol.notes)
    assert "structures='all'" in repr(sol) and "--all-structures" not in repr(sol)


def test_an_unbounded_deviation_is_reported():
    """Found by the invariant run: li-ke-2020 allows beta = alpha + e - theta < 0, where the
    cluster technology z**beta * (l - F) grows without bound as z -> 0."""
    model = im.load_model("li-ke-2020")
    sol = model.solve(K=0.2245, t=0.5712, alpha=0.0886, b=0.1429, F=0.2794, e=0.3770, theta=0.9747)
    assert sol.parameters["beta"] < 0
    assert not sol.deviation.passed and math.isinf(sol.deviation.gain)
    assert any("rises without bound" in note for note in sol.notes)


def test_checks_catch_a_wrong_general_equilibrium():
    """The invariant checks are not vacuous: a solution whose choice is wrong is flagged."""
    import dataclasses

    model = im.load_model("yang-2001-specialization")
    sol = model.solve(k=0.9, a=1.5)  # D: k/4 = 0.225 > A: 2**-3 = 0.125 (Yang 2001)
    assert sol.general_equilibrium == "D" and solution_violations(sol, "symbolic") == []
    wrong = dataclasses.replace(sol, general_equilibrium="A")
    assert any("exceeds the general equilibrium" in v for v in solution_violations(wrong, "symbolic"))


# -- the inputs of the review ---------------------------------------------------------------------

@pytest.mark.parametrize("method", ["symbolic", "numeric"])
def test_huge_degree_of_specialization_solves(method):
    """a = 600: autarky income 2**(-1200) underflows a float; D (k/4) is the general equilibrium."""
    model = im.load_model("yang-2001-specialization")
    sol = model.solve(a=600, method=method)
    assert sol.general_equilibrium == "D"
    assert sol.per_capita_real_income == pytest.approx(0.6 / 4, rel=1e-12)
    a = sol.structures["A"]
    if method == "symbolic":
        assert a.exists and a.log_income == pytest.approx(-1200 * math.log(2), rel=1e-12)
        assert any("outside floating-point range" in n for n in a.notes)
        assert "exp(-831.776" in repr(sol)
    else:  # outputs of 2**-600 lie outside the numeric path's range, and it says so
        assert not a.exists and "searches quantities between exp(-200)" in a.reason


def test_cli_solve_at_a_600_prints_one_solution():
    from click.testing import CliRunner

    from inframarginal.cli import main

    for args in ([], ["--method", "numeric"], ["--format", "json"]):
        r = CliRunner().invoke(main, ["solve", "yang-2001-specialization", "--set", "a=600", *args])
        assert r.exit_code == 0, r.output
        assert "Traceback" not in r.output
    data = json.loads(r.stdout)
    assert data["general_equilibrium"]["structure"] == "D"
    assert data["structures"]["A"]["log_income"] == pytest.approx(-1200 * math.log(2), rel=1e-12)


@pytest.mark.parametrize("name,values", [
    ("yang-2001-specialization", {"k": 5e-324}),
    ("yang-2001-specialization", {"a": 1e300}),
    ("yang-2001-roundabout", {"a": 2000.0}),
    ("yang-2001-roundabout", {"alpha": 5e-324}),
    ("yang-ng-1993-three-goods", {"k": 1e-300}),
    ("yang-2001-fixed-learning", {"k": 5e-324}),
])
def test_extreme_admissible_points_give_an_answer_or_a_reason(name, values):
    model = im.load_model(name)
    # the numeric path searches long before giving up at these points: only where it is quick
    for method in ("symbolic", "numeric") if name == "yang-2001-specialization" else ("symbolic",):
        sol = model.solve(values, method=method)
        assert "Traceback" not in repr(sol)
        for ce in sol.structures.values():
            if ce.exists:
                assert math.isfinite(ce.log_income)
                assert all(math.isfinite(p) and p > 0 for p in ce.prices.values()) or ce.notes
            else:
                assert ce.reason
        json.dumps(sol.to_dict(), allow_nan=False)  # strict JSON: no inf or NaN numbers


def test_numeric_path_finds_a_plan_at_the_tiny_scale_of_a_near_constant_returns_loop():
    """Found by the invariant checks (tests/test_seed_model.py's sample): with alpha = 0.97 the
    x producer's plan built by the fixed point stops short of feasibility (its scale is a high
    power), and the numeric path gave up on CCB though its closed form exists."""
    from inframarginal.configurations import find_structure
    from inframarginal.equilibrium import corner_equilibrium

    model = im.load_model("li-ke-2020-roundabout-productivity")
    values = model.check_parameters({
        "K": 0.6891949658941248, "t": 0.17361740608505516, "alpha": 0.9722255979316934, "b": 0.8507697817442434,
        "F": 0.9076791638654175, "e": 0.08384395465218539, "theta": 0.9088011115662857, "a": 1.717321907374352})
    structure = find_structure(model, "CCB")
    sym = corner_equilibrium(model, structure, values, "symbolic")
    num = corner_equilibrium(model, structure, values, "numeric")
    assert sym.exists and num.exists, num.reason
    assert num.per_capita_real_income == pytest.approx(sym.per_capita_real_income, rel=AGREEMENT)
    for g, p in sym.prices.items():
        assert num.prices[g] == pytest.approx(p, rel=AGREEMENT)
