"""The command's sweep file (written from arrays with h5netcdf) is the file xarray writes.

Checked against the independent writer, :func:`inframarginal.sweep.write_netcdf`
(``xarray.Dataset.to_netcdf``): the same variables in the same order, dtypes, shapes,
chunks, filters, fill values, attributes (in order) and dimension scales, and the same
Dataset read back by ``open_sweep``; down to the attributes' HDF5 types and the creation
properties.  The chunks this writer encodes itself (shuffle and deflate in threads,
``write_direct_chunk``) are checked against the chunks HDF5's own filter pipeline writes
(``direct=False``, through h5netcdf), inflated byte for byte.  Also: the warm command imports neither SciPy nor
xarray nor Dask, and a sweep's certification is read back from the disk cache.
"""

import os
import threading
import zlib

import h5py
import numpy as np
import pytest

import inframarginal as im
import inframarginal.netcdf_file as netcdf_file
import inframarginal.sweep as sweep_module
from inframarginal.netcdf_file import write_sweep_netcdf
from inframarginal.search import Certification, certify
from inframarginal.sweep import (
    SweepContents,
    SweepVariable,
    certification,
    evaluate_grid,
    make_grid,
    open_sweep,
    parse_variables,
    sweep_contents,
    to_dataset,
    write_netcdf,
)


def _attrs(obj) -> list[tuple[str, str, tuple[int, ...]]]:
    # object references differ between files; their targets are compared in _scales
    return [(k, repr(v.tolist() if hasattr(v, "tolist") else v), obj.attrs.get_id(k).shape)
            for k, v in obj.attrs.items() if k not in ("DIMENSION_LIST", "REFERENCE_LIST")]


def _attr_types(obj) -> list:
    """Each attribute's HDF5 type (string padding, character set, length), as an id to compare."""
    return [obj.attrs.get_id(k).get_type() for k in obj.attrs]


def _scales(f, x) -> tuple:
    """The scales attached to each dimension, and the (variable, axis) a scale is attached to."""
    refs = [(f[ref].name, int(axis)) for ref, axis in x.attrs.get("REFERENCE_LIST", [])]
    return [[s.name for s in d.values()] for d in x.dims], refs


def _properties(plist) -> tuple:
    """What a dataset's (or group's) creation property list says to a reader."""
    out = [plist.get_attr_creation_order()]
    if hasattr(plist, "get_layout"):
        filters = [plist.get_filter(i)[:3] for i in range(plist.get_nfilters())]
        out += [plist.get_layout(), plist.get_fill_time(), plist.get_alloc_time(), filters]
    else:
        out.append(plist.get_link_creation_order())
    return tuple(out)


def _same_file(a_path, b_path) -> None:
    with h5py.File(a_path) as a, h5py.File(b_path) as b:
        assert list(a) == list(b)
        assert _attrs(a) == _attrs(b)
        assert all(x.equal(y) for x, y in zip(_attr_types(a), _attr_types(b), strict=True))
        assert _properties(a["/"].id.get_create_plist()) == _properties(b["/"].id.get_create_plist())
        for name in a:
            x, y = a[name], b[name]
            layout = (x.dtype, x.shape, x.chunks, x.compression, x.compression_opts, x.shuffle, repr(x.fillvalue))
            assert layout == (y.dtype, y.shape, y.chunks, y.compression, y.compression_opts, y.shuffle,
                              repr(y.fillvalue)), name
            assert x.id.get_type().equal(y.id.get_type()), name
            assert _properties(x.id.get_create_plist()) == _properties(y.id.get_create_plist()), name
            assert _attrs(x) == _attrs(y), name
            assert all(t.equal(u) for t, u in zip(_attr_types(x), _attr_types(y), strict=True)), name
            assert _scales(a, x) == _scales(b, y), name
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


