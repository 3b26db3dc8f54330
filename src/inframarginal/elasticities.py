"""Marginal comparative statics: elasticities within a structure.

Infra-marginal analysis compares structures (the jumps of the general equilibrium
between corner equilibria); marginal analysis asks how a structure's corner
equilibrium moves with the parameters while the structure stays.  For every studied
structure this module gives the elasticities

    e(f, theta) = d log f / d log theta = (theta / f) df/dtheta

of per-capita real income, the relative prices ``p_g/p_n`` (``n`` the numeraire) and
the relative numbers ``M_g/M_n`` of specialists, with respect to every base parameter
``theta`` of the model, at one point.

Two methods, named per entry:

* ``"closed form"``: where the structure has a closed-form corner equilibrium
  (:mod:`inframarginal.symbolic`), ``theta * d log f / d theta`` of it, by SymPy, with
  derived parameters substituted (so ``k = (1 - t) K`` carries its chain rule).
* ``"implicit function theorem"``: otherwise (or with ``method="numeric"``), from the
  numeric corner equilibrium.  Each person's optimum satisfies the KKT conditions
  ``R(y, mu; theta, log p) = 0``; their derivative in ``(y, mu)`` is the Newton matrix
  of :func:`inframarginal.numeric._polish`, so ``dy/dtheta`` and ``dy/dlog p`` follow
  by the implicit function theorem (the explicit dependence of the constraints on
  ``theta``, at the fixed optimum, by central differences of the formulas: no
  optimization is re-run).  By the envelope theorem ``d log u/dtheta`` at fixed prices
  is the weights' own derivative plus ``w . dy/dtheta``.  Utility equalization
  ``log u_i - log u_0 = 0`` then gives ``dlog p/dtheta`` (implicit function theorem
  again), income ``d log u_0``, and market clearing ``A(theta) M = e_1`` the shares:
  ``dM = -A^+ (dA) M``.

Where an elasticity means nothing, it says so instead of giving NaN: at a parameter
value of 0 the elasticity is 0 for any smooth ``f`` and tells nothing, so the
*semi-elasticity* ``d log f / d theta`` is given (``kind="semi-elasticity"``); a
non-finite derivative (a kink, a bound of the domain) or a structure that does not
exist gives ``kind="undefined"`` with the reason.  For a negative parameter the
elasticity is the response to scaling the parameter by 1%, i.e. moving it 1% further
from 0.  The quantities themselves are positive wherever the structure exists.

The hand-derivable case (Yang 2001, ch. 4): with ``x = l^a``, ``y = l^a``, ``u = x y``
and trading efficiency ``k``, autarky A gives ``u_A = 2^(-2a)``, so
``e(u_A, a) = -2 a log 2`` and ``e(u_A, k) = 0``; the division of labour D =
(x/y)(y/x) gives ``u_D = k/4`` and ``p_x/p_y = 1``, ``M_x/M_y = 1``: ``e(u_D, k) = 1``,
every other elasticity 0.  ``tests/test_elasticities.py`` checks these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from inframarginal.budget import checkpoint, symbolic_seconds, time_limit
from inframarginal.configurations import Structure, find_structure, studied_structures
from inframarginal.errors import BudgetExceeded, InframarginalError
from inframarginal.expressions import to_function
from inframarginal.memo import model_cache
from inframarginal.model import Model

#: Per-entry method names.
CLOSED_FORM = "closed form"
IMPLICIT = "implicit function theorem"

#: Kinds of entry.
ELASTICITY = "elasticity"
SEMI = "semi-elasticity"
UNDEFINED = "undefined"

INCOME = "per-capita real income"

#: What the numbers are, in one line (for JSON answers).
DEFINITION = ("elasticity: d log f / d log theta; semi-elasticity (where theta = 0): d log f / d theta; "
              "undefined: value null, the note says why")

#: Largest derivative (``sympy.count_ops``) simplified for display; larger ones stay as derived.
_SIMPLIFY_MAX_OPS = 200


@dataclass(frozen=True)
class Elasticity:
    """One entry: the response of ``quantity`` to ``parameter``.

    ``value`` is ``None`` exactly when ``kind`` is ``"undefined"`` (``note`` says why).
    ``formula`` is the closed form of the entry (``theta * d log f / d theta``, or the
    semi-elasticity) where the method is ``"closed form"``, as derived (unsimplified:
    :func:`simplified` shortens it within a budget).
    """

    quantity: str
    parameter: str
    value: float | None
    kind: str
    method: str
    note: str = ""
    formula: sp.Expr | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "kind": self.kind, "method": self.method}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class StructureElasticities:
    """Elasticities of one structure's corner equilibrium: quantity x parameter.

    ``levels`` holds the quantities themselves at the point.  Index an entry with
    ``result[quantity, parameter]``; :meth:`to_xarray` gives the labelled table.
    """

    structure: str
    configurations: tuple[str, ...]
    exists: bool
    reason: str
    quantities: tuple[str, ...]
    parameters: tuple[str, ...]
    entries: tuple[Elasticity, ...]
    levels: dict[str, float]

    def __getitem__(self, key: tuple[str, str]) -> Elasticity:
        quantity, parameter = key
        for e in self.entries:
            if e.quantity == quantity and e.parameter == parameter:
                return e
        raise KeyError(key)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods used, each once."""
        return tuple(dict.fromkeys(e.method for e in self.entries))

    def to_xarray(self) -> Any:
        """An ``xarray.Dataset`` over (quantity, parameter): ``value`` (NaN only where ``kind`` is
        ``"undefined"``), ``kind`` and ``method``; ``level`` over quantity."""
        import xarray as xr

        shape = (len(self.quantities), len(self.parameters))
        value = np.full(shape, np.nan)
        kind = np.full(shape, UNDEFINED, dtype=object)
        method = np.full(shape, "", dtype=object)
        for e in self.entries:
            i, j = self.quantities.index(e.quantity), self.parameters.index(e.parameter)
            value[i, j] = np.nan if e.value is None else e.value
            kind[i, j], method[i, j] = e.kind, e.method
        coords = {"quantity": list(self.quantities), "parameter": list(self.parameters)}
        return xr.Dataset(
            {"value": (("quantity", "parameter"), value), "kind": (("quantity", "parameter"), kind.astype(str)),
             "method": (("quantity", "parameter"), method.astype(str)),
             "level": (("quantity",), [self.levels.get(q, np.nan) for q in self.quantities])},
            coords=coords, attrs={"structure": self.structure, "exists": int(self.exists), "reason": self.reason})

    def to_dict(self) -> dict[str, Any]:
        return {
            "configurations": list(self.configurations),
            "exists": self.exists,
            "reason": self.reason,
            "levels": dict(self.levels),
            "elasticities": {q: {e.parameter: e.to_dict() for e in self.entries if e.quantity == q}
                             for q in self.quantities},
        }


