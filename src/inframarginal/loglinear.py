"""Exact corner equilibria of many structures at once, for technologies of power form.

The GP of a configuration has zero degree of difficulty (:mod:`inframarginal.individual`),
so at a parameter point its dual weights ``delta`` are numbers, found by one small
linear solve, and at the optimum

* log utility is affine in log prices: ``log u = a + b . lp`` (prices enter only the
  budget terms ``p_h d_h / (p_s s_s)``, with weight ``delta_h``);
* a seller spends the fraction ``delta_h / sum(delta_budget)`` of her sales on good ``h``;
* the log of every decision variable (the quantity sold among them) is affine in log
  prices (primal recovery: each constraint term equals ``delta_t / lambda_i``).

For a structure whose sellers ``j`` sell the traded goods ``T``, utility equalization
``a_j + b_j . lp = a_ref + b_ref . lp`` is a linear system in the ``|T| - 1`` relative log
prices; market clearing in value terms says that the values of sales ``V`` are a
stationary vector of the spending matrix (``V_g = sum_j V_j sigma_jg``), another linear
system; the shares of people are ``V_j`` over each seller's sales income.  Both systems
are stacked for thousands of structures and solved by NumPy in one call each.

Which buy graphs give a corner equilibrium is decided exactly, from the graph alone:
money flows from each seller to the sellers of the goods she buys, and ``V`` lives on
the closed classes of that flow.  If the graph is strongly connected, every share is
positive.  If it has one closed class but not everyone is in it, the sellers outside get
no income back: their share is exactly zero and the structure does not exist (this is
where the numeric path reports shares of 3e-16).  If it has several closed classes, the
structure splits into independent trading groups, each with its own price level: the
shares across groups and the relative price levels are not determined, and unless the
groups' incomes happen to be equal, people leave the poorer one.  Such a union is
treated as *not a corner equilibrium of its own*: each group (with its sellers only) is
itself a structure of the model, enumerated and solved separately, and the union never
gives a higher per-capita real income than its best group, so the general equilibrium
is unaffected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp

from inframarginal.configurations import Configuration, Structure, structure_defect
from inframarginal.enumeration import configuration_table
from inframarginal.errors import InframarginalError
from inframarginal.expressions import to_function
from inframarginal.individual import log_price_symbol, programme
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.results import Condition, ConditionKind, Failure

#: Dual weights at or below this are not positive (the optimum is unbounded or degenerate).
DUAL_TOLERANCE = 1e-12
#: A share of people at or below this (relative to the largest) counts as zero.
SHARE_TOLERANCE = 1e-9


class NotPowerFormError(InframarginalError):
    """The fast solver needs technologies of power form ``A (l - F)^g prod(input^a)``."""


@dataclass(frozen=True)
class _Compiled:
    """A configuration's GP with its parameter-dependent entries numbered (see :func:`_model_functions`)."""

    exponents: np.ndarray  # terms x variables, constant entries
    exponent_entries: tuple[tuple[int, int, sp.Expr], ...]  # (term, variable, formula) of the others
    log_coefficients: np.ndarray  # terms, constant entries (prices left out)
    coefficient_entries: tuple[tuple[int, sp.Expr], ...]
    labour_left: sp.Expr
    budget: tuple[tuple[int, int, int], ...]  # (term, bought good index, sold good index)
    constraint_of: tuple[int, ...]  # constraint number of each term (0: objective)
    sold_variable: int  # index of s_<sold good>, -1 in autarky
    dual_conditions: tuple[Condition, ...]  # each term's weight is positive (term 0: the objective)


