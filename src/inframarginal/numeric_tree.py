"""Compiled closed forms as JSON trees of Python operations, and their evaluator.

A closed form reaches NumPy through :func:`sympy.lambdify`, which writes Python source
and compiles it.  :func:`encode_function` reads that generated source back with
:mod:`ast` (parsing only, nothing is run) and writes the same operations, in the same
order, as a JSON tree; :func:`evaluate_tree` applies them with Python's own operators
to values of the same types.  The result is therefore the very float the lambdified
function returns, without importing SymPy: this is what lets a warm command line
answer in a fraction of a second (:mod:`inframarginal.bundle`).

Reading a tree can run nothing but the whitelisted nodes below; a malformed tree is
refused by :func:`check_tree` before it is evaluated.

Node tags: ``["a", i]`` the i-th argument, ``["i", "digits"]`` an int, ``["f", x]`` a
float, ``["+" | "-" | "*" | "/" | "**", left, right]``, ``["neg", x]``, ``["pos", x]``
and ``["call", "numpy.log" | "math.exp" | ..., x]``.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: The functions a tree may call, by the name written in it.
FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "numpy.log": np.log, "numpy.exp": np.exp, "numpy.sqrt": np.sqrt,
    "math.log": math.log, "math.exp": math.exp, "math.sqrt": math.sqrt,
    "numpy.emath.log": np.emath.log, "numpy.emath.sqrt": np.emath.sqrt,
}
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}
_AST_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
#: Deepest tree accepted (sums nest one level per term; closed forms stay far below).
MAX_DEPTH = 400
#: Longest decimal integer accepted (guards ``int()`` against absurd input).
_MAX_DIGITS = 400


class UnsupportedFunction(ValueError):
    """A compiled function uses an operation outside the whitelist (so it is not stored)."""


def encode_function(function: Callable[..., Any]) -> dict[str, Any]:
    """The operations of a lambdified ``function`` as ``{"arguments": [...], "body": tree}``.

    Raises
    ------
    UnsupportedFunction
        If its source is not a single ``return`` of whitelisted operations.
    """
    if isinstance(function, Program):  # read back from the cache: already encoded
        if function.assignments or function.sequence:
            raise UnsupportedFunction("not a single return statement")
        return {"arguments": list(function.data["arguments"]), "body": function.outputs[0]}
    tree = _parse_source(function)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise UnsupportedFunction("not a single function")
    definition = tree.body[0]
    if len(definition.body) != 1 or not isinstance(definition.body[0], ast.Return) or definition.body[0].value is None:
        raise UnsupportedFunction("not a single return statement")
    arguments = [a.arg for a in definition.args.args]
    namespace = function.__globals__
    body = _encode(definition.body[0].value, {name: i for i, name in enumerate(arguments)}, namespace, 0)
    return {"arguments": arguments, "body": body}


def _parse_source(function: Callable[..., Any]) -> ast.Module:
    """The syntax tree of a lambdified function's source (parsed, never run)."""
    code = getattr(function, "__code__", None)
    # lambdify registers each function's whole source under its own file name: reading it
    # from linecache skips inspect.getsource's tokenizing (the costly part)
    lines = linecache.getlines(code.co_filename) if code is not None else []
    try:
        return ast.parse("".join(lines) if lines else inspect.getsource(function))
    except (OSError, TypeError, SyntaxError, ValueError) as err:
        raise UnsupportedFunction(f"cannot read the generated source: {err}") from None


def _function_name(value: Any) -> str | None:
    for name, known in FUNCTIONS.items():
        if value is known:
            return name
    return None


