"""Fuzz the model-file parser and the command line with generated model files.

Each case is a model file: a built-in model (``src/inframarginal/models/*.toml``)
with random mutations (keys dropped, values replaced by random formulas from a
grammar with huge numbers, deep nesting and unicode, by values of the wrong type,
or by deep arrays), random text edits of the TOML itself, or random TOML.  Each
is parsed in-process under a per-case time limit
(:func:`inframarginal.budget.time_limit`); every few cases the CLI (``show``,
``solve --method numeric``, ``solve`` with a small symbolic budget) runs on it
in-process too.  A case ends as

* ``ok``: a model was built (and the CLI exited 0),
* ``clean``: a one-line :class:`~inframarginal.errors.InframarginalError` (CLI exit 2),
* ``crash``: any other exception, a CLI exit other than 0 or 2, a traceback on
  stderr, or an error message longer than one line of 300 characters,
* ``hang``: the per-case time limit ran out.

Run: python benchmarks/fuzz_modelfile.py [--seconds 300] [--seed 0] [--workers 2] [--cli-every 40]
The last lines report the counts and every crash and hang found (with its seed, to
replay it with ``--replay SEED``).  ``tests/test_fuzz_modelfile.py`` runs a short
sample of the same generator with hypothesis.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
import tomllib
import traceback
from importlib import resources
from pathlib import Path

#: Seconds parsing a case may take before it counts as a hang.
CASE_SECONDS = 10.0
#: Seconds a CLI run may take before it counts as a hang (a cold symbolic solve of a
#: seven-structure model takes tens of seconds on a loaded machine).
CLI_SECONDS = 120.0
#: Run the CLI on one case in this many.
CLI_EVERY = 40

NAMES = ["l", "K", "t", "alpha", "b", "F", "e", "theta", "k", "beta", "a", "x", "y", "z", "q", "α", "ｌ", "__class__"]
FUNCTIONS = ["exp", "log", "sqrt", "abs", "eval", "__import__"]
NUMBERS = ["0", "1", "2", "0.5", "1e-3", "10**10**10", "9**9**9", "2**2**2**2**2", "1e308", "1e400", "1e-400",
           "-1", "0.0", "1_000", "0x10", "1j", "10**30", "100", "101", "-0.5", str(10**40), "1e15", "1e16", "nan"]
UNICODE = ["α", "∞", "\u202e", "\u0000", "\ufeff", "😀", "\\", '"', "'", "\n", "𝔁", "ß", "ﬁ"]


def builtin_texts() -> dict[str, str]:
    """The built-in model files, by name."""
    root = resources.files("inframarginal.models")
    return {e.name[:-5]: e.read_text("utf-8") for e in sorted(root.iterdir(), key=lambda e: e.name)
            if e.name.endswith(".toml")}


# -- generators -------------------------------------------------------------------------


def plausible_formula(rng: random.Random, names: list[str], depth: int = 0) -> str:
    """A small random formula over ``names`` with small numbers: often a valid model."""
    roll = rng.random()
    if depth > 2 or roll < 0.4:
        return rng.choice(names) if rng.random() < 0.7 else rng.choice(["0.5", "2", "1", "0.1", "3"])
    if roll < 0.5:
        return f"{rng.choice(['exp', 'log', 'sqrt'])}({plausible_formula(rng, names, depth + 1)})"
    op = rng.choice(["+", "-", "*", "/", "**"])
    return f"({plausible_formula(rng, names, depth + 1)}) {op} ({plausible_formula(rng, names, depth + 1)})"


def formula(rng: random.Random, depth: int = 0) -> str:
    """A random formula from an arithmetic grammar, sometimes huge, deep or not a formula at all."""
    roll = rng.random()
    if depth > 4 or roll < 0.25:
        return rng.choice(NUMBERS) if rng.random() < 0.5 else rng.choice(NAMES)
    if roll < 0.3:
        n = rng.choice([10, 99, 100, 101, 300, 5000])
        return "(" * n + formula(rng, depth + 1) + ")" * n
    if roll < 0.33:
        return "+".join(formula(rng, 5) for _ in range(rng.choice([10, 200, 600])))
    if roll < 0.36:
        return rng.choice(UNICODE) + formula(rng, depth + 1)
    if roll < 0.45:
        return f"{rng.choice(FUNCTIONS)}({formula(rng, depth + 1)})"
    if roll < 0.5:
        return f"-{formula(rng, depth + 1)}"
    op = rng.choice(["+", "-", "*", "/", "**", "**", "//", "%", "<", "and", ",", "@", "if"])
    return f"({formula(rng, depth + 1)}) {op} ({formula(rng, depth + 1)})"


def value(rng: random.Random, depth: int = 0):
    """A random TOML value: a formula, a number, a string, a list, a table, or a deep nest."""
    roll = rng.random()
    if roll < 0.45:
        return formula(rng)
    if roll < 0.55:
        return rng.choice([0, 1, -1, 2**63 - 1, -(2**63), 0.5, -0.0, 1e308, float("inf"), float("nan"), 1e-320])
    if roll < 0.6:
        return rng.choice([True, False])
    if roll < 0.7:
        return "".join(rng.choice(UNICODE + ["a", "x", " ", "(", "]"]) for _ in range(rng.randint(0, 30)))
    if roll < 0.78 and depth < 3:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.86 and depth < 3:
        return {key(rng): value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if roll < 0.9:
        nest = rng.choice([5, 9, 40])
        inner = 1
        for _ in range(nest):
            inner = [inner] if rng.random() < 0.5 else {"a": inner}
        return inner
    return rng.choice(["(0, 1]", "[1, inf)", "(1, 0)", "(-inf, inf)", "(0, 1e400]", "[nan, 1]", "(" + "9" * 400 + ", 1)"])


def key(rng: random.Random) -> str:
    return rng.choice(["name", "output", "default", "domain", "formula", "weights", "description", "configurations",
                       "trading_efficiency", "endowment", "x", "y", "z", "w", "K", "l", "exp", "a" * 100, "ü", "1x",
                       "", "a.b", "model", "goods"])


def mutate(rng: random.Random, spec: dict) -> None:
    """Apply one random change to ``spec`` in place: drop, replace, add or rename a key."""
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append((node, k))
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append((node, i))
                walk(v, (*path, i))

    walk(spec, ())
    if not paths:
        spec[key(rng)] = value(rng)
        return
    parent, k = rng.choice(paths)
    roll = rng.random()
    if roll < 0.35 and isinstance(parent[k], str | int | float):  # a near miss: plausible value
        names = ["l"] + [n for section in ("parameters", "derived", "goods")
                         if isinstance(spec.get(section), dict) for n in spec[section]]
        if isinstance(parent[k], str) and k not in ("name", "description", "domain", "title"):
            parent[k] = plausible_formula(rng, [str(n) for n in names])
        elif isinstance(parent[k], int | float) and not isinstance(parent[k], bool):
            parent[k] = rng.choice([0.0, 1.0, -0.5, 1e-9, 0.999999, 2.5, parent[k] * 10])
        return
    if roll < 0.5 and isinstance(parent, dict):
        del parent[k]
    elif roll < 0.7:
        parent[k] = value(rng)
    elif roll < 0.8 and isinstance(parent, dict):
        parent[key(rng)] = value(rng)
    elif roll < 0.9 and isinstance(parent, dict):
        parent[key(rng)] = parent.pop(k)
    elif isinstance(parent[k], dict):  # many copies: many goods, technologies, structures
        template = dict(parent[k])
        for i in range(rng.choice([3, 10, 40])):
            parent[k][f"g{i}"] = template
    else:
        parent[k] = [parent[k]] * rng.choice([2, 10, 40])


def dumps(spec: dict) -> str:
    """TOML for ``spec``: one ``key = value`` line per section, values as inline TOML."""
    def encode(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(encode(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {encode(x)}" for k, x in v.items()) + "}"
        return json.dumps(str(v))

    return "\n".join(f"{json.dumps(str(k), ensure_ascii=False)} = {encode(v)}" for k, v in spec.items()) + "\n"


def edit_text(rng: random.Random, text: str) -> str:
    """A random edit of TOML text: truncate, insert, duplicate a line or nest brackets."""
    roll = rng.random()
    at = rng.randint(0, len(text))
    if roll < 0.2:
        return text[:at]
    if roll < 0.5:
        return text[:at] + rng.choice(UNICODE + ["[", "]", "{", "}", "=", '"""', "'''", "#", ".", "\n[x]\n"]) + text[at:]
    if roll < 0.7:
        lines = text.splitlines()
        i = rng.randrange(len(lines)) if lines else 0
        return "\n".join(lines[:i] + lines[i:i + 1] * rng.choice([2, 3]) + lines[i + 1:])
    if roll < 0.85:
        n = rng.choice([10, 33, 1000, 100_000])
        return text + "\nzz = " + "[" * n + "]" * n + "\n"
    n = rng.choice([17, 1000, 100_000])
    return text + "\n" + "a." * n + "a = 1\n"


