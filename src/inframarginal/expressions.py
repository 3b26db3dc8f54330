"""Whitelisted formula parser.

Formulas in model files (``(1 - t) * K``, ``z**alpha * (l - F)``) are parsed with
Python's :mod:`ast` and rebuilt node by node as SymPy expressions.  Only numbers,
declared names, ``+ - * / **``, unary minus, parentheses and a few named functions
are accepted; nothing from a file is ever passed to ``eval`` or ``sympify``.

Formulas come from files anyone can write, so their size is bounded before any
symbolic work: the length of the text (:data:`MAX_FORMULA_LENGTH`), its nesting
depth (:data:`MAX_DEPTH`), the size of literal numbers (:data:`MAX_LITERAL`), of
every number SymPy computes from them (:data:`MAX_DIGITS`) and of every numeric
exponent (:data:`MAX_EXPONENT`).  Constant powers such as ``9**9**9`` are checked
before they are computed, so they fail at once instead of filling the memory.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from inframarginal.errors import ExpressionError, quote

#: Longest formula, in characters.
MAX_FORMULA_LENGTH = 1000
#: Deepest nesting of parentheses, or of operators in the parsed formula.
MAX_DEPTH = 100
#: Largest magnitude of a number written in a formula (and smallest nonzero one, inverted).
MAX_LITERAL = 1e15
#: Most decimal digits of the numerator or denominator of any number in a formula,
#: written or computed (``10**20`` has 21).
MAX_DIGITS = 30
#: Largest magnitude of a numeric exponent (``l**100`` is allowed, ``l**101`` is not).
MAX_EXPONENT = 100

_NUMBER_LIMIT = 10**MAX_DIGITS
_NOT_FINITE = (sp.zoo, sp.oo, -sp.oo, sp.nan)

#: Functions a formula may call, by the name used in the formula.
FUNCTIONS: dict[str, sp.Function] = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}


def parse_expression(text: str, names: Mapping[str, sp.Expr], *, what: str = "formula") -> sp.Expr:
    """Parse ``text`` into a SymPy expression over the given ``names``.

    Parameters
    ----------
    text : str
        The formula, in Python syntax restricted to arithmetic.
    names : mapping of str to sympy.Expr
        The names the formula may use and what each stands for.
    what : str
        How to refer to the formula in error messages.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ExpressionError
        If the text is not valid syntax, uses an operator, function or name that
        is not allowed, or exceeds a size limit (see the module's constants).  The
        message is one line and quotes at most the start of the formula.
    """
    text, tree = _parse(text, what)
    expr = _build(tree, names, text, what)
    _check_size(expr, text, what, deep=True)
    return expr


#: The comparisons a constraint may use.
COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def parse_constraint(text: str, names: Mapping[str, sp.Expr], *,
                     what: str = "constraint") -> tuple[sp.Expr, str, sp.Expr]:
    """Parse an inequality such as ``F + 2*b < 1`` into ``(left, operator, right)``.

    Both sides are formulas as for :func:`parse_expression`; the operator is one of
    ``< <= > >=`` (one comparison, not a chain).

    Raises
    ------
    ExpressionError
        If the text is not one such comparison of two allowed formulas.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{what} must be an inequality string such as 'F + 2*b < 1', got {quote(repr(text))}")
    text, tree = _parse(text, what)
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and type(tree.ops[0]) in COMPARISONS):
        raise ExpressionError(
            f"{what} {quote(text)} is not one comparison with < <= > or >= (such as 'F + 2*b < 1')")
    sides = []
    for node in (tree.left, tree.comparators[0]):
        side = _build(node, names, text, what)
        _check_size(side, text, what, deep=True)
        sides.append(side)
    return sides[0], COMPARISONS[type(tree.ops[0])], sides[1]


def _parse(text, what: str) -> tuple[str, ast.expr]:
    """Check the size of ``text`` and parse it with :mod:`ast`; the stripped text and the tree."""
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise ExpressionError(f"{what} must be a formula string, got {quote(repr(text))}")
    if isinstance(text, float) and not math.isfinite(text):
        raise ExpressionError(f"{what} is {text!r}; expected a finite number or a formula")
    text = str(text).strip()
    if not text:
        raise ExpressionError(f"{what} is empty; expected a formula such as '(1 - t) * K'")
    if len(text) > MAX_FORMULA_LENGTH:
        raise ExpressionError(
            f"{what} {quote(text)} is too long: {len(text)} characters (at most {MAX_FORMULA_LENGTH})")
    depth = _parenthesis_depth(text)
    if depth > MAX_DEPTH:
        raise ExpressionError(
            f"{what} {quote(text)} nests parentheses {depth} deep (at most {MAX_DEPTH})")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"{what} {quote(text)} is not a valid formula ({err.msg} at column {err.offset})"
        ) from None
    except (ValueError, RecursionError, MemoryError) as err:  # null bytes; pathological input
        raise ExpressionError(f"{what} {quote(text)} is not a valid formula ({type(err).__name__})") from None
    depth = _tree_depth(tree.body)
    if depth > MAX_DEPTH:
        raise ExpressionError(
            f"{what} {quote(text)} nests operators {depth} deep (at most {MAX_DEPTH}); split it "
            "into derived parameters")
    return text, tree.body




