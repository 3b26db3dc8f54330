"""Table 1 audited: the derived corner equilibria against the printed formulas.

For each printed entry (a structure's relative price, per-capita real income or
relative number of specialists) the derived closed form comes from the model
(:func:`inframarginal.symbolic.display_forms`).  Both are evaluated at random
admissible points where the derived corner equilibrium exists; the entry
*agrees* when they coincide to 1e-9 everywhere, else it *differs*, and the
difference is named by comparing the two formulas as products of powers of the
same factors (``log q = sum_j c_j log(atom_j)``): an inverted price, a wrong
exponent, a missing or an extra factor, a wrong sign.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from inframarginal.audit.printed import PrintedEntry, evaluate_printed, load_printed
from inframarginal.compiled import evaluate_structure
from inframarginal.configurations import find_structure
from inframarginal.disk_cache import read_entry, write_entry
from inframarginal.model import Model
from inframarginal.report.settings import DEFAULT_SETTINGS
from inframarginal.sampling import sample_points
from inframarginal.serialization import (
    UnsupportedExpression,
    expression_from_json,
    expression_to_json,
)
from inframarginal.symbolic import display_forms

#: Relative tolerance under which a printed entry agrees with the derived one.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Table1Row:
    """One audited entry of Table 1."""

    structure: str
    quantity: str
    derived: sp.Expr | None
    printed: sp.Expr
    entry: PrintedEntry
    verdict: str  # "agrees" or "differs"
    point: dict[str, float]
    derived_value: float
    printed_value: float
    kind: str  # the kind of mistake, "" when the entry agrees
    compared: int  # points compared
    ratio: sp.Expr | None = None  # the exact relation, simplified, where the entry differs
    relation: str = "printed / derived"  # or "printed * derived" where the printed price is inverted

    def as_record(self) -> dict[str, str]:
        return {
            "structure": self.structure,
            "quantity": self.quantity,
            "derived": "" if self.derived is None else str(self.derived),
            "printed": self.entry.text,
            "verdict": self.verdict,
            "point": format_point(self.point),
            "derived_value": repr(self.derived_value),
            "printed_value": repr(self.printed_value),
            "kind": self.kind,
        }


def format_point(point: dict[str, float]) -> str:
    return " ".join(f"{k}={v!r}" for k, v in point.items())


def derived_forms(model: Model, structure_name: str) -> dict[str, sp.Expr]:
    """The derived display forms of a structure in the base parameters."""
    forms = display_forms(model, find_structure(model, structure_name))
    subs = model.derived_substitution()
    return {q: sp.sympify(f).xreplace(subs) for q, f in forms.items()}


def comparison_points(model: Model, n: int, seed: int = 20200) -> dict[str, np.ndarray]:
    """Random admissible points; alpha and beta drawn below 1, where Table 1's exponents live."""
    return sample_points(model, n, seed, margin=0.02, upper=1.0)


def _evaluate(model: Model, expr: sp.Expr, values: dict[str, np.ndarray]) -> np.ndarray:
    return evaluate_printed(model, expr, values)


# -- naming the difference ------------------------------------------------------------------


def _common_power_factor(add: sp.Expr) -> sp.Expr:
    """Factor a sum of powers of one base: ``a**(a/(1-a)) - a**(1/(1-a)) = a**(a/(1-a)) * (1 - a)``."""
    parsed = []
    for term in sp.Add.make_args(add):
        coefficient, rest = term.as_coeff_Mul()
        base, exponent = rest.as_base_exp()
        parsed.append((coefficient, base, exponent))
    bases = {base for _, base, _ in parsed}
    if len(bases) != 1 or len(parsed) < 2:
        return add
    base = bases.pop()
    if base.is_Number:
        return add
    e0 = parsed[0][2]
    rest = sp.Add(*[c * sp.Pow(base, sp.cancel(e - e0)) for c, _, e in parsed])
    return sp.Pow(base, e0) * sp.factor(rest)


