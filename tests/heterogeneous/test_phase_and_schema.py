"""Phase diagrams with types, and the JSON Schema of model files with types."""

from __future__ import annotations

import json
import tomllib
from importlib import resources

import numpy as np
import pytest

from inframarginal import load_model

jsonschema = pytest.importorskip("jsonschema")

TYPED = sorted(e.name for e in resources.files("inframarginal.heterogeneous.models").iterdir()
               if e.name.endswith(".toml"))
SCHEMA = json.loads((resources.files("inframarginal.schemas") / "model-file.schema.json").read_text("utf-8"))


@pytest.mark.parametrize("name", TYPED)
def test_builtin_models_with_types_validate(name):
    spec = tomllib.loads(resources.files("inframarginal.heterogeneous.models").joinpath(name).read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(spec)) == []


def test_schema_rejects_a_type_without_mass():
    spec = tomllib.loads(resources.files("inframarginal.heterogeneous.models")
                         .joinpath("yang-two-country-dual.toml").read_text("utf-8"))
    del spec["types"]["home"]["mass"]
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(spec))


def test_ricardian_phase_line_matches_the_closed_form_region():
    """Complete specialization is Yang's GE iff M1 a1y / (k a2y) <= M2 <= k M1 a1x / a2x (b = 1;
    derivation in test_ricardian.py): [1.25, 1.6] at the defaults."""
    model = load_model("cheng-sachs-yang-2000-ricardian")
    m2 = np.array([0.5, 1.0, 1.2, 1.3, 1.5, 1.59, 1.7, 3.0])
    ds = model.sweep({"M2": m2})
    names = ds.attrs["structures"]
    ge = [names[c] if c >= 0 else None for c in ds["general_equilibrium"].values]
    complete = [g == "home (x/y) | foreign (y/x)" for g in ge]
    assert complete == [1.25 <= v <= 1.6 for v in m2]
    # beyond C, the big foreign country is split and gets no gain; below, home is split
    assert ge[-1] == "home (x/y) | foreign (y/x) (xy)" and ds["gain_foreign"].values[-1] == pytest.approx(0, abs=1e-12)
    assert ge[0] == "home (x/y) (xy) | foreign (y/x)" and ds["gain_home"].values[0] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize(("name", "axes"), [
    ("cheng-sachs-yang-2000-ricardian", {"M2": np.linspace(0.3, 3.5, 7), "k": np.linspace(0.6, 1.0, 5)}),
    ("cheng-sachs-yang-2000-ricardian", {"b": [1.0, 1.4], "M1": [0.5, 2.0], "a2x": [0.8, 1.6]}),
    ("yang-two-country-dual", {"k0": np.linspace(0.2, 0.9, 4), "M2": [0.5, 2.0]}),
])
def test_batched_sweep_agrees_with_one_point_at_a_time(name, axes):
    """The sweep's batched Newton solver and check against solve_typed at every grid point."""
    model = load_model(name)
    ds = model.sweep(axes)
    names = ds.attrs["structures"]
    for index in np.ndindex(*ds["general_equilibrium"].shape):
        point = {n: float(ds[n].values[i]) for n, i in zip(axes, index, strict=True)}
        sol = model.solve(point)
        code = int(ds["general_equilibrium"].values[index])
        assert (names[code] if code >= 0 else None) == sol.general_equilibrium, point
        assert int(ds["equilibria"].values[index]) == len(sol.general_equilibria), point
        for t in model.type_names:
            expected = sol.corner(sol.general_equilibrium).utilities[t]
            assert float(ds[f"utility_{t}"].values[index]) == pytest.approx(expected, rel=1e-9), point


def test_phase_diagram_figure():
    from inframarginal.heterogeneous.phase import plot_typed_phase

    model = load_model("cheng-sachs-yang-2000-ricardian")
    ds = model.sweep({"k": np.linspace(0.5, 1.0, 6), "M2": np.linspace(0.3, 3.5, 8)})
    fig = plot_typed_phase(ds)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    shown = {ds.attrs["structures"][int(c)] for c in np.unique(ds["general_equilibrium"].values) if c >= 0}
    assert set(legend) == shown and len(shown) >= 3
    with pytest.raises(ValueError, match="two axes"):
        plot_typed_phase(model.sweep({"M2": [1.0, 2.0]}))


def test_cli_sweep_with_types_writes_netcdf_and_plot(tmp_path):
    """Complete specialization's band on the k = 1 line is 1 <= M2 <= 2 (M1 a1y/(k a2y) .. k M1 a1x/a2x)."""
    from click.testing import CliRunner

    from inframarginal.cli import main

    xr = pytest.importorskip("xarray")
    out, plot = tmp_path / "r.nc", tmp_path / "r.png"
    result = CliRunner().invoke(main, ["sweep", "cheng-sachs-yang-2000-ricardian", "--axis", "M2=0.5:2.5:9",
                                       "--axis", "k=0.9:1:2", "--out", str(out), "--plot", str(plot),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["points"] == 18 and plot.stat().st_size > 0
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        names = json.loads(ds.attrs["structures"])
        line = ds["general_equilibrium"].sel(k=1.0).values
        complete = [names[c] == "home (x/y) | foreign (y/x)" for c in line]
        assert complete == [1.0 <= m <= 2.0 for m in ds["M2"].values]
    bad = CliRunner().invoke(main, ["sweep", "cheng-sachs-yang-2000-ricardian", "--axis", "M2=0.5:2.5:3",
                                    "--out", str(tmp_path / "r.zarr")])
    assert bad.exit_code == 2 and "NetCDF" in bad.output
