"""The individual's problem in one configuration, as a geometric programme.

Within a configuration every decision variable the configuration uses is positive.
With Cobb-Douglas utility and technologies ``A (l - F)^g prod(input^a)``, and since
Lemma 1 forbids buying a good one also produces, every constraint is a posynomial
and the utility a monomial: the problem is a geometric programme (GP), convex in
the logarithms of the variables.  Counting terms shows that its *degree of
difficulty* is always zero, so the GP dual has a unique solution given by a
linear system: this is where the closed forms of corner equilibria come from
(:mod:`inframarginal.symbolic`).  A negative dual weight means the programme is
unbounded: utility rises without limit (e.g. a bought input under increasing
returns), so the configuration has no optimum.

The same programme, stated in its primal form and handed to a nonlinear solver,
is the independent numeric path (:mod:`inframarginal.numeric`).

References
----------
Duffin, R. J., Peterson, E. L. and Zener, C. (1967). *Geometric Programming*. Wiley.
Boyd, S., Kim, S.-J., Vandenberghe, L. and Hassibi, A. (2007). A tutorial on
geometric programming. *Optimization and Engineering* 8, 67-127.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sympy as sp

from inframarginal.configurations import Configuration
from inframarginal.memo import model_cache
from inframarginal.model import LABOUR, Model


def price_symbol(good: str) -> sp.Symbol:
    """The symbol of the price of ``good``."""
    return sp.Symbol(f"p_{good}", positive=True)


def log_price_symbol(good: str) -> sp.Symbol:
    """The symbol of the logarithm of the price of ``good``."""
    return sp.Symbol(f"lp_{good}", real=True)


class TermRole(enum.Enum):
    """What a term of the programme stands for; with the good it concerns, the term's key."""

    UTILITY = "utility"
    """The objective, 1 / utility."""
    LABOUR = "labour"
    """Labour in a good produced (net of its fixed cost)."""
    OUTPUT = "output"
    """A technology: the output of a good produced."""
    CONSUMED = "consumed"
    """A good consumed."""
    SOLD = "sold"
    """The good sold."""
    INPUT = "input"
    """A good used to produce another."""
    SPENDING = "spending"
    """Spending on a good bought (a term of the budget)."""


#: The role of a use of a good, by the prefix of its variable (see :func:`uses`).
_ROLE_OF_USE = {"c_": TermRole.CONSUMED, "s_": TermRole.SOLD, "in_": TermRole.INPUT}


@dataclass(frozen=True)
class Term:
    """A monomial ``coefficient * prod(var**exponent)`` of a posynomial constraint.

    ``log_coefficient`` is kept separately so that logarithms of prices stay linear.
    ``role`` and ``good`` are the term's structured key (``(TermRole.SPENDING, "y")``: spending
    on y); ``meaning`` says it in words.
    """

    constraint: str
    coefficient: sp.Expr
    log_coefficient: sp.Expr
    exponents: tuple[tuple[str, sp.Expr], ...]
    meaning: str
    role: TermRole = TermRole.UTILITY
    good: str = ""


@dataclass(frozen=True)
class Variable:
    """A decision variable: its name and what it means, e.g. ``d_z`` -- "z bought"."""

    name: str
    meaning: str


@dataclass(frozen=True)
class Programme:
    """The GP of a configuration: minimise ``terms[0]`` (1/utility) s.t. each constraint <= 1."""

    configuration: Configuration
    variables: tuple[Variable, ...]
    terms: tuple[Term, ...]
    fixed_costs: sp.Expr  # total fixed labour; labour left is endowment - fixed_costs

    @property
    def constraints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.constraint for t in self.terms[1:]))


def uses(model: Model, config: Configuration) -> dict[str, list[tuple[str, str]]]:
    """For each good available to a person, its uses as (variable name, meaning)."""
    techs = {g: _technology(model, config, g) for g in config.produces}
    out: dict[str, list[tuple[str, str]]] = {}
    for g in (*config.produces, *config.buys):
        items = []
        if model.good(g).consumed:
            items.append((f"c_{g}", f"{g} consumed"))
        if config.sells == g:
            items.append((f"s_{g}", f"{g} sold"))
        for j, tech in techs.items():
            if g in tech.inputs:
                items.append((f"in_{g}_{j}", f"{g} used to produce {j}"))
        out[g] = items
    return out