def log_atoms(expr: sp.Expr, point: dict[sp.Symbol, float]) -> dict[sp.Expr, sp.Expr]:
    """Write ``log(expr)`` as ``sum_j c_j log(atom_j)``; returns ``{atom_j: c_j}``.

    Atoms are primes, symbols and irreducible factors, each oriented to be positive
    at ``point``; a factor that does not split stays one atom.
    """
    out: dict[sp.Expr, sp.Expr] = {}

    def add(atom: sp.Expr, c: sp.Expr) -> None:
        atom = sp.expand(atom)
        value = sp.sympify(atom).xreplace({k: sp.Float(v) for k, v in point.items()})
        if value.is_number and value < 0:
            atom = sp.expand(-atom)
        out[atom] = out.get(atom, sp.Integer(0)) + c

    def visit(e: sp.Expr, c: sp.Expr) -> None:
        if e.is_Mul:
            for f in e.args:
                visit(f, c)
        elif isinstance(e, sp.exp):
            for term in sp.Add.make_args(sp.expand(e.args[0])):
                logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
                if len(logs) == 1:
                    visit(logs[0].args[0], c * term / logs[0])
                else:
                    add(sp.E, c * term)
        elif e.is_Pow:
            base, exponent = e.as_base_exp()
            visit(base, c * exponent)
        elif e.is_Rational:
            p, q = sp.fraction(abs(e))
            for prime, m in sp.factorint(p).items():
                add(sp.Integer(prime), c * m)
            for prime, m in sp.factorint(q).items():
                add(sp.Integer(prime), -c * m)
        elif e.is_Add:
            factored = _common_power_factor(e)
            if factored != e and not factored.is_Add:
                visit(factored, c)
                return
            try:
                constant, factors = sp.factor_list(e)
            except (sp.PolynomialError, NotImplementedError):
                add(e, c)
                return
            if len(factors) == 1 and factors[0][1] == 1 and constant in (1, -1):
                add(factors[0][0], c)
                return
            visit(sp.Abs(constant), c)
            for f, m in factors:
                visit(f, c * m)
        else:
            add(e, c)

    visit(expr, sp.Integer(1))
    return {a: sp.factor(sp.cancel(sp.together(c))) for a, c in out.items() if sp.cancel(c) != 0}


def _power(atom: sp.Expr, c: sp.Expr) -> str:
    return sp.sstr(atom if c == 1 else sp.Pow(atom, c, evaluate=False))


def _merge(atoms: dict, name: sp.Expr, parts: dict) -> dict:
    """Replace factors that always occur together (K and 1 - t in k = (1 - t) K) by one."""
    present = [a for a in parts if a in atoms]
    if len(present) != len(parts) or len({sp.simplify(atoms[a]) for a in parts}) != 1:
        return atoms
    out = {a: c for a, c in atoms.items() if a not in parts}
    out[name] = atoms[present[0]]
    return out


def product_parameters(model: Model, point: dict[sp.Symbol, float]) -> list[tuple[sp.Expr, dict]]:
    """Derived parameters that are products of factors, e.g. ``k = (1 - t) K``."""
    out = []
    for d in model.derived:
        atoms = log_atoms(d.formula, point)
        if len(atoms) > 1 and all(c == 1 for c in atoms.values()):
            out.append((d.symbol, atoms))
    return out


def name_difference(derived: sp.Expr, printed: sp.Expr, point: dict[sp.Symbol, float],
                    is_price: bool, ratio_sign: float,
                    merges: list[tuple[sp.Expr, dict]] = ()) -> str:
    """Name the kind of mistake that turns ``derived`` into ``printed``.

    Both formulas are split into products of powers of common factors; the factors
    whose exponents differ are listed as a missing factor, an extra factor, a wrong
    exponent, or a factor on the wrong side of the fraction.  A price whose factors
    mostly match the reciprocal of the derived one is called inverted.
    """
    if ratio_sign < 0:
        return "wrong sign"
    try:
        d, p = log_atoms(derived, point), log_atoms(printed, point)
    except Exception:  # a form SymPy cannot split: the numbers still speak
        return "different functional form"
    for name, parts in merges:
        d, p = _merge(d, name, parts), _merge(p, name, parts)
    atoms = sorted(set(d) | set(p), key=sp.default_sort_key)

    def differing(sign: int) -> list[sp.Expr]:
        return [a for a in atoms if sp.simplify(p.get(a, 0) - sign * d.get(a, 0)) != 0]

    direct, inverse = differing(1), differing(-1)
    parts = []
    if is_price and len(inverse) < len(direct) and len(inverse) < len(atoms) / 2:
        parts.append("inverted price (printed is close to the reciprocal of the derived one)")
        sign, diff = -1, inverse
    else:
        sign, diff = 1, direct
    if not diff and not parts:
        return "same product of powers (a numeric constant differs)"
    items = []
    for a in diff:
        pc, dc = p.get(a, sp.Integer(0)), sign * d.get(a, sp.Integer(0))
        if dc == 0:
            items.append(f"extra factor {_power(a, pc)}")
        elif pc == 0:
            items.append(f"missing factor {_power(a, dc)}")
        elif sp.simplify(pc + dc) == 0:
            items.append(f"factor {sp.sstr(a)} on the wrong side of the fraction (exponent {sp.sstr(pc)}, derived {sp.sstr(dc)})")
        else:
            items.append(f"wrong exponent of {sp.sstr(a)} (printed {sp.sstr(pc)}, derived {sp.sstr(dc)})")
    if len(items) > 5:
        parts.append(f"different functional form ({len(items)} factors differ: " + "; ".join(items[:4]) + "; ...)")
    else:
        parts.extend(items)
    return "; ".join(parts)


# -- the audit ------------------------------------------------------------------------------


