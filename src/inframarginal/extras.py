"""Optional extras: which ``pip install "inframarginal[...]"`` brings a missing module.

The base install runs the main job (models, solve, sweeps to NetCDF, paths, the report,
the beach game); the explorer, Zarr/Dask sweeps and the JAX backend need an extra.  A
command that reaches for a module of a missing extra ends with one line naming the
extra (exit status 2), not a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

from inframarginal.errors import InframarginalError

#: Top-level module -> the extra that installs it.
EXTRAS: dict[str, str] = {
    "fastapi": "web",
    "starlette": "web",
    "uvicorn": "web",
    "pydantic": "web",
    "dask": "distributed",
    "distributed": "distributed",
    "zarr": "distributed",
    "jax": "gpu",
    "jaxlib": "gpu",
}

#: What each extra is for, in the message.
PURPOSE: dict[str, str] = {
    "web": "the explorer (inframarginal serve)",
    "distributed": "chunked Zarr sweeps on Dask (a .zarr output, workers, a scheduler)",
    "gpu": "the JAX backend",
}


class MissingExtraError(InframarginalError):
    """A feature needs an optional extra that is not installed.

    Parameters
    ----------
    module : str
        The top-level module that could not be imported.
    extra : str
        The extra that installs it.
    """

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"{PURPOSE.get(extra, 'this feature')} needs the optional extra [{extra}] "
            f"(module {module!r} is not installed): pip install \"inframarginal[{extra}]\"")
        self.module = module
        self.extra = extra


def missing_extra(err: ImportError) -> MissingExtraError | None:
    """The :class:`MissingExtraError` for ``err`` if an extra provides its module, else ``None``.

    Examples
    --------
    >>> missing_extra(ModuleNotFoundError("No module named 'zarr'", name="zarr")).extra
    'distributed'
    >>> missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
    True
    """
    name = (getattr(err, "name", None) or "").split(".")[0]
    extra = EXTRAS.get(name)
    return None if extra is None else MissingExtraError(name, extra)