@dataclass(frozen=True)
class Elasticities:
    """Elasticities of every studied structure at one parameter point."""

    model: str
    parameters: dict[str, float]
    structures: dict[str, StructureElasticities]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "parameters": dict(self.parameters),
                "definition": DEFINITION,
                "structures": {n: s.to_dict() for n, s in self.structures.items()}}

    def __repr__(self) -> str:
        return format_table(self)

    def _repr_html_(self) -> str:
        """Notebook display: one table per structure (the undefined entries' reasons on hover)."""
        from html import escape

        parts = [f"<p>Elasticities d log f / d log &theta; of {escape(self.model)}</p>"]
        for s in self.structures.values():
            head = f"<p><b>{escape(s.structure)}</b>: {escape(' '.join(s.configurations))}"
            if not s.exists:
                parts.append(f"{head}; does not exist: {escape(s.reason)}</p>")
                continue
            parts.append(f"{head} ({escape(', '.join(s.methods))})</p><table><tr><th>quantity</th>"
                         + "".join(f"<th>{escape(p)}</th>" for p in s.parameters) + "</tr>")
            for q in s.quantities:
                cells = "".join(f'<td title="{escape(s[q, p].note)}">{escape(format_value(s[q, p]))}</td>'
                                for p in s.parameters)
                parts.append(f"<tr><td>{escape(q)}</td>{cells}</tr>")
            parts.append("</table>")
        return "".join(parts)

    def to_xarray(self) -> Any:
        """One ``xarray.Dataset`` over (structure, quantity, parameter): ``value``, ``kind``, ``method``.

        Quantities are the union over structures; where a structure has no such quantity
        (fewer traded goods) or does not exist, ``kind`` is ``"absent"`` and ``value`` NaN.
        """
        import xarray as xr

        quantities = list(dict.fromkeys(q for s in self.structures.values() for q in s.quantities))
        params = [p for p in self.parameters if any(p in s.parameters for s in self.structures.values())]
        shape = (len(self.structures), len(quantities), len(params))
        value = np.full(shape, np.nan)
        kind = np.full(shape, "absent", dtype=object)
        method = np.full(shape, "", dtype=object)
        for i, s in enumerate(self.structures.values()):
            for e in s.entries:
                j, k = quantities.index(e.quantity), params.index(e.parameter)
                value[i, j, k] = np.nan if e.value is None else e.value
                kind[i, j, k], method[i, j, k] = e.kind, e.method
        dims = ("structure", "quantity", "parameter")
        return xr.Dataset(
            {"value": (dims, value), "kind": (dims, kind.astype(str)), "method": (dims, method.astype(str)),
             "exists": (("structure",), [s.exists for s in self.structures.values()])},
            coords={"structure": list(self.structures), "quantity": quantities, "parameter": params},
            attrs={"model": self.model, "definition": DEFINITION})