def audit_table1(model: Model, samples: int = DEFAULT_SETTINGS.table1_samples) -> list[Table1Row]:
    """Every printed Table 1 entry of ``model`` against its derived closed form (``samples``
    random comparison points besides the model's default point)."""
    printed = load_printed(model)
    defaults = model.check_parameters()
    base = {p.name: defaults[p.name] for p in model.parameters}
    point_sym = {p.symbol: sp.Float(defaults[p.name]) for p in model.parameters}
    cloud = comparison_points(model, samples)
    rows = []
    cache: dict[str, dict[str, sp.Expr]] = {}
    for entry in printed.table1:
        if entry.structure not in cache:
            cache[entry.structure] = derived_forms(model, entry.structure)
        forms = cache[entry.structure]
        derived = forms.get(entry.quantity)
        structure = find_structure(model, entry.structure)
        exists = evaluate_structure(model, structure, cloud)["exists"]
        pts = {k: np.concatenate([[base[k]], v[exists]]) for k, v in cloud.items()}
        pv = _evaluate(model, entry.expression, pts)
        if derived is None:
            rows.append(Table1Row(entry.structure, entry.quantity, None, entry.expression, entry, "differs",
                                  base, float("nan"), float(pv[0]), "the model has no such quantity", 0))
            continue
        dv = _evaluate(model, derived, pts)
        both = np.isfinite(dv) & np.isfinite(pv)
        rel = np.abs(pv - dv) / np.maximum(np.abs(dv), 1e-300)
        bad = both & (rel > TOLERANCE)
        agrees = bool(both.any() and not bad.any())
        i = 0 if (agrees or bad[0] or not both[0]) else int(np.argmax(bad))
        point = {k: float(v[i]) for k, v in pts.items()}
        kind, ratio, relation = "", None, "printed / derived"
        if not agrees:
            ratio_sign = float(np.sign(pv[i] * dv[i])) if both[i] else 1.0
            kind, ratio, relation = _difference(model, entry, derived, point_sym, ratio_sign)
            if not both.any():
                kind = "printed formula is not a real number where the corner equilibrium exists; " + kind
        rows.append(Table1Row(entry.structure, entry.quantity, derived, entry.expression, entry,
                              "agrees" if agrees else "differs", point, float(dv[i]), float(pv[i]), kind,
                              int(both.sum()), ratio, relation))
    return rows


def _as_powers(model: Model, expr: sp.Expr) -> sp.Expr:
    """``expr`` as one product of powers of irreducible factors (common powers taken out)."""
    from inframarginal.report.notation import default_values

    point = default_values(model)
    atoms = log_atoms(expr, point)
    return sp.Mul(*[a**c for a, c in atoms.items()])


def printed_over_derived(model: Model, printed: sp.Expr, derived: sp.Expr,
                         is_price: bool = True) -> tuple[sp.Expr, str]:
    """The exact relation between a printed and a derived entry, in the paper's notation.

    ``printed / derived`` as one product of powers; for an inverted price the product
    ``printed * derived`` is the shorter one and is returned instead (with its name).
    """
    from inframarginal.report.notation import in_paper_symbols

    p, d = in_paper_symbols(model, printed), in_paper_symbols(model, derived)
    quotient = _as_powers(model, p / d)
    if not is_price:
        return quotient, "printed / derived"
    product = _as_powers(model, p * d)
    if sp.count_ops(product) < sp.count_ops(quotient):
        return product, "printed * derived"
    return quotient, "printed / derived"


def _difference(model: Model, entry: PrintedEntry, derived: sp.Expr, point_sym: dict,
                ratio_sign: float) -> tuple[str, sp.Expr | None, str]:
    """The kind of mistake and the exact relation, kept in the disk cache (pure SymPy work)."""
    key = f"{entry.structure}|{entry.quantity}|{entry.text}|{sp.srepr(derived)}|{ratio_sign}"
    cached = read_entry(model, "report-table1-difference", key)
    if isinstance(cached, dict) and isinstance(cached.get("kind"), str) and isinstance(cached.get("relation"), str):
        try:
            ratio = expression_from_json(cached["ratio"]) if cached.get("ratio") is not None else None
            return cached["kind"], ratio, cached["relation"]
        except (ValueError, TypeError, RecursionError):
            pass
    kind = name_difference(derived, entry.expression, point_sym, "/p" in entry.quantity, ratio_sign,
                           product_parameters(model, point_sym))
    try:
        ratio, relation = printed_over_derived(model, entry.expression, derived, "/p" in entry.quantity)
        stored = expression_to_json(ratio)
    except (UnsupportedExpression, TypeError, ValueError, NotImplementedError):
        ratio, relation, stored = None, "printed / derived", None
    write_entry(model, "report-table1-difference", key, {"kind": kind, "ratio": stored, "relation": relation})
    return kind, ratio, relation
