"""Robustness of sweeps and paths: sizes checked before allocating, outputs before computing,
concurrent Zarr runs, leftover temporary files (the inputs of an attacker/careless-user review)."""

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.cli import main
from inframarginal.cli.grammar import parse_axis
from inframarginal.errors import SweepError
from inframarginal.path import MAX_PATH_POINTS, structure_path
from inframarginal.sweep import (
    MAX_AXIS_POINTS,
    open_sweep,
    remove_stale_temporaries,
    write_netcdf,
)
from inframarginal.zarr_store import store_lock, sweep_to_zarr


def run(*args):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture()
def no_big_allocation(monkeypatch):
    """Fail the test if anything asks NumPy for a large linspace (the checks must come first)."""
    import numpy as np

    real = np.linspace

    def guarded(start, stop, num=50, *args, **kwargs):
        assert num <= MAX_AXIS_POINTS, f"linspace of {num} points was allocated"
        return real(start, stop, num, *args, **kwargs)

    monkeypatch.setattr(np, "linspace", guarded)


# -- sizes -----------------------------------------------------------------------------------

def test_axis_of_a_billion_points_is_refused_before_allocating(no_big_allocation):
    line = one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:1000000000"),
                          "--axis", "1,000,000,000", f"{MAX_AXIS_POINTS:,}")
    assert "7.45 GiB" in line  # 1e9 float64 coordinates = 7.45 GiB, the allocation that crashed


def test_axis_of_2e8_points_is_refused_at_once(no_big_allocation):
    started = time.perf_counter()
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:200000000"), "200,000,000")
    # this took 30 s and 1.8 GB before; a size check is immediate (generous bound for a busy machine)
    assert time.perf_counter() - started < 10


def test_path_of_a_billion_points_is_refused_before_allocating(no_big_allocation):
    one_line_error(run("path", "yang-2001-specialization", "--vary", "k=0.1:1", "--points", "1000000000"),
                   "--points", "1,000,000,000", f"{MAX_PATH_POINTS:,}")
    with pytest.raises(SweepError, match="^points 1,000,000,000: expected between 3 and"):
        structure_path(im.load_model("yang-2001-specialization"), "k", 0.1, 1.0, points=10**9)


def test_grid_beyond_memory_is_refused_before_allocating(monkeypatch, tmp_path):
    monkeypatch.setenv("INFRAMARGINAL_SWEEP_MEMORY", str(10**6))  # 1 MB
    out = tmp_path / "big.nc"
    line = one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:3000",
                              "--axis", "a=1.1:3:3000", "--out", str(out)), "9,000,000 points", "limit")
    assert "--out FILE.zarr" in line
    assert not out.exists()


def test_zarr_grid_beyond_the_point_limit_is_refused(tmp_path):
    out = tmp_path / "huge.zarr"
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:5000000",
                       "--axis", "a=1.1:3:5000000", "--out", str(out)), "25,000,000,000,000 points", "limit")
    assert os.listdir(tmp_path) == []


def test_too_many_chunks_names_the_chunk_option(tmp_path):
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:2000",
                       "--axis", "a=1.1:3:1000", "--chunk", "1", "--out", str(tmp_path / "c.zarr")),
                   "--chunk 1", "2,000,000 chunks")


def test_parse_axis_limit_is_exact():
    name, values = parse_axis(f"k=0:1:{MAX_AXIS_POINTS}")
    assert name == "k" and len(values) == MAX_AXIS_POINTS
    del values
    with pytest.raises(SweepError, match="COUNT"):
        parse_axis(f"k=0:1:{MAX_AXIS_POINTS + 1}")


# -- outputs checked before computing ----------------------------------------------------------

@pytest.fixture()
def no_compute(monkeypatch):
    """Make any sweep computation fail loudly: the output checks must stop the run first."""
    import inframarginal.sweep as sweep
    import inframarginal.zarr_store as distributed

    def boom(*args, **kwargs):
        raise AssertionError("the sweep was computed before the output was checked")

    monkeypatch.setattr(sweep, "sweep_grid", boom)
    monkeypatch.setattr(sweep, "evaluate_grid", boom)  # what the command calls
    monkeypatch.setattr(distributed, "_prepare_store", boom)