def elasticities(model: Model, values: Mapping[str, float] | None = None, *, method: str = "symbolic",
                 structures: Sequence[str] | None = None) -> Elasticities:
    """Elasticities of income, relative prices and relative numbers in each structure.

    Parameters
    ----------
    model : Model
    values : mapping, optional
        Parameter values; defaults fill the rest; each is checked against its domain.
    method : {"symbolic", "numeric"}
        ``"symbolic"``: the closed form where the structure has one, else the implicit
        function theorem on the numeric corner equilibrium; ``"numeric"``: always the latter.
    structures : sequence of str, optional
        Names of the structures (default: the model's studied structures).

    Returns
    -------
    Elasticities
        Per structure, a quantity x parameter table (:class:`StructureElasticities`).

    Examples
    --------
    >>> from inframarginal import load_model
    >>> e = elasticities(load_model("li-ke-2020"), {"K": 1.0, "t": 0.0, "F": 0.05, "b": 0.05})
    >>> round(e.structures["PC"]["per-capita real income", "K"].value, 12)
    1.0
    """
    if method not in ("symbolic", "numeric"):
        raise InframarginalError(f"method={method!r} is not known (expected 'symbolic' or 'numeric')")
    checked = model.check_parameters(values or {})
    chosen = (studied_structures(model) if structures is None
              else tuple(find_structure(model, name) for name in structures))
    out = {s.name: structure_elasticities(model, s, checked, method) for s in chosen}
    return Elasticities(model.name, checked, out)


