"""A sweep's NetCDF file written from plain arrays with h5py, without xarray.

``inframarginal sweep ... --out FILE.nc`` evaluates a grid and writes its file.  Going
through :meth:`xarray.Dataset.to_netcdf` costs the command more than the 2000 x 2000
evaluation itself: xarray imports pandas, and Dask and ``distributed`` where they are
installed (to look for chunked arrays and a scheduler), about a second of CPU on the
development machine.  :func:`write_sweep_netcdf` writes the same file from
:class:`~inframarginal.sweep.SweepContents` with the encoding xarray's ``h5netcdf``
engine applies to a sweep (CF conventions as xarray writes them):

- floating-point variables and coordinates: ``_FillValue`` NaN;
- booleans: stored as ``int8`` with the attribute ``dtype = "bool"``;
- text coordinates (``structure``, ``good``): variable-length UTF-8 strings;
- integer codes: as they are, without a fill value;
- data variables chunked and compressed by
  :func:`~inframarginal.sweep.netcdf_variable_encoding`, as :func:`~inframarginal.sweep.write_netcdf`.

``tests/sweep/test_netcdf_file.py`` checks that both writers give files with the same
variables, values, attributes, chunks and filters, and that :func:`~inframarginal.sweep.open_sweep`
reads them the same.

The file is made with h5py's own calls, those h5netcdf makes, in the same order (h5netcdf's
bookkeeping took 20 ms of CPU more, on the write's critical path), and chunked numeric
variables do not go through HDF5's filter pipeline: each chunk is encoded here as the pipeline
would (HDF5's byte shuffle in NumPy, then :func:`zlib.compress` at the same level, an edge
chunk padded with the fill value as HDF5 pads it) in a few threads (zlib and NumPy's copies
release the GIL), starting before h5py is even imported, and stored with h5py's
``write_direct_chunk`` in a dataset created with that pipeline: every reader decodes the
chunks as before.  A chunk equal bit for bit to an earlier one of the same variable (a region
of the sweep where nothing changes) reuses its bytes.  ``python benchmarks/bench_sweep.py
--file`` times this against the way before (``direct=False``: h5netcdf and HDF5's pipeline).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from inframarginal.disk_cache import installed_version
from inframarginal.sweep import (
    SweepContents,
    SweepVariable,
    netcdf_variable_encoding,
    write_atomically,
)

__all__ = ["write_sweep_netcdf"]

_T = TypeVar("_T")
_R = TypeVar("_R")


def write_sweep_netcdf(contents: SweepContents, path: str | os.PathLike[str], *, direct: bool = True) -> None:
    """Write a sweep's contents to a NetCDF-4 file atomically (a temporary file renamed into place).

    Parameters
    ----------
    contents : SweepContents
        From :func:`inframarginal.sweep.sweep_contents`, with any further attributes
        (``certification``) in ``contents.attrs``.
    path : str or path-like
        The file; temporary files of the same target left by killed runs are removed first.
    direct : bool, default True
        Make the file with h5py's own calls and encode the chunks here, in threads; ``False``
        writes it through h5netcdf and HDF5's filter pipeline, in one thread, as before: the
        same file, slower (the benchmark's baseline, the tests' reference).
    """
    write_atomically(path, lambda tmp: _write(contents, tmp, direct))


def _write(contents: SweepContents, path: str, direct: bool = True) -> None:
    # xarray's order (the file keeps it): the axes, then each data variable, a coordinate
    # coming just before the first variable along it; then the attributes, the dimensions
    # in their order of appearance, the variables
    axes = [n for n in contents.coords if n not in ("structure", "good")]
    variables = {n: contents.coords[n] for n in axes}
    for name, var in contents.data_vars.items():
        variables.update({d: contents.coords[d] for d in var.dims if d not in variables})
        variables[name] = var
    variables.update({n: v for n, v in contents.coords.items() if n not in variables})
    dims: dict[str, int] = {}
    for var in variables.values():
        dims.update(zip(var.dims, var.values.shape, strict=True))
    # h5py's own calls need every dimension to be a coordinate variable of some length (a
    # sweep's are; h5netcdf makes an empty dimension unlimited)
    if direct and all(n in variables and variables[n].dims == (n,) and k for n, k in dims.items()):
        _write_direct(contents, path, variables, dims)
    else:
        _write_h5netcdf(contents, path, variables, dims)


def _write_h5netcdf(contents: SweepContents, path: str, variables: dict[str, SweepVariable],
                    dims: dict[str, int]) -> None:
    """The file through h5netcdf, its chunks through HDF5's filter pipeline (one thread)."""
    import h5netcdf

    with h5netcdf.File(path, mode="w") as f:  # NetCDF-4, refusing any feature netCDF-C cannot read
        for key, value in contents.attrs.items():
            f.attrs[key] = value
        for name, length in dims.items():
            f.dimensions[name] = length
        for name, var in variables.items():
            values, dtype, fillvalue, attrs, kwargs = _creation(name, var, name in contents.data_vars)
            out = f.create_variable(name, dimensions=var.dims, dtype=dtype, fillvalue=fillvalue, **kwargs)
            for key, value in attrs.items():
                out.attrs[key] = value
            out[...] = values