def random_toml(rng: random.Random) -> str:
    return dumps({key(rng): value(rng) for _ in range(rng.randint(0, 8))})


def generate(seed: int) -> str:
    """The model file of case ``seed`` (the same text for the same seed)."""
    rng = random.Random(seed)
    texts = builtin_texts()
    roll = rng.random()
    if roll < 0.1:
        return random_toml(rng)
    base = texts[rng.choice(sorted(texts))]
    if roll < 0.3:
        return edit_text(rng, base)
    spec = tomllib.loads(base)
    for _ in range(rng.randint(1, 4)):
        mutate(rng, spec)
    text = dumps(spec)
    return edit_text(rng, text) if rng.random() < 0.1 else text


# -- running a case ----------------------------------------------------------------------


def _message_ok(message: str) -> bool:
    return "\n" not in message.strip() and len(message.strip()) <= 300 + len("error: ")


def run_parser(text: str, seconds: float = CASE_SECONDS) -> tuple[str, str]:
    """Parse ``text`` in-process under a time limit: ``(outcome, detail)``."""
    from inframarginal.budget import time_limit
    from inframarginal.errors import BudgetExceeded, InframarginalError
    from inframarginal.modelfile import read_model_text

    try:
        with time_limit(seconds, "fuzz case") as budget:
            model = read_model_text(text, source="fuzz.toml")
            model.check_parameters()
            from inframarginal.configurations import enumerate_structures

            enumerate_structures(model)
    except BudgetExceeded as err:
        if getattr(err, "budget", None) is budget:
            return "hang", f"parsing took more than {seconds:g} s"
        return "crash", f"unexpected BudgetExceeded: {err}"
    except InframarginalError as err:
        if not _message_ok(str(err)):
            return "crash", f"message not one line of at most 300 characters: {str(err)[:400]!r}"
        return "clean", str(err)
    except BaseException as err:  # noqa: BLE001 - anything else is what the fuzzer looks for
        if isinstance(err, KeyboardInterrupt):
            raise
        return "crash", "".join(traceback.format_exception_only(type(err), err)).strip()[-500:]
    return "ok", model.name


