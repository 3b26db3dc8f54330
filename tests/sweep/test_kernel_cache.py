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


def test_the_split_check_is_kept_and_a_kept_verdict_is_honoured(seed, private_cache, monkeypatch):
    import inframarginal.backends as backends
    from inframarginal.kernel_cache import _verdict_key, load_verdict, store_verdict

    kernel = _build_grid_kernel(seed, ("K", "t"))
    fixed = {n: v for n, v in seed.check_parameters().items() if n in kernel.fixed_names}
    assert load_verdict(kernel, fixed) is None
    checked = kernel.bind(fixed)
    assert load_verdict(kernel, fixed) == [not s for s in checked.split]
    mesh = [np.linspace(0.05, 1, 30).reshape(-1, 1), np.linspace(0, 0.9, 20)]
    reference = checked.log_incomes(*mesh)

    def no_check(*args, **kwargs):
        raise AssertionError("the kept verdict was not used")

    monkeypatch.setattr(backends, "_agrees", no_check)
    again = kernel.bind(fixed)
    assert again.split == checked.split
    # a verdict keeping every structure's plain form is honoured; the plain forms give the same incomes
    store_verdict(kernel, fixed, [k.closed for k in kernel.structures])
    plain = kernel.bind(fixed)
    assert not any(plain.split[i] for i, k in enumerate(kernel.structures) if k.closed)
    for x, y, ok in zip(plain.log_incomes(*mesh)[0], reference[0], reference[1], strict=True):
        if x is not None:
            np.testing.assert_allclose(x[ok], y[ok], rtol=1e-10)
    # a malformed verdict is ignored: the check runs again and its verdict replaces it
    for malformed in ([True], ["yes"] * len(kernel.structures), {"split": True}):
        disk_cache.write_entry(seed, "grid-kernel-split", _verdict_key(kernel, fixed), malformed)
        assert load_verdict(kernel, fixed) is None
    monkeypatch.setattr(backends, "_agrees", lambda *a, **k: True)
    assert kernel.bind(fixed).split == tuple(True for _ in kernel.structures)
    assert load_verdict(kernel, fixed) == [False] * len(kernel.structures)
