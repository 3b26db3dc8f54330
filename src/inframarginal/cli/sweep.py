"""``inframarginal sweep`` and ``inframarginal path``: comparative statics over parameters."""

from __future__ import annotations

import json
import os
import time

import click

from inframarginal.cli.engine import parse_settings
from inframarginal.errors import SweepError


def _check_output(path: str, suffixes: tuple[str, ...], option: str) -> None:
    """Refuse an output that cannot be written, before anything is computed."""
    if not path.rstrip("/").endswith(suffixes):
        raise SweepError(f"{option} {path!r}: expected a file ending in {' or '.join(suffixes)}")
    target = os.path.abspath(path.rstrip("/"))
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise SweepError(f"{option} {path!r}: the folder {parent} does not exist; create it first")
    store = target.endswith(".zarr")
    if store and os.path.exists(target) and not os.path.isdir(target):
        raise SweepError(f"{option} {path!r} is a file, not a Zarr store (a folder); remove it or choose another")
    if not store and os.path.isdir(target):
        raise SweepError(f"{option} {path!r} is a folder; expected a file name")
    if not store and os.path.exists(target) and not os.access(target, os.W_OK):
        raise SweepError(f"{option} {path!r} exists and is not writable")
    # Outputs (and a store's lock) are written next to the target first: try it now.
    for folder in [parent] + ([target] if store and os.path.isdir(target) else []):
        try:
            import tempfile

            with tempfile.NamedTemporaryFile(dir=folder, prefix=".inframarginal-probe-"):
                pass
        except OSError as err:
            raise SweepError(f"{option} {path!r}: cannot write in {folder} ({err.strerror or err})") from None


def _save(fig, path: str) -> None:
    """Save a figure atomically (no half-written image on failure)."""
    from inframarginal.sweep import remove_stale_temporaries

    root, ext = os.path.splitext(path)
    remove_stale_temporaries(f"{root}.tmp-", ext)
    tmp = f"{root}.tmp-{os.getpid()}{ext}"
    try:
        fig.savefig(tmp, dpi=150)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