def run_cli(text: str, args: list[str], seconds: float = CLI_SECONDS) -> tuple[str, str]:
    """Run ``inframarginal ARGS FILE`` in-process on ``text``: ``(outcome, detail)``."""
    from click.testing import CliRunner

    from inframarginal.budget import time_limit
    from inframarginal.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_text(text, "utf-8", errors="surrogatepass")
        command = [args[0], str(path), *args[1:]]
        with time_limit(seconds, "fuzz case"):  # the CLI turns it into "error: fuzz case ran out ..."
            result = CliRunner().invoke(main, command)
    output = result.output
    if "fuzz case ran out of its time budget" in output:
        return "hang", f"{' '.join(args)} took more than {seconds:g} s"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err = result.exception
        return "crash", f"{' '.join(args)}: " + "".join(traceback.format_exception_only(type(err), err)).strip()[-500:]
    if result.exit_code not in (0, 2) or "Traceback" in output:
        return "crash", f"{' '.join(args)}: exit {result.exit_code}: {output[-500:]}"
    if result.exit_code == 2 and not _message_ok(output.strip().splitlines()[-1] if output.strip() else ""):
        return "crash", f"{' '.join(args)}: error not one short line: {output[:400]!r}"
    return ("ok" if result.exit_code == 0 else "clean"), output[-200:]