def structure_elasticities(model: Model, structure: Structure, values: Mapping[str, float],
                           method: str = "symbolic") -> StructureElasticities:
    """Elasticities of one structure at checked parameter ``values`` (see :func:`elasticities`)."""
    from inframarginal.equilibrium import corner_equilibrium

    ce = corner_equilibrium(model, structure, values, method)
    params = tuple(p.name for p in model.parameters)
    if not ce.exists:
        return StructureElasticities(structure.name, structure.labels, False, ce.reason, (), params, (), {})
    num = ce.numeraire
    quantities = (INCOME, *(f"p_{g}/p_{num}" for g in ce.prices if g != num), *ce.relative_numbers)
    levels = {INCOME: float(ce.per_capita_real_income or 0.0)}
    levels.update({f"p_{g}/p_{num}": p for g, p in ce.prices.items() if g != num})
    levels.update(ce.relative_numbers)
    derivatives: dict[str, dict[str, tuple[float, sp.Expr | None]]] | None = None
    # an equilibrium that holds only loosely (floating point at its limits) carries its note on
    note = "; ".join(ce.notes)
    if ce.method == "symbolic":
        try:
            derivatives, used = _closed_form_derivatives(model, structure, values, quantities), CLOSED_FORM
        except BudgetExceeded as err:
            if "symbolic derivatives" not in str(getattr(err.budget, "what", "")):
                raise  # an enclosing budget ran out
            note = "; ".join(filter(None, (note, f"the closed form's derivatives took too long ({err}); "
                                                   "implicit function theorem used")))
    if derivatives is None:
        used = IMPLICIT
        try:
            derivatives = _implicit_derivatives(model, structure, values, quantities)
        except BudgetExceeded:
            raise
        except (np.linalg.LinAlgError, InframarginalError) as err:
            # a singular optimality or equalization system: the derivatives do not exist here
            reason = f"the implicit function theorem does not apply here ({err})"
            entries = [Elasticity(q, name, None, UNDEFINED, IMPLICIT, reason) for q in quantities for name in params]
            return StructureElasticities(structure.name, structure.labels, True, "", quantities, params,
                                         tuple(entries), levels)
    entries = []
    for q in quantities:
        for name in params:
            slope, formula = derivatives[q][name]
            e = _entry(q, name, values[name], slope, formula, model.symbols[name], used)
            entries.append(replace(e, note="; ".join(filter(None, (e.note, note)))) if note else e)
    return StructureElasticities(structure.name, structure.labels, True, "", quantities, params,
                                 tuple(entries), levels)


def _entry(quantity: str, parameter: str, theta: float, slope: float, formula: sp.Expr | None,
           symbol: sp.Symbol, method: str) -> Elasticity:
    """An entry from ``d log f / d theta`` (``slope``); see the module docstring for the kinds."""
    if not math.isfinite(slope):
        return Elasticity(quantity, parameter, None, UNDEFINED, method,
                          f"d log f/d {parameter} is not finite here ({slope}): a kink or a bound of the domain",
                          formula)
    if theta == 0.0:
        return Elasticity(quantity, parameter, slope, SEMI, method,
                          f"{parameter} = 0: the elasticity is 0 for any smooth f; d log f/d {parameter} given",
                          formula)
    note = f"{parameter} < 0: response to moving {parameter} 1% further from 0" if theta < 0 else ""
    return Elasticity(quantity, parameter, theta * slope, ELASTICITY, method, note,
                      None if formula is None else symbol * formula)


# -- closed forms --------------------------------------------------------------------------


@model_cache
def closed_form_log_slopes(model: Model, structure: Structure) -> dict[str, dict[str, sp.Expr]] | None:
    """``d log f / d theta`` of the structure's closed forms, by quantity and base parameter.

    ``None`` where the structure has no closed form.  Derived parameters are substituted
    first, so their chain rule is included.

    Raises
    ------
    BudgetExceeded
        If the derivatives take longer than :func:`inframarginal.budget.symbolic_seconds`.
    """
    from inframarginal.symbolic import structure_closed_form

    form = structure_closed_form(model, structure)
    if form is None:
        return None
    with time_limit(symbolic_seconds(), f"the symbolic derivatives of structure {structure.name}"):
        return _log_slopes(model, structure, form)


def _log_slopes(model: Model, structure: Structure, form: Any) -> dict[str, dict[str, sp.Expr]]:
    subs = model.derived_substitution()
    num = form.numeraire
    logs: dict[str, sp.Expr] = {INCOME: form.log_income}
    logs.update({f"p_{g}/p_{num}": lp for g, lp in form.log_prices if g != num})
    if num is not None and len(form.shares) > 1:
        by_good = {c.sells: s for c, s in zip(structure.configurations, form.shares, strict=True)}
        logs.update({f"M_{g}/M_{num}": sp.log(s) - sp.log(by_good[num]) for g, s in by_good.items() if g != num})
    out: dict[str, dict[str, sp.Expr]] = {}
    for q, expr in logs.items():
        checkpoint()  # where the budget cannot interrupt (not the main thread), it stops here
        full = sp.sympify(expr).xreplace(subs)
        out[q] = {p.name: sp.diff(full, p.symbol) for p in model.parameters}
    return out


