"""Numeric corner equilibria: the independent path, needing no closed form.

Each person's problem in a configuration is solved directly (SLSQP over the
logarithms of the decision variables, with the technologies evaluated from their
formulas, whatever their shape, in the array form of :mod:`inframarginal.primal`),
then polished by Newton's method on its KKT conditions; utility equalization across
the configurations of a structure is solved for the log relative prices by a root
finder; market clearing then gives the shares of people.  Nothing here uses the GP dual of
:mod:`inframarginal.symbolic`, so agreement of the two is a real check.

References
----------
Kraft, D. (1988). A software package for sequential quadratic programming.
DFVLR-FB 88-28 (SLSQP).
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import optimize

from inframarginal.configurations import Configuration, Structure, traded_goods
from inframarginal.model import Model
from inframarginal.primal import (
    Layout,
    ProgrammeValues,
    evaluate,
    parameter_function,
    primal_programme,
    technology_functions,
)

#: Log-variables are confined to [-BOUND, BOUND]; an optimum on the upper bound means
#: the problem is unbounded (utility grows without limit).
BOUND = 200.0
#: Largest relative gap in utility between configurations at which utility equalization counts as
#: reached (Newton's method ends far below it when it converges).
EQUALIZATION_TOLERANCE = 1e-7
NO_PLAN = (f"no feasible plan found (the numeric path searches quantities between exp(-{BOUND:g}) and "
           f"exp({BOUND:g}); where closed forms exist, the symbolic method has no such limit)")


@dataclass(frozen=True)
class IndividualOptimum:
    """A person's best plan in one configuration at given prices.

    ``values`` holds every decision variable (``l_x`` labour, ``g_x`` output,
    ``c_x`` consumed, ``s_x`` sold, ``d_x`` bought, ``in_z_x`` input).
    ``bounded`` is False when utility rises without limit.
    """

    configuration: Configuration
    utility: float
    values: dict[str, float]
    bounded: bool
    converged: bool
    message: str = ""
    log_solution: np.ndarray | None = None
    price_elasticities: dict[str, float] | None = None
    multipliers: np.ndarray | None = None  # of the constraints (primal.evaluate's order)
    too_poor: bool = False  # no plan found, and the optimizer's runs shrink every quantity


def _point(model: Model, programme, values: dict[str, float]) -> ProgrammeValues:
    return ProgrammeValues(model, programme, [np.array([values[p.name]]) for p in model.parameters])


def _scalar(model: Model, expr: sp.Expr, values: dict[str, float]) -> float:
    return float(parameter_function(model, expr)(*(values[p.name] for p in model.parameters)))


def individual_optimum(
    model: Model, config: Configuration, values: dict[str, float], prices: dict[str, float],
    start: np.ndarray | None = None, thorough: bool = True, point: ProgrammeValues | None = None,
) -> IndividualOptimum:
    """Solve a person's problem in ``config`` numerically at parameter ``values`` and ``prices``.

    Parameters
    ----------
    model : Model
    config : Configuration
    values : dict
        All parameter values (as returned by :meth:`Model.check_parameters`).
    prices : dict
        Prices of (at least) the goods the configuration trades.
    start : array, optional
        Logarithms of the decision variables to start from (a previous solution).
    thorough : bool
        Where no SLSQP run finds a plan, try an interior-point method from a constructed
        feasible plan too (slow; searches over prices turn it off).
    point : ProgrammeValues, optional
        The programme's parameter arrays at ``values`` (they do not depend on prices).
    """
    programme = primal_programme(model, config)
    lay = programme.layout
    n = len(lay.names)
    if point is None:
        point = _point(model, programme, values)
    log_prices = np.log([[prices.get(g, 1.0) for g in model.good_names]])
    weights = point.weights[0]
    last: list = [None, None]

    def at(y):  # SLSQP asks for the constraints and their Jacobian at the same iterate
        if last[0] is None or not np.array_equal(last[0], y):
            last[:] = [y.copy(), evaluate(programme, point, y[None], log_prices)]
        return last[1]

    def objective(y):
        return -weights @ y, -weights

    def constraints(y):
        return at(y).constraints[0]

    def jacobian(y):
        return at(y).jacobian[0]

    def second(y, mu):
        return evaluate(programme, point, y[None], log_prices, mu[None])

    def optimum(y, mu, at_optimum, success):
        x = np.exp(y)
        # envelope theorem: d log u / d log p = sum_i mu_i dg_i/dlog p (prices enter the budget only)
        slopes = mu @ at_optimum.constraint_price[0]
        elasticities = {g: float(slopes[model.good_names.index(g)]) for g in (config.sells, *config.buys) if g}
        return IndividualOptimum(config, float(np.exp(weights @ y)), dict(zip(lay.names, map(float, x), strict=True)),
                                 True, success, "", y, elasticities, mu)

    if start is not None:
        # From a nearby solution (the previous prices), Newton on the KKT conditions
        # alone is enough and much faster than a new SLSQP run.
        y, converged, mu, e = _polish(start, -weights, jacobian, second)
        if converged and np.all(e.constraints[0] > -1e-12):
            return optimum(y, mu, e, True)

    def attempts():
        slsqp = {"maxiter": 200, "ftol": 1e-10}
        yield "SLSQP", np.full(n, np.log(0.2)), slsqp, False
        # a constructed feasible plan, for problems whose scales defeat a generic start
        feasible = _feasible_start(model, config, lay, values, prices)
        strict = feasible is not None and bool(np.all(constraints(feasible) >= 0))
        if not strict and escaped:
            # The run heads for unbounded quantities; a plan built near the (tiny) scale of
            # the optimum is still worth one SLSQP run even where the construction stopped
            # short of feasibility (alpha near 1 makes that scale a high power: li-ke models).
            # Its result counts only if it meets the optimality conditions.
            if feasible is not None:
                yield "SLSQP", feasible, slsqp, True
            return
        for y0 in (feasible, np.full(n, np.log(0.05)), np.full(n, np.log(0.5))):
            if y0 is not None:
                yield "SLSQP", y0, slsqp, False
        if thorough and best is None and strict:
            # SLSQP's steps can leave the region where the technologies are defined and
            # never come back; an interior-point method stays inside (slower, so last).
            yield "trust-constr", feasible, {"maxiter": 1000, "gtol": 1e-12, "xtol": 1e-14}, False

    # An optimum satisfies the KKT conditions with positive multipliers (every constraint
    # binds); where no start leads to a plan that meets them, the optimizer was running away.
    best, found, shrinking, escaped = None, None, False, False
    for method, y0, options, optimum_only in attempts():
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # trial steps may overflow; quasi-Newton updates may be skipped
            result = optimize.minimize(
                objective, y0, jac=True, method=method, bounds=[(-BOUND, BOUND)] * n,
                constraints=[{"type": "ineq", "fun": constraints, "jac": jacobian}], options=options,
            )
        # a run to the edge of the box is utility rising without bound, even where the last
        # steps left the constraints slightly unmet
        at_edge = bool(np.max(result.x) >= BOUND - 1e-6)
        if optimum_only:
            y, kkt, mu, e = _polish(result.x, -weights, jacobian, second)
            if kkt and np.all(e.constraints[0] > -1e-12):
                found = (y, mu, e, bool(result.success))
                break
            continue
        escaped |= at_edge
        runaway = at_edge and np.all(constraints(result.x) > -1e-3)
        shrinking |= bool(result.fun > 0 and np.min(result.x) <= -BOUND + 1e-6)
        if not (runaway or np.all(constraints(result.x) > -1e-8)):
            continue
        if best is None or result.fun < best.fun - 1e-12:
            best = result
        if runaway:
            continue
        y, kkt, mu, e = _polish(result.x, -weights, jacobian, second)
        if kkt and np.all(e.constraints[0] > -1e-12):
            found = (y, mu, e, bool(result.success))
            break
    if found is not None:
        return optimum(*found)
    if best is None:
        return IndividualOptimum(config, 0.0, {}, True, False, NO_PLAN, too_poor=shrinking)
    x = np.exp(best.x)
    return IndividualOptimum(
        config, float(np.exp(weights @ best.x)), dict(zip(lay.names, map(float, x), strict=True)),
        False, bool(best.success), "utility rises without bound (the optimizer runs away and "
        "no plan meets the optimality conditions)", best.x)


def _feasible_start(model: Model, config: Configuration, lay: Layout, values: dict[str, float],
                    prices: dict[str, float]) -> np.ndarray | None:
    """A strictly feasible plan in log variables, built by a damped fixed point.

    Labour covers each good's fixed cost and splits the rest equally; each good's
    supply is shared equally among its uses with some slack; purchases spend 90% of
    the revenue.  Returns ``None`` if no such plan is found (e.g. fixed costs exceed
    the endowment).
    """
    from inframarginal.individual import labour_of

    endowment = _scalar(model, model.endowment, values)
    efficiency = {g: _scalar(model, model.good(g).trading_efficiency, values) for g in config.buys}
    outputs = {g: technology_functions(model, config, g)[0] for g in config.produces}
    params = [values[p.name] for p in model.parameters]
    fixed = {g: _scalar(model, labour_of(model, config, g), values) for g in config.produces}
    spare = endowment - sum(fixed.values())
    if spare <= 0:
        return None
    x = np.full(len(lay.names), 0.1)
    for g, li, _, _ in lay.produced:
        x[li] = fixed[g] + 0.999 * spare / len(lay.produced)

    def update(j, value, only_down):
        x[j] = min(x[j], value) if only_down else value

    with np.errstate(all="ignore"):
        # First iterate freely towards a balanced plan, then only ever lower a quantity:
        # the limit of the lowering phase meets every constraint with slack.
        for iteration in range(260):
            down = iteration >= 60
            before = x.copy()
            for g, li, gi, inputs in lay.produced:
                output = outputs[g]([x[li], *[x[j] for _, j in inputs]], params)
                if not output > 0 or not np.isfinite(output):
                    return None
                update(gi, output * 0.99, down)
            for g, src, kind, items in lay.availability:
                cap = x[src] * 0.99 if kind == "g" else efficiency[g] * x[src] * 0.99
                for j in items:
                    update(j, 0.9 * cap / len(items), down)
            if lay.budget:
                si, buys = lay.budget
                revenue = prices[config.sells] * x[si]
                for g, j in buys:
                    update(j, 0.9 * revenue / (len(buys) * prices[g]), down)
            if down and np.allclose(x, before, rtol=1e-13, atol=0.0):
                break
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        return None
    return np.clip(np.log(x), -BOUND + 1, BOUND - 1)


def _polish(y: np.ndarray, gradient: np.ndarray, jacobian, second, steps: int = 30):
    """Refine an SLSQP solution by Newton's method on the KKT conditions.

    SLSQP stops on a small change of the objective, which leaves the decision
    variables accurate to about the square root of its tolerance; every constraint
    binds at the optimum of a configuration, so a few Newton steps on
    ``grad f = J' mu, g = 0`` make them accurate to rounding.  ``second(y, mu)`` gives the
    Hessian of the Lagrangian.  Returns the point, whether the KKT conditions hold with
    positive multipliers, the multipliers and the evaluation at the point (where converged).
    """
    mu, *_ = np.linalg.lstsq(jacobian(y).T, gradient, rcond=None)
    n, m = len(y), len(mu)
    converged, e = False, None
    with np.errstate(all="ignore"):
        for _ in range(steps):
            e = second(y, mu)
            jac, g = e.jacobian[0], e.constraints[0]
            stationarity = gradient - jac.T @ mu
            residual = np.concatenate([stationarity, g])
            if np.max(np.abs(residual)) < 1e-12:
                converged = bool(np.all(mu > 0))
                break
            kkt = np.zeros((n + m, n + m))
            kkt[:n, :n], kkt[:n, n:], kkt[n:, :n] = -e.hessian[0], -jac.T, jac
            try:
                step = np.linalg.solve(kkt, -residual)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            largest = np.max(np.abs(step[:n]))
            if largest > 1.0:
                step = step / largest  # far from the solution: a bounded step
            y, mu = y + step[:n], mu + step[n:]
    return y, converged, mu, e


def _viable_log_prices(model: Model, structure: Structure, values: dict[str, float], unknown: list[str],
                       prices_of, lp: np.ndarray, optima: list[IndividualOptimum],
                       rounds: int = 2) -> np.ndarray | None:
    """Log prices at which every person of the structure has an optimal plan, or None.

    A person whose every plan shrinks to nothing is too poor at these prices: raise the
    price of what they sell relative to what they buy (doubling steps) until they have a
    plan or become unboundedly rich, then bisect between the two.  Near a technology with
    constant returns (beta close to 1 in the seed model) the window of such prices is
    narrow: the scale of the optimal plan is a high power of the terms of trade.
    ``optima`` are the people's optima at ``lp``.
    """

    def status(config: Configuration, trial: np.ndarray) -> int:
        return _status(individual_optimum(model, config, values, prices_of(trial), thorough=False))

    states = dict(zip(structure.configurations, map(_status, optima), strict=True))
    for round_ in range(rounds):
        if round_:
            states = {c: status(c, lp) for c in structure.configurations}
        if all(v == 0 for v in states.values()):
            return lp
        config = next((c for c, v in states.items() if v == -1), None)
        if config is None:
            return None
        if config.sells in unknown:  # its own price up, or (it sells the numeraire) what it buys down
            direction = np.array([1.0 if g == config.sells else 0.0 for g in unknown])
        else:
            direction = np.array([-1.0 if g in config.buys else 0.0 for g in unknown])
        if not direction.any():
            return None
        poor, found = 0.0, None
        for k in range(7):
            t = 0.25 * 2**k
            s = status(config, lp + t * direction)
            if s == 0:
                found = t
            elif s == 1:  # the window lies between the last two steps
                rich = t
                for _ in range(12):
                    mid = (poor + rich) / 2
                    s = status(config, lp + mid * direction)
                    if s == 0:
                        found = mid
                        break
                    poor, rich = (mid, rich) if s == -1 else (poor, mid)
            if s != -1:
                break
            poor = t
        if found is None:
            return None
        lp = lp + found * direction
    return None


def _status(o: IndividualOptimum) -> int:
    """0: a plan; -1: too poor; 1: otherwise (unbounded, or no plan)."""
    return 0 if o.bounded and o.values else (-1 if o.too_poor or (not o.bounded and o.utility < 1.0) else 1)


def _starting_log_prices(unknowns: int, reach: tuple[float, ...] = (-6.0, -3.0, 0.0, 3.0, 6.0),
                         most: int = 40) -> list[np.ndarray]:
    """Log relative prices to start utility equalization from, nearest to equal prices first."""
    grid = np.array(np.meshgrid(*[reach] * unknowns, indexing="ij")).reshape(unknowns, -1).T
    grid = grid[np.any(grid != 0.0, axis=1)]
    return list(grid[np.argsort(np.abs(grid).sum(axis=1), kind="stable")][:most])


@dataclass(frozen=True)
class NumericCornerEquilibrium:
    """The numeric corner equilibrium of a structure at one parameter point."""

    structure: Structure
    exists: bool
    reason: str
    prices: dict[str, float]
    shares: tuple[float, ...]
    per_capita_real_income: float
    optima: tuple[IndividualOptimum, ...]
    residuals: dict[str, float]


def numeric_corner_equilibrium(
    model: Model, structure: Structure, values: dict[str, float], numeraire: str | None
) -> NumericCornerEquilibrium:
    """Utility equalization (root finding in log prices) and market clearing, numerically."""
    configs = structure.configurations
    traded = traded_goods(structure, model)
    unknown = [g for g in traded if g != numeraire]

    def prices_of(lp):
        out = {g: float(np.exp(v)) for g, v in zip(unknown, lp, strict=True)}
        if numeraire:
            out[numeraire] = 1.0
        return out

    warm: dict[int, np.ndarray] = {}
    points = [_point(model, primal_programme(model, c), values) for c in configs]

    def solve_all(lp, thorough=True):
        optima = []
        for i, c in enumerate(configs):
            o = individual_optimum(model, c, values, prices_of(lp), warm.get(i), thorough, points[i])
            if o.bounded and o.log_solution is not None:
                warm[i] = o.log_solution
            optima.append(o)
        return optima

    def equalization(lp, thorough=True):
        """Residuals log u_i - log u_0, their Jacobian in the log prices, and the optima."""
        optima = solve_all(lp, thorough)
        if not all(o.bounded and o.values and o.price_elasticities is not None for o in optima):
            return None, None, optima
        logs = [np.log(o.utility) for o in optima]
        slopes = np.array([[o.price_elasticities.get(g, 0.0) for g in unknown] for o in optima])
        return np.array([v - logs[0] for v in logs[1:]]), slopes[1:] - slopes[0], optima

    # Newton's method on utility equalization, its Jacobian from the envelope theorem; with
    # power-form technologies log utility is linear in log prices and one step suffices.
    lp = np.zeros(len(unknown))
    residual, jacobian, optima = equalization(lp) if unknown else (None, None, solve_all(lp))
    if unknown and residual is None and any(o.message == NO_PLAN for o in optima):
        # At equal prices a person may have no feasible plan within reach (an input that
        # costs far more than its product sells for; a plan whose scale is a high power of
        # the terms of trade): start from other relative prices, first by moving the terms
        # of trade of whoever is too poor, then from a grid.
        viable = _viable_log_prices(model, structure, values, unknown, prices_of, lp, optima)
        for start in ([viable] if viable is not None else []) + _starting_log_prices(len(unknown)):
            trial = equalization(start, thorough=False)
            if trial[0] is not None:
                lp, (residual, jacobian, optima) = start, trial
                break
    if unknown:
        for _ in range(30):
            if residual is None or np.max(np.abs(residual)) < 1e-12:
                break  # at rounding level: halving steps cannot do better
            try:
                step = np.linalg.solve(jacobian, residual)
            except np.linalg.LinAlgError:
                break
            if np.max(np.abs(step)) < 1e-11:
                break  # the residual is at the precision of the individual optima
            # damped: halve the step until the residual shrinks (far from the solution an
            # undamped step can reach prices at which some person has no feasible plan)
            for _ in range(20):
                trial = equalization(lp - step)
                if trial[0] is not None and np.max(np.abs(trial[0])) < np.max(np.abs(residual)):
                    break
                step = step / 2
            else:
                break
            lp = lp - step
            residual, jacobian, optima = trial
    prices = prices_of(lp)
    for o in optima:
        if not o.bounded or not o.values:
            return NumericCornerEquilibrium(
                structure, False, f"{o.configuration.label}: {o.message}", prices, (), float("nan"), tuple(optima), {})
    utilities = np.array([o.utility for o in optima])
    gap = float(np.max(np.abs(utilities / utilities[0] - 1.0)))
    if gap > EQUALIZATION_TOLERANCE:
        # Newton's method stalled: these prices are no corner equilibrium, and the numeric
        # path cannot say whether one exists (never report one with unequal utilities)
        return NumericCornerEquilibrium(
            structure, False, f"the numeric solver did not reach utility equalization (largest relative gap "
            f"in utility {gap:.3g} at the last prices tried)", prices, (), float("nan"), tuple(optima), {})

    flows = np.array([[o.values.get(f"s_{g}", 0.0) - o.values.get(f"d_{g}", 0.0) for o in optima] for g in traded])
    shares = market_clearing_shares(flows.reshape(1, len(traded), len(configs)))[0]
    residuals = {"utility equalization": gap}
    scale = max(1e-300, float(np.max(np.abs(flows * shares)))) if traded else 1.0
    residuals["market clearing"] = float(np.max(np.abs(flows @ shares)) / scale) if traded else 0.0
    exists = bool(np.all(shares > 0))
    reason = "" if exists else "market clearing needs a non-positive number of people in some configuration"
    return NumericCornerEquilibrium(
        structure, exists, reason, prices, tuple(map(float, shares)), float(utilities[0]), tuple(optima), residuals)


def market_clearing_shares(flows: np.ndarray) -> np.ndarray:
    """Shares of people in each configuration from market clearing, at n points.

    ``flows`` (n, goods, configurations) holds each configuration's sales minus purchases of
    each traded good; the shares solve sum_c share_c flow_gc = 0 for every good and
    sum_c share_c = 1 (least squares, minimum norm: Walras' law makes one equation redundant).
    """
    n, _, configs = flows.shape
    a = np.concatenate([np.ones((n, 1, configs)), flows], axis=1)
    rhs = np.zeros(a.shape[1])
    rhs[0] = 1.0
    return np.linalg.pinv(a) @ rhs