def _write_direct(contents: SweepContents, path: str, variables: dict[str, SweepVariable],
                  dims: dict[str, int]) -> None:
    """The file h5netcdf writes, made with h5py's own calls (h5netcdf's bookkeeping costs the
    command 25 ms), the chunks encoded in threads meanwhile."""
    # the chunks are encoded in threads while this one imports h5py and writes the metadata
    plans = {name: plan for name, var in contents.data_vars.items()
             if (plan := _ChunkPlan.of(name, _stored(var.values))) is not None}
    # wide values first (they take longest to deflate): the threads end together
    jobs = [job for plan in sorted(plans.values(), key=lambda p: -p.values.dtype.itemsize) for job in plan.jobs()]
    encoded = _ThreadMap(_encode, jobs, _threads(len(jobs)), [job.block.nbytes for job in jobs], _AHEAD_BYTES)
    try:
        import h5py  # type: ignore[import-untyped]  # (no stubs)

        # what h5netcdf does, in the order it leaves in the file: creation order tracked
        # (netCDF-C numbers variables and attributes by it), dimension ids in order of appearance
        with h5py.File(path, "w", track_order=True) as f:
            for key, value in contents.attrs.items():
                f.attrs[key] = _attribute(value)
            dimid = {name: np.int32(i) for i, name in enumerate(dims)}
            datasets: dict[str, Any] = {}
            for name, var in variables.items():
                values, dtype, fillvalue, attrs, kwargs = _creation(name, var, name in contents.data_vars)
                ds = f.create_dataset(name, values.shape, dtype=dtype, fillvalue=fillvalue, track_order=True,
                                      **kwargs)
                if var.dims == (name,):  # a coordinate: its dimension's scale
                    if dimid[name]:  # h5netcdf writes the id 0 again at the end (a falsy id)
                        ds.attrs["_Netcdf4Dimid"] = np.array(dimid[name])
                    ds.make_scale(name)
                    ds.attrs["_Netcdf4Coordinates"] = np.array([dimid[name]], np.int32)
                    if not dimid[name]:
                        ds.attrs["_Netcdf4Dimid"] = np.array(dimid[name])
                else:
                    for axis, dim in enumerate(var.dims):
                        ds.dims[axis].attach_scale(datasets[dim])
                    if var.dims:  # (a scalar has neither)
                        ds.attrs["_Netcdf4Coordinates"] = np.array([dimid[d] for d in var.dims], np.int32)
                        ds.attrs["_Netcdf4Dimid"] = dimid[var.dims[0]]
                if fillvalue is not None:
                    ds.attrs["_FillValue"] = np.atleast_1d(fillvalue)
                for key, value in attrs.items():
                    ds.attrs[key] = _attribute(value)
                if name not in plans:
                    ds[...] = values
                datasets[name] = ds
            kept: dict[int, Any] = {}  # the bytes of chunks that later chunks repeat, by id
            for job, data in zip(jobs, encoded, strict=True):
                if isinstance(data, _Repeat):
                    data = kept[id(data.of)]
                if job.repeated:
                    kept[id(job)] = data
                job.plan.check(datasets[job.plan.name])
                datasets[job.plan.name].id.write_direct_chunk(job.offset, data)
            # h5netcdf's mark of a netCDF-4 file, written as it closes one
            properties = (f"version=2,h5netcdf={_h5netcdf_version()},hdf5={h5py.version.hdf5_version},"
                          f"h5py={h5py.__version__}")
            f.attrs["_NCProperties"] = np.array(properties, dtype=h5py.string_dtype("ascii", len(properties)))
    finally:
        encoded.close()  # the threads stop at once where the write failed