CLI_COMMANDS = [["show"], ["solve", "--method", "numeric"], ["show", "--format", "json"], ["solve", "--format", "json"]]


def run_case(seed: int, cli_every: int = CLI_EVERY) -> list[tuple[int, str, str, str, float]]:
    """Outcomes ``(seed, what, outcome, detail, seconds)`` of case ``seed``: the parser's, and the
    CLI's on one case in :data:`CLI_EVERY` (that parsed)."""
    text = generate(seed)
    start = time.monotonic()
    outcome, detail = run_parser(text)
    out = [(seed, "parser", outcome, detail, time.monotonic() - start)]
    if seed % cli_every == 0 and outcome == "ok":
        args = CLI_COMMANDS[(seed // cli_every) % len(CLI_COMMANDS)]
        start = time.monotonic()
        out.append((seed, "cli " + " ".join(args), *run_cli(text, args), time.monotonic() - start))
    return out


def _worker(args) -> list[tuple[int, str, str, str, float]]:
    first, step, deadline, cli_every = args
    os.environ.setdefault("INFRAMARGINAL_SYMBOLIC_SECONDS", "5")
    results, seed = [], first
    while time.time() < deadline:
        results.extend(run_case(seed, cli_every))
        seed += step
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long to fuzz (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--cli-every", type=int, default=CLI_EVERY,
                        help=f"run the CLI on one case in this many that parse (default {CLI_EVERY})")
    parser.add_argument("--replay", type=int, default=None, help="run one seed and print its file and outcome")
    args = parser.parse_args(argv)
    if args.replay is not None:
        print(generate(args.replay)[:2000])
        for outcome in run_case(args.replay, 1):
            print(outcome)
        return 0
    os.environ.setdefault("INFRAMARGINAL_CACHE", tempfile.mkdtemp(prefix="fuzz-cache-"))
    deadline = time.time() + args.seconds
    jobs = [(args.seed + i, args.workers, deadline, args.cli_every) for i in range(args.workers)]
    start = time.time()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = [r for chunk in pool.map(_worker, jobs) for r in chunk]
    elapsed = time.time() - start
    counts: dict[str, dict[str, int]] = {}
    for _, what, outcome, _, _ in results:
        kind = counts.setdefault("parser" if what == "parser" else "cli", {})
        kind[outcome] = kind.get(outcome, 0) + 1
    tried = sum(counts["parser"].values())
    slowest = max(results, key=lambda r: r[4])
    bad = [r for r in results if r[2] in ("crash", "hang")]
    print(f"cases tried: {tried} in {elapsed:.0f} s with {args.workers} workers ({tried / elapsed:.1f} per second)")
    print(f"parser: {json.dumps(counts['parser'], sort_keys=True)}")
    print(f"cli runs: {json.dumps(counts.get('cli', {}), sort_keys=True)}")
    print(f"slowest: seed {slowest[0]} ({slowest[1]}), {slowest[4]:.2f} s, {slowest[2]}")
    print(f"crashes: {sum(r[2] == 'crash' for r in results)}, hangs: {sum(r[2] == 'hang' for r in results)}")
    for seed, what, outcome, detail, seconds in bad[:50]:
        print(f"  {outcome} seed {seed} {what} ({seconds:.1f} s): {detail[:300]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
