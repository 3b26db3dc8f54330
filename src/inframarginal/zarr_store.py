"""Sweeps too large for memory: chunked, written to Zarr as they complete, resumable, on Dask.

:func:`sweep_to_zarr` splits the grid into chunks, computes each chunk from its
coordinates alone (so no process ever holds more than a few chunks) and writes it
into its own region of a Zarr store as soon as it is done.  A small marker file per
finished chunk records completion, after the write: a sweep interrupted at any
moment and rerun with the same arguments recomputes only the chunks without a
marker and loses nothing.  The store is first created under a temporary name and
renamed into place once its metadata and description are written, so a store that
exists is always either complete or resumable.

Chunks run in this process, on a Dask ``LocalCluster`` started for the sweep
(``workers``), or on an existing Dask cluster (``scheduler``); workers write to the
store directly, so it must be on a file system they share.

References
----------
Dask Development Team (2016). *Dask: Library for dynamic task scheduling*. https://dask.org
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from inframarginal.backends import check_backend
from inframarginal.model import Model
from inframarginal.sweep import (
    CHUNK_POINTS,
    CODED,
    Grid,
    SweepError,
    check_grid_size,
    chunk_layout,
    chunk_shape,
    chunk_slices,
    decode_general_equilibrium,
    evaluate_chunk,
    flag_attrs,
    make_grid,
    parse_variables,
    process_running,
    structure_counts,
    sweep_attrs,
    to_dataset,
)
from inframarginal.zarr_layout import (  # the store's layout, shared with inframarginal.sweep.open_sweep
    DONE_DIR,
    SPEC_FILE,
    open_zarr_dataset,
)
from inframarginal.zarr_layout import (
    done_chunks as _done,
)
from inframarginal.zarr_layout import (
    quiet as _quiet,
)
from inframarginal.zarr_layout import (
    read_spec as _read_spec,
)

#: Zarr format 2: fixed-width strings (the structure and good coordinates) have a stable
#: encoding there.  The general equilibrium and numeraire are integer codes.
ZARR_FORMAT = 2
#: Suffix of the lock file next to a store while a run writes it.
LOCK_SUFFIX = ".lock"
#: Seconds to wait for an existing Dask scheduler before giving up.
CONNECT_TIMEOUT = 3.0


@dataclass(frozen=True)
class ZarrSweep:
    """What :func:`sweep_to_zarr` did: the store, its chunks, and the structures found."""

    path: str
    points: int
    chunks: int
    computed: int
    resumed: int
    seconds: float
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)




# -- the store ------------------------------------------------------------------------------


def _template(grid: Grid, chunks: tuple[int, ...], backend: str, variables: tuple[str, ...]) -> xr.Dataset:
    import dask.array as da

    sizes = {"structure": len(grid.structures), "good": len(grid.model.good_names)}
    dims = grid.names
    coords: dict[str, Any] = {n: v for n, v in grid.axes}
    coords["structure"] = list(grid.structures)
    coords["good"] = list(grid.model.good_names)
    data_vars = {}
    for name, (lead, dtype, fill) in chunk_layout(grid, variables).items():
        # the codes' CF flags go with the store's metadata: chunks write data only
        attrs = flag_attrs(coords[CODED[name]], dtype) if name in CODED else {}
        if lead:
            data = da.full((*grid.shape, sizes[lead]), fill, dtype=dtype, chunks=(*chunks, sizes[lead]))
            data_vars[name] = ((*dims, lead), data, attrs)
        else:
            data_vars[name] = (dims, da.full(grid.shape, fill, dtype=dtype, chunks=chunks), attrs)
    ds = xr.Dataset(data_vars, coords=coords, attrs=sweep_attrs(grid, backend))
    for name in ds.data_vars:
        ds[name].encoding["chunks"] = ds[name].data.chunksize
    return ds


def _spec(grid: Grid, chunks: tuple[int, ...], variables: tuple[str, ...]) -> dict[str, Any]:
    return {**grid.spec(), "chunks": list(chunks), "variables": list(variables)}


def _create_store(path: str, grid: Grid, chunks: tuple[int, ...], backend: str, variables: tuple[str, ...]) -> None:
    """Create the store's metadata under a temporary name, then rename it into place."""
    import glob

    # under the store's lock, any other temporary store is left over from a killed run
    for stale in glob.glob(glob.escape(path) + ".init-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = f"{path}.init-{os.getpid()}"
    try:
        with _quiet():
            _template(grid, chunks, backend, variables).to_zarr(tmp, mode="w", compute=False, consolidated=False,
                                                     zarr_format=ZARR_FORMAT)
        os.makedirs(os.path.join(tmp, DONE_DIR))
        with open(os.path.join(tmp, SPEC_FILE), "w") as fh:
            json.dump({**_spec(grid, chunks, variables), "complete": False}, fh)
        os.rename(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _prepare_store(path: str, grid: Grid, chunks: tuple[int, ...], backend: str,
                   variables: tuple[str, ...]) -> None:
    if not os.path.exists(path):
        _create_store(path, grid, chunks, backend, variables)
        return
    found = _read_spec(path)
    if found is None:
        raise SweepError(f"{path} exists and is not a sweep written by inframarginal; remove it or choose "
                         "another path")
    found.pop("complete", None)
    if found != _spec(grid, chunks, variables):
        raise SweepError(f"{path} holds a different sweep (model, axes, fixed parameters, points per chunk "
                         "or variables differ); "
                         "rerun with the same arguments to resume it, or remove it / choose another path")


@contextlib.contextmanager
def store_lock(path: str):
    """Hold ``PATH.lock`` (created exclusively) while this run writes the store ``path``.

    A second run on the same store stops with a one-line error instead of racing
    the first one; a lock left by a process of this host that no longer runs is taken over.
    """
    import socket

    lock = path + LOCK_SUFFIX
    host = socket.gethostname()
    for attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(lock) as fh:
                    owner = json.load(fh)
                pid, owner_host = int(owner["pid"]), str(owner["host"])
            except (OSError, ValueError, KeyError, TypeError):
                pid, owner_host = None, "?"  # being written right now, or damaged
            if attempt == 0 and pid is not None and owner_host == host and not process_running(pid):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(lock)  # left by a run that was killed
                continue
            who = f"process {pid} on {owner_host}" if pid is not None else "another process"
            raise SweepError(f"another run ({who}) is writing {path}; wait for it to finish, or remove {lock} "
                             "if that run no longer exists") from None
        with os.fdopen(fd, "w") as fh:
            json.dump({"pid": os.getpid(), "host": host}, fh)
        break
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(lock)


def _mark_done(path: str, index: int, counts: dict[str, int]) -> None:
    folder = os.path.join(path, DONE_DIR)
    tmp = os.path.join(folder, f"{index}.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(counts, fh)
    os.replace(tmp, os.path.join(folder, f"{index}.json"))


# -- one chunk -------------------------------------------------------------------------------

#: Models a worker process keeps rebuilt from their specifications (one sweep uses one).
KEPT_MODELS = 4
_MODELS: dict[str, Model] = {}


def _model_from(spec: Mapping[str, Any], source: str) -> Model:
    """Rebuild a model on a worker (cached per process)."""
    from inframarginal.model import build_model

    key = json.dumps(spec, sort_keys=True, default=str)
    if key not in _MODELS:
        while len(_MODELS) >= KEPT_MODELS:  # bounded: the oldest model goes, with its caches
            _MODELS.pop(next(iter(_MODELS)))
        _MODELS[key] = build_model(spec, source)
    return _MODELS[key]


def _write_chunk(job: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """Compute one chunk from its coordinates and write it into its region of the store."""
    model = _model_from(job["model_spec"], job["model_source"])
    axes = {n: np.asarray(v) for n, v in job["axes"]}
    grid = make_grid(model, axes, job["fixed"])
    region = tuple(slice(a, b) for a, b in job["region"])
    arrays = evaluate_chunk(grid, region, job["backend"], variables=tuple(job["variables"]))
    ds = to_dataset(grid, arrays, job["backend"], region)
    ds = ds.drop_vars([*grid.names, "structure", "good"])
    ds.attrs = {}
    with _quiet():
        ds.to_zarr(job["path"], region=dict(zip(grid.names, region, strict=True)), consolidated=False,
                   zarr_format=ZARR_FORMAT)
    return job["index"], structure_counts(arrays["general_equilibrium"], grid.structures)


# -- the driver ------------------------------------------------------------------------------


def connect(scheduler: str, timeout: float = CONNECT_TIMEOUT):
    """A Dask client of the scheduler at ``scheduler``, or a one-line error within ``timeout`` s."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise SweepError(f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s "
                         f"({type(err).__name__}); start one with `dask scheduler` or use a local cluster "
                         "of workers") from None


def local_cluster(workers: int, threads: int = 1, processes: bool = True):
    """A Dask LocalCluster on the loopback interface, and its client."""
    from distributed import Client, LocalCluster

    if workers < 1:
        raise SweepError("need at least 1 worker", field="workers", value=workers)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=processes,
                           host="127.0.0.1", dashboard_address=None)
    return cluster, Client(cluster)


def sweep_to_zarr(model: Model, axes: Mapping[str, ArrayLike], fixed: Mapping[str, float] | None, path: str,
                  *, backend: str = "numpy", chunk_points: int = CHUNK_POINTS, workers: int | None = None,
                  scheduler: str | None = None, client=None, progress: bool = False,
                  max_chunks: int | None = None, variables: str | tuple[str, ...] | None = "all",
                  grid: Grid | None = None) -> ZarrSweep:
    """Sweep chunk by chunk into a Zarr store, resuming an interrupted run of the same sweep.

    Parameters
    ----------
    model, axes, fixed, backend
        As for :func:`inframarginal.sweep.sweep`.
    path : str
        The Zarr store (a directory, conventionally ``*.zarr``).
    chunk_points : int
        Points per chunk (each chunk is one task and one region of the store).
    workers : int, optional
        Start a Dask LocalCluster with this many single-threaded worker processes.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    client : distributed.Client, optional
        Use this client instead (tests, notebooks).
    progress : bool
        Progress bar with ETA.
    max_chunks : int, optional
        Stop after this many chunks (the store stays resumable); for tests and trials.
    variables : str or tuple of str
        ``"all"`` (default), ``"core"`` or groups, as for :func:`inframarginal.sweep.parse_variables`.
        The general equilibrium and numeraire are stored as integer codes with CF
        ``flag_values``/``flag_meanings``; :func:`open_zarr_sweep` gives names.
    grid : Grid, optional
        The sweep's grid, made and checked by the caller (:func:`inframarginal.sweep.make_grid`
        and :func:`~inframarginal.sweep.check_grid_size`); it is not checked again, and
        ``axes`` and ``fixed`` are then ignored.

    Returns
    -------
    ZarrSweep

    Raises
    ------
    SweepError
        For bad arguments, a grid above the limits of :func:`inframarginal.sweep.check_grid_size`,
        a store holding another sweep, or another run writing the same store.
    """
    started = time.perf_counter()
    backend = check_backend(backend)
    chosen = parse_variables(variables)
    if workers is not None and scheduler is not None:
        raise SweepError("give either a number of workers or a scheduler's address, not both")
    if chunk_points < 1:
        raise SweepError("need at least 1 point per chunk", field="chunk_points", value=chunk_points)
    if grid is None:  # a grid made and checked by the caller is not checked again
        grid = make_grid(model, axes, fixed)
        check_grid_size(grid, chunk_points, in_memory=False)
    chunks = chunk_shape(grid.shape, chunk_points)
    regions = list(chunk_slices(grid.shape, chunks))
    own = None
    if client is None and scheduler is not None:
        client = connect(scheduler)  # fail fast, before any file is written
        own = (None, client)
    path = os.fspath(path).rstrip("/")
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(store_lock(path))
        except SweepError:
            if own is not None:
                own[1].close()
            raise
        return _run(path, grid, chunks, regions, model, backend, client, own, workers, progress, max_chunks,
                    started, chosen)


def _run(path: str, grid: Grid, chunks: tuple[int, ...], regions: list, model: Model, backend: str, client, own,
         workers: int | None, progress: bool, max_chunks: int | None, started: float,
         variables: tuple[str, ...]) -> ZarrSweep:
    """The body of :func:`sweep_to_zarr`, run while holding the store's lock."""
    from tqdm import tqdm

    _prepare_store(path, grid, chunks, backend, variables)
    done = _done(path)
    pending = [i for i in range(len(regions)) if i not in done]
    if max_chunks is not None:
        pending = pending[:max_chunks]
    counts: dict[str, int] = {}
    for c in done.values():
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
    base = {"model_spec": model.spec, "model_source": model.source, "axes": [[n, v] for n, v in grid.axes],
            "fixed": dict(grid.fixed), "backend": backend, "path": path, "variables": list(variables)}

    def job(i: int) -> dict[str, Any]:
        return {**base, "index": i, "region": [(s.start, s.stop) for s in regions[i]]}

    def finish(index: int, chunk_counts: dict[str, int], bar) -> None:
        _mark_done(path, index, chunk_counts)
        for k, v in chunk_counts.items():
            counts[k] = counts.get(k, 0) + v
        bar.update(math.prod(s.stop - s.start for s in regions[index]))

    done_points = sum(math.prod(s.stop - s.start for s in regions[i]) for i in done)
    try:
        if client is None and workers is not None:
            own = local_cluster(workers)
            client = own[1]
        with tqdm(total=grid.size, initial=done_points, unit="pt", unit_scale=True, disable=not progress,
                  desc="sweep", leave=False) as bar:
            if client is None:
                grid.kernel  # noqa: B018  (compile before the first chunk)
                for i in pending:
                    finish(*_write_chunk(job(i)), bar)
            else:
                _run_on_cluster(client, [job(i) for i in pending], lambda i, c: finish(i, c, bar))
    finally:
        if own is not None:
            cluster, own_client = own
            own_client.close()
            if cluster is not None:
                cluster.close()
    complete = len(_done(path)) == len(regions)
    if complete:
        _complete(path)
    return ZarrSweep(path, grid.size, len(regions), len(pending), len(done), time.perf_counter() - started,
                     dict(sorted(counts.items())))


def _run_on_cluster(client, jobs: list[dict[str, Any]], finish) -> None:
    """Submit chunks with a bounded number in flight, recording each as it completes."""
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = 2 * workers + 1
    queue = iter(jobs)
    futures = as_completed()
    for job in [j for _, j in zip(range(window), queue, strict=False)]:
        futures.add(client.submit(_write_chunk, job, pure=False))
    for future in futures:
        index, counts = future.result()
        finish(index, counts)
        future.release()
        nxt = next(queue, None)
        if nxt is not None:
            futures.add(client.submit(_write_chunk, nxt, pure=False))


def _complete(path: str) -> None:
    import zarr

    spec = _read_spec(path) or {}
    spec["complete"] = True
    tmp = os.path.join(path, SPEC_FILE + ".tmp")
    with open(tmp, "w") as fh:
        json.dump(spec, fh)
    os.replace(tmp, os.path.join(path, SPEC_FILE))
    try:
        with _quiet():
            zarr.consolidate_metadata(path)
    except Exception:  # consolidation only speeds up opening
        pass


def open_zarr_sweep(path: str, allow_incomplete: bool = False, decode: bool = True) -> xr.Dataset:
    """Open a sweep's Zarr store (lazily, with Dask); refuse an unfinished one unless allowed.

    With ``decode`` the general equilibrium and numeraire are names (decoded lazily,
    chunk by chunk), as in :func:`inframarginal.sweep.sweep`; otherwise integer codes.
    """
    ds = open_zarr_dataset(path, allow_incomplete)
    return decode_general_equilibrium(ds) if decode else ds