@model_cache
def _compiled(model: Model, config: Configuration) -> _Compiled:
    prog = programme(model, config)
    if prog is None:
        raise NotPowerFormError(
            f"configuration {config.label}: a technology it uses is not of power form "
            "A*(l - F)**g*prod(input**a)", use=(("method", "symbolic"), ("method", "numeric")))
    index = {v.name: j for j, v in enumerate(prog.variables)}
    goods = {g: i for i, g in enumerate(model.good_names)}
    exps = np.zeros((len(prog.terms), len(prog.variables)))
    exp_entries, logc, logc_entries, budget = [], np.zeros(len(prog.terms)), [], []
    price_symbols = {log_price_symbol(g) for g in model.good_names}
    for i, t in enumerate(prog.terms):
        entries: dict[int, sp.Expr] = {}
        for var, a in t.exponents:
            entries[index[var]] = entries.get(index[var], 0) + a
        for j, a in entries.items():
            if sp.sympify(a).is_number:
                exps[i, j] = float(a)
            else:
                exp_entries.append((i, j, sp.sympify(a)))
        if t.log_coefficient.free_symbols & price_symbols:
            bought = next(g for g in model.good_names if log_price_symbol(g) in t.log_coefficient.free_symbols
                          and g != config.sells)
            budget.append((i, goods[bought], goods[config.sells]))
        elif t.log_coefficient.is_number:
            logc[i] = float(t.log_coefficient)
        else:
            logc_entries.append((i, t.log_coefficient))
    constraints = {c: n + 1 for n, c in enumerate(prog.constraints)}
    return _Compiled(
        exps, tuple(exp_entries), logc, tuple(logc_entries), sp.sympify(model.endowment - prog.fixed_costs),
        tuple(budget),
        tuple(0 if i == 0 else constraints[t.constraint] for i, t in enumerate(prog.terms)),
        index.get(f"s_{config.sells}", -1) if config.sells else -1,
        tuple(Condition(ConditionKind.DUAL_WEIGHT, config.label, t.meaning, t.constraint, t.good, t.role.value)
              for t in prog.terms),
    )


@model_cache
def _model_functions(model: Model) -> tuple[dict[sp.Expr, int], object]:
    """Every distinct parameter formula of every configuration's GP, as one compiled function.

    Lambdifying once per model (a few distinct formulas: ``-a``, ``log(k)``, ``1 - b``)
    instead of once per configuration keeps the first solve of a 5-good model fast.
    """
    unique: dict[sp.Expr, int] = {}
    for config in configuration_table(model).configurations:
        cc = _compiled(model, config)
        for expr in (*(e for _, _, e in cc.exponent_entries), *(e for _, e in cc.coefficient_entries),
                     cc.labour_left):
            unique.setdefault(expr, len(unique))
    symbols = [model.symbols[name] for name in _parameter_names(model)]
    function = to_function(symbols, list(unique), modules="math")
    return unique, function


def _parameter_names(model: Model) -> tuple[str, ...]:
    return tuple(p.name for p in model.parameters) + tuple(d.name for d in model.derived)


@dataclass(frozen=True)
class ConfigurationArrays:
    """Every configuration's optimum at one parameter point, affine in log prices.

    Rows are configurations (the model's order), columns goods.  ``log_utility + utility_slope @ lp``
    is the log of the best utility; ``spend[c, g]`` the fraction of sales income spent on
    ``g``; ``log_sold + sold_slope @ lp`` the log of the quantity sold.  ``exists[c]`` is
    False where the optimum does not exist (``reasons[c]`` says why).
    """

    log_utility: np.ndarray
    utility_slope: np.ndarray
    spend: np.ndarray
    log_sold: np.ndarray
    sold_slope: np.ndarray
    exists: np.ndarray
    failures: tuple[Failure | None, ...]  # why each optimum does not exist (None where it does)
    buys: np.ndarray  # bitmask of the goods each configuration buys

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why each optimum does not exist, in words ('' where it does)."""
        return tuple("" if f is None else f.text for f in self.failures)


def configuration_arrays(model: Model, values: Mapping[str, float]) -> ConfigurationArrays:
    """Solve every configuration's GP dual at the (checked) parameter ``values``."""
    table = configuration_table(model)
    n, m = len(table.configurations), len(model.good_names)
    args = [float(values[name]) for name in _parameter_names(model)]
    unique, function = _model_functions(model)
    numbers = _numbers(model, unique, function, args)
    out = dict(log_utility=np.full(n, -np.inf), utility_slope=np.zeros((n, m)), spend=np.zeros((n, m)),
               log_sold=np.zeros(n), sold_slope=np.zeros((n, m)), exists=np.zeros(n, dtype=bool))
    failures = tuple(_solve_configuration(_compiled(model, config), config, unique, numbers, c, out, m)
                     for c, config in enumerate(table.configurations))
    return ConfigurationArrays(**out, failures=failures, buys=table.buys)