@model_cache
def _compiled_slopes(model: Model, structure: Structure) -> tuple[tuple[tuple[str, str], ...], Any] | None:
    """One NumPy function giving every closed-form slope (common subexpressions shared)."""
    slopes = closed_form_log_slopes(model, structure)
    if slopes is None:
        return None
    keys = tuple((q, name) for q, row in slopes.items() for name in row)
    exprs = [slopes[q][name] for q, name in keys]
    function = to_function([p.symbol for p in model.parameters], exprs, "numpy", cse=True)
    return keys, function


def _closed_form_derivatives(model: Model, structure: Structure, values: Mapping[str, float],
                             quantities: Sequence[str]) -> dict[str, dict[str, tuple[float, sp.Expr | None]]]:
    compiled = _compiled_slopes(model, structure)
    slopes = closed_form_log_slopes(model, structure)
    assert compiled is not None and slopes is not None  # the structure was solved in closed form
    keys, function = compiled
    args = [np.float64(values[p.name]) for p in model.parameters]
    with np.errstate(all="ignore"):
        numbers = [float(np.asarray(v, dtype=float)) for v in function(*args)]
    by_key = dict(zip(keys, numbers, strict=True))
    return {q: {name: (by_key[q, name], slopes[q][name]) for name in slopes[q]} for q in quantities}


def simplified(expr: sp.Expr) -> sp.Expr:
    """A shorter form of a closed form (``sympy.factor`` within a size and time budget, else as is)."""
    from inframarginal.symbolic import _tidy as tidy

    if sp.count_ops(expr) > _SIMPLIFY_MAX_OPS:
        return expr
    return tidy(expr, lambda e: sp.factor(sp.cancel(sp.together(e))))


# -- implicit function theorem on the numeric corner equilibrium ---------------------------


