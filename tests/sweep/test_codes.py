"""Sweep files store the general equilibrium and numeraire as integer codes (CF flags), hold
the core variables unless asked for more, are chunked and compressed, and read back as names."""

import json
import os

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import inframarginal as im
from inframarginal.cli import main
from inframarginal.errors import InframarginalError
from inframarginal.phase import plot_phase
from inframarginal.sweep import (
    ALL_VARIABLES,
    SweepError,
    decode_general_equilibrium,
    encode_general_equilibrium,
    open_sweep,
    parse_variables,
    structure_counts,
    sweep,
    write_netcdf,
)

CORE = {"general_equilibrium", "equilibrium_income", "admissible"}
# K = 0 lies outside the domain (0, 1] of K: the first row is not admissible
AXES = {"K": np.linspace(0.0, 1.0, 21), "t": np.linspace(0.0, 0.9, 7)}


def run(*args):
    return CliRunner().invoke(main, list(args))


def _raw(path):
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()


def test_file_codes_name_the_structures_of_the_one_point_solver(seed, tmp_path):
    out = tmp_path / "s.nc"
    r = run("sweep", "li-ke-2020", "--axis", "K=0:1:21", "--axis", "t=0:0.9:7", "--out", str(out),
            "--variables", "prices", "--format", "json")
    assert r.exit_code == 0, r.output
    raw = _raw(out)
    ge = raw.general_equilibrium
    assert ge.dtype == np.int8
    # CF flags: -1 none, then one code per structure in the order of the structure coordinate
    names = [str(s) for s in raw.structure.values]
    assert ge.attrs["flag_values"].tolist() == list(range(-1, len(names)))
    assert ge.attrs["flag_meanings"].split() == ["none", *names]
    assert raw.numeraire.dtype == np.int8
    assert raw.numeraire.attrs["flag_meanings"].split() == ["none", "x", "y", "z"]
    assert (ge.values[0] == -1).all()  # K = 0 is outside the domain
    for i, j in [(1, 0), (10, 3), (20, 6), (15, 1)]:
        K, t = float(raw.K[i]), float(raw.t[j])
        sol = seed.solve(K=K, t=t)
        assert names[ge.values[i, j]] == sol.general_equilibrium
        numeraire = sol.structures[sol.general_equilibrium].numeraire
        code = int(raw.numeraire.values[i, j])
        assert (raw.numeraire.attrs["flag_meanings"].split()[code + 1] if code >= 0 else None) == (numeraire or None)
    # the package's reader gives names, as the in-memory sweep does
    ds = open_sweep(out)
    ref = sweep(seed, AXES)
    assert ds.general_equilibrium.dtype.kind == "U"
    assert (ds.general_equilibrium.values == ref.general_equilibrium.values).all()
    assert (ds.numeraire.values == ref.numeraire.values).all()
    assert (ds.general_equilibrium.values[0] == "").all()
    assert "flag_values" not in ds.general_equilibrium.attrs
    summary = json.loads(r.stdout)
    names_found, counts = np.unique(ref.general_equilibrium.values, return_counts=True)
    assert summary["counts"] == dict(zip(names_found.tolist(), counts.tolist(), strict=True))


@pytest.mark.parametrize("option, expected", [
    ([], CORE),
    (["--variables", "core"], CORE),
    (["--variables", "prices"], CORE | {"price", "numeraire"}),
    (["--variables", "numbers, incomes"], CORE | {"specialists", "per_capita_real_income", "exists"}),
    (["--variables", "all"], set(ALL_VARIABLES)),
])
def test_variables_option_chooses_what_the_file_holds(tmp_path, option, expected):
    out = tmp_path / "v.nc"
    r = run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:9", "--out", str(out), *option)
    assert r.exit_code == 0, r.output
    ds = open_sweep(out)
    assert set(ds.data_vars) == expected
    # whatever else is there, the core equals the full in-memory sweep's
    ref = sweep(im.load_model("yang-2001-specialization"), {"k": np.linspace(0.1, 1, 9)})
    for name in expected:
        x, y = ds[name].transpose(*ref[name].dims).values, ref[name].values
        if x.dtype.kind in "fc":
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert (x == y).all(), name


def test_bad_variables_is_a_one_line_error_naming_the_value(tmp_path):
    r = run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:9", "--out", str(tmp_path / "v.nc"),
            "--variables", "core,wages")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert "--variables" in r.stderr and "'wages'" in r.stderr and "prices, numbers, incomes" in r.stderr
    assert os.listdir(tmp_path) == []
    with pytest.raises(SweepError, match="'wage'"):
        parse_variables(("general_equilibrium", "wage"))
    assert issubclass(SweepError, InframarginalError)