@pytest.mark.parametrize("option,suffix", [("--out", ".nc"), ("--plot", ".png"), ("--out", ".zarr")])
def test_unwritable_output_is_refused_before_computing(option, suffix, no_compute):
    # /proc accepts no new files, even for root (tests may run as root, where chmod is no obstacle)
    target = f"/proc/inframarginal-test{suffix}"
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:50", option, target),
                   option, target, "cannot write")


@pytest.mark.parametrize("option,suffix", [("--out", ".nc"), ("--plot", ".png")])
def test_directory_output_is_refused_before_computing(option, suffix, tmp_path, no_compute):
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:50", option, str(folder)),
                   option, "is a folder")


def test_file_in_place_of_a_zarr_store_is_refused(tmp_path, no_compute):
    target = tmp_path / "s.zarr"
    target.write_text("not a store")
    one_line_error(run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:50", "--out", str(target)),
                   "--out", "is a file")


def test_unwritable_path_plot_is_refused_before_computing(monkeypatch):
    import inframarginal.path as path

    monkeypatch.setattr(path, "structure_path", lambda *a, **k: pytest.fail("computed first"))
    one_line_error(run("path", "yang-2001-specialization", "--vary", "k=0.1:1", "--plot", "/proc/p.png"),
                   "--plot", "cannot write")


# -- concurrent Zarr runs ------------------------------------------------------------------------

_SCRIPT = """
import sys, time
import inframarginal as im
from inframarginal.zarr_store import sweep_to_zarr
from inframarginal.errors import InframarginalError
import numpy as np
sys.stdout.write("ready\\n"); sys.stdout.flush()
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
try:
    r = sweep_to_zarr(im.load_model("yang-2001-specialization"), {"k": np.linspace(0.1, 1, 400)}, {},
                      sys.argv[1], chunk_points=20)
    print("ok", r.computed)
except InframarginalError as err:
    print("error:", err)
"""


