"""A short property-based fuzz of the model-file parser and the CLI.

The generator is the one of ``benchmarks/fuzz_modelfile.py`` (mutated built-in
models, random formulas with huge numbers and deep nesting, random TOML), driven
by hypothesis so that a failure shrinks to a small seed.  The property: every
file either builds a model or fails with a one-line InframarginalError, quickly;
the CLI exits 0 or 2 without a traceback.  The long run is the benchmark.
"""

import importlib.util
import random
from pathlib import Path

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inframarginal.errors import ExpressionError
from inframarginal.expressions import parse_expression

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz_modelfile.py"
_SPEC = importlib.util.spec_from_file_location("fuzz_modelfile", _PATH)
fuzz = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(fuzz)

# derandomize: the same examples on every run (CI must not turn red on a new draw); the long
# random search is benchmarks/fuzz_modelfile.py.
FAST = settings(database=None, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@settings(FAST, max_examples=150)
@given(st.integers(min_value=0, max_value=2**32))
def test_any_generated_model_file_builds_or_fails_cleanly_and_quickly(seed):
    outcome, detail = fuzz.run_parser(fuzz.generate(seed), seconds=10)
    assert outcome in ("ok", "clean"), f"seed {seed}: {outcome}: {detail}"


@settings(FAST, max_examples=150)
@given(st.randoms(use_true_random=False))
def test_any_generated_formula_parses_or_fails_with_one_short_line(rng: random.Random):
    names = {n: sp.Symbol(n, positive=True) for n in ("l", "K", "t", "alpha", "k", "x")}
    text = fuzz.formula(rng)
    try:
        parse_expression(text, names, what="output")
    except ExpressionError as err:
        assert "\n" not in str(err) and len(str(err)) <= 300


@settings(FAST, max_examples=4)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([["show"], ["show", "--format", "json"]]))
def test_cli_on_generated_model_files_exits_0_or_2_without_traceback(seed, args):
    outcome, detail = fuzz.run_cli(fuzz.generate(seed), args, seconds=20)
    assert outcome in ("ok", "clean"), f"seed {seed}: {outcome}: {detail}"