def _h5netcdf_version() -> str:
    """h5netcdf's version, from its installed metadata where it is there (importing h5netcdf
    costs 7 ms of the write)."""
    found = None if "h5netcdf" in sys.modules else installed_version("h5netcdf")
    if found is not None:
        return found
    import h5netcdf

    return str(h5netcdf.__version__)


def _attribute(value: Any) -> Any:
    """An attribute's value as h5netcdf stores it: a number as a one-element array; a boolean
    or complex value refused, as h5netcdf refuses it (netCDF has neither)."""
    kind = np.asarray(value).dtype.kind
    if kind in "bc":
        raise TypeError(f"attribute value {value!r}: netCDF has no {'boolean' if kind == 'b' else 'complex'} type")
    if np.isscalar(value) and kind not in "SU":
        return np.atleast_1d(value)
    return value


def _stored(values: np.ndarray) -> np.ndarray:
    """The values as stored: CF has no booleans, they are int8 (a view: NumPy's booleans are
    the bytes 0 and 1); text as h5py's variable-length strings (objects)."""
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return values.view(np.int8)
    if values.dtype.kind == "U":
        return values.astype(object)
    return values


def _creation(name: str, var: SweepVariable, data_var: bool) -> tuple[np.ndarray, Any, Any, dict[str, Any],
                                                                       dict[str, Any]]:
    """The stored values, dtype, fill value, attributes and h5py's keywords (chunks, filters)
    of a variable, with the encoding xarray gives it."""
    import h5py

    values = _stored(var.values)
    attrs = dict(var.attrs)
    fillvalue = None
    kwargs: dict[str, Any] = {}
    if np.asarray(var.values).dtype.kind == "b":  # xarray's BooleanCoder marks them
        attrs["dtype"] = "bool"
    elif values.dtype.kind == "f":
        fillvalue = values.dtype.type(np.nan)
    dtype: Any = h5py.special_dtype(vlen=str) if values.dtype.kind == "O" else values.dtype
    if data_var:
        encoding = netcdf_variable_encoding(name, values.shape)
        if encoding.pop("zlib", False):
            kwargs["compression"] = "gzip"
            kwargs["compression_opts"] = encoding.pop("complevel")
        if "shuffle" in encoding:
            kwargs["shuffle"] = encoding["shuffle"]
        if "chunksizes" in encoding:
            kwargs["chunks"] = encoding["chunksizes"]
    return values, dtype, fillvalue, attrs, kwargs


#: Bytes of chunks handed to the encoding threads and not yet written, at most: the whole
#: core variables of a 2000 x 2000 sweep (40 MB), so that their encoding goes on while h5py is
#: imported and the metadata written.
_AHEAD_BYTES = 64 << 20