def _numbers(model: Model, unique: dict, function, args: list[float]) -> list[float]:
    """The model's distinct formulas at the point; a formula undefined there (log of a negative) is NaN."""
    try:
        return [float(v) for v in function(*args)]
    except (ValueError, ZeroDivisionError, OverflowError):
        point = {model.symbols[n]: v for n, v in zip(_parameter_names(model), args, strict=True)}
        out = []
        for expr in unique:
            value = complex(expr.xreplace(point).evalf())
            out.append(value.real if value.imag == 0 and math.isfinite(value.real) else math.nan)
        return out


def _solve_configuration(cc: _Compiled, config: Configuration, unique: dict, numbers: list[float], c: int,
                         out: dict, m: int) -> Failure | None:
    label = config.label
    left = numbers[unique[cc.labour_left]]
    if not left > 0:
        return Failure(Condition(ConditionKind.LABOUR, label), left,
                       f"the labour endowment cannot cover the fixed costs of {label} (labour left {left:.6g})")
    a = cc.exponents.copy()
    for i, j, e in cc.exponent_entries:
        a[i, j] = numbers[unique[e]]
    n_terms = a.shape[0]
    system = np.zeros((n_terms, n_terms))
    system[0, 0] = 1.0
    system[1:, :] = a.T
    rhs = np.zeros(n_terms)
    rhs[0] = 1.0
    try:
        delta = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:  # e.g. constant returns in a bought input: degenerate exponents
        # The dual weights are not determined (NaN): counted as unbounded, a dual weight's failure.
        return Failure(Condition(ConditionKind.DUAL_WEIGHT, label), math.nan,
                       f"no optimum in {label}: its dual is singular here (degenerate exponents, e.g. "
                       "constant returns in a bought input; utility rises without bound or is not determined)")
    bad = np.flatnonzero(delta[1:] <= DUAL_TOLERANCE)
    if len(bad):
        i = int(bad[0]) + 1
        return Failure(cc.dual_conditions[i], float(delta[i]),
                       f"no optimum in {label}: utility rises without bound (dual weight of "
                       f"'{cc.dual_conditions[i].term}' is {delta[i]:.3g} <= 0; typically a bought input under "
                       "non-decreasing returns)")
    constraint = np.array(cc.constraint_of)
    lam = np.bincount(constraint, weights=delta)
    logc = cc.log_coefficients.copy()
    for i, e in cc.coefficient_entries:
        logc[i] = numbers[unique[e]]
    price = np.zeros((n_terms, m))  # d logc / d lp
    for term, bought, sold in cc.budget:
        price[term, bought] += 1.0
        price[term, sold] -= 1.0
    d, lam_t = delta[1:], lam[constraint[1:]]
    out["log_utility"][c] = -(d @ (logc[1:] - np.log(d))) - sum(v * np.log(v) for v in lam[1:] if v > 0)
    out["utility_slope"][c] = -(d @ price[1:])
    if cc.budget:
        total = sum(delta[t] for t, _, _ in cc.budget)
        for t, bought, _ in cc.budget:
            out["spend"][c, bought] += delta[t] / total
    if cc.sold_variable >= 0:
        # Primal recovery: a[1:] y = log(delta / lambda) - logc, square by zero degree of difficulty.
        try:
            inverse = np.linalg.inv(a[1:])
        except np.linalg.LinAlgError:
            text = "its primal is singular here (degenerate exponents)"
            return Failure(Condition(ConditionKind.OTHER, label, text), math.nan, f"no optimum in {label}: {text}")
        row = inverse[cc.sold_variable]
        out["log_sold"][c] = row @ (np.log(d) - np.log(lam_t) - logc[1:])
        out["sold_slope"][c] = -(row @ price[1:])
    out["exists"][c] = True
    return None


# ---------------------------------------------------------------------------------------
# structures