def _encode(node: ast.expr, arguments: dict[str, int], namespace: dict[str, Any], depth: int,
            local: dict[str, int] | None = None) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedFunction("expression nests too deep")
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_BINARY:
        return [_AST_BINARY[type(node.op)], _encode(node.left, arguments, namespace, depth + 1, local),
                _encode(node.right, arguments, namespace, depth + 1, local)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return ["neg" if isinstance(node.op, ast.USub) else "pos", _encode(node.operand, arguments, namespace, depth + 1, local)]
    if isinstance(node, ast.Name):
        if node.id in arguments:
            return ["a", arguments[node.id]]
        if local and node.id in local:
            return ["v", local[node.id]]
        value = namespace.get(node.id)
        if type(value) is float and math.isfinite(value):  # a constant such as pi, printed by name
            return ["f", value]
        raise UnsupportedFunction(f"unknown name {node.id!r}")
    if isinstance(node, ast.Constant):
        if type(node.value) is int:
            return ["i", str(node.value)]
        if type(node.value) is float and math.isfinite(node.value):
            return ["f", node.value]
        raise UnsupportedFunction(f"constant {node.value!r}")
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute) and len(node.args) == 1
            and not node.keywords):
        called = _called(node.func, namespace)
        name = _function_name(called)
        if name is None:
            raise UnsupportedFunction(f"call of {ast.unparse(node.func)}")
        return ["call", name, _encode(node.args[0], arguments, namespace, depth + 1, local)]
    raise UnsupportedFunction(f"node {type(node).__name__}")


def _called(func: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(func, ast.Name):
        return namespace.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return getattr(namespace.get(func.value.id), func.attr, None)
    return None


def check_tree(tree: Any, arity: int, n_local: int = 0) -> None:
    """Refuse anything but a well-formed tree over ``arity`` arguments (iteratively).

    Raises
    ------
    ValueError
        Naming the first malformed node.
    """
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError("expression tree nests too deep")
        if not isinstance(node, list) or not node or not isinstance(node[0], str):
            raise ValueError("an expression node must be a list starting with its tag")
        tag, args = node[0], node[1:]
        if tag in _BINARY and len(args) == 2:
            stack.extend((a, depth + 1) for a in args)
        elif tag in ("neg", "pos") and len(args) == 1:
            stack.append((args[0], depth + 1))
        elif tag == "call" and len(args) == 2 and args[0] in FUNCTIONS:
            stack.append((args[1], depth + 1))
        elif tag == "a" and len(args) == 1 and type(args[0]) is int and 0 <= args[0] < arity:
            pass
        elif tag == "v" and len(args) == 1 and type(args[0]) is int and 0 <= args[0] < n_local:
            pass
        elif tag == "i" and len(args) == 1 and isinstance(args[0], str) and len(args[0]) <= _MAX_DIGITS \
                and args[0].lstrip("-").isdigit():
            pass
        elif tag == "f" and len(args) == 1 and type(args[0]) in (int, float) and math.isfinite(args[0]):
            pass
        else:
            raise ValueError(f"malformed expression node {tag!r}")


def evaluate_tree(tree: Any, arguments: Sequence[Any], local: Sequence[Any] = ()) -> Any:
    """Apply a checked tree's operations to ``arguments`` (see :func:`check_tree`)."""
    tag = tree[0]
    if tag == "a":
        return arguments[tree[1]]
    if tag == "v":
        return local[tree[1]]
    if tag in _BINARY:
        return _BINARY[tag](evaluate_tree(tree[1], arguments, local), evaluate_tree(tree[2], arguments, local))
    if tag == "call":
        return FUNCTIONS[tree[1]](evaluate_tree(tree[2], arguments, local))
    if tag == "neg":
        return -evaluate_tree(tree[1], arguments, local)
    if tag == "pos":
        return +evaluate_tree(tree[1], arguments, local)
    if tag == "i":
        return int(tree[1])
    return float(tree[1])


# -- programs: the common subexpressions that lambdify(..., cse=True) assigns first -------------


def encode_program(function: Callable[..., Any]) -> dict[str, Any]:
    """A lambdified ``function`` with assignments (``cse=True``) and a list returned, as
    ``{"arguments": [...], "assignments": [tree, ...], "outputs": [tree, ...], "sequence": bool}``
    (``sequence``: it returns a list; else one value).

    Raises
    ------
    UnsupportedFunction
        If its source holds anything else.
    """
    if isinstance(function, Program):  # read back from the cache: already encoded
        return function.data
    tree = _parse_source(function)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise UnsupportedFunction("not a single function")
    definition = tree.body[0]
    arguments = {a.arg: i for i, a in enumerate(definition.args.args)}
    namespace = function.__globals__
    local: dict[str, int] = {}
    assignments = []
    for statement in definition.body[:-1]:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id not in arguments):
            raise UnsupportedFunction("a statement other than an assignment to a new name")
        assignments.append(_encode(statement.value, arguments, namespace, 0, local))
        local[statement.targets[0].id] = len(assignments) - 1
    last = definition.body[-1]
    if not isinstance(last, ast.Return) or last.value is None:
        raise UnsupportedFunction("no return statement")
    sequence = isinstance(last.value, ast.List | ast.Tuple)
    returned = last.value.elts if isinstance(last.value, ast.List | ast.Tuple) else [last.value]
    outputs = [_encode(e, arguments, namespace, 0, local) for e in returned]
    return {"arguments": list(arguments), "assignments": assignments, "outputs": outputs, "sequence": sequence}


