"""Sweep benchmarks (issue 4): vectorized engine, numeric fallback, Dask scaling.

Run: python benchmarks/bench_sweep.py [--quick] [--no-dask] [--file] [--settled]
Every ratio is measured in this run against a baseline measured in this run.

1. Vectorized sweep of the seed model against the per-point numeric path a user would
   otherwise write (solve each structure numerically, take the max).  The loop is timed
   on a small sample of points and extrapolated per point.
2. The default CPU engine on a 2000 x 2000 grid (K, t) of the seed model, one core:
   points per second for the full Dataset, and for the engine alone (log incomes of the
   7 structures, existence, argmax), after a warm-up run of the same size (the first
   run of a process also pays for growing its memory).
2b. The exact pruned evaluation of the core variables (boxes of the grid settled by
   enclosures, ``inframarginal.tiled``) against the point-by-point evaluation of the same
   grid, on three models: the answers checked identical.  Run alone: ``--settled``.
3. The batched numeric solver (the sweep's path for structures without closed forms)
   against a per-point loop of the same numeric solver, at random points of a model
   without closed forms and of the seed model solved numerically.
4. A Dask LocalCluster with 2 workers against 1 worker, on a sweep of a model without
   closed forms that takes over 20 s on one worker.
5. The sweep file (issue 14): the 2000 x 2000 seed sweep written to NetCDF (the core
   variables, the general equilibrium as int8 codes, chunked and zlib-compressed), as an
   API call + write and as the command ``inframarginal sweep li-ke-2020 --axis
   K=0.05:1:2000 --axis t=0:0.9:2000 --out big.nc`` in a fresh process, imports included:
   warm (run before at the same points: its kernel and its sample's certificates in the
   disk cache) and the first run at these points (the kernel cached by a 2 x 2 run, the
   sample certified), with the 2 x 2 command's time beside them, against a naive NumPy evaluation of the seven closed
   forms at the same points (each structure's compiled log income and existence
   conditions on the full mesh, then the best), and against the file as written before
   (every variable, names as strings, uncompressed).  Run alone: ``--file``.
   Then the file's writer alone (``netcdf_file.write_sweep_netcdf``, the core variables of the
   same grid): the first write of a fresh process (h5py imported) and the write repeated in a
   warm process, median of 3 (of 5 warm), wall and CPU, against the way before in the same run
   (``direct=False``: h5netcdf, HDF5's filter pipeline), runs alternated so that both see the
   same load (the 1-minute load average is printed).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import inframarginal as im  # noqa: E402
from inframarginal.equilibrium import (
    corner_equilibrium,  # noqa: E402
    general_equilibrium_at,  # noqa: E402
)
from inframarginal.sweep import make_grid, sweep, write_netcdf  # noqa: E402

QUICK = "--quick" in sys.argv


def numeric_twin():
    """The built-in yang-2001-specialization with x = exp(a log l): the same function as l**a,
    not recognised as a power form, so every structure is solved by the numeric path."""
    spec = dict(im.load_model("yang-2001-specialization").spec)
    output = [{"output": "exp(a * log(l))"}]
    spec.update(model={"name": "twin-numeric"}, technologies={"x": output, "y": output})
    return im.build_model(spec)


def per_point_numeric(model, points: list[dict[str, float]]) -> float:
    """Seconds per point of the loop a user would write: every structure numerically, then the max."""
    started = time.perf_counter()
    for p in points:
        values = model.check_parameters(p)
        best = max((corner_equilibrium(model, s, values, "numeric") for s in model.structures()),
                   key=lambda ce: ce.per_capita_real_income if ce.exists else -np.inf)
        assert best is not None
    return (time.perf_counter() - started) / len(points)


def bench_vectorized_vs_loop(model) -> None:
    rng = np.random.default_rng(0)
    sample = [{"K": float(rng.uniform(0.1, 1)), "t": float(rng.uniform(0, 0.9))} for _ in range(2 if QUICK else 4)]
    per_point_numeric(model, sample[:1])  # warm caches
    loop = per_point_numeric(model, sample)
    n = 500 if QUICK else 1000
    axes = {"K": np.linspace(0.05, 1, n), "t": np.linspace(0, 0.9, n)}
    sweep(model, axes)
    started = time.perf_counter()
    sweep(model, axes)
    vector = (time.perf_counter() - started) / n**2
    print(f"1. vectorized sweep vs per-point numeric loop (seed model, 7 structures): "
          f"loop {loop * 1e3:.0f} ms/point (timed on {len(sample)} points, extrapolated), "
          f"sweep {vector * 1e9:.0f} ns/point on {n}x{n}: {loop / vector:,.0f}x (target >= 1000x)")


def bench_engine(model) -> None:
    n = 1000 if QUICK else 2000
    axes = {"K": np.linspace(0.05, 1, n), "t": np.linspace(0, 0.9, n)}
    sweep(model, axes)  # warm-up: compiles the kernel and grows the process's memory
    times = []
    for _ in range(3):
        started = time.perf_counter()
        ds = sweep(model, axes)
        times.append(time.perf_counter() - started)
        del ds
    full = n * n / min(times)
    # the engine alone: log incomes, existence and argmax, chunk by chunk into reused buffers
    grid = make_grid(model, axes)
    from inframarginal.sweep import BLOCK_POINTS, _mesh

    kernel = grid.kernel
    values = [grid.axes[0][1], grid.axes[1][1]]
    rows = max(1, BLOCK_POINTS // n)
    code = np.empty((rows, n), dtype=np.int16)
    best = np.empty((rows, n))
    engine_times = []
    for _ in range(3):
        started = time.perf_counter()
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            mesh = _mesh([values[0][r0:r1], values[1]])
            general_equilibrium_at(*kernel.log_incomes(*mesh), out=(code[: r1 - r0], best[: r1 - r0]))
        engine_times.append(time.perf_counter() - started)
    engine = n * n / min(engine_times)
    # the engine alone picks the same structures as the full sweep (last block)
    ds = sweep(model, axes)
    last = slice(r0, r1)
    names = np.asarray([*grid.structures, ""])
    assert (names[code[: r1 - r0]] == ds.general_equilibrium.values[last]).all()
    print(f"2. default CPU engine, seed model {n}x{n} (K, t), 7 structures, one core: "
          f"full Dataset {full:,.0f} points/s; engine alone (log incomes, existence, argmax) "
          f"{engine:,.0f} points/s (target >= 5e6/s)")


def bench_settled() -> None:
    """The exact pruned evaluation (boxes settled by enclosures, inframarginal.tiled) against the
    point-by-point evaluation of the same grid, core variables, in the same run; the answers are
    checked identical (structures and income floats)."""
    from inframarginal import tiled
    from inframarginal.sweep import evaluate_grid, parse_variables

    n = 1000 if QUICK else 2000
    core = parse_variables("core")
    for name, (a, lo_a, hi_a), (b, lo_b, hi_b) in (("li-ke-2020", ("K", 0.05, 1), ("t", 0, 0.9)),
                                                   ("li-ke-2020-roundabout-productivity", ("K", 0.05, 1),
                                                    ("alpha", 0.05, 3)),
                                                   ("yang-2001-roundabout", ("k", 0.05, 1), ("alpha", 0.05, 0.99))):
        grid = make_grid(im.load_model(name), {a: np.linspace(lo_a, hi_a, n), b: np.linspace(lo_b, hi_b, n)})
        grid.kernel  # noqa: B018  (compiled before timing)
        settled = evaluate_grid(grid, variables=core)
        boxes = _best_of(lambda: evaluate_grid(grid, variables=core), 3)  # noqa: B023
        minimum, tiled.MIN_POINTS = tiled.MIN_POINTS, 2**62
        try:
            pointwise = evaluate_grid(grid, variables=core)
            points = _best_of(lambda: evaluate_grid(grid, variables=core), 3)  # noqa: B023
        finally:
            tiled.MIN_POINTS = minimum
        assert np.array_equal(settled["general_equilibrium"], pointwise["general_equilibrium"])
        assert np.array_equal(settled["equilibrium_income"], pointwise["equilibrium_income"], equal_nan=True)
        values = [v for _, v in grid.axes]
        report = tiled.settle_grid(grid.kernel, values, np.empty((n, n), np.int8), np.empty((n, n)))
        share = report.by_boxes / report.points if report else 0.0
        print(f"2b. exact pruned evaluation (core variables), {name} {n}x{n} ({a}, {b}): point by point "
              f"{points * 1e3:.0f} ms, boxes settled by enclosures {boxes * 1e3:.0f} ms: {points / boxes:.2f}x, "
              f"the same answers ({share:.1%} of the points settled by boxes)")


def bench_batched_numeric(seed) -> None:
    from inframarginal.batched import numeric_structure_grid

    rng = np.random.default_rng(0)
    cases = [("model without closed forms, 2 structures", numeric_twin(),
              {"k": (0.1, 1.0), "a": (1.05, 2.9)}, 5_000 if QUICK else 20_000),
             ("seed model solved numerically, 7 structures", seed,
              {"K": (0.1, 1.0), "t": (0.0, 0.9), "alpha": (0.2, 0.8), "F": (0.01, 0.3)}, 1_000 if QUICK else 4_000)]
    for label, model, ranges, n in cases:
        base = model.check_parameters()
        points = {p.name: np.full(n, base[p.name]) for p in model.parameters}
        points.update({k: rng.uniform(lo, hi, n) for k, (lo, hi) in ranges.items()})
        sample = {k: v[:100] for k, v in points.items()}
        for s in model.structures():  # warm caches (compiled functions) for both paths
            numeric_structure_grid(model, s, {k: v[:2] for k, v in points.items()})
        started = time.perf_counter()
        for s in model.structures():
            numeric_structure_grid(model, s, sample, anchor_rounds=0)
        loop = (time.perf_counter() - started) / 100
        started = time.perf_counter()
        for s in model.structures():
            numeric_structure_grid(model, s, points)
        batched = (time.perf_counter() - started) / n
        print(f"3. batched numeric solver vs a per-point loop of the numeric solver ({label}): "
              f"loop {loop * 1e3:.2f} ms/point (100 points), batched {batched * 1e6:.0f} us/point "
              f"({n:,} random points): {loop / batched:.0f}x (target >= 50x)")


def bench_dask() -> None:
    from inframarginal.zarr_store import local_cluster, sweep_to_zarr

    model = numeric_twin()
    n = 150 if QUICK else 700
    axes = {"k": np.linspace(0.1, 1, n), "a": np.linspace(1.05, 2.9, n)}
    chunk = n * n // 24
    folder = tempfile.mkdtemp()
    times, starts = {}, {}
    try:
        for workers in (1, 2):
            started = time.perf_counter()
            cluster, client = local_cluster(workers)
            # every worker imports the package and compiles the model once: a tiny sweep first
            sweep_to_zarr(model, {"k": axes["k"][:4], "a": axes["a"][:workers]}, None,
                          os.path.join(folder, f"warm{workers}.zarr"), chunk_points=4, client=client)
            starts[workers] = time.perf_counter() - started
            try:
                started = time.perf_counter()
                sweep_to_zarr(model, axes, None, os.path.join(folder, f"w{workers}.zarr"),
                              chunk_points=chunk, client=client)
                times[workers] = time.perf_counter() - started
            finally:
                client.close()
                cluster.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"4. Dask LocalCluster, {n * n:,} points of a model without closed forms (batched numeric "
          f"solver), 24 chunks: 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s: "
          f"{times[1] / times[2]:.2f}x (target >= 1.6x on a sweep over 20 s); starting the cluster "
          f"and its workers took {starts[1]:.1f} s and {starts[2]:.1f} s more; {os.cpu_count()} cores, "
          f"shared with the scheduler")


def naive_closed_forms(model, axes: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The evaluation a user would write with NumPy: every structure's compiled closed form
    (log income, existence conditions) on the full mesh of the axes, then the best structure."""
    from inframarginal.compiled import compile_structure
    from inframarginal.configurations import studied_structures

    base = model.check_parameters()
    mesh = dict(zip(axes, np.meshgrid(*axes.values(), indexing="ij"), strict=True))
    shape = next(iter(mesh.values())).shape
    args = [mesh.get(p.name, np.float64(base[p.name])) for p in model.parameters]
    best = np.full(shape, -np.inf)
    code = np.full(shape, -1, dtype=np.int8)
    with np.errstate(all="ignore"):
        for s, structure in enumerate(studied_structures(model)):
            compiled = compile_structure(model, structure)
            ok = np.ones(shape, dtype=bool)
            for function, _ in compiled.conditions:
                ok &= np.broadcast_to(np.asarray(function(*args)) > 0, shape)
            income = np.broadcast_to(np.exp(np.asarray(compiled.log_income(*args), dtype=float)), shape)
            better = ok & (income > best)
            best[better] = income[better]
            code[better] = s
    best[code < 0] = np.nan
    return code, best


