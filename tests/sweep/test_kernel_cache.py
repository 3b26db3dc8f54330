"""The sweep kernel read back from the disk cache computes what the freshly built one does."""

import numpy as np
import pytest

from inframarginal import disk_cache
from inframarginal.backends import GridKernel, StructureKernel, _build_grid_kernel
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.kernel_cache import _key, load_kernel, store_kernel


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRAMARGINAL_CACHE", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("axes", [("K", "t"), ("alpha",)])
def test_cached_kernel_matches_the_built_one(seed, private_cache, axes):
    built = _build_grid_kernel(seed, axes)
    assert load_kernel(seed, axes, GridKernel, StructureKernel) is None
    assert store_kernel(built)
    cached = load_kernel(seed, axes, GridKernel, StructureKernel)
    assert cached is not None and cached.names == built.names
    fixed = {n: v for n, v in seed.check_parameters().items() if n in built.fixed_names}
    rng = np.random.default_rng(3)
    mesh = [np.sort(rng.uniform(0.05, 0.95, 40)).reshape((-1,) + (1,) * (len(axes) - 1 - i)) for i in range(len(axes))]
    if axes == ("alpha",):
        mesh = [np.linspace(0.2, 3.0, 40)]
    a, b = built.bind(fixed), cached.bind(fixed)
    assert a.split == b.split and a.constants == b.constants
    (inc_a, ok_a), (inc_b, ok_b) = a.log_incomes(*mesh), b.log_incomes(*mesh)
    for x, y, p, q in zip(inc_a, inc_b, ok_a, ok_b, strict=True):
        np.testing.assert_array_equal(x, y)  # the same operations: the same floats
        np.testing.assert_array_equal(p, q)
    code = general_equilibrium_at(inc_a, ok_a)
    assert len(np.unique(code)) >= 1
    for i, k in enumerate(built.structures):
        if k.closed:
            for (n, x), (m, y) in zip(a.details(i, *mesh).items(), b.details(i, *mesh).items(), strict=True):
                assert n == m
                np.testing.assert_array_equal(x, y)
    assert [str(e) for e in cached.expressions[True]] == [str(e) for e in built.expressions[True]]
    assert tuple(cached.arguments) == tuple(built.arguments)  # decoded on first use


def test_a_tampered_kernel_is_rebuilt(seed, private_cache):
    assert store_kernel(_build_grid_kernel(seed, ("K",)))
    payload = disk_cache.read_entry(seed, "grid-kernel", _key(("K",)))
    payload["variants"]["split"]["core"]["outputs"][0] = ["call", "builtins.eval", ["i", "1"]]
    disk_cache.write_entry(seed, "grid-kernel", _key(("K",)), payload)  # a valid checksum, a foreign call
    assert load_kernel(seed, ("K",), GridKernel, StructureKernel) is None
