import pytest
import sympy as sp

from inframarginal.errors import ExpressionError
from inframarginal.expressions import parse_expression

X, Y = sp.symbols("x y", positive=True)
NAMES = {"x": X, "y": Y}


def test_arithmetic_is_parsed_into_the_same_expression_sympy_builds():
    expr = parse_expression("(1 - x) * y**2 / 4 + exp(log(x)) - sqrt(y)", NAMES)
    assert sp.simplify(expr - ((1 - X) * Y**2 / 4 + X - sp.sqrt(Y))) == 0


def test_decimal_constants_are_exact():
    assert parse_expression("0.1 * x", NAMES) == sp.Rational(1, 10) * X


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os').system('true')", "only the functions"),
    ("x.__class__", "operator not allowed"),
    ("[x for x in y]", "operator not allowed"),
    ("lambda: 1", "operator not allowed"),
    ("z + 1", "unknown name 'z'"),
    ("x +", "not a valid formula"),
    ("'text'", "only numbers"),
    ("x if y else 1", "operator not allowed"),
    ("log(x, y)", "exactly one argument"),
    ("", "empty"),
])
def test_anything_outside_the_whitelist_is_refused_with_the_offending_text(text, fragment):
    with pytest.raises(ExpressionError, match=None) as err:
        parse_expression(text, NAMES)
    assert fragment in str(err.value)