def _inflated_chunks(path, name) -> dict[tuple[int, ...], bytes]:
    """Every stored chunk of a variable by its first element, inflated but not unshuffled:
    the bytes HDF5's shuffle filter gives (or the raw chunk where nothing is filtered)."""
    with h5py.File(path) as f:
        d = f[name]
        out = {}
        for i in range(d.id.get_num_chunks()):
            offset = d.id.get_chunk_info(i).chunk_offset
            mask, raw = d.id.read_direct_chunk(offset)
            assert mask == 0  # every filter of the pipeline applied
            out[offset] = zlib.decompress(raw) if d.compression == "gzip" else raw
        return out


@pytest.mark.parametrize("variables", ["core", "all"])
@pytest.mark.parametrize("axes", [
    # K = 0 lies outside K's domain (0, 1]: NaN fills, codes -1, admissible False
    {"K": np.linspace(0.0, 1, 201)},
    {"K": np.linspace(0.0, 1, 23), "t": np.linspace(0, 0.9, 17)},
    {"K": np.linspace(0.0, 1, 9), "t": np.linspace(0, 0.9, 7), "F": np.linspace(0.05, 0.5, 6)},
], ids=["one-axis", "two-axes", "three-axes"])
def test_chunks_encoded_here_are_hdf5s_own(tmp_path, monkeypatch, axes, variables):
    # chunks of 40 points: many of them, cut at the array's edges, some repeated
    monkeypatch.setattr(sweep_module, "NETCDF_CHUNK_POINTS", 40)
    grid = make_grid(im.load_model("li-ke-2020"), axes)
    arrays = evaluate_grid(grid, variables=parse_variables(variables))
    contents = sweep_contents(grid, arrays)
    write_netcdf(to_dataset(grid, arrays), tmp_path / "xarray.nc")
    write_sweep_netcdf(contents, tmp_path / "direct.nc")
    write_sweep_netcdf(contents, tmp_path / "hdf5.nc", direct=False)
    _same_file(tmp_path / "xarray.nc", tmp_path / "direct.nc")
    _same_file(tmp_path / "hdf5.nc", tmp_path / "direct.nc")
    edges = repeats = 0
    with h5py.File(tmp_path / "direct.nc") as f:
        assert np.isnan(f["equilibrium_income"][...]).any()
        assert not f["admissible"][...].all()
        for name in contents.data_vars:
            d = f[name]
            edges += any(n % c for n, c in zip(d.shape, d.chunks, strict=True))
            filters = (d.compression, d.compression_opts, d.shuffle)
            assert filters == ((None, None, False) if name == "per_capita_real_income" else ("gzip", 1, True))
            direct = _inflated_chunks(tmp_path / "direct.nc", name)
            # HDF5 shuffles and pads edge chunks (with the fill value) itself there
            assert direct == _inflated_chunks(tmp_path / "hdf5.nc", name), name
            repeats += len(set(direct.values())) < len(direct)
    assert edges and repeats  # chunks cut at the edge, chunks repeated: both taken
    import xarray as xr

    with xr.open_dataset(tmp_path / "direct.nc", engine="h5netcdf") as a, \
            xr.open_dataset(tmp_path / "xarray.nc", engine="h5netcdf") as b:
        assert a.load().identical(b.load())
    assert open_sweep(tmp_path / "direct.nc").identical(open_sweep(tmp_path / "xarray.nc"))


def _contents(values: dict[str, np.ndarray]) -> SweepContents:
    """Contents of given variables along K and t (no model): for values no sweep gives."""
    shape = next(iter(values.values())).shape
    coords = {n: SweepVariable((n,), np.arange(k, dtype=float), {"units": "1"}) for n, k in zip("Kt", shape, strict=True)}
    return SweepContents(coords, {n: SweepVariable(("K", "t"), v, {}) for n, v in values.items()}, {})