@dataclass(frozen=True)
class BlockSolution:
    """Corner equilibria of a block of structures with the same traded goods.

    ``income`` is per-capita real income (NaN where ``status`` is not 0); ``log_prices``
    are relative to the numeraire (the last traded good), columns in ``traded`` order;
    ``shares`` are population shares, column ``j`` for the seller of ``traded[j]``.
    ``status``: 0 exists; 1 a configuration has no optimum; 2 sellers get no income back
    (zero share); 3 splits into independent trading groups; 4 singular or inaccurate.
    """

    traded: tuple[int, ...]
    indices: np.ndarray
    income: np.ndarray
    log_prices: np.ndarray
    shares: np.ndarray
    status: np.ndarray
    residual: np.ndarray
    #: Log of ``income`` (finite where ``income`` underflows to 0).
    log_income: np.ndarray | None = None


STATUS_TEXT = {
    1: "a configuration of the structure has no optimum",
    2: "some sellers get no income back: money flows out of their group and never returns, so their share is 0",
    3: "the structure splits into independent trading groups (a union of sub-economies, each a structure "
       "of its own and solved as such; not a corner equilibrium of its own)",
    4: "utility equalization or market clearing is singular at this point",
}


def solve_block(arrays: ConfigurationArrays, traded: tuple[int, ...], indices: np.ndarray) -> BlockSolution:
    """Corner equilibria of every structure in ``indices`` (rows: sellers of ``traded``, in order)."""
    traded_idx = np.array(traded)
    n, t = indices.shape
    rows, cols = indices[:, :, None], traded_idx[None, None, :]
    a = arrays.log_utility[indices]  # (n, t)
    b = arrays.utility_slope[rows, cols]  # (n, t, t)
    spend = arrays.spend[rows, cols]  # (n, t seller, t good)
    status = np.zeros(n, dtype=np.int8)
    status[~arrays.exists[indices].all(axis=1)] = 1

    # Money flows from seller j to the sellers of the goods j buys: reachability by
    # Warshall's algorithm on bitmasks (bit k: the seller of traded[k]).
    buys = arrays.buys[indices]
    reach = np.broadcast_to(1 << np.arange(t, dtype=np.int64), (n, t)).copy()
    for k in range(t):
        reach |= ((buys >> traded_idx[k]) & 1) << k
    for k in range(t):
        has_k = ((reach >> k) & 1) == 1
        reach |= np.where(has_k, reach[:, k:k + 1], 0)
    full = (1 << t) - 1
    strongly = (reach == full).all(axis=1)
    weak = np.flatnonzero(~strongly & (status == 0))
    if len(weak):
        r = reach[weak]
        # j is in a closed class if every k it reaches reaches j back; the class's lowest member is its root.
        closed = np.ones(r.shape, dtype=bool)
        for j in range(t):
            for k in range(t):
                closed[:, j] &= (((r[:, j] >> k) & 1) == 0) | (((r[:, k] >> j) & 1) == 1)
        lowest = r & -r
        n_closed = (closed & (lowest == (1 << np.arange(t)))).sum(axis=1)
        status[weak[n_closed > 1]] = 3
        status[weak[n_closed == 1]] = 2

    income = np.full(n, np.nan)
    log_income = np.full(n, np.nan)
    log_prices = np.full((n, t), np.nan)
    shares = np.full((n, t), np.nan)
    residual = np.full(n, np.nan)
    ok = np.flatnonzero(status == 0)
    if len(ok):
        a_, b_, s_ = a[ok], b[ok], spend[ok]
        # Utility equalization: (b_j - b_ref) . lp = a_ref - a_j, numeraire lp = 0 (last column).
        lhs = b_[:, :-1, :-1] - b_[:, -1:, :-1]
        rhs = a_[:, -1:] - a_[:, :-1]
        lp = np.zeros((len(ok), t))
        good = np.ones(len(ok), dtype=bool)
        if t > 1:
            sol, good = _batched_solve(lhs, rhs)
            lp[:, :-1] = sol
        log_u = a_ + np.einsum("njk,nk->nj", b_, lp)
        # Market clearing: V = S V with S[g, j] = spend of seller j on g; sum V = 1.
        mat = np.swapaxes(s_, 1, 2) - np.eye(t)
        mat[:, -1, :] = 1.0
        e = np.zeros((len(ok), t))
        e[:, -1] = 1.0
        v, good_v = _batched_solve(mat, e)
        sold_idx = indices[ok]
        log_sales = (arrays.log_sold[sold_idx] + np.einsum("njk,nk->nj", arrays.sold_slope[sold_idx][:, :, traded_idx], lp)
                     + lp)
        people = v * np.exp(-(log_sales - log_sales.max(axis=1, keepdims=True)))
        sh = people / people.sum(axis=1, keepdims=True)
        ref = log_u[:, -1:]
        res = np.abs(np.expm1(log_u - ref)).max(axis=1)
        # Market clearing residual in value terms, relative to the value of sales.
        value = sh * np.exp(log_sales - log_sales.max(axis=1, keepdims=True))
        flow = value - np.einsum("njg,nj->ng", s_, value)
        res = np.maximum(res, np.abs(flow).max(axis=1) / value.sum(axis=1))
        fine = good & good_v & np.isfinite(res) & (res < 1e-8) & (sh > SHARE_TOLERANCE).all(axis=1)
        status[ok[~fine]] = 4
        income[ok[fine]] = np.exp(ref[fine, 0])
        log_income[ok[fine]] = ref[fine, 0]
        log_prices[ok[fine]] = lp[fine]
        shares[ok[fine]] = sh[fine]
        residual[ok] = res
    return BlockSolution(tuple(traded), indices, income, log_prices, shares, status, residual, log_income)


