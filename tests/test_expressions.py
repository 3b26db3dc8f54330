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


# -- size limits (attacker review): each input used to hang, exhaust memory or end in a traceback


@pytest.mark.parametrize("text, fragment", [
    ("l**(10**10**10)", "exponent 10000000000 is too large"),
    ("9**9**9", "exponent 387420489 is too large"),
    ("l**(k**(10**9))", "exponent 1000000000 is too large"),
    ("l**(2**2**2**2**2)", "exponent 65536 is too large"),
    ("l**1e308", "number '1e308' is out of range"),
    ("l**1e400", "number '1e400' is not finite"),
    ("l * 1e400", "number '1e400' is not finite"),
    ("1e-300 * l", "number '1e-300' is out of range"),
    ("(1e15 * l)**2", "too large or too precise"),
    ("((l + 1)**100)**100", "exponent 10000 is too large"),
    ("l**60 * l**60", "exponent 120 is too large"),
    ("exp(exp(exp(100)))", "exp(100) is not a real number"),
    ("l / 0", "division by zero"),
    ("0**-1 + l", "division by zero"),
    ("log(0)", "log(0) is not finite"),
    ("sqrt(-1) * l", "not a real number"),
    ("(-8)**(1/3)", "not a real number"),
    ("l\0", "not a valid formula"),
])
def test_huge_or_non_finite_numbers_are_refused_quickly_naming_the_limit(text, fragment):
    names = {"l": sp.Symbol("l", positive=True), "k": sp.Symbol("k", positive=True)}
    with pytest.raises(ExpressionError) as err:
        parse_expression(text, names, what="output")
    message = str(err.value)
    assert fragment in message
    assert message.startswith("output ")
    assert "\n" not in message and len(message) <= 300


def test_limits_leave_ordinary_formulas_alone():
    names = {"l": sp.Symbol("l", positive=True), "k": sp.Symbol("k", positive=True)}
    lab, k = names["l"], names["k"]
    assert parse_expression("l**100 * 1e15 + 1e-15", names) == lab**100 * 10**15 + sp.Rational(1, 10**15)
    assert (parse_expression("(1 - k)**(1/3) * exp(2) * (l - 0.5)", names)
            == (1 - k)**sp.Rational(1, 3) * sp.exp(2) * (lab - sp.Rational(1, 2)))
    assert parse_expression("(" * 100 + "l" + ")" * 100, names) == lab


@pytest.mark.parametrize("text, fragment", [
    ("(" * 100_000 + "x" + ")" * 100_000, "too long: 200001 characters (at most 1000)"),
    ("(" * 101 + "x" + ")" * 101, "nests parentheses 101 deep (at most 100)"),
    ("-" * 500 + "x", "nests operators"),
    ("1+" * 400 + "x", "nests operators"),
])
def test_long_and_deep_formulas_get_a_short_one_line_error(text, fragment):
    with pytest.raises(ExpressionError) as err:
        parse_expression(text, NAMES, what="derived.k")
    message = str(err.value)
    assert fragment in message
    assert len(message) <= 300 and "\n" not in message
    # the formula is quoted by its start only
    assert text[:60] in message and text[:61] not in message
