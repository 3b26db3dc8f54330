"""The command's sweep file (written from arrays with h5netcdf) is the file xarray writes.

Checked against the independent writer, :func:`inframarginal.sweep.write_netcdf`
(``xarray.Dataset.to_netcdf``): the same variables in the same order, dtypes, shapes,
chunks, filters, fill values, attributes (in order) and dimension scales, and the same
Dataset read back by ``open_sweep``.  Also: the warm command imports neither SciPy nor
xarray nor Dask, and a sweep's certification is read back from the disk cache.
"""

import os

import h5py
import numpy as np
import pytest

import inframarginal as im
from inframarginal.netcdf_file import write_sweep_netcdf
from inframarginal.search import Certification, certify
from inframarginal.sweep import (
    certification,
    evaluate_grid,
    make_grid,
    open_sweep,
    parse_variables,
    sweep_contents,
    to_dataset,
    write_netcdf,
)


def _attrs(obj) -> list[tuple[str, str]]:
    # object references differ between files; their targets are compared through .dims
    return [(k, repr(v.tolist() if hasattr(v, "tolist") else v)) for k, v in obj.attrs.items()
            if k not in ("DIMENSION_LIST", "REFERENCE_LIST")]


def _same_file(a_path, b_path) -> None:
    with h5py.File(a_path) as a, h5py.File(b_path) as b:
        assert list(a) == list(b)
        assert _attrs(a) == _attrs(b)
        for name in a:
            x, y = a[name], b[name]
            layout = (x.dtype, x.shape, x.chunks, x.compression, x.compression_opts, x.shuffle, repr(x.fillvalue))
            assert layout == (y.dtype, y.shape, y.chunks, y.compression, y.compression_opts, y.shuffle,
                              repr(y.fillvalue)), name
            assert _attrs(x) == _attrs(y), name
            assert [[s.name for s in d.values()] for d in x.dims] == [[s.name for s in d.values()] for d in y.dims]
            assert np.array_equal(x[...], y[...], equal_nan=x.dtype.kind == "f"), name


@pytest.mark.parametrize("variables", ["core", "all", "prices"])
@pytest.mark.parametrize("name,axes", [
    # K = 0 lies outside K's domain (0, 1]: non-admissible points, codes -1 and NaN fills
    ("li-ke-2020", {"K": np.linspace(0.0, 1, 31), "t": np.linspace(0, 0.9, 7)}),
    ("yang-2001-specialization", {"k": np.linspace(0.1, 1, 9)}),
])
def test_direct_writer_gives_the_file_xarray_writes(tmp_path, name, axes, variables):
    grid = make_grid(im.load_model(name), axes)
    arrays = evaluate_grid(grid, variables=parse_variables(variables))
    certified = certification(grid, arrays)
    ds = to_dataset(grid, arrays)
    ds.attrs["certification"] = certified
    write_netcdf(ds, tmp_path / "xarray.nc")
    contents = sweep_contents(grid, arrays)
    contents.attrs["certification"] = certified
    write_sweep_netcdf(contents, tmp_path / "direct.nc")
    _same_file(tmp_path / "xarray.nc", tmp_path / "direct.nc")
    assert open_sweep(tmp_path / "xarray.nc").identical(open_sweep(tmp_path / "direct.nc"))
    assert sorted(os.listdir(tmp_path)) == ["direct.nc", "xarray.nc"]  # no temporary left


def test_direct_writer_leaves_no_temporary_on_an_exception(tmp_path, monkeypatch):
    import inframarginal.netcdf_file as netcdf_file

    grid = make_grid(im.load_model("yang-2001-specialization"), {"k": [0.2, 0.5]})
    contents = sweep_contents(grid, evaluate_grid(grid))

    def failing(contents, path):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(netcdf_file, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        write_sweep_netcdf(contents, tmp_path / "s.nc")
    assert os.listdir(tmp_path) == []


def test_certification_round_trips_through_its_dict():
    model = im.load_model("yang-2001-roundabout")
    # here an unlisted structure beats the listed ones (README): every field is set
    for values in ({"k": 0.909537, "a": 1.004338, "alpha": 0.326851}, {}):
        cert = certify(model, values)
        again = Certification.from_dict(cert.to_dict())
        assert again == cert and again.summary() == cert.summary()
    with pytest.raises((KeyError, TypeError)):
        Certification.from_dict({"certified": "yes"})


#: What the warm sweep command must not import.
HEAVY = ("scipy", "xarray", "pandas", "dask", "distributed", "matplotlib")


def test_warm_sweep_command_imports_neither_scipy_nor_xarray_and_writes_the_same_file(tmp_path, cli_modules):
    env = {**os.environ, "INFRAMARGINAL_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "s.nc"
    command = ("sweep", "li-ke-2020", "--axis", "K=0.05:1:40", "--axis", "t=0:0.9:30", "--out", str(out))
    cli_modules(*command, env=env, watch=HEAVY)  # keeps the kernel and the sample's certificates
    warm = cli_modules(*command, env=env, watch=HEAVY)
    assert "MODULES []" in warm.stderr
    # the file is the one the API writes through xarray at the same points
    model = im.load_model("li-ke-2020")
    ds = model.sweep({"K": np.linspace(0.05, 1, 40), "t": np.linspace(0, 0.9, 30)}, variables="core",
                     decode=False)
    write_netcdf(ds, tmp_path / "api.nc")
    _same_file(tmp_path / "api.nc", out)
    # without the caches (the certification computed again): the same file
    baseline = tmp_path / "baseline.nc"
    cli_modules(*command[:-1], str(baseline), env={**env, "INFRAMARGINAL_NUMERIC_CACHE": "0"})
    _same_file(baseline, out)