def _best_of(function, repeats: int, clock=time.perf_counter) -> float:
    """The least time of ``repeats`` calls: wall time, or with ``time.process_time`` the CPU time
    (user + system) of this process."""
    times = []
    for _ in range(repeats):
        started = clock()
        function()
        times.append(clock() - started)
    return min(times)


def bench_file(model) -> None:
    n = 1000 if QUICK else 2000
    axes = {"K": np.linspace(0.05, 1, n), "t": np.linspace(0, 0.9, n)}
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "big.nc")
    try:
        # warm-up: both compile their closed forms; the sweep and the naive evaluation agree
        code, best = naive_closed_forms(model, axes)
        ds = sweep(model, axes, variables="core", decode=False)
        assert (ds.general_equilibrium.values == code).all()
        np.testing.assert_allclose(ds.equilibrium_income.values, best, rtol=1e-9)
        del ds, code, best
        naive = _best_of(lambda: naive_closed_forms(model, axes), 3)
        naive_cpu = _best_of(lambda: naive_closed_forms(model, axes), 3, time.process_time)
        api = _best_of(lambda: write_netcdf(sweep(model, axes, variables="core", decode=False), path), 3)
        size = os.path.getsize(path)
        every = _best_of(lambda: write_netcdf(sweep(model, axes, variables="all", decode=False), path), 1)
        every_size = os.path.getsize(path)

        def before() -> None:  # the file as written before issue 14
            sweep(model, axes).to_netcdf(path, engine="h5netcdf")

        old = _best_of(before, 1)
        old_size = os.path.getsize(path)
        command = [sys.executable, "-m", "inframarginal", "sweep", "li-ke-2020", "--axis", f"K=0.05:1:{n}",
                   "--axis", f"t=0:0.9:{n}", "--out", path]
        tiny = [*command[:5], "--axis", "K=0.05:1:2", "--axis", "t=0:0.9:2", "--out",
                os.path.join(folder, "tiny.nc")]
        _command(tiny)  # fills the disk cache: the kernel (closed forms compiled over K, t)
        first = _command(command)  # kernel from the cache; the sample of points certified (SciPy)
        warm = min((_command(command) for _ in range(3)), key=lambda r: r[0])  # certificates kept too
        fixed = min((_command(tiny) for _ in range(3)), key=lambda r: r[0])
        # the 2x2 command ran warm: the model's outline stood in for the model (no SymPy)
        probe = subprocess.run([sys.executable, "-c", "import sys; from inframarginal.cli import main\n"
                                "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
                                "print('sympy' in sys.modules)", *tiny[3:]], check=True, capture_output=True,
                               text=True, env=_ENV)
        warm_tiny = probe.stdout.strip().endswith("False")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"5. sweep file, seed model {n}x{n} (K, t), 7 structures, one core: naive NumPy evaluation of the "
          f"closed forms {naive:.2f} s; API sweep (core variables, codes) + chunked zlib NetCDF {api:.2f} s "
          f"({size / 2**20:.1f} MiB): {naive / api:.2f}x the naive evaluation (target >= 2x); every variable "
          f"{every:.2f} s ({every_size / 2**20:.0f} MiB): {naive / every:.2f}x; the file as before (every "
          f"variable, names as strings, uncompressed) {old:.2f} s ({old_size / 2**20:.0f} MiB): {naive / old:.2f}x")
    print(f"   the command `inframarginal sweep li-ke-2020 --axis K=0.05:1:{n} --axis t=0:0.9:{n} --out big.nc` "
          f"in a fresh process (imports included), wall (CPU; the naive evaluation {naive_cpu:.2f} s CPU): warm "
          f"(run before at the same points) {warm[0]:.2f} s ({warm[1]:.2f} s): {naive / warm[0]:.2f}x the naive "
          f"evaluation ({naive_cpu / warm[1]:.2f}x in CPU time; target >= 2x); first run at these points (kernel "
          f"from the disk cache, the sample certified: SciPy imported) {first[0]:.2f} s ({first[1]:.2f} s): "
          f"{naive / first[0]:.2f}x ({naive_cpu / first[1]:.2f}x); of which the same command on a 2x2 grid with "
          f"its file {fixed[0]:.2f} s ({fixed[1]:.2f} s; {'warm: no SymPy' if warm_tiny else 'SymPy imported'}, "
          f"target < 0.25 s wall)")


