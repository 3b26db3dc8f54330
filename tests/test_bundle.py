"""The numeric bundle (a warm solve without SymPy) against the SymPy path it replaces."""

import json
import math
import os
import random

import numpy as np
import pytest

from inframarginal import disk_cache, load_model
from inframarginal.bundle import (
    _key,
    _parse,
    build_bundle,
    content_hash,
    load_bundle,
    solve_bundle,
    store_bundle,
)
from inframarginal.equilibrium import solve
from inframarginal.errors import ParameterError
from inframarginal.numeric_tree import (
    UnsupportedFunction,
    check_tree,
    encode_function,
    evaluate_tree,
)

MODELS = ["li-ke-2020", "li-ke-2020-roundabout-productivity", "yang-2001-roundabout", "yang-2001-specialization",
          "yang-2001-fixed-learning", "yang-ng-1993-three-goods"]


def _text(sol) -> tuple[str, str]:
    return repr(sol), json.dumps(sol.to_dict(), indent=2, default=str, allow_nan=False)


def _random_point(model, rng: random.Random) -> dict[str, float]:
    """A point in every domain; a fifth of the coordinates on a closed bound or next to an open one."""
    point = {}
    for p in model.parameters:
        lo, hi = p.domain.lower, p.domain.upper
        lo_in = lo if math.isfinite(lo) else -10.0
        hi_in = hi if math.isfinite(hi) else max(lo_in, 0.0) + 10.0
        u = rng.random()
        if u < 0.1:
            value = lo if p.domain.lower_closed else np.nextafter(lo_in, math.inf)
        elif u < 0.2:
            value = hi if p.domain.upper_closed else np.nextafter(hi_in, -math.inf)
        else:
            value = rng.uniform(lo_in, hi_in)
        point[p.name] = float(value)
    return point


@pytest.mark.parametrize("name", MODELS)
def test_bundle_gives_the_sympy_paths_solution_at_random_points(name):
    model = load_model(name)
    payload = build_bundle(model)
    assert payload is not None
    bundle = _parse(json.loads(json.dumps(payload)), "studied")  # through JSON, as read from disk
    rng = random.Random(name)
    compared = 0
    for _ in range(60):
        point = _random_point(model, rng)
        quick = solve_bundle(bundle, point)
        try:
            slow = solve(model, point)
        except ParameterError:  # a constraint across parameters: the bundle leaves it to the full path
            assert quick is None
            continue
        assert quick is not None
        assert _text(quick) == _text(slow), point
        compared += 1
    assert compared >= 20
    assert _text(solve_bundle(bundle, {})) == _text(solve(model))  # the defaults


def test_a_bundle_holds_the_configurations_its_solves_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))
    model = load_model("li-ke-2020")
    autarky = solve(model)  # A: its check compares only the autarky configurations
    assert autarky.general_equilibrium == "A"
    assert store_bundle(model, "studied", autarky)
    bundle = load_bundle("li-ke-2020")
    members = {c.label for s in model.structures() for c in s.configurations}
    held = {c.label for c in bundle.configurations if c.compiled}
    assert held == members | ({c.label for c in model.configurations()} - set(autarky.deviation.skipped))
    assert len(held) < len(model.configurations())
    pc = {"K": 1.0, "t": 0.0, "F": 0.05, "b": 0.05}  # PC: its check needs every trading configuration
    slow = solve(model, pc)
    assert slow.general_equilibrium == "PC"
    assert solve_bundle(bundle, pc) is None
    assert _text(solve_bundle(bundle, {"K": 0.5})) == _text(solve(model, {"K": 0.5}))
    assert store_bundle(model, "studied", slow)
    bundle = load_bundle("li-ke-2020")
    assert {c.label for c in bundle.configurations if c.compiled} >= held  # merged, not replaced
    assert _text(solve_bundle(bundle, pc)) == _text(slow)
    assert _text(solve_bundle(bundle, {"K": 0.5})) == _text(solve(model, {"K": 0.5}))


def test_bundle_over_every_structure():
    model = load_model("yang-ng-1993-three-goods")
    assert len(model.structures("all")) > len(model.structures())
    bundle = _parse(json.loads(json.dumps(build_bundle(model, "all"))), "all")
    rng = random.Random(7)
    for _ in range(10):
        point = _random_point(model, rng)
        quick = solve_bundle(bundle, point)
        try:
            slow = solve(model, point, structures="all")
        except ParameterError:
            assert quick is None
            continue
        assert _text(quick) == _text(slow)


@pytest.mark.parametrize("given", [{"K": 2.0}, {"K": 0.0}, {"nope": 1.0}, {"k": 0.5}, {"K": math.nan}])
def test_bundle_leaves_every_mistake_to_the_full_path(given):
    # K in (0, 1]; k is derived
    model = load_model("li-ke-2020")
    bundle = _parse(json.loads(json.dumps(build_bundle(model))), "studied")
    with pytest.raises(ParameterError):
        solve(model, given)
    assert solve_bundle(bundle, given) is None