def _implicit_derivatives(model: Model, structure: Structure, values: Mapping[str, float],
                          quantities: Sequence[str]) -> dict[str, dict[str, tuple[float, sp.Expr | None]]]:
    from inframarginal.configurations import traded_goods
    from inframarginal.numeric import _point, numeric_corner_equilibrium
    from inframarginal.primal import ProgrammeValues, evaluate, primal_programme
    from inframarginal.symbolic import numeraire as numeraire_of

    num = numeraire_of(structure, model)
    result = numeric_corner_equilibrium(model, structure, dict(values), num)
    if not result.exists:  # solved once already by corner_equilibrium: same answer
        raise InframarginalError(f"structure {structure.name} has no corner equilibrium here: {result.reason}")
    goods = model.good_names
    traded = traded_goods(structure, model)
    unknown = [g for g in traded if g != num]
    params = [p.name for p in model.parameters]
    base = np.array([values[p] for p in params], dtype=float)
    log_prices = np.log([[result.prices.get(g, 1.0) for g in goods]])
    unknown_index = [goods.index(g) for g in unknown]

    per_config = []  # (dlogu/dtheta, dlogu/dlp, dy/dtheta, dy/dlp, y, names)
    for optimum in result.optima:
        programme = primal_programme(model, optimum.configuration)
        y, mu = optimum.log_solution, optimum.multipliers
        if y is None or mu is None:
            raise InframarginalError(f"no multipliers for {optimum.configuration.label}")
        point = _point(model, programme, dict(values))
        n = len(y)
        e = evaluate(programme, point, y[None], log_prices, mu[None])
        jac = e.jacobian[0]
        assert e.hessian is not None and e.stationarity_price is not None and e.constraint_price is not None
        kkt = np.zeros((n + len(mu), n + len(mu)))
        kkt[:n, :n], kkt[:n, n:], kkt[n:, :n] = -e.hessian[0], -jac.T, jac

        def residual(pv: ProgrammeValues, y: np.ndarray = y, mu: np.ndarray = mu,
                     programme: Any = programme) -> np.ndarray:
            ev = evaluate(programme, pv, y[None], log_prices)
            return np.concatenate([-pv.weights[0] - ev.jacobian[0].T @ mu, ev.constraints[0]])

        d_theta = np.empty((n + len(mu), len(params)))
        d_weights = np.empty((n, len(params)))
        for j, theta in enumerate(base):
            h = 1e-6 * max(1.0, abs(theta))
            up, down = base.copy(), base.copy()
            up[j] += h
            down[j] -= h
            pv_up = ProgrammeValues(model, programme, [np.array([v]) for v in up])
            pv_down = ProgrammeValues(model, programme, [np.array([v]) for v in down])
            d_theta[:, j] = (residual(pv_up) - residual(pv_down)) / (2 * h)
            d_weights[:, j] = (pv_up.weights[0] - pv_down.weights[0]) / (2 * h)
        d_price = np.concatenate([-e.stationarity_price[0], e.constraint_price[0]])[:, unknown_index]
        solved = np.linalg.solve(kkt, -np.concatenate([d_theta, d_price], axis=1))
        dy_theta, dy_price = solved[:n, :len(params)], solved[:n, len(params):]
        weights = point.weights[0]
        dlogu_theta = d_weights.T @ y + weights @ dy_theta
        dlogu_price = weights @ dy_price
        per_config.append((dlogu_theta, dlogu_price, dy_theta, dy_price, y, programme.layout.names))

    # utility equalization: log u_i - log u_0 = 0 for i >= 1, in the unknown log prices
    if unknown:
        g_price = np.array([c[1] - per_config[0][1] for c in per_config[1:]])
        g_theta = np.array([c[0] - per_config[0][0] for c in per_config[1:]])
        dlp = -np.linalg.pinv(g_price) @ g_theta  # (unknown, params)
    else:
        dlp = np.zeros((0, len(params)))
    out: dict[str, dict[str, tuple[float, sp.Expr | None]]] = {}
    income = per_config[0][0] + per_config[0][1] @ dlp
    out[INCOME] = {p: (float(income[j]), None) for j, p in enumerate(params)}
    for i, g in enumerate(unknown):
        out[f"p_{g}/p_{num}"] = {p: (float(dlp[i, j]), None) for j, p in enumerate(params)}

    rel = [q for q in quantities if q.startswith("M_")]
    if rel:
        configs = structure.configurations
        flows = np.zeros((len(traded), len(configs)))
        d_flows = np.zeros((len(traded), len(configs), len(params)))
        for c, (_, _, dy_theta, dy_price, y, names) in enumerate(per_config):
            dy = dy_theta + dy_price @ dlp  # total: prices move with theta
            for r, g in enumerate(traded):
                for sign, var in ((1.0, f"s_{g}"), (-1.0, f"d_{g}")):
                    if var in names:
                        k = names.index(var)
                        flows[r, c] += sign * math.exp(y[k])
                        d_flows[r, c] += sign * math.exp(y[k]) * dy[k]
        a = np.vstack([np.ones((1, len(configs))), flows])
        shares = np.asarray(result.shares)
        pinv = np.linalg.pinv(a)
        d_shares = np.stack([-pinv @ (np.vstack([np.zeros((1, len(configs))), d_flows[:, :, j]]) @ shares)
                             for j in range(len(params))], axis=1)  # (configs, params)
        index = {c.sells: i for i, c in enumerate(configs)}
        for q in rel:
            g = q[2:].split("/")[0]
            i, k = index[g], index[num]
            slope = d_shares[i] / shares[i] - d_shares[k] / shares[k]
            out[q] = {p: (float(slope[j]), None) for j, p in enumerate(params)}
    return out


