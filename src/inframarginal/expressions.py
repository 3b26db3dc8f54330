"""Whitelisted formula parser.

Formulas in model files (``(1 - t) * K``, ``z**alpha * (l - F)``) are parsed with
Python's :mod:`ast` and rebuilt node by node as SymPy expressions.  Only numbers,
declared names, ``+ - * / **``, unary minus, parentheses and a few named functions
are accepted; nothing from a file is ever passed to ``eval`` or ``sympify``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy as sp

from inframarginal.errors import ExpressionError

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
        If the text is not valid syntax, or uses an operator, function or name
        that is not allowed.  The message quotes the offending piece.
    """
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise ExpressionError(f"{what} must be a formula string, got {text!r}")
    text = str(text).strip()
    if not text:
        raise ExpressionError(f"{what} is empty; expected a formula such as '(1 - t) * K'")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"{what} {text!r} is not a valid formula ({err.msg} at column {err.offset})"
        ) from None
    return _build(tree.body, names, text, what)


def _build(node: ast.AST, names: Mapping[str, sp.Expr], text: str, what: str) -> sp.Expr:
    def fail(message: str) -> ExpressionError:
        piece = ast.get_source_segment(text, node) or text
        return ExpressionError(f"{what} {text!r}: {message} in {piece!r}")

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise fail("only numbers are allowed as constants")
        return sp.Rational(str(node.value)) if isinstance(node.value, float) else sp.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            allowed = ", ".join(sorted(names)) or "none"
            raise fail(f"unknown name {node.id!r} (allowed names: {allowed})")
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, names, text, what)
        right = _build(node.right, names, text, what)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_build(node.operand, names, text, what))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise fail(f"only the functions {', '.join(sorted(FUNCTIONS))} may be called")
        if node.keywords or len(node.args) != 1:
            raise fail("functions take exactly one argument")
        return FUNCTIONS[node.func.id](_build(node.args[0], names, text, what))
    raise fail("operator not allowed (allowed: numbers, names, + - * / **, parentheses, exp, log, sqrt)")


def free_names(expr: sp.Expr) -> set[str]:
    """Names of the free symbols of ``expr``."""
    return {s.name for s in expr.free_symbols}