def test_a_chunk_is_reused_only_where_every_bit_is_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "NETCDF_CHUNK_POINTS", 64)  # chunks of 2 x 32
    rng = np.random.default_rng(5)
    base = rng.random((2, 32))
    base[0, 3] = 0.0
    rows = [base, base, base.copy(), base.copy(), base.copy(), base.copy(), base]
    rows[2][1, 1] = 7.0  # off the sample of every 4th column the writer compares first
    rows[3][0, 3] = -0.0  # equal to 0.0, other bits
    rows[4][1, 5] = np.float64(np.nan)
    rows[5][1, 5] = np.frombuffer(np.uint64(0x7FF8_0000_0000_0001).tobytes(), np.float64)[0]  # another NaN
    income = np.concatenate(rows + [base[:1]])  # 15 rows: the last chunk cut at the edge
    admissible = income > 0.5
    contents = _contents({"equilibrium_income": income, "admissible": admissible})
    write_sweep_netcdf(contents, tmp_path / "direct.nc")
    write_sweep_netcdf(contents, tmp_path / "hdf5.nc", direct=False)
    with h5py.File(tmp_path / "direct.nc") as f:
        back = f["equilibrium_income"][...]
        assert f["equilibrium_income"].chunks == (2, 32)
        assert np.array_equal(back.view(np.uint64), income.view(np.uint64))  # NaN payloads and signs kept
        assert np.array_equal(f["admissible"][...], admissible.astype(np.int8))
    for name in ("equilibrium_income", "admissible"):
        assert _inflated_chunks(tmp_path / "direct.nc", name) == _inflated_chunks(tmp_path / "hdf5.nc", name)


def test_h5pys_calls_make_h5netcdfs_file_for_other_shapes_and_attributes(tmp_path):
    rng = np.random.default_rng(2)
    contents = _contents({"equilibrium_income": rng.random((5, 4))})
    contents.data_vars["admissible"] = SweepVariable(("t",), np.array([True, False, True, True]), {"a": 1})
    contents.data_vars["general_equilibrium"] = SweepVariable((), np.int8(3), {"flag_values": np.arange(4)})
    contents.attrs.update({"text": "é", "count": 7, "ratio": 0.5, "names": ["a", "b"], "codes": np.arange(3)})
    write_sweep_netcdf(contents, tmp_path / "direct.nc")
    write_sweep_netcdf(contents, tmp_path / "h5netcdf.nc", direct=False)
    _same_file(tmp_path / "h5netcdf.nc", tmp_path / "direct.nc")
    contents.attrs["certified"] = True  # netCDF has no booleans: refused, as h5netcdf refuses it
    before = threading.active_count()
    with pytest.raises(TypeError, match="attribute value True: netCDF has no boolean type"):
        write_sweep_netcdf(contents, tmp_path / "bad.nc")  # before any chunk is written
    assert threading.active_count() == before  # the encoding threads stopped all the same
    assert sorted(os.listdir(tmp_path)) == ["direct.nc", "h5netcdf.nc"]


def test_a_failing_chunk_stops_the_threads_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_module, "NETCDF_CHUNK_POINTS", 64)
    contents = _contents({"equilibrium_income": np.random.default_rng(1).random((40, 32))})
    encode, calls = netcdf_file._encode, []

    def failing(job):
        calls.append(job)
        if len(calls) == 3:
            raise MemoryError("no room for the chunk")
        return encode(job)

    monkeypatch.setattr(netcdf_file, "_encode", failing)
    before = threading.active_count()
    with pytest.raises(MemoryError, match="no room"):
        write_sweep_netcdf(contents, tmp_path / "s.nc")
    assert os.listdir(tmp_path) == []
    assert threading.active_count() == before


def test_chunks_encoded_for_another_pipeline_are_refused(tmp_path, monkeypatch):
    of = netcdf_file._ChunkPlan.of

    def wrong_level(name, values):
        plan = of(name, values)
        plan.level = 6  # the dataset is made with level 1
        return plan

    monkeypatch.setattr(netcdf_file._ChunkPlan, "of", staticmethod(wrong_level))
    with pytest.raises(AssertionError, match="equilibrium_income: HDF5 made"):
        write_sweep_netcdf(_contents({"equilibrium_income": np.ones((4, 3))}), tmp_path / "s.nc")
    assert os.listdir(tmp_path) == []


def test_direct_writer_leaves_no_temporary_on_an_exception(tmp_path, monkeypatch):
    grid = make_grid(im.load_model("yang-2001-specialization"), {"k": [0.2, 0.5]})
    contents = sweep_contents(grid, evaluate_grid(grid))

    def failing(contents, path, direct=True):
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