#: The commands' environment: an installed package runs from compiled bytecode, so a session
#: that turns writing it off would time Python's compiler on every command.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: One fresh process: the core variables of an n x n seed sweep, then one timed write.
_FIRST_WRITE = """
import json, os, sys, time
import numpy as np
import inframarginal as im
from inframarginal.sweep import evaluate_grid, make_grid, parse_variables, sweep_contents
n, path, direct = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "direct"
grid = make_grid(im.load_model("li-ke-2020"), {"K": np.linspace(0.05, 1, n), "t": np.linspace(0, 0.9, n)})
contents = sweep_contents(grid, evaluate_grid(grid, variables=parse_variables("core")))
from inframarginal.netcdf_file import write_sweep_netcdf
load = os.getloadavg()[0]
wall, cpu = time.perf_counter(), time.process_time()
write_sweep_netcdf(contents, path, direct=direct)
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu, load]))
"""


def bench_file_writer(model) -> None:
    """The sweep file's writer alone: direct (h5py's calls, chunks encoded in threads) against
    the way before (h5netcdf, HDF5's filter pipeline), first write of a fresh process and warm."""
    from inframarginal.netcdf_file import write_sweep_netcdf
    from inframarginal.sweep import evaluate_grid, parse_variables, sweep_contents

    n = 1000 if QUICK else 2000
    ways = {"direct": True, "before": False}
    folder = tempfile.mkdtemp()
    try:
        first: dict[str, list[list[float]]] = {way: [] for way in ways}
        for _ in range(3):  # alternated, so that both see the same load
            for way in ways:
                out = subprocess.run([sys.executable, "-c", _FIRST_WRITE, str(n), os.path.join(folder, f"{way}.nc"),
                                      way], check=True, capture_output=True, text=True).stdout
                first[way].append(json.loads(out))
        sizes = {way: os.path.getsize(os.path.join(folder, f"{way}.nc")) for way in ways}
        grid = make_grid(model, {"K": np.linspace(0.05, 1, n), "t": np.linspace(0, 0.9, n)})
        contents = sweep_contents(grid, evaluate_grid(grid, variables=parse_variables("core")))
        warm: dict[str, list[list[float]]] = {way: [] for way in ways}
        for _ in range(5):
            for way, direct in ways.items():
                wall, cpu = time.perf_counter(), time.process_time()
                write_sweep_netcdf(contents, os.path.join(folder, "warm.nc"), direct=direct)
                warm[way].append([time.perf_counter() - wall, time.process_time() - cpu, os.getloadavg()[0]])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def median(runs: list[list[float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    load = statistics.mean(r[2] for runs in (*first.values(), *warm.values()) for r in runs)
    print(f"   the file writer alone (core variables, {n}x{n}, {sizes['direct'] / 2**20:.2f} MiB; before "
          f"{sizes['before'] / 2**20:.2f} MiB), median wall (CPU), load average {load:.1f} on {os.cpu_count()} "
          f"cores: first write of a fresh process {median(first['direct'], 0):.3f} s ({median(first['direct'], 1):.3f} s)"
          f", the way before (h5netcdf, HDF5's filter pipeline) {median(first['before'], 0):.3f} s "
          f"({median(first['before'], 1):.3f} s): {median(first['before'], 0) / median(first['direct'], 0):.1f}x "
          f"(target <= 0.07 s); warm {median(warm['direct'], 0):.3f} s ({median(warm['direct'], 1):.3f} s) against "
          f"{median(warm['before'], 0):.3f} s ({median(warm['before'], 1):.3f} s): "
          f"{median(warm['before'], 0) / median(warm['direct'], 0):.1f}x")


def _command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=_ENV)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    model = im.load_model("li-ke-2020")
    if "--file" in sys.argv:
        bench_file(model)
        bench_file_writer(model)
        return
    if "--settled" in sys.argv:
        bench_settled()
        return
    bench_vectorized_vs_loop(model)
    bench_engine(model)
    bench_settled()
    bench_batched_numeric(model)
    bench_file(model)
    bench_file_writer(model)
    if "--no-dask" not in sys.argv:
        bench_dask()


if __name__ == "__main__":
    main()
