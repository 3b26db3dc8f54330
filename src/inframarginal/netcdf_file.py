"""A sweep's NetCDF file written from plain arrays with h5netcdf, without xarray.

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
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from inframarginal.sweep import (
    SweepContents,
    SweepVariable,
    netcdf_variable_encoding,
    write_atomically,
)

__all__ = ["write_sweep_netcdf"]


def write_sweep_netcdf(contents: SweepContents, path: str | os.PathLike[str]) -> None:
    """Write a sweep's contents to a NetCDF-4 file atomically (a temporary file renamed into place).

    Parameters
    ----------
    contents : SweepContents
        From :func:`inframarginal.sweep.sweep_contents`, with any further attributes
        (``certification``) in ``contents.attrs``.
    path : str or path-like
        The file; temporary files of the same target left by killed runs are removed first.
    """
    write_atomically(path, lambda tmp: _write(contents, tmp))


def _write(contents: SweepContents, path: str) -> None:
    import h5netcdf

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
    with h5netcdf.File(path, mode="w") as f:  # NetCDF-4, refusing any feature netCDF-C cannot read
        for key, value in contents.attrs.items():
            f.attrs[key] = value
        for name, length in dims.items():
            f.dimensions[name] = length
        for name, var in variables.items():
            _write_variable(f, name, var, name in contents.data_vars)


def _write_variable(f: Any, name: str, var: SweepVariable, data_var: bool) -> None:
    import h5py  # type: ignore[import-untyped]  # (no stubs)

    values = np.asarray(var.values)
    attrs = dict(var.attrs)
    fillvalue = None
    kwargs: dict[str, Any] = {}
    if values.dtype.kind == "b":  # CF has no booleans: int8 marked as bool (xarray's BooleanCoder)
        values = values.astype(np.int8)
        attrs["dtype"] = "bool"
    elif values.dtype.kind == "f":
        fillvalue = values.dtype.type(np.nan)
    if values.dtype.kind == "U":
        dtype: Any = h5py.special_dtype(vlen=str)
        values = values.astype(object)
    else:
        dtype = values.dtype
    if data_var:
        encoding = netcdf_variable_encoding(name, values.shape)
        if encoding.pop("zlib", False):
            kwargs["compression"] = "gzip"
            kwargs["compression_opts"] = encoding.pop("complevel")
        if "shuffle" in encoding:
            kwargs["shuffle"] = encoding["shuffle"]
        if "chunksizes" in encoding:
            kwargs["chunks"] = encoding["chunksizes"]
    out = f.create_variable(name, dimensions=var.dims, dtype=dtype, fillvalue=fillvalue, **kwargs)
    for key, value in attrs.items():
        out.attrs[key] = value
    out[...] = values