def test_core_variables_leave_out_every_structures_income():
    model = im.load_model("yang-2001-specialization")
    k = np.linspace(0.1, 1, 11)
    core = sweep(model, {"k": k}, variables="core")
    assert set(core.data_vars) == CORE
    # Yang (2001, ch. 4) at a = 1.5: autarky 2^(-3), division of labour k/4, D iff k > 4^(1 - a) = 0.5
    expected = np.where(k > 0.5, "D", "A")
    assert (core.general_equilibrium.values == expected).all()
    np.testing.assert_allclose(core.equilibrium_income.values, np.where(k > 0.5, k / 4, 2.0 ** -3), rtol=1e-12)


def test_netcdf_is_chunked_and_compressed(seed, tmp_path):
    ds = sweep(seed, {"K": np.linspace(0.05, 1, 300), "t": np.linspace(0, 0.9, 200)}, variables="all")
    path = tmp_path / "c.nc"
    write_netcdf(ds, path)
    raw = xr.open_dataset(path, engine="h5netcdf")
    try:
        for name, var in raw.data_vars.items():
            assert var.encoding["chunksizes"] is not None, name
            assert var.encoding.get("zlib") == (name != "per_capita_real_income"), name
    finally:
        raw.close()
    # the core: a byte per point for the code (not 4 per character), and compressed well below
    # the 10 bytes per point of its arrays (the income is constant where autarky is chosen)
    core = sweep(seed, {"K": np.linspace(0.05, 1, 300), "t": np.linspace(0, 0.9, 200)}, variables="core",
                 decode=False)
    assert sum(v.nbytes for v in core.data_vars.values()) == 300 * 200 * (1 + 8 + 1)
    write_netcdf(core, path)
    assert os.path.getsize(path) < 0.5 * 300 * 200 * 10


def test_decode_and_encode_are_inverse(seed):
    coded = sweep(seed, AXES, decode=False)
    assert coded.general_equilibrium.dtype == np.int8 and coded.numeraire.dtype == np.int8
    named = decode_general_equilibrium(coded)
    assert (named.general_equilibrium.values == sweep(seed, AXES).general_equilibrium.values).all()
    again = encode_general_equilibrium(named)
    np.testing.assert_array_equal(again.general_equilibrium.values, coded.general_equilibrium.values)
    np.testing.assert_array_equal(again.numeraire.values, coded.numeraire.values)
    assert decode_general_equilibrium(named) is named  # names already: nothing to do
    wrong = named.copy()
    wrong["general_equilibrium"] = wrong.general_equilibrium.where(wrong.K < 0.5, "Q")
    with pytest.raises(SweepError, match="'Q' is not a value of the coordinate structure"):
        encode_general_equilibrium(wrong)


def test_a_file_with_names_as_strings_reads_the_same(seed, tmp_path):
    ref = sweep(seed, AXES)
    path = tmp_path / "old.nc"
    ref.to_netcdf(path, engine="h5netcdf")  # as files were written before the codes
    old = open_sweep(path)
    assert [str(v) for v in old.general_equilibrium.values.ravel()] == ref.general_equilibrium.values.ravel().tolist()


def test_structure_counts_from_codes():
    codes = np.array([[2, 2, -1], [0, 2, 0]], dtype=np.int8)
    assert structure_counts(codes, ("D", "B", "A")) == {"": 1, "A": 3, "D": 2}
    assert list(structure_counts(codes, ("D", "B", "A"))) == ["", "A", "D"]  # sorted by name


def test_phase_diagram_of_codes_equals_that_of_names(seed):
    coded = sweep(seed, {"K": np.linspace(0.0, 1, 40), "t": np.linspace(0, 0.9, 30)}, variables="core",
                  decode=False)
    a, b = plot_phase(coded), plot_phase(decode_general_equilibrium(coded))
    legend = [t.get_text() for t in a.axes[0].get_legend().get_texts()]
    assert legend == [t.get_text() for t in b.axes[0].get_legend().get_texts()]
    assert legend == ["A", "PC", "outside the domain"]
    np.testing.assert_array_equal(a.axes[0].collections[0].get_array(), b.axes[0].collections[0].get_array())


@pytest.mark.distributed
def test_zarr_store_holds_codes_and_reads_back_names(seed, tmp_path):
    pytest.importorskip("zarr", reason='needs the [distributed] extra')
    pytest.importorskip("dask", reason='needs the [distributed] extra')
    from inframarginal.zarr_store import open_zarr_sweep, sweep_to_zarr

    path = str(tmp_path / "s.zarr")
    result = sweep_to_zarr(seed, AXES, None, path, chunk_points=40, variables="core")
    raw = open_zarr_sweep(path, decode=False)
    assert set(raw.data_vars) == CORE
    assert raw.general_equilibrium.dtype == np.int8
    assert raw.general_equilibrium.attrs["flag_meanings"].split()[1:] == [str(s) for s in raw.structure.values]
    named = open_sweep(path)
    ref = sweep(seed, AXES)
    assert (named.general_equilibrium.values == ref.general_equilibrium.values).all()
    assert result.counts == structure_counts(raw.general_equilibrium.values, tuple(map(str, raw.structure.values)))
