"""The sweep and path commands: outputs, and one-line errors with exit status 2 leaving no file."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.cli import main
from inframarginal.sweep import open_sweep


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def test_sweep_writes_netcdf_and_plot_and_json_summary(tmp_path):
    out, png = tmp_path / "ks.nc", tmp_path / "ks.png"
    r = run("sweep", "li-ke-2020", "--axis", "K=0.05:1:40", "--axis", "t=0:0.9:30", "--set", "F=0.15",
            "--out", str(out), "--plot", str(png), "--format", "json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["points"] == 1200 and sum(summary["counts"].values()) == 1200
    ds = open_sweep(out)
    assert ds.general_equilibrium.shape == (40, 30)
    assert dict(zip(*np.unique(ds.general_equilibrium.values, return_counts=True), strict=True)) == {
        k: v for k, v in summary["counts"].items()}
    assert png.stat().st_size > 1000
    assert sorted(os.listdir(tmp_path)) == ["ks.nc", "ks.png"]
    # the file's general equilibria are those of the one-point solver
    model = im.load_model("li-ke-2020")
    for i, j in [(0, 0), (39, 29), (20, 10), (5, 25)]:
        K, t = float(ds.K[i]), float(ds.t[j])
        assert ds.general_equilibrium.values[i, j] == model.solve(K=K, t=t, F=0.15).general_equilibrium


@pytest.mark.distributed
def test_sweep_zarr_with_local_cluster_and_three_axes_plot(tmp_path):
    pytest.importorskip("distributed", reason='needs the [distributed] extra')
    out, png = tmp_path / "k3.zarr", tmp_path / "k3.png"
    r = run("sweep", "li-ke-2020", "--axis", "K=0.05:1:12", "--axis", "t=0:0.9:10", "--axis", "alpha=0.2:0.9:3",
            "--out", str(out), "--workers", "1", "--chunk", "100", "--plot", str(png), "--at", "alpha=0.5")
    assert r.exit_code == 0, r.output
    assert open_sweep(out).general_equilibrium.shape == (12, 10, 3)
    assert png.exists()


def test_path_table_and_json(tmp_path):
    r = run("path", "li-ke-2020", "--vary", "K=0.05:1", "--set", "t=0", "--plot", str(tmp_path / "p.png"))
    assert r.exit_code == 0, r.output
    assert "switch A -> PC" in r.stdout
    r = run("path", "li-ke-2020", "--vary", "K=0.05:1", "--set", "t=0", "--format", "json")
    data = json.loads(r.stdout)
    (sw,) = data["switches"]
    # A: ((1 - F - b)/2)^2, PC: K (1 - F)(1 - b)/4 at t = 0, F = 0.2, b = 0.1
    assert sw["value"] == pytest.approx(0.7 ** 2 / (0.8 * 0.9), rel=1e-12)


@pytest.mark.parametrize("args, words", [
    (["--axis", "K=0:2:10"], "outside the domain"),
    (["--axis", "K=1:0.05:10"], "reversed"),
    (["--axis", "K=0.05:1:0"], "empty"),
    (["--axis", "k=0.1:1:10"], "derived"),
    (["--axis", "Q=0.1:1:10"], "unknown parameter"),
    (["--axis", "K=0.05:1:10", "--backend", "cuda"], "backend 'cuda' is not known"),
    pytest.param(["--axis", "K=0.05:1:10", "--axis", "t=0:0.9:10", "--out", "OUT.zarr", "--scheduler",
                  "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler", marks=pytest.mark.distributed),
    (["--axis", "K=0.05:1:10", "--workers", "2", "--out", "OUT.nc"], "give --out FILE.zarr"),
    (["--axis", "K=0.05:1:10", "--out", "OUT.csv"], "expected a file ending in .nc or .zarr"),
])
def test_bad_input_is_one_line_exit_2_and_no_file(tmp_path, args, words):
    if "--scheduler" in args:
        pytest.importorskip("distributed", reason="needs the [distributed] extra")
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    r = run("sweep", "li-ke-2020", *args)
    assert r.exit_code == 2, r.output
    assert words in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: ")
    assert os.listdir(tmp_path) == []


def test_too_large_grid_without_cluster_is_refused(tmp_path):
    r = run("sweep", "li-ke-2020", "--axis", "K=0.05:1:1000", "--axis", "t=0:0.9:1000",
            "--out", str(tmp_path / "big.nc"), env={"INFRAMARGINAL_SWEEP_MEMORY": "1e6"})
    assert r.exit_code == 2
    assert "--out FILE.zarr" in r.stderr and "--workers" in r.stderr
    assert os.listdir(tmp_path) == []


def test_path_errors():
    r = run("path", "li-ke-2020", "--vary", "K=1:0.5")
    assert r.exit_code == 2 and "reversed" in r.stderr
    r = run("path", "li-ke-2020", "--vary", "K=0.5:3")
    assert r.exit_code == 2 and "outside the domain" in r.stderr


def test_jax_backend_matches_numpy():
    jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'inframarginal[gpu]')")
    assert jax
    import inframarginal as im

    model = im.load_model("li-ke-2020")
    axes = {"K": np.linspace(0.05, 1, 300), "t": np.linspace(0, 0.9, 200)}
    a = model.sweep(axes, backend="jax")
    b = model.sweep(axes, backend="numpy")
    assert (a.general_equilibrium.values == b.general_equilibrium.values).all()
    # the structures' incomes come from the device in float32
    assert (a.exists.values == b.exists.values).all()
    np.testing.assert_allclose(a.per_capita_real_income.values, b.per_capita_real_income.values, rtol=1e-5)
    np.testing.assert_allclose(a.price.values, b.price.values, rtol=1e-12)  # the details stay float64


def test_numpy_backend_does_not_import_jax():
    import subprocess
    import sys

    code = ("import sys, numpy as np, inframarginal as im; "
            "im.load_model('li-ke-2020').sweep({'K': np.linspace(0.1, 1, 5)}); "
            "print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
