"""NetCDF and Zarr round trips, resuming an interrupted Zarr sweep, a real Dask LocalCluster."""

import os

import numpy as np
import pytest
import xarray as xr

from inframarginal.sweep import open_sweep, sweep, write_netcdf
from inframarginal.zarr_store import DONE_DIR, open_zarr_sweep, sweep_to_zarr

pytestmark = pytest.mark.distributed
pytest.importorskip("zarr", reason='needs the [distributed] extra: pip install "inframarginal[distributed]"')
pytest.importorskip("dask", reason='needs the [distributed] extra: pip install "inframarginal[distributed]"')

AXES = {"K": np.linspace(0.0, 1.0, 61), "t": np.linspace(0.0, 0.9, 23)}
FIXED = {"F": 0.15}


@pytest.fixture(scope="module")
def reference(seed):
    return sweep(seed, AXES, FIXED)


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        x, y = a[name].transpose(*b[name].dims).values, b[name].values
        if x.dtype.kind in "US" or y.dtype.kind in "USO":
            assert (x.astype(str) == y.astype(str)).all(), name
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    for dim in ("K", "t"):
        np.testing.assert_array_equal(a[dim].values, b[dim].values)
    assert a.attrs["fixed_parameters"] == b.attrs["fixed_parameters"]


def test_netcdf_round_trip(reference, tmp_path):
    path = tmp_path / "sweep.nc"
    write_netcdf(reference, path)
    assert os.listdir(tmp_path) == ["sweep.nc"]  # no temporary left behind
    _same(reference, open_sweep(path))


def test_zarr_sweep_resumes_after_interruption_and_equals_uninterrupted(seed, reference, tmp_path):
    path = str(tmp_path / "sweep.zarr")
    first = sweep_to_zarr(seed, AXES, FIXED, path, chunk_points=200, max_chunks=3)
    assert first.computed == 3 and first.chunks > 3
    with pytest.raises(Exception, match="unfinished"):
        open_zarr_sweep(path)
    # a chunk written but not yet recorded (killed between write and marker) is redone
    os.remove(os.path.join(path, DONE_DIR, sorted(os.listdir(os.path.join(path, DONE_DIR)))[0]))
    second = sweep_to_zarr(seed, AXES, FIXED, path, chunk_points=200)
    assert second.resumed == 2 and second.computed == first.chunks - 2
    _same(reference, open_sweep(path).load())
    again = sweep_to_zarr(seed, AXES, FIXED, path, chunk_points=200)
    assert again.computed == 0
    assert sum(again.counts.values()) == reference.general_equilibrium.size


def test_zarr_refuses_a_different_sweep_in_the_same_store(seed, tmp_path):
    from inframarginal.sweep import SweepError

    path = str(tmp_path / "sweep.zarr")
    sweep_to_zarr(seed, AXES, FIXED, path, chunk_points=500, max_chunks=1)
    with pytest.raises(SweepError, match="different sweep"):
        sweep_to_zarr(seed, AXES, {"F": 0.2}, path, chunk_points=500)


def test_dask_local_cluster_gives_the_local_result(seed, reference, tmp_path):
    from distributed import Client, LocalCluster

    path = str(tmp_path / "dask.zarr")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        result = sweep_to_zarr(seed, AXES, FIXED, path, chunk_points=300, client=client)
    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    assert result.computed == result.chunks > 2
    _same(reference, open_sweep(path).load())
