"""The layout of a sweep's Zarr store, read without Dask: its spec file, chunk markers, progress.

:mod:`inframarginal.zarr_store` writes stores (chunked, resumable, on Dask);
:func:`inframarginal.sweep.open_sweep` and :func:`inframarginal.zarr_store.open_zarr_sweep`
read them through :func:`open_zarr_dataset`.  This module sits below both, so that the
sweep module, which the store builds on, never imports the store.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import xarray as xr

from inframarginal.errors import SweepError

#: The sweep's description (axes, chunks, variables), written when the store is created.
SPEC_FILE = ".inframarginal-sweep.json"
#: One JSON marker per finished chunk (its structure counts), written after the chunk.
DONE_DIR = ".inframarginal-done"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence Zarr's notes about our marker files inside the store."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"zarr\..*")
        warnings.filterwarnings("ignore", message=".*not recognized as a component of a Zarr hierarchy.*")
        yield


def read_spec(path: str) -> dict[str, Any] | None:
    """The store's spec file, or ``None`` if it has none (not a sweep store) or it is unreadable."""
    try:
        with open(os.path.join(path, SPEC_FILE)) as fh:
            spec: dict[str, Any] = json.load(fh)
            return spec
    except (OSError, ValueError):
        return None


def done_chunks(path: str) -> dict[int, dict[str, int]]:
    """The finished chunks' structure counts, by chunk index."""
    out: dict[int, dict[str, int]] = {}
    folder = os.path.join(path, DONE_DIR)
    for name in os.listdir(folder):
        if name.endswith(".json"):
            try:
                with open(os.path.join(folder, name)) as fh:
                    out[int(name[:-5])] = json.load(fh)
            except (OSError, ValueError):
                continue  # a marker cut off mid-write: the chunk is simply computed again
    return out


def zarr_progress(path: str) -> tuple[int, int]:
    """Chunks finished and chunks in all of a sweep's Zarr store."""
    spec = read_spec(path)
    if spec is None:
        raise SweepError(f"{path} is not a sweep written by inframarginal")
    shape = [a[1]["count"] if isinstance(a[1], dict) else len(a[1]) for a in spec["axes"]]
    total = math.prod(math.ceil(n / c) for n, c in zip(shape, spec["chunks"], strict=True))
    return len(done_chunks(path)), total


def open_zarr_dataset(path: str, allow_incomplete: bool = False) -> xr.Dataset:
    """A sweep's Zarr store as stored (codes, lazily with Dask); refuse an unfinished one unless allowed."""
    done, total = zarr_progress(path)
    if done < total and not allow_incomplete:
        raise SweepError(f"{path} is unfinished ({done} of {total} chunks); rerun the same sweep command "
                         "to finish it")
    with quiet():
        ds: xr.Dataset = xr.open_zarr(path, consolidated=None)
    return ds