def _batched_solve(lhs: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a stack of square systems; rows that are singular come back NaN and flagged."""
    try:
        return np.linalg.solve(lhs, rhs[..., None])[..., 0], np.ones(len(lhs), dtype=bool)
    except np.linalg.LinAlgError:
        out = np.full(rhs.shape, np.nan)
        good = np.zeros(len(lhs), dtype=bool)
        for i in range(len(lhs)):
            try:
                out[i] = np.linalg.solve(lhs[i], rhs[i])
                good[i] = np.isfinite(out[i]).all()
            except np.linalg.LinAlgError:
                pass
        return out, good


def structure_status(arrays: ConfigurationArrays, model: Model, structure: Structure) -> tuple[int, str]:
    """Status code and reason of one structure (see :class:`BlockSolution`)."""
    sol = solve_structure(arrays, model, structure)
    return int(sol.status[0]), reason(arrays, model, sol, 0)


def solve_structure(arrays: ConfigurationArrays, model: Model, structure: Structure) -> BlockSolution:
    """The fast corner equilibrium of one structure (a block of one)."""
    table = configuration_table(model)
    index = {c: i for i, c in enumerate(table.configurations)}
    goods = model.good_names
    if len(structure.configurations) == 1 and structure.configurations[0].is_autarky:
        c = index[structure.configurations[0]]
        ok = bool(arrays.exists[c])
        return BlockSolution((), np.array([[c]]), np.array([np.exp(arrays.log_utility[c]) if ok else np.nan]),
                             np.zeros((1, 0)), np.ones((1, 1)), np.array([0 if ok else 1], np.int8), np.zeros(1),
                             np.array([arrays.log_utility[c] if ok else np.nan]))
    order = sorted(structure.configurations, key=lambda c: goods.index(c.sells))
    traded = tuple(goods.index(c.sells) for c in order)
    return solve_block(arrays, traded, np.array([[index[c] for c in order]]))


def reason(arrays: ConfigurationArrays, model: Model, sol: BlockSolution, row: int) -> str:
    """Why structure ``row`` of a block has no corner equilibrium ('' if it has one)."""
    code = int(sol.status[row])
    if code == 0:
        return ""
    if code == 1:
        return next(arrays.reasons[c] for c in sol.indices[row] if arrays.reasons[c])
    if code in (2, 3):
        configs = configuration_table(model).configurations
        return structure_defect(Structure("", tuple(configs[c] for c in sol.indices[row])))
    return f"{STATUS_TEXT[4]} (residual {sol.residual[row]:.3g})"


__all__ = [
    "BlockSolution", "ConfigurationArrays", "DUAL_TOLERANCE", "NotPowerFormError", "SHARE_TOLERANCE",
    "STATUS_TEXT", "configuration_arrays", "reason", "solve_block", "solve_structure", "structure_status",
]