def _role_of_use(variable: str) -> TermRole:
    return next(role for prefix, role in _ROLE_OF_USE.items() if variable.startswith(prefix))


def _technology(model: Model, config: Configuration, good: str):
    name = config.technology_of(good)
    return next(t for t in model.technologies_of(good) if t.name == name)


@model_cache
def programme(model: Model, config: Configuration) -> Programme | None:
    """Build the GP of ``config``; ``None`` if a technology in use is not of power form."""
    techs = {g: _technology(model, config, g) for g in config.produces}
    if any(t.power_form is None for t in techs.values()):
        return None
    variables: list[Variable] = []
    terms: list[Term] = []

    def term(constraint, coefficient, exponents, meaning, role, good, log_coefficient=None):
        coefficient = sp.sympify(coefficient)
        terms.append(Term(constraint, coefficient,
                          sp.expand_log(sp.log(coefficient), force=True) if log_coefficient is None else log_coefficient,
                          tuple(exponents.items()), meaning, role, good))

    # objective: 1 / utility
    weights = {g.name: g.weight for g in model.goods if g.consumed}
    term("utility", 1, {f"c_{g}": -w for g, w in weights.items()}, "1 / utility", TermRole.UTILITY, "")

    fixed = sum((techs[g].power_form.fixed_cost for g in config.produces), sp.Integer(0))
    labour_left = model.endowment - fixed
    for g in config.produces:
        variables.append(Variable(f"L_{g}", f"labour in {g} net of its fixed cost"))
        term("labour", 1 / labour_left, {f"L_{g}": 1}, f"labour in {g}", TermRole.LABOUR, g)
    for g in config.produces:
        pf = techs[g].power_form
        variables.append(Variable(f"g_{g}", f"{g} produced"))
        exps = {f"g_{g}": sp.Integer(1), f"L_{g}": -pf.labour_exponent}
        for inp, a in pf.input_exponents:
            exps[f"in_{inp}_{g}"] = -a
        term(f"technology {g}", 1 / pf.coefficient, exps, f"output of {g}", TermRole.OUTPUT, g)
    for g, items in uses(model, config).items():
        for var, meaning in items:
            if var.startswith("in_") or var.startswith("s_") or var.startswith("c_"):
                variables.append(Variable(var, meaning))
        if g in config.produces:
            for var, meaning in items:
                term(f"availability {g}", 1, {var: 1, f"g_{g}": -1}, meaning, _role_of_use(var), g)
        else:
            variables.append(Variable(f"d_{g}", f"{g} bought"))
            k = model.good(g).trading_efficiency
            for var, meaning in items:
                term(f"availability {g}", 1 / k, {var: 1, f"d_{g}": -1}, meaning, _role_of_use(var), g)
    if config.sells:
        s = config.sells
        for g in config.buys:
            term("budget", price_symbol(g) / price_symbol(s), {f"d_{g}": 1, f"s_{s}": -1},
                 f"spending on {g}", TermRole.SPENDING, g, log_coefficient=log_price_symbol(g) - log_price_symbol(s))
    names = [v.name for v in variables]
    assert len(set(names)) == len(names)
    return Programme(config, tuple(variables), tuple(terms), fixed)


def exponent_matrix(prog: Programme) -> sp.Matrix:
    """Rows: terms; columns: variables; entries: the exponent of the variable in the term."""
    index = {v.name: j for j, v in enumerate(prog.variables)}
    matrix = sp.zeros(len(prog.terms), len(prog.variables))
    for i, t in enumerate(prog.terms):
        for var, a in t.exponents:
            matrix[i, index[var]] += a
    return matrix


def labour_of(model: Model, config: Configuration, good: str) -> sp.Expr:
    """The fixed cost of ``good`` under the configuration's technology (0 if none)."""
    pf = _technology(model, config, good).power_form
    return pf.fixed_cost if pf else sp.Integer(0)


def technology_output(model: Model, config: Configuration, good: str) -> sp.Expr:
    """The output formula of ``good`` under the configuration's technology, in ``l`` and inputs."""
    return _technology(model, config, good).output


__all__ = [
    "LABOUR", "Programme", "Term", "TermRole", "Variable", "exponent_matrix", "log_price_symbol",
    "price_symbol", "programme", "uses", "labour_of", "technology_output",
]
