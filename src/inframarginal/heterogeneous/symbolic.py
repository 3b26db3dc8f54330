"""Closed forms (SymPy) of corner equilibria with types, where SymPy finds them.

Each configuration's optimum is the engine's closed form from the GP dual
(:func:`inframarginal.symbolic.cached_configuration_closed_form`): log utility and the log of
the quantity sold are linear in log prices.  A good bought from another type shifts both by
``-(d/d lp_h) log(k_source / k_own)``.  Utility equalization within each type is then a linear
system in log prices (solved by :func:`sympy.linsolve`); prices it leaves free and the numbers
of people come from market clearing in value terms and the masses, solved by :func:`sympy.solve`
in positive price symbols.  Structures SymPy cannot solve (several solutions, none, or past the
time budget) get ``None``: the numeric solver (:mod:`.corner`) covers every structure, and the
tests compare the two where both exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from inframarginal.budget import symbolic_seconds, time_limit
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import TypedStructure
from inframarginal.individual import TermRole, log_price_symbol, programme
from inframarginal.symbolic import cached_configuration_closed_form


@dataclass(frozen=True)
class TypedClosedForm:
    """A structure's corner equilibrium with types in closed form (parameters' symbols).

    ``prices`` relative to the numeraire (the last traded good); ``utilities`` per type;
    ``numbers`` per type and configuration label.
    """

    structure: TypedStructure
    prices: dict[str, sp.Expr]
    utilities: dict[str, sp.Expr]
    numbers: dict[str, dict[str, sp.Expr]]

    def evaluate(self, values: dict[str, float]) -> dict[str, dict[str, float]]:
        """The closed forms at ``values``: {"prices": ..., "utilities": ..., "numbers.<type>": ...}."""
        def at(expr: sp.Expr) -> float:
            expr = sp.sympify(expr)
            return float(expr.xreplace({s: sp.Float(values[s.name]) for s in expr.free_symbols}).evalf())

        out = {"prices": {g: at(e) for g, e in self.prices.items()},
               "utilities": {t: at(e) for t, e in self.utilities.items()}}
        for t, numbers in self.numbers.items():
            out[f"numbers.{t}"] = {c: at(e) for c, e in numbers.items()}
        return out


def typed_closed_form(model: TypedModel, structure: TypedStructure) -> TypedClosedForm | None:
    """The closed-form corner equilibrium of ``structure``, or ``None`` where SymPy finds none.

    Raises
    ------
    BudgetExceeded
        If the derivation takes longer than :func:`inframarginal.budget.symbolic_seconds`.
    """
    with time_limit(symbolic_seconds(), f"the symbolic corner equilibrium of {structure.name}"):
        return _derive(model, structure)


def _derive(model: TypedModel, structure: TypedStructure) -> TypedClosedForm | None:
    sellers = structure.sellers(model)
    traded = [g for g in model.good_names if g in sellers]
    lps = {g: log_price_symbol(g) for g in traded}
    numeraire = {lps[traded[-1]]: 0} if traded else {}
    free = [lps[g] for g in traded[:-1]]
    utility = {t.name: sp.Symbol(f"U_{t.name}", real=True) for t in model.types}
    rows: list[tuple[int, str, sp.Expr, sp.Expr, str | None, dict[str, sp.Expr]]] = []
    for person, configs in zip(model.types, structure.configurations(model), strict=True):
        for config in configs:
            form = cached_configuration_closed_form(person.model, config)
            if form is None:
                return None
            log_u = form.log_utility
            log_s = dict(form.log_values).get(f"s_{config.sells}", sp.Integer(0))
            for h in config.buys:
                sources = {sp.simplify(person.efficiency_formula(h, s) - 0) for s in sellers[h]}
                if len(sources) != 1:
                    return None  # the source is not determined (see corner.py)
                shift = sp.log(next(iter(sources))) - sp.log(person.model.good(h).trading_efficiency)
                log_u = log_u - sp.diff(log_u, log_price_symbol(h)) * shift
                log_s = log_s - sp.diff(log_s, log_price_symbol(h)) * shift
            # The budget's dual weights, by the key of their terms (role, good): the form lists one
            # weight per term of the programme, in its order.
            prog = programme(person.model, config)
            assert prog is not None  # a closed form is derived from the programme
            spend = {t.good: d for t, (_, d) in zip(prog.terms, form.dual_weights, strict=True)
                     if t.role is TermRole.SPENDING}
            total = sum(spend.values(), sp.Integer(0))
            shares = {h: sp.cancel(d / total) for h, d in spend.items()}
            rows.append((model.types.index(person), config.label, log_u.xreplace(numeraire),
                         log_s.xreplace(numeraire), config.sells, shares))
    equalization = [r[2] - utility[model.types[r[0]].name] for r in rows]
    # Utilities first: they are the pivots, and the log prices equalization leaves free stay free.
    solution = sp.linsolve(equalization, [*utility.values(), *free])
    if not isinstance(solution, sp.FiniteSet) or len(solution) != 1:
        return None
    solved = dict(zip([*utility.values(), *free], next(iter(solution)), strict=True))
    still = sorted({s for v in solved.values() for s in sp.sympify(v).free_symbols} & set(free), key=str)
    prices = {g: sp.Symbol(f"p_{g}", positive=True) for g in traded}
    n = [sp.Symbol(f"n_{j}", positive=True) for j in range(len(rows))]
    to_price = {lp: sp.log(prices[lp.name[3:]]) for lp in still}
    equations = []
    for g in traded[:-1]:
        flow = sp.Integer(0)
        for j, (_, _, _, log_s, sells, shares) in enumerate(rows):
            if sells is None:
                continue
            value = n[j] * sp.exp((lps[sells] if sells != traded[-1] else 0) + log_s)
            flow += value * ((1 if sells == g else 0) - shares.get(g, 0))
        equations.append(flow.xreplace({k: v for k, v in solved.items() if k in free}).xreplace(to_price))
    for k, person in enumerate(model.types):
        equations.append(sum((n[j] for j, r in enumerate(rows) if r[0] == k), sp.Integer(0)) - person.mass)
    unknowns = [prices[lp.name[3:]] for lp in still] + n
    found = sp.solve([sp.expand_log(sp.powsimp(e), force=True) for e in equations], unknowns, dict=True)
    if len(found) != 1:
        return None
    answer = found[0]
    if set(answer) != set(unknowns):
        return None
    price_of = {lp: sp.log(answer[prices[lp.name[3:]]]) for lp in still}
    log_prices = {g: sp.sympify(solved.get(lps[g], 0)).xreplace(price_of) if g != traded[-1] else sp.Integer(0)
                  for g in traded}
    out_prices = {g: sp.simplify(sp.exp(v)) for g, v in log_prices.items()}
    out_utilities = {t: sp.simplify(sp.exp(sp.sympify(solved[u]).xreplace(price_of))) for t, u in utility.items()}
    numbers: dict[str, dict[str, sp.Expr]] = {t.name: {} for t in model.types}
    for j, (k, label, *_rest) in enumerate(rows):
        numbers[model.types[k].name][label] = sp.simplify(answer[n[j]])
    return TypedClosedForm(structure, out_prices, out_utilities, numbers)


__all__ = ["TypedClosedForm", "typed_closed_form"]