class _ChunkPlan:
    """How a data variable's chunks are stored: the chunk shape, HDF5's pipeline (shuffle,
    deflate level or none) and the fill value an edge chunk is padded with, all as
    :func:`~inframarginal.sweep.netcdf_variable_encoding` and :func:`_creation` make the
    dataset; :meth:`check` compares them with the dataset HDF5 made."""

    def __init__(self, name: str, values: np.ndarray, chunks: tuple[int, ...], shuffle_filter: bool,
                 level: int | None, fill: Any) -> None:
        self.name = name
        self.values = values
        self.chunks = chunks
        self.shuffle_filter = shuffle_filter
        # HDF5's shuffle leaves one-byte values as they are
        self.shuffle = shuffle_filter and values.dtype.itemsize > 1
        self.level = level
        self.fill = fill
        self._checked = False

    @classmethod
    def of(cls, name: str, values: np.ndarray) -> _ChunkPlan | None:
        """The plan of a chunked numeric variable; ``None`` for any other (HDF5 writes it)."""
        encoding = netcdf_variable_encoding(name, values.shape)
        if "chunksizes" not in encoding or values.dtype.kind not in "iuf" or not values.dtype.isnative:
            return None
        level = int(encoding["complevel"]) if encoding.get("zlib") else None
        # h5py puts the shuffle before deflate (only with it here)
        shuffle = level is not None and bool(encoding.get("shuffle"))
        fill = values.dtype.type(np.nan) if values.dtype.kind == "f" else values.dtype.type(0)
        return cls(name, values, tuple(encoding["chunksizes"]), shuffle, level, fill)

    def check(self, dataset: Any) -> None:
        """Raise if the dataset's chunks, pipeline or fill value are not the plan's (once)."""
        if self._checked:
            return
        import h5py

        dcpl = dataset.id.get_create_plist()
        filters = [dcpl.get_filter(i)[:3] for i in range(dcpl.get_nfilters())]
        expected = [(h5py.h5z.FILTER_SHUFFLE, 1, (self.values.dtype.itemsize,))] if self.shuffle_filter else []
        if self.level is not None:
            expected.append((h5py.h5z.FILTER_DEFLATE, 1, (self.level,)))
        fill = np.zeros(1, dataset.dtype)
        dcpl.get_fill_value(fill)
        found = (dataset.dtype, dataset.shape, dataset.chunks, filters, fill.tobytes())
        wanted = (self.values.dtype, self.values.shape, self.chunks, expected,
                  np.asarray([self.fill], self.values.dtype).tobytes())
        if found != wanted:
            raise AssertionError(f"{self.name}: HDF5 made {found}, the chunks were encoded for {wanted}")
        self._checked = True

    def jobs(self) -> list[_Job]:
        """One job per chunk, in C order; a chunk whose sample of values matches an earlier
        chunk's is compared with it in full (in its thread) before being encoded."""
        counts = [-(-n // c) for n, c in zip(self.values.shape, self.chunks, strict=True)]
        out: list[_Job] = []
        first: dict[bytes, _Job] = {}
        for index in np.ndindex(*counts):
            offset = tuple(i * c for i, c in zip(index, self.chunks, strict=True))
            block = self.values[tuple(slice(o, o + c) for o, c in zip(offset, self.chunks, strict=True))]
            job = _Job(self, offset, block, None)
            if self.level is not None:  # only compression is worth skipping
                key = repr(block.shape).encode() + block[tuple(slice(None, None, max(1, n // 8))
                                                               for n in block.shape)].tobytes()
                earlier = first.setdefault(key, job)
                if earlier is not job:
                    job.like, earlier.repeated = earlier, True
            out.append(job)
        return out


class _Repeat:
    """A chunk's bytes are those of the earlier chunk ``of`` (its values are the same)."""

    def __init__(self, of: _Job) -> None:
        self.of = of


class _Job:
    """One chunk to encode: its plan, first element, values and maybe an earlier equal-looking chunk."""

    def __init__(self, plan: _ChunkPlan, offset: tuple[int, ...], block: np.ndarray, like: _Job | None) -> None:
        self.plan = plan
        self.offset = offset
        self.block = block
        self.like = like
        self.repeated = False  # an equal-looking later chunk may reuse this one's bytes


def _encode(job: _Job) -> Any:
    """The chunk's bytes as HDF5 stores them: padded to the chunk's shape, shuffled, deflated
    (or a :class:`_Repeat` of an earlier chunk with the same values, bit for bit)."""
    plan, block = job.plan, job.block
    if job.like is not None:
        as_int = np.dtype(f"u{block.dtype.itemsize}")  # bits, so that NaN equals NaN
        if np.array_equal(block.view(as_int), job.like.block.view(as_int)):
            return _Repeat(job.like)
    if block.shape != plan.chunks:  # at the array's edge: HDF5 stores whole chunks, padded
        padded = np.full(plan.chunks, plan.fill, dtype=block.dtype)
        padded[tuple(slice(0, n) for n in block.shape)] = block
        block = padded
    if plan.shuffle:  # HDF5's shuffle: byte 0 of every value, then byte 1, ...
        size = block.dtype.itemsize
        data = np.ascontiguousarray(np.ascontiguousarray(block).reshape(-1).view(np.uint8).reshape(-1, size).T)
    else:
        data = np.ascontiguousarray(block)
    return data if plan.level is None else zlib.compress(data.data, plan.level)


def _threads(jobs: int) -> int:
    """Threads for ``jobs`` chunks: at most one per core this process may run on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, os.cpu_count() or 1, jobs))


class _ThreadMap(Generic[_T, _R]):
    """``map(function, items)`` in ``threads`` threads, started at once; iterating gives the
    results in order.

    Items of ``sizes`` bytes are handed to the threads while those not yet taken by the
    caller add up to at most ``ahead`` bytes (one at least): memory stays bounded.
    :meth:`close` (whether or not the results were taken) drops what no thread has started
    and waits for the threads.
    """

    def __init__(self, function: Callable[[_T], _R], items: Sequence[_T], threads: int,
                 sizes: Sequence[int], ahead: int) -> None:
        self._function = function
        self._items = items
        self._sizes = sizes
        self._ahead = ahead
        self._todo: queue.SimpleQueue[tuple[int, _T] | None] = queue.SimpleQueue()
        self._done: list[tuple[bool, Any] | None] = [None] * len(items)
        self._ready = [threading.Event() for _ in items]
        self._queued = self._held = 0  # items handed out; bytes of those not yet taken
        self._workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for worker in self._workers:
            worker.start()
        self._hand_out(0)

    def _work(self) -> None:
        while (job := self._todo.get()) is not None:
            i, item = job
            try:
                self._done[i] = (True, self._function(item))
            except BaseException as exc:  # raised again in the caller's thread
                self._done[i] = (False, exc)
            self._ready[i].set()

    def _hand_out(self, taken: int) -> None:
        while self._queued < len(self._items) and (
                self._queued == taken or self._held + self._sizes[self._queued] <= self._ahead):
            self._todo.put((self._queued, self._items[self._queued]))
            self._held += self._sizes[self._queued]
            self._queued += 1

    def __iter__(self) -> Iterator[_R]:
        for i in range(len(self._items)):
            self._hand_out(i)
            self._ready[i].wait()
            self._held -= self._sizes[i]
            result, self._done[i] = self._done[i], None
            assert result is not None
            if not result[0]:
                raise result[1]
            yield result[1]

    def close(self) -> None:
        """Stop the threads once their current item is done."""
        while True:
            try:
                self._todo.get_nowait()
            except queue.Empty:
                break
        for _ in self._workers:
            self._todo.put(None)
        for worker in self._workers:
            worker.join()
        self._workers = []
