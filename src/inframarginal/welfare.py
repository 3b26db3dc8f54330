"""A provable upper bound on the per-capita real income of every structure (first welfare theorem).

For technologies of power form, the best log utility of configuration ``c`` at log prices
``lp`` (every good priced) is affine: ``a_c + b_c . lp`` (:mod:`inframarginal.loglinear`).
For ANY price vector ``lp``::

    every corner equilibrium's income  <=  V(lp) = max_c exp(a_c + b_c . lp).

Proof (the first welfare theorem, as in Sun, Yang and Zhou 2004): suppose a structure's
corner equilibrium gives everyone ``u > V(lp)``.  Each person's plan there (configuration,
production, trade) is a plan of her configuration; had it cost no more than it earns at
``lp``, its utility would be at most that configuration's optimum at ``lp``, so at most
``V(lp) < u``.  Hence every person's purchases are worth more than her sales at ``lp``;
summing over the population, the value of all goods bought exceeds the value of all goods
sold, which contradicts market clearing (each good's purchases equal its sales).  Only
configurations that have an optimum can be used by a corner equilibrium, so ``V`` is taken
over those.

The tightest bound is the linear programme ``min_lp max_c (a_c + b_c . lp)``.  Its dual
chooses population weights of configurations, ``mu >= 0``, ``sum mu = 1``, with
``sum_c mu_c b_c = 0``; since ``b_c`` is the value of a seller's sales times (her good
minus her spending shares), that is market clearing in value terms, and the objective is
the average log utility: Sun, Yang and Zhou's optimisation over the population shares of
Lemma-1 configurations.  By their theorem the general equilibrium exists with prices for
every good at which nobody gains by switching configuration, so the bound is reached by
the equilibrium: the configurations with positive dual weight (and those with the
highest utility at the bound's prices) form the candidate structures; the best corner
equilibrium among them, if it reaches the bound, is the general equilibrium, certified
by the bound gap.  Where no candidate reaches it (the theorem's assumptions fail, or the
equilibrium needs two kinds of sellers of one good), the caller falls back to enumeration.

References
----------
Sun, G., Yang, X. and Zhou, L. (2004). General equilibria in large economies with
endogenous structure of division of labor. *Journal of Economic Behavior and
Organization* 55(2), 237-256.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from inframarginal.enumeration import configuration_table, mask_of
from inframarginal.loglinear import ConfigurationArrays, solve_block
from inframarginal.model import Model

#: Log prices are searched in this box; any price vector gives a valid bound.
LOG_PRICE_BOX = 60.0
#: Configurations within this distance of the bound (in log utility) count as active.
ACTIVE_TOLERANCE = 1e-7
#: A candidate reaching the bound within this relative gap certifies the equilibrium.
CERTIFY_GAP = 1e-9
#: At most this many candidate structures are solved from the active set.
MAX_CANDIDATES = 200_000


@dataclass(frozen=True)
class WelfareBound:
    """The bound ``exp(log_bound)`` at the full price vector ``exp(log_prices)`` (all goods).

    ``support`` holds the configurations with positive dual weight (population weights in
    value terms, ``weights``); ``active`` those within :data:`ACTIVE_TOLERANCE` of the
    bound at ``log_prices``.
    """

    log_bound: float
    log_prices: np.ndarray
    support: np.ndarray
    weights: np.ndarray
    active: np.ndarray

    @property
    def bound(self) -> float:
        return math.exp(self.log_bound)


def bound_at(arrays: ConfigurationArrays, log_prices: np.ndarray) -> float:
    """``log V(lp)``: the largest log utility of a configuration that has an optimum (a valid bound)."""
    ok = arrays.exists
    return float(np.max(arrays.log_utility[ok] + arrays.utility_slope[ok] @ log_prices))


def welfare_bound(arrays: ConfigurationArrays, fixed: dict[int, float] | None = None) -> WelfareBound | None:
    """Solve ``min_lp max_c (a_c + b_c . lp)`` (HiGHS); None where no configuration has an optimum.

    ``fixed`` pins the log prices of some goods (used to polish the bound at a candidate's prices).
    The returned ``log_bound`` is re-evaluated at the returned prices, so it is a valid bound
    whatever the accuracy of the solver.
    """
    ok = np.flatnonzero(arrays.exists)
    if not len(ok):
        return None
    a, b = arrays.log_utility[ok], arrays.utility_slope[ok]
    m = b.shape[1]
    fixed = fixed or {m - 1: 0.0}  # utility depends on relative prices only
    free = [g for g in range(m) if g not in fixed]
    shift = a + (b[:, list(fixed)] @ np.array(list(fixed.values())) if fixed else 0.0)
    # Variables: free log prices, then t.  Constraints: b_c[free] . lp - t <= -shift_c.
    lhs = np.hstack([b[:, free], -np.ones((len(ok), 1))])
    cost = np.zeros(len(free) + 1)
    cost[-1] = 1.0
    bounds = [(-LOG_PRICE_BOX, LOG_PRICE_BOX)] * len(free) + [(None, None)]
    # imported here: a certificate read from the disk cache needs no SciPy
    from scipy.optimize import linprog

    res = linprog(cost, A_ub=lhs, b_ub=-shift, bounds=bounds, method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        return None
    lp = np.zeros(m)
    for g, v in fixed.items():
        lp[g] = v
    lp[free] = res.x[:-1]
    values = a + b @ lp
    top = float(values.max())
    duals = -np.asarray(res.ineqlin.marginals)
    support = ok[duals > 1e-12]
    return WelfareBound(top, lp, support, duals[duals > 1e-12], ok[values >= top - ACTIVE_TOLERANCE])


def candidate_blocks(model: Model, allowed: np.ndarray, cap: int = MAX_CANDIDATES
                     ) -> Iterator[tuple[tuple[int, ...], np.ndarray]] | None:
    """Trading structures made of the ``allowed`` configurations only, as blocks ``(traded, indices)``.

    Returns None (nothing generated) if they would be more than ``cap``.
    """
    table = configuration_table(model)
    allowed_set = np.zeros(len(table.configurations), dtype=bool)
    allowed_set[allowed] = True
    n = len(table.goods)
    sellers = [np.flatnonzero(allowed_set & (table.sells == g)) for g in range(n)]
    goods = [g for g in range(n) if len(sellers[g])]
    plans: list[tuple[tuple[int, ...], list[np.ndarray]]] = []
    total = 0
    for size in range(2, len(goods) + 1):
        for traded in itertools.combinations(goods, size):
            full = mask_of(traded)
            cands = [s[(table.buys[s] & ~full) == 0] for s in (sellers[g] for g in traded)]
            if any(not len(c) for c in cands):
                continue
            if np.bitwise_or.reduce(np.concatenate([table.buys[c] for c in cands])) != full:
                continue
            total += math.prod(len(c) for c in cands)
            if total > cap:
                return None
            plans.append((traded, cands))

    def blocks() -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
        for traded, cands in plans:
            grid = np.stack([x.ravel() for x in np.meshgrid(*cands, indexing="ij")], axis=1)
            keep = np.bitwise_or.reduce(table.buys[grid], axis=1) == mask_of(traded)
            if keep.any():
                yield traded, grid[keep]

    return blocks()


@dataclass(frozen=True)
class BoundSearch:
    """Outcome of :func:`bound_search`: the bound, the candidates solved and the best of them.

    ``best`` holds ``(income, configuration indices)`` of the candidates with a corner
    equilibrium, best first; ``gap`` is ``bound / best income - 1`` (inf if none).
    """

    bound: WelfareBound | None
    best: list[tuple[float, np.ndarray]]
    solved: int
    gap: float
    log_incomes: list[float] = field(default_factory=list)  # of ``best``, exact where incomes underflow

    @property
    def certified(self) -> bool:
        return self.gap <= CERTIFY_GAP


def bound_search(model: Model, arrays: ConfigurationArrays, keep: int = 10) -> BoundSearch:
    """The welfare bound and the best corner equilibrium among the structures that can reach it.

    Candidates: first the structures made of the dual support's configurations; if none
    reaches the bound, those made of every active configuration (at most
    :data:`MAX_CANDIDATES`).  The bound is then polished at the best candidate's prices
    (the prices of goods it does not trade re-optimised), which can only lower it.
    """
    wb = welfare_bound(arrays)
    if wb is None:
        return BoundSearch(None, [], 0, math.inf)
    table = configuration_table(model)
    found: dict[tuple[int, ...], float] = {}  # log incomes: incomes of large models underflow
    solved = 0

    def solve(allowed: np.ndarray) -> bool:
        nonlocal solved
        for c in allowed[table.sells[allowed] < 0].tolist():  # autarky: a structure of its own
            solved += 1
            found[(c,)] = float(arrays.log_utility[c])
        blocks = candidate_blocks(model, allowed)
        if blocks is None:
            return False
        for traded, block in blocks:
            sol = solve_block(arrays, traded, block)
            solved += len(block)
            assert sol.log_income is not None
            for i in np.flatnonzero(sol.status == 0).tolist():
                found[tuple(block[i].tolist())] = float(sol.log_income[i])
        return True

    solve(wb.support)
    if max(found.values(), default=-math.inf) < wb.log_bound - CERTIFY_GAP:
        solve(np.union1d(wb.active, wb.support))
    ranked = sorted(found.items(), key=lambda item: -item[1])
    if not ranked:
        return BoundSearch(wb, [], solved, math.inf)
    log_bound = wb.log_bound
    top_idx, top = ranked[0]
    if top < log_bound - 1e-14 and len(top_idx) > 1:
        # Polish: the candidate's own prices for the goods it trades, the rest re-optimised.
        traded = sorted(int(table.sells[c]) for c in top_idx)
        sol = solve_block(arrays, tuple(traded), np.array([sorted(top_idx, key=lambda c: int(table.sells[c]))]))
        if sol.status[0] == 0:
            polished = welfare_bound(arrays, {g: float(sol.log_prices[0, j]) for j, g in enumerate(traded)})
            if polished is not None and polished.log_bound < log_bound:
                wb = polished
                log_bound = polished.log_bound
    gap = math.expm1(max(log_bound - top, 0.0))
    kept = ranked[:keep] + [(idx, u) for idx, u in ranked[keep:] if u >= top + math.log1p(-1e-10)]
    return BoundSearch(wb, [(math.exp(u), np.array(idx)) for idx, u in kept], solved, gap,
                       [u for _, u in kept])


def warm_up() -> None:
    """Run the bound's linear algebra and LP once on tiny inputs, so that their buffers are allocated.

    For processes that then work under an address-space limit (the explorer's workers):
    there OpenBLAS aborts the process, instead of raising ``MemoryError``, when its first
    buffer cannot be allocated.
    """
    eye = np.broadcast_to(np.eye(3), (2, 3, 3)).copy()
    np.linalg.solve(eye, np.ones((2, 3, 1)))
    np.linalg.inv(eye[0])
    from scipy.optimize import linprog

    linprog(np.ones(2), A_ub=-np.eye(2), b_ub=-np.ones(2), method="highs")


__all__ = ["ACTIVE_TOLERANCE", "BoundSearch", "CERTIFY_GAP", "MAX_CANDIDATES", "WelfareBound", "bound_at",
           "bound_search", "candidate_blocks", "warm_up", "welfare_bound"]