class Program:
    """A checked program (see :func:`encode_program`), called like the function it was read from."""

    def __init__(self, data: Any):
        if not isinstance(data, dict) or not isinstance(data.get("arguments"), list) \
                or not isinstance(data.get("assignments"), list) or not isinstance(data.get("outputs"), list):
            raise ValueError("malformed program")
        self.arity = len(data["arguments"])
        for j, tree in enumerate(data["assignments"]):
            check_tree(tree, self.arity, j)
        for tree in data["outputs"]:
            check_tree(tree, self.arity, len(data["assignments"]))
        self.assignments: list[Any] = data["assignments"]
        self.outputs: list[Any] = data["outputs"]
        self.sequence = bool(data.get("sequence"))
        self.data: dict[str, Any] = data
        self._argument_sets: list[frozenset[int]] | None = None
        self._needed: dict[tuple[int, ...], list[int]] = {}

    def __call__(self, *arguments: Any) -> Any:
        if len(arguments) != self.arity:
            raise TypeError(f"expected {self.arity} arguments, got {len(arguments)}")
        local: list[Any] = []
        for tree in self.assignments:
            local.append(evaluate_tree(tree, arguments, local))
        values = [evaluate_tree(tree, arguments, local) for tree in self.outputs]
        return values if self.sequence else values[0]

    def argument_sets(self) -> list[frozenset[int]]:
        """For each output, the indices of the arguments it depends on (through the assignments)."""
        if self._argument_sets is None:
            self._argument_sets = self._find_argument_sets()
        return self._argument_sets

    def _find_argument_sets(self) -> list[frozenset[int]]:
        assigned: list[frozenset[int]] = []
        for tree in self.assignments:
            arguments, local = _references(tree)
            assigned.append(frozenset(arguments.union(*(assigned[j] for j in local))))
        out = []
        for tree in self.outputs:
            arguments, local = _references(tree)
            out.append(frozenset(arguments.union(*(assigned[j] for j in local))))
        return out

    def outputs_at(self, arguments: Sequence[Any], which: Sequence[int]) -> list[Any]:
        """The outputs numbered ``which``, computing only the assignments they need: the same
        floats as :meth:`__call__` gives for them."""
        return self.values_of([self.outputs[i] for i in which], arguments)

    def values_of(self, trees: Sequence[Any], arguments: Sequence[Any]) -> list[Any]:
        """The values of some of this program's own trees (outputs, assignments or nodes inside
        them: what they need is remembered by their identity), computing only the assignments
        they need."""
        key = tuple(id(t) for t in trees)
        if key not in self._needed:
            needed: set[int] = set()
            stack = [j for t in trees for j in _references(t)[1]]
            while stack:
                j = stack.pop()
                if j not in needed:
                    needed.add(j)
                    stack.extend(_references(self.assignments[j])[1])
            self._needed[key] = sorted(needed)
        local: list[Any] = [None] * len(self.assignments)
        for j in self._needed[key]:
            local[j] = evaluate_tree(self.assignments[j], arguments, local)
        return [evaluate_tree(t, arguments, local) for t in trees]


def _references(tree: Any) -> tuple[set[int], set[int]]:
    """The arguments (``["a", i]``) and assigned values (``["v", j]``) a checked tree reads."""
    arguments: set[int] = set()
    local: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        tag = node[0]
        if tag == "a":
            arguments.add(node[1])
        elif tag == "v":
            local.add(node[1])
        elif tag == "call":
            stack.append(node[2])
        elif tag not in ("i", "f"):
            stack.extend(node[1:])
    return arguments, local