def test_bundle_checks_constraints():
    from inframarginal.model import build_model

    spec = dict(load_model("li-ke-2020").spec)
    spec["constraints"] = {"fixed_costs": "F + 2*b < 1"}
    model = build_model(spec)
    bundle = _parse(json.loads(json.dumps(build_bundle(model))), "studied")
    with pytest.raises(ParameterError, match="fixed_costs"):
        solve(model, {"F": 0.5, "b": 0.3})
    assert solve_bundle(bundle, {"F": 0.5, "b": 0.3}) is None
    assert _text(solve_bundle(bundle, {"F": 0.5, "b": 0.2})) == _text(solve(model, {"F": 0.5, "b": 0.2}))


def test_content_hash_without_building_the_model(tmp_path):
    for name in MODELS:
        assert content_hash(name) == load_model(name).content_hash
    path = tmp_path / "m.toml"
    path.write_text(_builtin_text("yang-2001-specialization"))
    assert content_hash(str(path)) == load_model(str(path)).content_hash
    (tmp_path / "bad.toml").write_text("[[[not toml")
    assert content_hash(str(tmp_path / "bad.toml")) is None
    assert content_hash(str(tmp_path / "missing.toml")) is None
    # the parser's limits hold before a warm command hashes a file (tomllib's work on a long
    # dotted key grows with the square of its parts)
    from inframarginal.modelfile import MAX_KEY_PARTS

    (tmp_path / "hostile.toml").write_text("a" + ".a" * MAX_KEY_PARTS + " = 1\n")
    assert content_hash(str(tmp_path / "hostile.toml")) is None


def _builtin_text(name: str) -> str:
    from importlib import resources

    return resources.files("inframarginal.models").joinpath(f"{name}.toml").read_text("utf-8")


def test_tampered_bundle_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))
    model = load_model("yang-2001-specialization")
    assert store_bundle(model)
    assert load_bundle("yang-2001-specialization") is not None
    payload = build_bundle(model)
    payload["structures"][-1]["log_income"] = ["call", "os.system", ["i", "1"]]
    disk_cache.write_entry(model.content_hash, "numeric-bundle", _key("studied"), payload)  # a valid checksum
    assert load_bundle("yang-2001-specialization") is None
    monkeypatch.setenv("INFRAMARGINAL_NUMERIC_CACHE", "0")
    assert not store_bundle(model)


def test_tree_evaluates_the_generated_operations():
    import sympy as sp

    x, y = sp.symbols("x y", positive=True)
    f = sp.lambdify([x, y], x * sp.log(y) / 3 - sp.exp(x) + sp.sqrt(y), modules="numpy")
    encoded = encode_function(f)
    assert encoded["arguments"] == ["x", "y"]
    check_tree(encoded["body"], 2)
    for a, b in [(0.3, 2.5), (1.7, 1e-300), (-2.0, 4.0)]:
        expected = a * math.log(b) / 3 - math.exp(a) + math.sqrt(b)  # by hand
        got = evaluate_tree(encoded["body"], [np.float64(a), np.float64(b)])
        assert got == pytest.approx(expected, rel=1e-14)
        assert got == f(np.float64(a), np.float64(b))  # bit for bit: the same operations
    with pytest.raises(UnsupportedFunction):
        encode_function(sp.lambdify([x], sp.sin(x), modules="numpy"))


@pytest.mark.parametrize("tree", [["a", 2], ["call", "eval", ["i", "1"]], ["i", "1e5"], ["f", "1.0"],
                                  ["^", ["i", "1"], ["i", "2"]], [], "x", ["+", ["i", "1"]],
                                  ["f", math.inf], ["i", "9" * 1000]])
def test_check_tree_refuses_malformed_nodes(tree):
    with pytest.raises(ValueError):
        check_tree(tree, 2)


def test_check_tree_refuses_deep_nesting():
    tree = ["a", 0]
    for _ in range(1000):
        tree = ["neg", tree]
    with pytest.raises(ValueError, match="deep"):
        check_tree(tree, 1)


def test_warm_cli_solve_imports_neither_sympy_nor_scipy_and_prints_the_same(tmp_path, cli_modules):
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path)}
    cold = cli_modules("solve", "li-ke-2020", env=env)
    assert "MODULES ['scipy', 'sympy']" in cold.stderr  # the first solve derives and writes the bundle
    for args in (("solve", "li-ke-2020"),
                 ("solve", "li-ke-2020", "--set", "K=0.3", "--set", "t=0.2", "--format", "json"),
                 ("solve", "li-ke-2020", "--set", "K=1", "--set", "t=0", "--set", "F=0.05", "--set", "b=0.05")):
        cli_modules(*args, env=env)  # a general equilibrium whose check needs configurations not in the bundle yet
        warm = cli_modules(*args, env=env)
        assert "MODULES []" in warm.stderr
        baseline = cli_modules(*args, env={**env, "INFRAMARGINAL_NUMERIC_CACHE": "0"})
        assert "MODULES ['scipy', 'sympy']" in baseline.stderr
        assert warm.stdout == baseline.stdout
    assert cold.stdout == cli_modules("solve", "li-ke-2020", env=env).stdout
