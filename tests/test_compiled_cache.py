"""Compiled closed forms read back from the disk cache compute what lambdify's functions do."""

import numpy as np
import pytest

from inframarginal import compiled_cache, disk_cache
from inframarginal.bundle import build_bundle
from inframarginal.compiled import (
    CompiledConfiguration,
    CompiledStructure,
    _compile_config,
    _compile_structure,
    compile_configuration,
    compile_structure,
)
from inframarginal.configurations import configurations, studied_structures
from inframarginal.equilibrium import solve
from inframarginal.modelfile import load_model
from inframarginal.numeric_tree import Program
from inframarginal.symbolic import cached_configuration_closed_form


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))
    compile_structure.cache_clear()
    compile_configuration.cache_clear()
    yield tmp_path
    compile_structure.cache_clear()
    compile_configuration.cache_clear()


def _points(model, n=25):
    rng = np.random.default_rng(11)
    out = []
    for _ in range(n):
        point = {}
        for p in model.parameters:
            lo = p.domain.lower if np.isfinite(p.domain.lower) else -5.0
            hi = p.domain.upper if np.isfinite(p.domain.upper) else lo + 5.0
            point[p.name] = np.float64(rng.uniform(lo, hi))
        out.append([point[p.name] for p in model.parameters])
    return out


def _same(x, y) -> bool:
    """Bit for bit, NaN equal to NaN."""
    return bool(np.array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float), equal_nan=True))


def test_cached_structures_and_configurations_compute_the_same_floats(private_cache):
    model = load_model("li-ke-2020")
    points = _points(model)
    for structure in studied_structures(model):
        fresh = _compile_structure(model, structure)
        compiled_cache.store_structure(model, structure, fresh)
        cached = compiled_cache.load_structure(model, structure, CompiledStructure)
        assert isinstance(cached.log_income, Program) and cached.numeraire == fresh.numeraire
        pairs = [(fresh.log_income, cached.log_income), *zip(fresh.shares, cached.shares, strict=True),
                 *zip(fresh.log_prices.values(), cached.log_prices.values(), strict=True),
                 *((a, b) for (a, _), (b, _) in zip(fresh.conditions, cached.conditions, strict=True))]
        with np.errstate(all="ignore"):
            for a, b in pairs:
                for args in points:
                    assert _same(a(*args), b(*args))
                grid = np.linspace(0.05, 0.95, 7)  # arrays, as sweeps pass them
                args = [grid, *points[0][1:]]
                np.testing.assert_array_equal(np.broadcast_to(a(*args), grid.shape),
                                              np.broadcast_to(b(*args), grid.shape))
    for config in configurations(model)[:6]:
        form = cached_configuration_closed_form(model, config)
        fresh = _compile_config(model, form)
        compiled_cache.store_configuration(model, config, fresh)
        cached = compiled_cache.load_configuration(model, config, CompiledConfiguration)
        lps = [np.float64(0.3)] * len(fresh.price_goods)
        with np.errstate(all="ignore"):
            for args in points:
                assert _same(fresh.log_utility(*args, *lps), cached.log_utility(*args, *lps))


def test_solutions_and_bundles_from_cached_programs_are_the_same(private_cache):
    model = load_model("yang-ng-1993-three-goods")
    first = solve(model, {"k": 0.7})
    bundle = build_bundle(model)  # from lambdify's functions (compiled in this process)
    compile_structure.cache_clear()
    compile_configuration.cache_clear()
    assert isinstance(compile_structure(model, studied_structures(model)[-1]).log_income, Program)
    assert repr(solve(model, {"k": 0.7})) == repr(first)
    assert solve(model, {"k": 0.7}).to_dict() == first.to_dict()
    assert build_bundle(model) == bundle  # from the cached programs


def test_a_malformed_entry_is_recompiled(private_cache):
    model = load_model("yang-2001-specialization")
    structure = studied_structures(model)[0]
    compiled_cache.store_structure(model, structure, _compile_structure(model, structure))
    key = f"{' '.join(structure.labels)}|{compiled_cache._LAYOUT}|{disk_cache.code_fingerprint()}"
    payload = disk_cache.read_entry(model, "compiled-structure", key)
    payload["log_income"]["outputs"] = [["call", "os.system", ["i", "0"]]]
    disk_cache.write_entry(model, "compiled-structure", key, payload)
    assert compiled_cache.load_structure(model, structure, CompiledStructure) is compiled_cache.MISSING
    assert compile_structure(model, structure) is not None
