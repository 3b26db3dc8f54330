"""SymPy expressions as plain JSON trees, read back through a whitelist.

Derived closed forms are stored on disk (:mod:`inframarginal.disk_cache`).  They are
written as nested JSON lists whose first element names the node, and read back by
building each node from a fixed table of SymPy constructors: a file can describe an
expression and nothing else, so reading one can never run code (unlike ``pickle``
or ``sympify``).

Node tags: ``["+", ...]`` sum, ``["*", ...]`` product, ``["^", base, exponent]``,
``["log", arg]``, ``["exp", arg]``, ``["s", name, assumptions]`` symbol,
``["i", "digits"]`` integer, ``["q", "p", "q"]`` rational, ``["f", sign, mantissa_hex,
exponent, bits]`` float (exact binary form), ``["E"]``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

#: Symbol assumptions that may appear in a stored expression.
_ASSUMPTIONS = frozenset({"positive", "negative", "nonnegative", "nonpositive", "real", "integer", "nonzero",
                          "finite", "commutative", "extended_real", "complex", "zero", "rational"})
#: Longest decimal integer accepted when reading (guards ``int()`` against absurd input).
_MAX_DIGITS = 2000


class UnsupportedExpression(ValueError):
    """An expression holds a node outside the whitelist (so it is not stored)."""


def expression_to_json(expr: sp.Expr) -> Any:
    """Encode ``expr`` as a JSON-able tree; :class:`UnsupportedExpression` for other nodes."""
    if isinstance(expr, sp.Integer):
        return ["i", str(int(expr))]
    if isinstance(expr, sp.Rational):
        return ["q", str(expr.p), str(expr.q)]
    if isinstance(expr, sp.Float):
        sign, mantissa, exponent, bits = expr._mpf_
        return ["f", int(sign), hex(int(mantissa)), int(exponent), int(bits)]
    if expr is sp.E:
        return ["E"]
    if isinstance(expr, sp.Symbol):
        given = getattr(expr, "_assumptions_orig", None) or expr.assumptions0
        return ["s", expr.name, {k: bool(v) for k, v in sorted(given.items()) if k in _ASSUMPTIONS}]
    if isinstance(expr, sp.Add):
        return ["+", *(expression_to_json(a) for a in expr.args)]
    if isinstance(expr, sp.Mul):
        return ["*", *(expression_to_json(a) for a in expr.args)]
    if isinstance(expr, sp.Pow):
        return ["^", expression_to_json(expr.base), expression_to_json(expr.exp)]
    if isinstance(expr, sp.log):
        return ["log", expression_to_json(expr.args[0])]
    if isinstance(expr, sp.exp):
        return ["exp", expression_to_json(expr.args[0])]
    raise UnsupportedExpression(f"cannot store a {type(expr).__name__} node")


def expression_from_json(tree: Any) -> sp.Expr:
    """Rebuild an expression written by :func:`expression_to_json`.

    Raises
    ------
    ValueError
        For anything that is not a well-formed tree of whitelisted nodes.
    """
    if not isinstance(tree, list) or not tree or not isinstance(tree[0], str):
        raise ValueError("an expression node must be a list starting with its tag")
    tag, args = tree[0], tree[1:]
    if tag in _COMPOUND:
        if not args or (tag == "^" and len(args) != 2) or (tag in ("log", "exp") and len(args) != 1):
            raise ValueError(f"node {tag!r} has {len(args)} arguments")
        return _COMPOUND[tag](*(expression_from_json(a) for a in args))
    if tag == "i" and len(args) == 1:
        return sp.Integer(_integer(args[0]))
    if tag == "q" and len(args) == 2:
        return sp.Rational(_integer(args[0]), _integer(args[1]))
    if tag == "f" and len(args) == 4 and all(isinstance(a, int | str) for a in args):
        sign, mantissa, exponent, bits = args
        if sign not in (0, 1) or not isinstance(mantissa, str) or not isinstance(exponent, int):
            raise ValueError("malformed float node")
        return sp.Float((sign, mantissa.removeprefix("0x"), exponent, bits))
    if tag == "E" and not args:
        return sp.E
    if tag == "s" and len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], dict):
        name, assumptions = args
        if not name.isidentifier() or not set(assumptions) <= _ASSUMPTIONS:
            raise ValueError(f"malformed symbol {name!r}")
        return sp.Symbol(name, **{k: bool(v) for k, v in assumptions.items()})
    raise ValueError(f"unknown expression node {tag!r}")


def _integer(text: Any) -> int:
    if not isinstance(text, str) or not text.lstrip("-").isdigit() or len(text) > _MAX_DIGITS:
        raise ValueError("malformed integer")
    return int(text)


_COMPOUND = {
    "+": sp.Add,
    "*": sp.Mul,
    "^": sp.Pow,
    "log": sp.log,
    "exp": sp.exp,
}
