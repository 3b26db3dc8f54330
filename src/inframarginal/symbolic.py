"""Symbolic corner equilibria: closed forms from the GP dual, with SymPy.

For a configuration, the dual weights ``delta`` of its geometric programme solve
a linear system (zero degree of difficulty), and give in closed form

* the maximal utility: ``log u = -sum_t delta_t log(c_t / delta_t) - sum_i lambda_i log lambda_i``,
  a linear function of log prices;
* the optimal value of every decision variable (labour, output, trades).

For a structure, utility equalization is then a linear system in log prices and
market clearing a linear system in the numbers of people: everything is linear
algebra over symbolic coefficients, which SymPy does reliably.  Results are
cached on disk (:mod:`inframarginal.disk_cache`).

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4 (corner equilibria).
Duffin, R. J., Peterson, E. L. and Zener, C. (1967). *Geometric Programming*. Wiley.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.exceptions import DMNonInvertibleMatrixError

from inframarginal import disk_cache
from inframarginal.budget import can_interrupt, checkpoint, symbolic_seconds, time_limit
from inframarginal.configurations import Configuration, Structure, traded_goods
from inframarginal.errors import BudgetExceeded
from inframarginal.individual import exponent_matrix, log_price_symbol, programme
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.results import (  # ConditionKind re-exported: defined beside the results that read it
    Condition,
    ConditionKind,
    condition_entry,
    read_condition_entry,
)
from inframarginal.serialization import (
    UnsupportedExpression,
    expression_from_json,
    expression_to_json,
)


@dataclass(frozen=True)
class ConfigurationClosedForm:
    """Closed form of the individual's optimum in one configuration.

    ``log_utility`` and ``log_values`` are expressions in the model's parameters and
    the log-price symbols ``lp_<good>``.  ``conditions`` lists expressions that must
    be positive for the optimum to exist, each with its meaning.
    """

    configuration: Configuration
    dual_weights: tuple[tuple[str, sp.Expr], ...]
    log_utility: sp.Expr
    log_values: tuple[tuple[str, sp.Expr], ...]
    conditions: tuple[tuple[sp.Expr, Condition], ...]


@dataclass(frozen=True)
class StructureClosedForm:
    """Closed form of a structure's corner equilibrium.

    ``log_prices`` maps each traded good to the log of its price relative to the
    numeraire; ``log_income`` is the log of per-capita real income; ``shares`` the
    fraction of the population in each configuration (in the structure's order).
    """

    structure: Structure
    numeraire: str | None
    log_prices: tuple[tuple[str, sp.Expr], ...]
    log_income: sp.Expr
    shares: tuple[sp.Expr, ...]
    configurations: tuple[ConfigurationClosedForm, ...]
    conditions: tuple[tuple[sp.Expr, Condition], ...]


def configuration_closed_form(model: Model, config: Configuration) -> ConfigurationClosedForm | None:
    """Solve the GP dual of ``config`` symbolically; ``None`` if it is not a GP.

    Raises
    ------
    BudgetExceeded
        If the derivation takes longer than :func:`inframarginal.budget.symbolic_seconds`.
    """
    with time_limit(symbolic_seconds(), f"the symbolic derivation of configuration {config.label}"):
        return _configuration_closed_form(model, config)


def _configuration_closed_form(model: Model, config: Configuration) -> ConfigurationClosedForm | None:
    prog = programme(model, config)
    if prog is None:
        return None
    a = exponent_matrix(prog)
    n_terms = len(prog.terms)
    system = sp.zeros(n_terms, n_terms)
    system[0, 0] = 1
    system[1:, :] = a.T
    rhs = sp.zeros(n_terms, 1)
    rhs[0] = 1
    delta = [sp.cancel(sp.together(d)) for d in _exact_solve(system, rhs)]

    groups: dict[str, list[int]] = {}
    for i, t in enumerate(prog.terms[1:], start=1):
        groups.setdefault(t.constraint, []).append(i)
    lam = {c: sp.cancel(sum(delta[i] for i in idx)) for c, idx in groups.items()}

    log_u = sp.Integer(0)
    for i, t in enumerate(prog.terms[1:], start=1):
        log_u -= delta[i] * (t.log_coefficient - sp.log(delta[i]))
    for value in lam.values():
        log_u -= value * sp.log(value)

    # Primal recovery: each constraint term equals delta_t / lambda_i at the optimum.
    rows = a[1:, :]
    rhs_primal = sp.Matrix([
        sp.log(delta[i]) - sp.log(lam[t.constraint]) - t.log_coefficient
        for i, t in enumerate(prog.terms[1:], start=1)
    ])
    logs = _exact_solve(rows, rhs_primal)
    log_values = tuple((v.name, logs[j]) for j, v in enumerate(prog.variables))

    conditions = [(model.endowment - prog.fixed_costs, Condition(ConditionKind.LABOUR, config.label))]
    for i, t in enumerate(prog.terms[1:], start=1):
        if not (delta[i].is_number and delta[i] > 0):
            conditions.append((delta[i], Condition(ConditionKind.DUAL_WEIGHT, config.label, t.meaning, t.constraint,
                                                   t.good, t.role.value)))
    point, memo = default_point(model), log_memo(model)
    return ConfigurationClosedForm(
        config,
        tuple((t.meaning, delta[i]) for i, t in enumerate(prog.terms)),
        normalize_log(log_u, point, memo),
        tuple((name, normalize_log(v, point, memo)) for name, v in log_values),
        tuple(conditions),
    )


def _exact_solve(matrix: sp.Matrix, rhs: sp.Matrix) -> sp.Matrix:
    """``matrix**-1 * rhs`` for a square ``matrix`` of rational functions of the parameters.

    The inverse is computed over the field of rational functions (``DomainMatrix``), whose
    entries stay cancelled at every step, rather than by ``Matrix.LUsolve`` on expressions that
    grow at each elimination; ``rhs`` may hold anything (logarithms).  Other matrices (not
    square, entries outside that field) are left to ``LUsolve``.
    """
    if matrix.is_square:
        dm = DomainMatrix.from_Matrix(matrix)
        if dm.domain.is_ZZ or dm.domain.is_QQ or dm.domain.is_PolynomialRing or dm.domain.is_FractionField:
            try:
                return dm.to_field().inv().to_Matrix() * rhs
            except DMNonInvertibleMatrixError:
                pass  # singular: LUsolve raises its usual error
    return matrix.LUsolve(rhs)


def normalize_log(expr: sp.Expr, point: dict[sp.Symbol, float], memo: LogMemo | None = None) -> sp.Expr:
    """Rewrite a sum of logarithms as ``sum_j e_j log(atom_j)`` with simple atoms.

    Atoms are primes, symbols and irreducible polynomial factors, each oriented so
    that it is positive at ``point`` (``1 - alpha`` rather than ``alpha - 1`` when
    ``alpha < 1`` there); coefficients are cancelled rational functions.  This keeps
    closed forms short, fast to evaluate and readable as products of powers.
    ``memo`` (one per ``point``, see :func:`log_memo`) reuses the splits of log arguments
    and the tidied coefficients met before: the same few recur in every closed form.
    """
    if memo is None:
        memo = LogMemo()
    atoms: dict[sp.Expr, sp.Expr] = {}
    rest = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) != 1:
            rest += term
            continue
        coefficient = term / logs[0]
        arg = logs[0].args[0]
        try:
            split = memo.splits[arg]
        except KeyError:
            split = memo.splits[arg] = _split_log_argument(arg, point)
        if split is None:
            rest += term
            continue
        for atom, power in split:
            atoms[atom] = atoms.get(atom, 0) + coefficient * power
    out = sp.Integer(0)
    if rest != 0:
        collected = sp.collect(sp.expand(rest), sorted(rest.free_symbols - set(point), key=str), evaluate=False)
        out = sum((memo.tidy(c, _factor_cancel) * v for v, c in collected.items()), sp.Integer(0))
    for atom in sorted(atoms, key=sp.default_sort_key):
        c = memo.tidy(atoms[atom], _factor_cancel_together)
        if c != 0:
            out += c * sp.log(atom)
    return out


def _factor_cancel(c: sp.Expr) -> sp.Expr:
    return sp.factor(sp.cancel(c))


def _factor_cancel_together(c: sp.Expr) -> sp.Expr:
    # ``factor`` brings ``c`` over a common denominator and factors both sides itself, which
    # cancels what they share: the same expression as factor(cancel(together(c))) on every
    # coefficient of the built-in models, in half the time.
    return sp.factor(c)


@dataclass
class LogMemo:
    """What :func:`normalize_log` derived at one point: splits of log arguments and tidied
    coefficients (both pure functions of their expression, so reusing them changes nothing)."""

    splits: dict[sp.Expr, list[tuple[sp.Expr, sp.Expr]] | None] = field(default_factory=dict)
    coefficients: dict[tuple[Callable[[sp.Expr], sp.Expr], sp.Expr], sp.Expr] = field(default_factory=dict)

    def tidy(self, c: sp.Expr, simplify: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        """``simplify(c)``, computed once per expression."""
        key = (simplify, c)
        try:
            return self.coefficients[key]
        except KeyError:
            out = self.coefficients[key] = simplify(c)
            return out


@model_cache
def log_memo(model: Model) -> LogMemo:
    """The :class:`LogMemo` of ``model``'s default point (kept on the model, freed with it)."""
    return LogMemo()


def _split_log_argument(arg: sp.Expr, point) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """Split ``log(arg)`` into ``[(atom, power)]``; ``None`` if ``arg`` is not positive at ``point``."""
    num, den = sp.fraction(sp.together(arg))
    out: list[tuple[sp.Expr, sp.Expr]] = []
    sign = 1

    def rational(r: sp.Rational, power: sp.Expr) -> None:
        nonlocal sign
        if r < 0:
            sign *= -1 if power.is_odd else (1 if power.is_even else 0)
            r = -r
        p, q = sp.fraction(r)
        out.extend((sp.Integer(n), power * m) for n, m in sp.factorint(p).items())
        out.extend((sp.Integer(n), -power * m) for n, m in sp.factorint(q).items())

    for part, side in ((num, 1), (den, -1)):
        for factor in sp.Mul.make_args(part):
            base, e = factor.as_base_exp()
            e = side * e
            if base.is_Rational:
                rational(base, e)
            elif base.is_Symbol:
                out.append((base, e))
            else:
                c, factors = sp.factor_list(base)
                rational(sp.Rational(c), e)
                for f, m in factors:
                    value = f.xreplace(point)
                    if value.is_number and value < 0:
                        power = m * e
                        sign *= -1 if power.is_odd else (1 if power.is_even else 0)
                        f = -f
                    out.append((f, m * e))
    return out if sign == 1 else None


def default_point(model: Model) -> dict[sp.Symbol, float]:
    """The model's default parameter values, base and derived, by symbol."""
    values = model.check_parameters()
    return {sym: sp.Float(values[name]) for name, sym in model.symbols.items()}


def numeraire(structure: Structure, model: Model) -> str | None:
    """The numeraire: the last traded good in the model's order of goods (the paper's choice)."""
    traded = traded_goods(structure, model)
    return traded[-1] if traded else None


def _structure_closed_form(model: Model, structure: Structure) -> StructureClosedForm | None:
    """The closed form of ``structure``, within the symbolic budget (raises :class:`BudgetExceeded`)."""
    with time_limit(symbolic_seconds(), f"the symbolic derivation of structure {structure.name}"):
        return _derive_structure(model, structure)


def _derive_structure(model: Model, structure: Structure) -> StructureClosedForm | None:
    forms = [cached_configuration_closed_form(model, c) for c in structure.configurations]
    if any(f is None for f in forms):
        return None
    num = numeraire(structure, model)
    unknown = [g for g in traded_goods(structure, model) if g != num]
    lp = {g: log_price_symbol(g) for g in structure.traded_goods}
    fix_num = {lp[num]: 0} if num else {}
    conditions = [c for f in forms for c in f.conditions]
    point, memo = default_point(model), log_memo(model)

    if unknown:
        equations = [sp.expand((f.log_utility - forms[0].log_utility).xreplace(fix_num)) for f in forms[1:]]
        matrix, rhs = sp.linear_eq_to_matrix(equations, [lp[g] for g in unknown])
        solution = matrix.LUsolve(rhs)
        log_prices = {g: normalize_log(solution[i], point, memo) for i, g in enumerate(unknown)}
    else:
        log_prices = {}
    if num:
        log_prices[num] = sp.Integer(0)
    price_subs = {lp[g]: v for g, v in log_prices.items()}
    log_income = normalize_log(forms[0].log_utility.xreplace(price_subs), point, memo)

    shares = _shares(model, structure, forms, price_subs, num)
    for c, share in zip(structure.configurations, shares, strict=True):
        if len(structure.configurations) > 1:
            conditions.append((share, Condition(ConditionKind.SHARE, c.label)))
    ordered = tuple((g, log_prices[g]) for g in model.good_names if g in log_prices)
    return StructureClosedForm(structure, num, ordered, log_income, tuple(shares), tuple(forms), tuple(conditions))


def _shares(model, structure, forms, price_subs, num) -> list[sp.Expr]:
    """Shares of people in each configuration, from market clearing and sum(shares) = 1.

    Each market's flows are products of powers (exponentials of log-linear forms); the
    market's equation is divided by its first flow, in logs, before solving, so that the
    powers the flows share cancel exactly (in the complete division of labour all of them
    do) and the linear system, and its factoring, stay small.
    """
    configs = structure.configurations
    if len(configs) == 1:
        return [sp.Integer(1)]
    point, memo = default_point(model), log_memo(model)
    masses = sp.symbols(f"M0:{len(configs)}", positive=True)
    equations = [sum(masses) - 1]
    for good in structure.traded_goods:
        if good == num:
            continue  # Walras' law: the numeraire's market clears when the others do
        flows: list[tuple[sp.Symbol, int, sp.Expr]] = []  # (mass, +1 sold / -1 bought, log quantity)
        for m, config, form in zip(masses, configs, forms, strict=True):
            values = dict(form.log_values)
            if config.sells == good:
                flows.append((m, 1, values[f"s_{good}"].xreplace(price_subs)))
            if good in config.buys:
                flows.append((m, -1, values[f"d_{good}"].xreplace(price_subs)))
        reference = flows[0][2]
        equations.append(sum((sign * m * sp.exp(normalize_log(log_q - reference, point, memo))
                              for m, sign, log_q in flows), sp.Integer(0)))
        checkpoint()
    matrix, rhs = sp.linear_eq_to_matrix(equations, masses)
    return [_tidy(sp.powsimp(s, force=True)) for s in matrix.LUsolve(rhs)]


#: Largest expression (``sympy.count_ops``) :func:`_tidy` tries to factor; the built-in
#: models' shares stay below 500.
_TIDY_MAX_OPS = 600
#: Seconds :func:`_tidy` gives ``sympy.factor`` where it can interrupt it.
_TIDY_SECONDS = 3.0


def _tidy(expr: sp.Expr, simplify=sp.factor) -> sp.Expr:
    """``simplify(expr)`` (``sympy.factor``) where SymPy manages it quickly, else ``expr`` itself.

    Factoring only shortens a closed form; on large rational functions of powers
    (three-configuration structures with roundabout production) it can run for
    hours, so it is skipped for large expressions and, in the main thread, given up
    after a few seconds.  The value is the same either way.
    """
    if sp.count_ops(expr) > _TIDY_MAX_OPS:
        return expr
    if not can_interrupt():
        return simplify(expr)
    try:
        with time_limit(_TIDY_SECONDS, "factoring a closed form") as budget:
            return simplify(expr)
    except BudgetExceeded as err:
        if err.budget is not budget:
            raise  # an enclosing budget ran out
        return expr


# -- caching -------------------------------------------------------------------------------


@model_cache
def cached_configuration_closed_form(model: Model, config: Configuration) -> ConfigurationClosedForm | None:
    """The closed form of ``config``'s optimum, from memory, disk or SymPy (see :func:`structure_closed_form`)."""
    payload = disk_cache.read_entry(model, "configuration-closed-form", config.label)
    if payload == {"none": True}:
        return None  # not a geometric programme: nothing to derive
    if isinstance(payload, dict):
        try:
            return _configuration_from_json(config, payload)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass  # a malformed entry is recomputed (and overwritten below)
    form = configuration_closed_form(model, config)
    try:
        encoded = {"none": True} if form is None else _configuration_to_json(form)
    except UnsupportedExpression:
        return form
    disk_cache.write_entry(model, "configuration-closed-form", config.label, encoded)
    return form


@model_cache
def structure_closed_form(model: Model, structure: Structure) -> StructureClosedForm | None:
    """The closed-form corner equilibrium of ``structure``, from memory, disk or SymPy.

    Returns ``None`` when some technology of the structure is not of power form
    (use the numeric path then).  The disk entry is JSON read back through a
    whitelist (:mod:`inframarginal.disk_cache`); an unreadable one is recomputed.
    """
    key = " ".join(structure.labels)
    payload = disk_cache.read_entry(model, "structure-closed-form", key)
    if payload is not None:
        try:
            return _closed_form_from_json(structure, payload)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass  # a malformed entry is simply recomputed (and overwritten below)
    form = _structure_closed_form(model, structure)
    try:
        encoded = _closed_form_to_json(form)
    except UnsupportedExpression:
        return form  # not storable: keep it in memory only
    disk_cache.write_entry(model, "structure-closed-form", key, encoded)
    return form


def _pairs_to_json(pairs) -> list:
    return [[a if isinstance(a, str) else expression_to_json(a), b if isinstance(b, str) else expression_to_json(b)]
            for a, b in pairs]


def _named(pairs) -> tuple[tuple[str, sp.Expr], ...]:
    return tuple((_text(name), expression_from_json(e)) for name, e in pairs)


def _conditions_to_json(pairs) -> list:
    return [condition_entry(expression_to_json(e), condition) for e, condition in pairs]


def _conditions(entries) -> tuple[tuple[sp.Expr, Condition], ...]:
    pairs = [read_condition_entry(entry) for entry in entries]  # an entry of old texts is recomputed
    return tuple((expression_from_json(e), condition) for e, condition in pairs)


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _configuration_to_json(form: ConfigurationClosedForm) -> dict:
    return {"dual_weights": _pairs_to_json(form.dual_weights), "log_utility": expression_to_json(form.log_utility),
            "log_values": _pairs_to_json(form.log_values), "conditions": _conditions_to_json(form.conditions)}


def _configuration_from_json(config: Configuration, data: dict) -> ConfigurationClosedForm:
    return ConfigurationClosedForm(config, _named(data["dual_weights"]), expression_from_json(data["log_utility"]),
                                   _named(data["log_values"]), _conditions(data["conditions"]))


def _closed_form_to_json(form: StructureClosedForm | None) -> dict | None:
    if form is None:
        return None
    return {
        "numeraire": form.numeraire,
        "log_prices": _pairs_to_json(form.log_prices),
        "log_income": expression_to_json(form.log_income),
        "shares": [expression_to_json(s) for s in form.shares],
        "conditions": _conditions_to_json(form.conditions),
        "configurations": [_configuration_to_json(c) for c in form.configurations],
    }


def _closed_form_from_json(structure: Structure, data: dict | None) -> StructureClosedForm | None:
    if data is None:
        return None
    configs = data["configurations"]
    if len(configs) != len(structure.configurations) or len(data["shares"]) != len(configs):
        raise ValueError("entry does not match the structure")
    numeraire = data["numeraire"]
    return StructureClosedForm(
        structure,
        None if numeraire is None else _text(numeraire),
        _named(data["log_prices"]),
        expression_from_json(data["log_income"]),
        tuple(expression_from_json(s) for s in data["shares"]),
        tuple(_configuration_from_json(config, c) for config, c in zip(structure.configurations, configs, strict=True)),
        _conditions(data["conditions"]),
    )


def as_product(log_expr: sp.Expr) -> sp.Expr:
    """Turn ``sum_j e_j log(atom_j)`` (see :func:`normalize_log`) into ``prod_j atom_j**e_j``.

    Numeric atoms are collected into one rational constant where the powers allow.
    """
    number = sp.Integer(1)
    factors = []
    rest = sp.Integer(0)
    for term in sp.Add.make_args(log_expr):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) != 1:
            rest += term
            continue
        atom, power = logs[0].args[0], sp.factor(term / logs[0])
        if atom.is_Number and power.is_Number:
            number *= atom**power
        else:
            factors.append(atom if power == 1 else sp.Pow(atom, power, evaluate=False))
    if rest != 0:
        factors.append(sp.exp(rest))
    return sp.Mul(number, *factors, evaluate=False) if number != 1 else sp.Mul(*factors, evaluate=False)


def display_forms(model: Model, structure: Structure) -> dict[str, sp.Expr]:
    """Readable closed forms of a structure: income, relative prices and relative numbers.

    Keys follow the paper: ``per-capita real income``, ``px/pz``, ``Mx/Mz``.
    """
    form = structure_closed_form(model, structure)
    if form is None:
        return {}
    out = {"per-capita real income": as_product(form.log_income)}
    for g, lp in form.log_prices:
        if g != form.numeraire:
            out[f"p{g}/p{form.numeraire}"] = as_product(lp)
    if len(form.shares) > 1 and form.numeraire:
        by_good = {c.sells: s for c, s in zip(structure.configurations, form.shares, strict=True)}
        for g, share in by_good.items():
            if g != form.numeraire:
                out[f"M{g}/M{form.numeraire}"] = _tidy(
                    share / by_good[form.numeraire], lambda e: sp.factor(sp.powsimp(sp.cancel(e), force=True)))
    return out