def _parenthesis_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _tree_depth(root: ast.AST) -> int:
    # Iterative, so that depth itself cannot exhaust the stack.
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _build(node: ast.AST, names: Mapping[str, sp.Expr], text: str, what: str) -> sp.Expr:
    def fail(message: str) -> ExpressionError:
        piece = ast.get_source_segment(text, node) or text
        where = f" in {quote(piece, 40)}" if piece != text else ""
        return ExpressionError(f"{what} {quote(text)}: {message}{where}")

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise fail("only numbers are allowed as constants")
        value = node.value
        if isinstance(value, float) and not math.isfinite(value):
            raise fail(f"number {quote(ast.get_source_segment(text, node) or value, 20)} is not finite "
                       f"(numbers must be at most {MAX_LITERAL:g} in magnitude)")
        if abs(value) > MAX_LITERAL or (value and abs(value) < 1 / MAX_LITERAL):
            raise fail(f"number {quote(ast.get_source_segment(text, node) or value, 20)} is out of range "
                       f"(numbers must be 0 or between {1 / MAX_LITERAL:g} and {MAX_LITERAL:g} in magnitude)")
        return sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            allowed = ", ".join(sorted(names)) or "none"
            raise fail(f"unknown name {quote(node.id, 20)} (allowed names: {allowed})")
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, names, text, what)
        right = _build(node.right, names, text, what)
        if (right.is_zero and isinstance(node.op, ast.Div)) or (
                left.is_zero and right.is_negative and isinstance(node.op, ast.Pow)):
            raise fail("division by zero")
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, fail)
        result = _BINARY[type(node.op)](left, right)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        result = _UNARY[type(node.op)](_build(node.operand, names, text, what))
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise fail(f"only the functions {', '.join(sorted(FUNCTIONS))} may be called")
        if node.keywords or len(node.args) != 1:
            raise fail("functions take exactly one argument")
        argument = _build(node.args[0], names, text, what)
        if node.func.id == "log" and argument.is_zero:
            raise fail("log(0) is not finite")
        result = FUNCTIONS[node.func.id](argument)
    else:
        raise fail("operator not allowed (allowed: numbers, names, + - * / **, parentheses, exp, log, sqrt)")
    _check_size(result, text, what, fail=fail)
    return result


def _check_power(base: sp.Expr, exponent: sp.Expr, fail) -> None:
    """Refuse a power whose numeric exponent is too large, before SymPy computes it."""
    if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
        raise fail(f"exponent {_short(exponent)} is too large (numeric exponents must be at most "
                   f"{MAX_EXPONENT} in magnitude)")
    if base.is_Number and base.is_negative and exponent.is_Number and not exponent.is_Integer:
        raise fail(f"a negative number to the power {_short(exponent)} is not a real number")


def _check_size(expr: sp.Expr, text: str, what: str, fail=None, deep: bool = False) -> None:
    """Refuse huge numbers and exponents SymPy made by combining terms (``(1e15*l)**2``).

    Combination happens at the top of an expression, so each step checks the node and
    its arguments; the finished formula is checked throughout (``deep``).
    """
    def error(message: str) -> ExpressionError:
        return fail(message) if fail else ExpressionError(f"{what} {quote(text)}: {message}")

    if deep:
        if expr.has(*_NOT_FINITE):
            raise error("the value is not finite (division by zero?)")
        nodes = sp.preorder_traversal(expr)
    else:
        nodes = (expr, *expr.args, *(a.exp for a in expr.args if a.is_Pow))
    for node in nodes:
        if node in _NOT_FINITE:
            raise error("the value is not finite (division by zero?)")
        if node is sp.I:
            raise error("the value is not a real number")
        if node.is_Rational and (abs(node.p) >= _NUMBER_LIMIT or node.q >= _NUMBER_LIMIT):
            raise error(f"number {_short(node)} is too large or too precise (at most {MAX_DIGITS} digits in "
                        "numerator and denominator)")
        if node.is_Pow and node.exp.is_Number and abs(node.exp) > MAX_EXPONENT:
            raise error(f"exponent {_short(node.exp)} is too large (numeric exponents must be at most "
                        f"{MAX_EXPONENT} in magnitude)")
        if node.is_Function and not node.free_symbols:
            try:
                value = complex(sp.N(node, 15))
            except (TypeError, ValueError, OverflowError):
                value = complex(math.inf)
            if value.imag or not abs(value.real) < 10.0**MAX_DIGITS:
                raise error(f"{_short(node)} is not a real number of at most {MAX_DIGITS} digits")


def _short(number: sp.Expr) -> str:
    text = str(number)
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} characters)"


def free_names(expr: sp.Expr) -> set[str]:
    """Names of the free symbols of ``expr``."""
    return {s.name for s in expr.free_symbols}


def to_function(arguments: Sequence[Any], expression: Any, modules: Any = "numpy", *,
                cse: bool = False) -> Callable[..., Any]:
    """A SymPy expression (or a list of them) as a Python function of ``arguments``.

    The one place where the package turns formulas into functions (SymPy's ``lambdify``,
    with NumPy by default, ``"math"`` for scalars or ``"jax"``).  The expressions come from
    :func:`parse_expression` or from derivations on them, never from user text: nothing the
    user writes is evaluated as code.

    Examples
    --------
    >>> k = sp.Symbol("k")
    >>> to_function([k], 2 * k + 1, "math")(3.0)
    7.0
    """
    function: Callable[..., Any] = sp.lambdify(arguments, expression, modules=modules, cse=cse)
    return function
