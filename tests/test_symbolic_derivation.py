"""The symbolic derivation's shortcuts (issue 14, a cold solve): the same closed forms by cheaper
routes, and market clearing solved on normalised flows (shares in lowest terms)."""

import math

import pytest
import sympy as sp
from sympy.matrices.exceptions import NonInvertibleMatrixError

import inframarginal as im
from inframarginal import disk_cache, symbolic
from inframarginal.configurations import find_structure, studied_structures
from inframarginal.equilibrium import corner_equilibrium
from inframarginal.individual import exponent_matrix, programme


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path / "cache"))
    for memory in (symbolic.structure_closed_form, symbolic.cached_configuration_closed_form, symbolic.log_memo):
        memory.cache_clear()
    yield
    for memory in (symbolic.structure_closed_form, symbolic.cached_configuration_closed_form, symbolic.log_memo):
        memory.cache_clear()


def test_exact_solve_agrees_with_lusolve_on_every_gp_dual_of_li_ke():
    model = im.load_model("li-ke-2020")
    seen = set()
    for structure in studied_structures(model):
        for config in structure.configurations:
            if config.label in seen:
                continue
            seen.add(config.label)
            a = exponent_matrix(programme(model, config))
            n = a.shape[0]
            system = sp.zeros(n, n)
            system[0, 0] = 1
            system[1:, :] = a.T
            rhs = sp.zeros(n, 1)
            rhs[0] = 1
            fast, slow = symbolic._exact_solve(system, rhs), system.LUsolve(rhs)
            assert all(sp.cancel(f - s) == 0 for f, s in zip(fast, slow, strict=True)), config.label
            # the dual weights sum to one (normality) and the primal system has a unique solution
            assert sp.cancel(fast[0] - 1) == 0
            rows = a[1:, :]
            logs = sp.Matrix(sp.symbols(f"r0:{rows.shape[0]}"))
            assert sp.simplify(rows * symbolic._exact_solve(rows, logs) - logs) == sp.zeros(rows.shape[0], 1)


def test_exact_solve_leaves_other_matrices_to_lusolve():
    x = sp.Symbol("x", positive=True)
    matrix = sp.Matrix([[sp.sqrt(2), 1], [x, sp.exp(x)]])  # not rational functions of symbols
    rhs = sp.Matrix([1, 2])
    assert sp.simplify(matrix * symbolic._exact_solve(matrix, rhs) - rhs) == sp.zeros(2, 1)


def test_exact_solve_of_a_singular_matrix_raises_as_lusolve_does():
    a = sp.Symbol("a", positive=True)
    with pytest.raises(NonInvertibleMatrixError):
        symbolic._exact_solve(sp.Matrix([[a, 1], [2 * a, 2]]), sp.Matrix([1, 2]))


def test_normalize_log_memo_changes_nothing():
    model = im.load_model("li-ke-2020")
    point = symbolic.default_point(model)
    memo = symbolic.LogMemo()
    a, b, k = (model.symbols[n] for n in ("alpha", "b", "k"))
    expr = (a * sp.log(4 * k * (1 - a)) - (1 - a) * sp.log(a * (1 - 2 * b) / 2)
            + sp.log((1 - b) ** 2 / 8) / (1 + a))
    fresh = symbolic.normalize_log(expr, point)
    assert symbolic.normalize_log(expr, point, memo) == fresh
    assert symbolic.normalize_log(expr, point, memo) == fresh  # read back from the memo
    assert memo.splits and memo.coefficients
    # the value is the same as the input's at a point where every logarithm is real
    at = {a: sp.Rational(1, 3), b: sp.Rational(1, 5), k: sp.Rational(7, 10)}
    assert abs(float((fresh - expr).xreplace(at))) < 1e-14


def test_cca_relative_numbers_are_in_lowest_terms(cache):
    """Hand derivation (the audit's note): with sqrt(k) cancelled, Mx/Mz = (1 - beta)/(beta sqrt(k))
    and My/Mz = 1/(beta sqrt(k)) in the complete division of labour with the cluster."""
    model = im.load_model("li-ke-2020")
    forms = symbolic.display_forms(model, find_structure(model, "CCA"))
    beta, k = model.symbols["beta"], model.symbols["k"]
    assert sp.simplify(forms["Mx/Mz"] - (1 - beta) / (beta * sp.sqrt(k))) == 0
    assert sp.simplify(forms["My/Mz"] - 1 / (beta * sp.sqrt(k))) == 0
    assert sp.count_ops(forms["Mx/Mz"]) <= 8  # no uncancelled common factor left
    shares = symbolic.structure_closed_form(model, find_structure(model, "CCA")).shares
    assert sp.simplify(sum(shares) - 1) == 0
    assert not any(s.has(sp.exp) for s in shares)  # every power cancelled in the flows' ratios


def test_tiny_shares_still_clear_markets(cache):
    """At this point one share is 3e-13: the shares of the earlier derivation cancelled
    catastrophically there (market-clearing residual 7e-4); those in lowest terms do not."""
    model = im.load_model("li-ke-2020")
    structure = find_structure(model, "(xy/z)[x=cluster] (yx/z)[x=roundabout] (z/xy)")
    values = model.check_parameters({
        "K": 0.07170269620273352, "t": 0.9393239180033428, "alpha": 0.016298443845297616,
        "b": 0.5619197153805677, "F": 0.32479668911622267, "e": 0.27774091464212364,
        "theta": 0.004059172472232685})
    ce = corner_equilibrium(model, structure, values, "symbolic")
    assert ce.exists and ce.method == "symbolic"
    assert min(ce.shares.values()) < 1e-12
    assert ce.residuals["market clearing"] < 1e-12
    assert math.isclose(sum(ce.shares.values()), 1.0, rel_tol=1e-14)


def test_model_folder_follows_the_derivation_version(monkeypatch):
    model = im.load_model("li-ke-2020")
    before = disk_cache.model_folder(model)
    monkeypatch.setattr(disk_cache, "DERIVATION", "0")
    assert disk_cache.model_folder(model) != before