def test_two_processes_on_one_new_zarr_store(tmp_path):
    store = str(tmp_path / "both.zarr")
    start = time.time() + 8.0  # both processes import first, then start together
    procs = [subprocess.Popen([sys.executable, "-c", _SCRIPT, store, str(start)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]
    for (_, err), p in zip(outputs, procs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err
    results = [out.splitlines()[-1] for out, _ in outputs]
    assert any(r.startswith("ok") for r in results), results
    for r in results:  # the other one either finished first, or stopped with a one-line error
        assert r.startswith("ok") or ("another run" in r and store in r), r
    ds = open_sweep(store)
    model = im.load_model("yang-2001-specialization")
    for i in (0, 150, 399):
        k = float(ds.k[i])
        expected = "D" if k > 4 ** (1 - 1.5) else "A"  # Yang (2001): D iff k > 4^(1 - a)
        assert str(ds.general_equilibrium.values[i]) == expected == model.solve(k=k).general_equilibrium
    assert not os.path.exists(store + ".lock")
    assert sorted(os.listdir(tmp_path)) == ["both.zarr"]


def test_a_held_lock_gives_a_one_line_error(tmp_path):
    store = str(tmp_path / "held.zarr")
    model = im.load_model("yang-2001-specialization")
    with store_lock(store):
        with pytest.raises(SweepError, match=r"another run \(process \d+ on .*\) is writing .*held\.zarr"):
            sweep_to_zarr(model, {"k": [0.2, 0.5]}, {}, store)
    assert sweep_to_zarr(model, {"k": [0.2, 0.5]}, {}, store).computed == 1


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    import socket

    store = str(tmp_path / "stale.zarr")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with open(store + ".lock", "w") as fh:
        json.dump({"pid": dead.pid, "host": socket.gethostname()}, fh)
    os.makedirs(store + ".init-999999999")  # a half-created store of a killed run
    r = sweep_to_zarr(im.load_model("yang-2001-specialization"), {"k": [0.2, 0.5]}, {}, store)
    assert r.computed == 1
    assert sorted(os.listdir(tmp_path)) == ["stale.zarr"]


# -- leftover temporaries -------------------------------------------------------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_netcdf_write_removes_a_killed_runs_temporary(tmp_path):
    ds = im.load_model("yang-2001-specialization").sweep({"k": [0.45, 0.55, 0.9]})  # D iff k > 4**(1 - 1.5) = 0.5
    target = tmp_path / "s.nc"
    stale = tmp_path / f"s.nc.tmp-{_dead_pid()}"
    stale.write_bytes(b"half a file")
    other = tmp_path / "other.nc.tmp-1"  # another target's temporary is not ours to remove
    other.write_bytes(b"x")
    live = tmp_path / f"s.nc.tmp-{os.getppid()}"  # a running process may be writing it right now
    live.write_bytes(b"x")
    write_netcdf(ds, target)
    assert sorted(os.listdir(tmp_path)) == sorted(["s.nc", other.name, live.name])
    assert list(open_sweep(target).general_equilibrium.values) == ["A", "D", "D"]


def test_netcdf_write_leaves_no_temporary_on_an_exception(tmp_path, monkeypatch):
    import xarray as xr

    ds = im.load_model("yang-2001-specialization").sweep({"k": [0.2, 0.5]})

    def failing(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", failing)
    with pytest.raises(OSError, match="disk full"):
        write_netcdf(ds, tmp_path / "s.nc")
    assert os.listdir(tmp_path) == []


def test_cli_netcdf_and_plot_remove_stale_temporaries(tmp_path):
    pid = _dead_pid()
    (tmp_path / f"s.nc.tmp-{pid}").write_bytes(b"x")
    (tmp_path / f"p.tmp-{pid}.png").write_bytes(b"x")
    r = run("sweep", "yang-2001-specialization", "--axis", "k=0.1:1:20", "--out", str(tmp_path / "s.nc"),
            "--plot", str(tmp_path / "p.png"))
    assert r.exit_code == 0, r.output
    assert sorted(os.listdir(tmp_path)) == ["p.png", "s.nc"]


def test_remove_stale_temporaries_ignores_names_that_are_not_a_pid(tmp_path):
    (tmp_path / "s.nc.tmp-notapid").write_bytes(b"x")
    assert remove_stale_temporaries(str(tmp_path / "s.nc.tmp-")) == []
    assert os.listdir(tmp_path) == ["s.nc.tmp-notapid"]


def test_the_limits_are_documented_in_the_help():
    from inframarginal.sweep import MAX_CHUNKS, MAX_GRID_POINTS

    text = " ".join(run("sweep", "--help").output.split())
    assert f"{MAX_AXIS_POINTS:,} values per axis" in text
    assert f"10^{len(str(MAX_GRID_POINTS)) - 1} points" in text and f"{MAX_CHUNKS:,} chunks" in text
    assert f"{MAX_PATH_POINTS:,}" in " ".join(run("path", "--help").output.split())


def test_sweep_chooses_on_log_incomes_where_both_incomes_underflow():
    """k = 5e-324, a = 600: u_A = 2**-1200 and u_D = k/4 both underflow to 0, yet
    log u_D = log(5e-324 / 4) ~ -745.5 > log u_A = -1200 log 2 ~ -831.8: D (as solve says)."""
    model = im.load_model("yang-2001-specialization")
    ks = [5e-324, 0.3, 0.9]
    ds = model.sweep({"k": ks}, {"a": 600})
    assert list(ds.general_equilibrium.values) == ["D", "D", "D"]
    assert [model.solve(k=k, a=600).general_equilibrium for k in ks] == ["D", "D", "D"]
    assert ds.equilibrium_income.values[1:].tolist() == pytest.approx([0.3 / 4, 0.9 / 4], rel=1e-12)


@pytest.mark.parametrize("text", ["1e9", "1000000000"])
def test_path_points_in_either_notation_are_checked_against_the_limit(text, no_big_allocation):
    one_line_error(run("path", "yang-2001-specialization", "--vary", "k=0.1:1", "--points", text),
                   "--points 1,000,000,000")


def test_path_points_must_be_whole():
    r = run("path", "yang-2001-specialization", "--vary", "k=0.1:1", "--points", "2.5")
    assert r.exit_code == 2 and "not a whole number" in r.output and "Traceback" not in r.output