def finite_difference_discrepancy(model: Model, structure: Structure, values: Mapping[str, float],
                                  result: StructureElasticities, step: float = 1e-5) -> float | None:
    """Largest |entry - central finite difference| over the entries of ``result``.

    The finite differences re-solve the corner equilibrium (by ``result``'s own path) at
    ``theta (1 +- step)`` (``theta +- step`` at 0) for each base parameter; a parameter
    whose steps leave its domain or the structure's existence is skipped; ``None`` if
    every one is.
    """
    from inframarginal.equilibrium import corner_equilibrium

    method = "symbolic" if CLOSED_FORM in result.methods else "numeric"

    def logs(point: dict[str, float]) -> dict[str, float] | None:
        try:
            checked = model.check_parameters(point)
        except InframarginalError:
            return None
        ce = corner_equilibrium(model, structure, checked, method)
        if not ce.exists or ce.log_income is None:
            return None
        out = {INCOME: ce.log_income}
        out.update({f"p_{g}/p_{ce.numeraire}": math.log(v) for g, v in ce.prices.items() if g != ce.numeraire})
        out.update({q: math.log(v) for q, v in ce.relative_numbers.items()})
        return out

    base = {p.name: values[p.name] for p in model.parameters}
    worst: float | None = None
    for name in result.parameters:
        theta = base[name]
        h = step * abs(theta) if theta else step
        up, down = logs({**base, name: theta + h}), logs({**base, name: theta - h})
        if up is None or down is None:
            continue
        for q in result.quantities:
            e = result[q, name]
            if e.value is None:
                continue
            fd = (theta if theta else 1.0) * (up[q] - down[q]) / (2 * h)
            worst = max(worst or 0.0, abs(e.value - fd))
    return worst


# -- presentation ----------------------------------------------------------------------------


def format_value(e: Elasticity, digits: int = 4) -> str:
    """An entry as table text: the number, ``(semi)`` marked, ``undefined`` spelled out.

    Magnitudes below 1e-9 print as 0: the numeric path leaves rounding noise of about
    1e-16 where the closed form gives exactly 0 (the JSON keeps every digit).
    """
    if e.value is None:
        return "undefined"
    text = "0" if abs(e.value) < 1e-9 else f"{e.value:.{digits}g}"
    return text + (" (semi)" if e.kind == SEMI else "")


def format_table(result: Elasticities) -> str:
    """Plain-text tables, one per structure."""
    lines = [f"Elasticities (d log f / d log theta) of {result.model} at "
             + ", ".join(f"{k}={v:.6g}" for k, v in result.parameters.items())]
    for s in result.structures.values():
        lines.append("")
        lines.append(f"{s.structure}: {' '.join(s.configurations)}")
        if not s.exists:
            lines.append(f"  does not exist: {s.reason}")
            continue
        width = max(len(q) for q in s.quantities) + 2
        cells = {(e.quantity, e.parameter): format_value(e) for e in s.entries}
        col = max(10, *(len(c) + 1 for c in cells.values()), *(len(p) + 1 for p in s.parameters))
        lines.append(" " * (width + 2) + "".join(f"{p:>{col}}" for p in s.parameters))
        for q in s.quantities:
            lines.append(f"  {q:<{width}}" + "".join(f"{cells[q, p]:>{col}}" for p in s.parameters))
        lines.append(f"  method: {', '.join(s.methods)}")
    if any(e.kind == SEMI for s in result.structures.values() for e in s.entries):
        lines.append("")
        lines.append("(semi): the parameter is 0 there; d log f / d theta instead of the elasticity (which is 0)")
    return "\n".join(lines)


def with_solution(model: Model, solution: Any, method: str, as_json: bool) -> str:
    """``solve --elasticities``: the solution followed by the elasticities of its structures.

    JSON: the solution's dictionary with an ``elasticities`` key (every float as Python's
    shortest repr, i.e. up to 17 significant digits).
    """
    import json

    result = elasticities(model, solution.parameters, method=method, structures=tuple(solution.structures))
    if not as_json:
        return repr(solution) + "\n\n" + format_table(result)
    data = solution.to_dict()
    data["elasticities"] = result.to_dict()
    return json.dumps(data, indent=2, allow_nan=False)