class _Count(click.ParamType):
    """A whole number, also written in scientific notation (``1e6``)."""

    name = "integer"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            number = float(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if not number.is_integer():  # also refuses inf and nan
            self.fail(f"{value!r} is not a whole number", param, ctx)
        return int(number)


def _parse_at(items: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise SweepError(f"--at {item!r} is not NAME=VALUE (for example --at t=0.2)") from None
        if not sep:
            raise SweepError(f"--at {item!r} is not NAME=VALUE (for example --at t=0.2)")
    return out


def register(group: click.Group) -> None:
    """Add the sweep commands to ``group``."""

    @group.command("sweep")
    @click.argument("model")
    @click.option("--axis", "axes", multiple=True, required=True, metavar="NAME=START:STOP:COUNT",
                  help="A parameter to vary: COUNT points from START to STOP, both included (repeatable).")
    @click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                  help="Fix a parameter (repeatable); others take their defaults.")
    @click.option("--out", default=None, metavar="FILE.nc|FILE.zarr",
                  help="Write the Dataset: NetCDF (in memory, then written) or Zarr (chunked, resumable).")
    @click.option("--plot", default=None, metavar="FILE.png", help="Phase diagram (1-D strip, 2-D map, or a 2-D slice).")
    @click.option("--plot-x", default=None, help="Axis on the plot's horizontal axis.")
    @click.option("--plot-y", default=None, help="Axis on the plot's vertical axis.")
    @click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
                  help="Value of an axis not plotted (nearest grid value; default its middle).")
    @click.option("--backend", default="numpy", show_default=True, help="numpy or jax (extra [gpu]).")
    @click.option("--workers", type=int, default=None, help="Start a Dask LocalCluster with N workers (needs --out .zarr).")
    @click.option("--scheduler", default=None, metavar="ADDRESS", help="Use an existing Dask scheduler (needs --out .zarr).")
    @click.option("--chunk", type=int, default=None, metavar="N", help="Points per chunk (default 1,000,000).")
    @click.option("--variables", default="core", show_default=True, metavar="core|all|GROUP,...",
                  help="What --out holds: core (the general equilibrium as a code, its income, the admissible "
                       "points), all, or core plus groups among prices, numbers, incomes.")
    @click.option("--format", "fmt", type=click.Choice(["summary", "json"]), default="summary", show_default=True)
    def sweep_command(model, axes, settings, out, plot, plot_x, plot_y, at, backend, workers, scheduler, chunk,
                      variables, fmt):
        """General equilibrium over a grid of parameter values (infra-marginal comparative statics).

        Example: inframarginal sweep li-ke-2020 --axis K=0.05:1:400 --axis t=0:0.9:400 --out ks.nc --plot ks.png

        Files store the general equilibrium (and numeraire) as integer codes with CF flag_values
        and flag_meanings; inframarginal.sweep.open_sweep reads them back as names.  --variables
        prices adds prices and the numeraire, numbers the shares of specialists, incomes every
        structure's income and existence.

        An interrupted Zarr sweep continues where it stopped when rerun with the same command;
        two runs on one store at once are refused (a lock file STORE.lock while one writes).

        Limits, checked before anything is allocated or computed: at most 10,000,000 values
        per axis; in memory, the estimated bytes at most half the physical memory (or
        $INFRAMARGINAL_SWEEP_MEMORY); to Zarr, at most 10^11 points; at most 1,000,000 chunks.
        """
        from inframarginal.backends import check_backend
        from inframarginal.cli.grammar import parse_axis
        from inframarginal.modelfile import load_model
        from inframarginal.outline import ModelOutline, load_outline, store_outline
        from inframarginal.sweep import (
            CHUNK_POINTS,
            InMemoryLimitError,
            certification_advice,
            certification_attrs,
            check_grid_size,
            evaluate_grid,
            make_grid,
            parse_variables,
            structure_counts,
            sweep_contents,
            to_dataset,
        )

        started = time.perf_counter()
        # Where everything evaluated is in the disk cache, the model's outline stands in for the
        # model (no SymPy); anything the outline cannot answer builds the model (same output).
        warm = (plot is None and backend == "numpy" and workers is None and scheduler is None
                and not (out or "").rstrip("/").endswith(".zarr"))
        m = (load_outline(model) if warm else None) or load_model(model)
        if hasattr(m, "types"):  # people who differ: the phase diagram by Yang's definition
            from inframarginal.cli.typed import sweep_typed_command

            sweep_typed_command(m, [parse_axis(a) for a in axes], parse_settings(settings), out, plot, fmt)
            return
        parsed: dict = {}
        for text in axes:
            name, values = parse_axis(text)
            if name in parsed:
                raise SweepError(f"--axis {name} is given twice")
            parsed[name] = values
        fixed = parse_settings(settings)
        chosen = parse_variables(variables)
        backend = check_backend(backend)
        chunk_points = CHUNK_POINTS if chunk is None else chunk
        if chunk_points < 1:
            raise SweepError(f"--chunk {chunk}: need at least 1 point per chunk")
        if workers is not None and scheduler is not None:
            raise SweepError("give either --workers N or --scheduler ADDRESS, not both")
        if workers is not None and workers < 1:
            raise SweepError(f"--workers {workers}: need at least 1 worker")
        zarr = out is not None and out.rstrip("/").endswith(".zarr")
        if out is not None:
            _check_output(out, (".nc", ".zarr"), "--out")
        if plot is not None:
            _check_output(plot, (".png", ".pdf", ".svg"), "--plot")
        if (workers is not None or scheduler is not None) and not zarr:
            raise SweepError("--workers/--scheduler write chunks as they complete: give --out FILE.zarr")
        grid = make_grid(m, parsed, fixed)
        try:
            check_grid_size(grid, chunk_points, in_memory=not zarr, variables=chosen, decode=False)
        except InMemoryLimitError as err:  # the engine's advice, in the command line's words
            raise SweepError(f"{err}; on the command line: --out FILE.zarr, with --workers N or "
                             "--scheduler ADDRESS to spread it over a Dask cluster") from None
        at_values = _parse_at(at)
        summary = {"model": m.name, "axes": {n: {"start": float(v[0]), "stop": float(v[-1]), "count": len(v)}
                                             for n, v in grid.axes},
                   "fixed": grid.fixed, "points": grid.size, "backend": backend, "out": out,
                   "variables": list(chosen)}
        if zarr:
            from inframarginal.zarr_store import open_zarr_sweep, sweep_to_zarr

            result = sweep_to_zarr(m, parsed, fixed, out, backend=backend, chunk_points=chunk_points,
                                   workers=workers, scheduler=scheduler, progress=True, variables=chosen,
                                   grid=grid)
            summary.update(chunks=result.chunks, computed_chunks=result.computed, resumed_chunks=result.resumed,
                           counts=result.counts)
            ds = open_zarr_sweep(out, decode=False) if plot else None
        else:
            # codes from here to the file: names only in the summary and on the plot; the file is
            # written from the arrays (netcdf_file), xarray is imported only for a plot
            arrays = evaluate_grid(grid, backend=backend, progress=True, chunk_points=chunk_points,
                                   variables=chosen)
            summary["counts"] = structure_counts(arrays["general_equilibrium"], grid.structures)
            # the certification is an attribute of the file and the plot's Dataset, not of the summary
            certified = certification_attrs(certification_advice(grid, arrays)) if out is not None or plot else {}
            if out is not None:
                from inframarginal.netcdf_file import write_sweep_netcdf

                contents = sweep_contents(grid, arrays, backend)
                contents.attrs.update(certified)
                write_sweep_netcdf(contents, out)
            if warm and not isinstance(m, ModelOutline):  # what the next run needs of the model
                store_outline(m, [k.closed for k in grid.kernel.structures])
            if plot:
                ds = to_dataset(grid, arrays, backend)
                ds.attrs.update(certified)
        if plot:
            from inframarginal.phase import plot_phase, thin

            _save(plot_phase(thin(ds), x=plot_x, y=plot_y, **at_values), plot)
            summary["plot"] = plot
        summary["seconds"] = time.perf_counter() - started
        if fmt == "json":
            click.echo(json.dumps(summary, indent=2, allow_nan=False))
            return
        click.echo(f"{m.name}: {grid.size:,} points over {', '.join(grid.names)} in {summary['seconds']:.2f} s")
        total = max(1, sum(summary["counts"].values()))
        for name, count in summary["counts"].items():
            click.echo(f"  {name or '(none or not admissible)':<26} {count:>14,}  {100 * count / total:6.2f}%")
        if zarr:
            click.echo(f"  chunks: {summary['chunks']} ({summary['computed_chunks']} computed now, "
                       f"{summary['resumed_chunks']} found done)")
        if out:
            click.echo(f"written: {out}")
        if plot:
            click.echo(f"plot: {plot}")

    @group.command("path")
    @click.argument("model")
    @click.option("--vary", required=True, metavar="NAME=START:STOP", help="The parameter varied along the path.")
    @click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                  help="Fix a parameter (repeatable); others take their defaults.")
    @click.option("--points", type=_Count(), default=2001, show_default=True, help="Points of the bracketing grid (3 to 1,000,000; a model that lists no structures gets the certified path over all structures, 41 points unless set; a model with types: the set of general equilibria, 41 points unless set, at most 2,001).")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @click.option("--plot", default=None, metavar="FILE.png", help="Strip of structures with the switch points.")
    def path_command(model, vary, settings, points, fmt, plot):
        """Structures of the general equilibrium along one parameter, with exact switch points.

        Switch points are found by bracketing on a grid and root finding to 1e-12, and
        given in closed form where SymPy solves for them.

        Example: inframarginal path li-ke-2020 --vary K=0.05:1 --set t=0
        """
        from inframarginal.cli.flags import flag_words
        from inframarginal.cli.grammar import parse_range
        from inframarginal.heterogeneous.spec import TypedModel
        from inframarginal.modelfile import load_model
        from inframarginal.path import StructurePath, structure_path

        if points < 3:
            raise SweepError(f"--points {points}: need at least 3")
        m = load_model(model)
        name, lo, hi = parse_range(vary)
        fixed = parse_settings(settings)
        if name in fixed:
            raise SweepError(f"parameter {name} is both varied (--vary) and fixed (--set); choose one")
        if plot is not None:
            _check_output(plot, (".png", ".pdf", ".svg"), "--plot")
        if isinstance(m, TypedModel):  # people who differ: the set of general equilibria along the path
            if plot is not None:
                raise SweepError("--plot: a path of a model with types is printed, not drawn (draw its phase "
                                 "diagram with inframarginal sweep)")
            from inframarginal.heterogeneous.path import DEFAULT_POINTS as TYPED_POINTS
            from inframarginal.heterogeneous.path import typed_path

            typed = typed_path(m, name, lo, hi, fixed, points=TYPED_POINTS if points == 2001 else points)
            click.echo(json.dumps(typed.to_dict(), indent=2, allow_nan=False) if fmt == "json" else repr(typed))
            return
        from inframarginal.configurations import named_structures

        if named_structures(m):
            result = structure_path(m, name, lo, hi, fixed, points=points)
        else:  # no listed structures: the certified GE over all of them (issue 13)
            from inframarginal.certified_path import DEFAULT_POINTS, certified_path

            result = certified_path(m, name, lo, hi, fixed, points=DEFAULT_POINTS if points == 2001 else points)
        if plot:
            from inframarginal.phase import plot_path

            _save(plot_path(result), plot)
        # A path of listed structures names the settings its certification suggests as flags.
        words = isinstance(result, StructurePath)
        if fmt == "json":
            click.echo(json.dumps(result.to_dict(flag_words) if words else result.to_dict(), indent=2,
                                  allow_nan=False))
        else:
            click.echo(result.text(flag_words) if words else repr(result))

