"""Parameter sweeps: the general equilibrium over a grid of parameter values.

Infra-marginal comparative statics partitions the parameter space into the
regions where each structure is the general equilibrium (Yang 2001, ch. 4).  A
sweep evaluates every studied structure's corner equilibrium on a grid of some
parameters (the *axes*, the others fixed), picks the general equilibrium at each
point (the corner equilibrium with the highest per-capita real income) and
returns an :class:`xarray.Dataset`:

``general_equilibrium`` (axes)
    name of the structure that is the general equilibrium; ``""`` where no corner
    equilibrium exists or the point is outside the admissible domain.
``equilibrium_income`` (axes)
    its per-capita real income (NaN where there is none).
``per_capita_real_income`` (axes, structure)
    every structure's per-capita real income (NaN where it does not exist).
``exists`` (axes, structure)
    whether the structure's corner equilibrium exists.
``admissible`` (axes)
    whether every parameter is inside its domain; other points are not computed.
``price`` (axes, good)
    equilibrium price of each good at the general equilibrium, relative to its
    numeraire (NaN for goods not traded there).
``numeraire`` (axes)
    the good whose price is 1 at the general equilibrium (``""`` in autarky).
``specialists`` (axes, good)
    the number of specialists selling each good at the general equilibrium, as a
    share of the population (0 in autarky).

Attributes record the model, the fixed parameters (JSON), the axes and the
package version.

Inside the engine and in files, ``general_equilibrium`` and ``numeraire`` are integer
codes (the index of the structure, or of the good; -1 for none) with the CF attributes
``flag_values`` and ``flag_meanings``: 4 x 10^6 points take 4 MB instead of 48 and are
counted with :func:`numpy.bincount`.  Names appear only at the edges:
:func:`decode_general_equilibrium` turns the codes into names, and :func:`sweep` and
:func:`open_sweep` return names as before.  ``variables`` chooses what a sweep holds:
the core (the general equilibrium, its income, the admissible points) and the groups of
:data:`VARIABLE_GROUPS`.  Structures with closed forms are evaluated by compiled,
vectorized closed forms (:mod:`inframarginal.backends`); the others by the batched
numeric solver (:mod:`inframarginal.batched`).

References
----------
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from inframarginal.backends import (
    BoundKernel,
    bound_kernel,
    check_backend,
)
from inframarginal.errors import Advice, ParameterError, SweepError
from inframarginal.outline import full_model, studied_structures
from inframarginal.provenance import coordinate_attrs, provenance, variable_attrs
from inframarginal.results import general_equilibrium_at
from inframarginal.version import __version__

if TYPE_CHECKING:
    import xarray as xr

    from inframarginal.model import Model
    from inframarginal.outline import SweepModel

# xarray (with pandas, and Dask where installed) is imported where a Dataset is made: the
# command line evaluates a grid and writes its file (inframarginal.netcdf_file) without it.

#: Points per chunk of an in-memory sweep (a progress-bar step; also the default Zarr chunk).
CHUNK_POINTS = 1_000_000
#: Points per block of the vectorized kernel: small enough for the CPU cache.
BLOCK_POINTS = 1 << 16
#: Most values on one axis (its coordinates alone take 8 bytes each), checked before any
#: array is allocated.
MAX_AXIS_POINTS = 10_000_000
#: Most points of a sweep written to Zarr (in-memory sweeps are limited by memory_limit()).
MAX_GRID_POINTS = 10**11
#: Most chunks of a sweep (each is a task, a progress step and a marker file).
MAX_CHUNKS = 1_000_000


# -- axes: the NAME=START:STOP:COUNT grammar of the command line is in inframarginal.cli.grammar

# -- the grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A checked sweep: the axes (in order), the fixed parameters and the admissible points.

    ``fixed`` holds every base parameter that is not an axis (defaults filled in);
    ``admissible[i]`` marks the values of axis ``i`` inside the parameter's domain
    (domains are intervals, so admissibility of a point is the product over axes).
    ``model`` is a :class:`~inframarginal.model.Model` or, for a warm command, its outline
    (:class:`inframarginal.outline.ModelOutline`).
    """

    model: SweepModel
    axes: tuple[tuple[str, np.ndarray], ...]
    fixed: dict[str, float]
    admissible: tuple[np.ndarray, ...] = field(repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for _, v in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @cached_property
    def kernel(self) -> BoundKernel:
        return bound_kernel(self.model, self.names, self.fixed)

    @property
    def structures(self) -> tuple[str, ...]:
        return tuple(s.name for s in studied_structures(self.model))

    def spec(self) -> dict[str, Any]:
        """A JSON-able description (identifies a sweep for resuming)."""
        return {
            "model": self.model.name,
            "model_key": self.model.content_hash[:16],
            "axes": [[n, [float(x) for x in v]] if len(v) <= 16 else [n, _axis_digest(v)] for n, v in self.axes],
            "fixed": {k: float(v) for k, v in sorted(self.fixed.items())},
        }


def _axis_digest(values: np.ndarray) -> dict[str, Any]:
    import hashlib

    return {"count": len(values), "first": float(values[0]), "last": float(values[-1]),
            "sha256": hashlib.sha256(np.ascontiguousarray(values, dtype=float).tobytes()).hexdigest()[:16]}


def make_grid(model: SweepModel, axes: Mapping[str, ArrayLike], fixed: Mapping[str, float] | None = None) -> Grid:
    """Check the axes and fixed parameters of a sweep.

    Raises
    ------
    SweepError, ParameterError
        For an unknown or derived parameter, a repeated one, an empty axis, an axis
        with no value inside the domain, or a fixed value outside its domain.
    """
    fixed = dict(fixed or {})
    if not axes:
        raise SweepError("a sweep needs at least one axis (a parameter and its values)")
    derived = {d.name: d for d in model.derived}
    base = [p.name for p in model.parameters]
    checked_axes = []
    admissible = []
    for name, values in axes.items():
        if name in derived:
            raise SweepError(f"axis {name}: {name} is derived ({name} = {derived[name].text}); "
                             "vary the parameters it is made of instead")
        if name not in base:
            raise SweepError(f"axis {name}: unknown parameter (parameters of {model.name}: {', '.join(base)})")
        if name in fixed:
            raise SweepError(f"parameter {name} is both an axis and fixed; choose one")
        array = np.asarray(values, dtype=float).reshape(-1)
        if array.size > MAX_AXIS_POINTS:
            raise SweepError(f"axis {name}: {array.size:,} values exceed the limit of {MAX_AXIS_POINTS:,} "
                             "points per axis")
        if array.size == 0:
            raise SweepError(f"axis {name}: no values (the range is empty)")
        if not np.all(np.isfinite(array)):
            raise SweepError(f"axis {name}: values must be finite")
        domain = model.parameter(name).domain
        lo, hi = float(array.min()), float(array.max())
        if lo < domain.lower or hi > domain.upper:
            raise SweepError(f"axis {name} from {lo:g} to {hi:g} goes outside the domain {domain} of {name}; "
                             f"choose values in {domain}")
        inside = _inside(domain, array)
        if not inside.any():
            raise SweepError(f"axis {name}: no value lies inside the domain {domain} of {name}; "
                             f"choose values in {domain}")
        checked_axes.append((name, array))
        admissible.append(inside)
    for name in fixed:
        if name not in base and name not in derived:
            raise ParameterError(f"unknown parameter (parameters of {model.name}: {', '.join(base)})",
                                 field="fixed", value=name)
    values = model.check_parameters(fixed)
    axis_names = {n for n, _ in checked_axes}
    rest = {n: values[n] for n in base if n not in axis_names}
    return Grid(model, tuple(checked_axes), rest, tuple(admissible))


def _inside(domain, array: np.ndarray) -> np.ndarray:
    """``value in domain`` for every value of ``array``, vectorized."""
    above = array >= domain.lower if domain.lower_closed else array > domain.lower
    below = array <= domain.upper if domain.upper_closed else array < domain.upper
    return above & below & np.isfinite(array)


def check_grid_size(grid: Grid, chunk_points: int, *, in_memory: bool, variables: tuple[str, ...] | None = None,
                    decode: bool = True) -> None:
    """Refuse a sweep too large for its limits before anything is allocated or written.

    In memory: :func:`check_in_memory` (of the ``variables``, default all).  To Zarr: at
    most :data:`MAX_GRID_POINTS` points.  Either way at most :data:`MAX_CHUNKS` chunks
    of ``chunk_points``.
    """
    if in_memory:
        check_in_memory(grid, variables, decode)
    elif grid.size > MAX_GRID_POINTS:
        raise SweepError(f"the grid of {grid.size:,} points exceeds the limit of {MAX_GRID_POINTS:,} points "
                         "of a sweep; use fewer points per axis")
    chunks = math.prod(math.ceil(n / c) for n, c in zip(grid.shape, chunk_shape(grid.shape, chunk_points),
                                                           strict=True))
    if chunks > MAX_CHUNKS:
        raise SweepError(f"the grid of {grid.size:,} points would make {chunks:,} chunks, "
                         f"above the limit of {MAX_CHUNKS:,}; give more points per chunk",
                         field="chunk_points", value=f"{chunk_points:,}")


# -- chunks -------------------------------------------------------------------------------


def chunk_shape(shape: tuple[int, ...], points: int) -> tuple[int, ...]:
    """C-order chunk lengths with about ``points`` points per chunk (last axes whole first)."""
    out = [1] * len(shape)
    size = 1
    for i in range(len(shape) - 1, -1, -1):
        if size * shape[i] <= points:
            out[i] = shape[i]
            size *= shape[i]
        else:
            out[i] = max(1, points // size)
            break
    return tuple(out)


def chunk_slices(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    """Every chunk of a grid, in C order, as a tuple of slices."""
    counts = [math.ceil(n / c) for n, c in zip(shape, chunks, strict=True)]
    for index in np.ndindex(*counts):
        yield tuple(slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(index, chunks, shape, strict=True))


# -- variables --------------------------------------------------------------------------------

#: The groups of variables a sweep can hold beyond its core (``--variables``).
VARIABLE_GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("general_equilibrium", "equilibrium_income", "admissible"),
    "incomes": ("per_capita_real_income", "exists"),
    "prices": ("price", "numeraire"),
    "numbers": ("specialists",),
}
#: Every variable, in the Dataset's order.
ALL_VARIABLES = ("general_equilibrium", "equilibrium_income", "per_capita_real_income", "exists", "admissible",
                 "price", "numeraire", "specialists")
#: Variables stored as integer codes (-1: none) that name a structure or a good, and the
#: coordinate whose values they index.
CODED = {"general_equilibrium": "structure", "numeraire": "good"}


def parse_variables(text: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """The variables of a sweep: ``core``, ``all`` or a comma-separated list of groups.

    The groups are ``prices`` (``price``, ``numeraire``), ``numbers`` (``specialists``)
    and ``incomes`` (every structure's ``per_capita_real_income`` and ``exists``); the
    core (``general_equilibrium``, ``equilibrium_income``, ``admissible``) is always
    included.  ``None`` means ``all``.  A tuple or list of variable names is checked
    and put in the Dataset's order.

    Raises
    ------
    SweepError
        Naming the unknown group or variable and the accepted ones.

    Examples
    --------
    >>> parse_variables("core")
    ('general_equilibrium', 'equilibrium_income', 'admissible')
    >>> parse_variables("prices")
    ('general_equilibrium', 'equilibrium_income', 'admissible', 'price', 'numeraire')
    """
    if text is None:
        return ALL_VARIABLES
    if isinstance(text, (tuple, list)):
        for name in text:
            if name not in ALL_VARIABLES:
                raise SweepError(f"variables: {name!r} is not a sweep variable (expected some of "
                                 f"{', '.join(ALL_VARIABLES)})")
        chosen = set(text) | set(VARIABLE_GROUPS["core"])
        return tuple(v for v in ALL_VARIABLES if v in chosen)
    words = [w.strip() for w in str(text).split(",")]
    if words == ["all"]:
        return ALL_VARIABLES
    chosen = set(VARIABLE_GROUPS["core"])
    for word in words:
        if word not in VARIABLE_GROUPS:
            raise SweepError(f"{word!r} is not a group of variables (expected core, all, "
                             "or a comma-separated list of prices, numbers, incomes)", field="variables", value=repr(text))
        chosen.update(VARIABLE_GROUPS[word])
    return tuple(v for v in ALL_VARIABLES if v in chosen)


def code_dtype(count: int) -> np.dtype:
    """The smallest signed integer type holding the codes -1 .. ``count`` - 1."""
    for dtype in (np.int8, np.int16, np.int32):
        if count - 1 <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def flag_attrs(names: list[str] | tuple[str, ...], dtype: Any) -> dict[str, Any]:
    """CF attributes of a coded variable: ``flag_values`` -1, 0, 1... and ``flag_meanings``.

    ``flag_meanings`` are blank-separated words, so blanks inside a name become ``_``
    and -1 is ``none``; the exact names are the values of the coordinate the codes index
    (``structure`` or ``good``), from which :func:`decode_general_equilibrium` reads them.
    """
    words = ["none", *(re.sub(r"\s+", "_", str(n).strip()) or "_" for n in names)]
    return {"flag_values": np.arange(-1, len(names), dtype=dtype), "flag_meanings": " ".join(words)}


# -- evaluation of one chunk ----------------------------------------------------------------


def chunk_layout(grid: Grid, variables: tuple[str, ...] | None = None) -> dict[str, tuple[str | None, Any, Any]]:
    """The arrays of an evaluated chunk: name -> (leading dimension or None, dtype, fill value).

    ``general_equilibrium`` and ``numeraire`` are integer codes (-1: none).
    """
    layout = {
        "general_equilibrium": (None, code_dtype(len(grid.structures)), -1),
        "equilibrium_income": (None, np.float64, np.nan),
        "per_capita_real_income": ("structure", np.float64, np.nan),
        "exists": ("structure", bool, False),
        "admissible": (None, bool, False),
        "price": ("good", np.float64, np.nan),
        "numeraire": (None, code_dtype(len(grid.model.good_names)), -1),
        "specialists": ("good", np.float64, np.nan),
    }
    if variables is None:
        return layout
    return {name: layout[name] for name in ALL_VARIABLES if name in variables}


def empty_chunk(grid: Grid, shape: tuple[int, ...], variables: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Arrays for a chunk of ``shape`` (leading structure/good dimension first).

    Zeroed, except the codes, which start at -1 (none).
    """
    sizes = {"structure": len(grid.structures), "good": len(grid.model.good_names)}
    out = {}
    for name, (lead, dtype, fill) in chunk_layout(grid, variables).items():
        # np.zeros, not np.empty: calloc hands back pages that are much cheaper to touch first
        out[name] = (np.full if name in CODED else np.zeros)(
            (sizes[lead], *shape) if lead else shape, *((fill,) if name in CODED else ()), dtype=dtype)
    return out


def evaluate_chunk(grid: Grid, region: tuple[slice, ...], backend: str = "numpy",
                   out: dict[str, np.ndarray] | None = None,
                   variables: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Evaluate the grid on one chunk (a tuple of slices), computing admissible points only.

    Returns (or fills ``out`` with) the chunk's arrays, named as the Dataset's
    variables, with the ``structure`` or ``good`` dimension first; ``variables``
    (default all, or those of ``out``) says which.
    """
    shape = tuple(s.stop - s.start for s in region)
    out = out if out is not None else empty_chunk(grid, shape, variables)
    variables = tuple(out)
    layout = chunk_layout(grid, variables)
    masks = [adm[s] for adm, s in zip(grid.admissible, region, strict=True)]
    if all(m.all() for m in masks):
        out["admissible"][...] = True
        _evaluate_box(grid, [v[s] for (_, v), s in zip(grid.axes, region, strict=True)], backend, out)
        return out
    # Some values are outside the domain: fill the defaults, compute the admissible box only.
    for name, (_, _, fill) in layout.items():
        out[name][...] = fill
    admissible = np.ones(shape, dtype=bool)
    for m in _mesh(masks):
        admissible &= m
    out["admissible"][...] = admissible
    if not all(m.any() for m in masks):
        return out
    index = np.ix_(*(np.nonzero(m)[0] for m in masks))
    values = [v[s][m] for (_, v), s, m in zip(grid.axes, region, masks, strict=True)]
    box = empty_chunk(grid, tuple(len(v) for v in values), variables)
    _evaluate_box(grid, values, backend, box)
    for name, (lead, _, _) in layout.items():
        if name != "admissible":
            out[name][(slice(None), *index) if lead else index] = box[name]
    return out


def _mesh(values: list[np.ndarray]) -> list[np.ndarray]:
    n = len(values)
    return [v.reshape([-1 if j == i else 1 for j in range(n)]) for i, v in enumerate(values)]


def _evaluate_box(grid: Grid, values: list[np.ndarray], backend: str, out: dict[str, np.ndarray]) -> None:
    """Evaluate every point of a box of admissible values (one 1-D array per axis) into ``out``.

    Only the arrays in ``out`` are computed: without ``per_capita_real_income`` no
    structure's income is exponentiated or stored, only the chosen one's.
    """
    kernel = grid.kernel
    shape = tuple(len(v) for v in values)
    if backend == "numpy" and not {"per_capita_real_income", "exists"} & set(out):
        from inframarginal.tiled import settle_grid

        # only the general equilibrium is asked for (no structure's own income): boxes far from
        # any switch are settled whole; its prices and numbers follow from the codes
        if settle_grid(kernel, values, out["general_equilibrium"], out["equilibrium_income"]) is not None:
            if {"price", "specialists", "numeraire"} & set(out):
                for block in _blocks(shape):
                    _details(grid, [values[0][block], *values[1:]], out["general_equilibrium"][block], out, block, {})
            return
    n = len(kernel.structures)
    numeric = [i for i, k in enumerate(kernel.structures) if not k.closed]
    codes = jax_incomes = None
    if backend == "jax":  # the structures' incomes and the choice among them on JAX's device
        from inframarginal.backends import jax_general_equilibrium

        codes, jax_incomes = jax_general_equilibrium(kernel, values, incomes=True)
    blocks = _blocks(shape)
    income = out.get("per_capita_real_income")
    exists = out.get("exists")
    logs = None
    if numeric:
        # The numeric structures are solved for the whole box at once, after the closed forms:
        # keep every structure's log income (the choice is made on logs, incomes may under- or
        # overflow: 2**(-2a)) and existence until then.
        logs = np.full((n, *shape), -np.inf)
        if exists is None:
            exists = np.zeros((n, *shape), dtype=bool)
    for block in blocks:
        if jax_incomes is None:
            incomes, flags = kernel.log_incomes(*_mesh([values[0][block], *values[1:]]))
        else:
            incomes = [None if a is None else a[block] for a in jax_incomes]
            flags = [None if a is None else np.isfinite(a) for a in incomes]
        for s, (inc, ok) in enumerate(zip(incomes, flags, strict=True)):
            if inc is None:
                continue
            if income is not None:
                with np.errstate(all="ignore"):
                    np.exp(np.where(ok, inc, np.nan), out=income[s, block])
            if exists is not None:
                exists[s, block] = ok
            if logs is not None:
                np.copyto(logs[s, block], np.where(ok, inc, -np.inf))
        if not numeric:
            _finish_block(grid, values, block, out, None if codes is None else codes[block], incomes, flags)
    if numeric:
        from inframarginal.batched import numeric_structure_grid

        points = {n: m.reshape(-1) for n, m in zip(grid.names, np.meshgrid(*values, indexing="ij"), strict=True)}
        points.update({k: np.full(math.prod(shape), v) for k, v in grid.fixed.items()})
        solved = {}
        for s in numeric:
            result = numeric_structure_grid(grid.model, kernel.structures[s].structure, points)
            exists[s] = result["exists"].reshape(shape)
            if income is not None:
                income[s] = np.where(exists[s], np.exp(result["log_income"]).reshape(shape), np.nan)
            logs[s] = np.where(exists[s], result["log_income"].reshape(shape), -np.inf)
            solved[s] = {name: a.reshape(shape) for name, a in result.items()}
        for block in blocks:
            _finish_block(grid, values, block, out, None, list(logs[:, block]), list(exists[:, block]), solved)


def _blocks(shape: tuple[int, ...]) -> list[slice]:
    """Blocks of about :data:`BLOCK_POINTS` points along the first axis (temporaries stay in cache)."""
    rows = max(1, BLOCK_POINTS // max(math.prod(shape[1:]), 1))
    return [slice(r0, min(shape[0], r0 + rows)) for r0 in range(0, shape[0], rows)]


def _finish_block(grid: Grid, values: list[np.ndarray], block: slice, out: dict[str, np.ndarray],
                  codes: np.ndarray | None, logs: list[np.ndarray | None], flags: list[np.ndarray | None],
                  solved: dict[int, dict[str, np.ndarray]] | None = None) -> None:
    """The general equilibrium of a block (highest income, first structure on ties) and its details.

    ``logs`` and ``flags``: each structure's log income and existence on the block
    (``None`` for a structure left out), on which the choice is made; ``codes``: the
    choice made already (on JAX's device).  The codes and the income are written
    straight into ``out``.
    """
    code, best = out["general_equilibrium"][block], out["equilibrium_income"][block]
    if codes is None:
        general_equilibrium_at(logs, flags, out=(code, best))
    else:
        code[...] = codes
        best.fill(-np.inf)
        for s, inc in enumerate(logs):
            if inc is not None:
                np.copyto(best, inc, where=code == s)
    with np.errstate(all="ignore"):
        np.exp(best, out=best)
    best[code < 0] = np.nan
    if "price" in out or "specialists" in out or "numeraire" in out:
        _details(grid, [values[0][block], *values[1:]], code, out, block, solved or {})


def _details(grid: Grid, values: list[np.ndarray], code: np.ndarray, out: dict[str, np.ndarray],
             block: slice, solved: dict[int, dict[str, np.ndarray]]) -> None:
    """Prices, numbers of specialists and numeraire (a good's index) of the general equilibrium."""
    kernel = grid.kernel
    goods = grid.model.good_names
    prices = out["price"][:, block] if "price" in out else None
    specialists = out["specialists"][:, block] if "specialists" in out else None
    numeraire = out["numeraire"][block] if "numeraire" in out else None
    for array, fill in ((prices, np.nan), (specialists, np.nan), (numeraire, -1)):
        if array is not None:
            array[...] = fill
    present = np.flatnonzero(_code_counts(code, len(kernel.structures))[1:])  # the block's structures
    for s in present:
        k = kernel.structures[s]
        structure = k.structure
        where = code == s
        if k.closed:
            details = kernel.details(int(s), *_mesh(values))
            log_prices = {g: details[f"log_price_{g}"] for g in k.log_prices}
            shares = [details[f"share_{i}"] for i in range(len(k.shares))]
            num = k.numeraire
        else:
            from inframarginal.symbolic import numeraire as numeraire_of

            # the numeric corner equilibria were solved for the whole box already
            result = {name: a[block] for name, a in solved[int(s)].items()}
            num = numeraire_of(structure, grid.model)
            with np.errstate(all="ignore"):
                log_prices = {g: np.log(result[f"price_{g}"]) for g in goods if f"price_{g}" in result}
            shares = [result[f"share_{i}"] for i in range(len(structure.configurations))]
        for gi, g in enumerate(goods):
            if prices is not None and g in log_prices:
                np.copyto(prices[gi], np.exp(log_prices[g]), where=where)
            if specialists is not None:
                sold = [sh for c, sh in zip(structure.configurations, shares, strict=True) if c.sells == g]
                np.copyto(specialists[gi], np.sum(np.broadcast_arrays(*sold), axis=0) if sold else 0.0, where=where)
        if numeraire is not None:
            numeraire[where] = goods.index(num) if num else -1


# -- the in-memory sweep --------------------------------------------------------------------

#: Bytes per grid point held by an in-memory sweep, beyond its variables (working arrays).
_BYTES_FIXED = 48


def bytes_per_point(grid: Grid, variables: tuple[str, ...] | None = None, decode: bool = True) -> int:
    """Memory an in-memory sweep needs per grid point (the Dataset and the working arrays).

    ``decode``: the names of the general equilibrium and numeraire are made as well.
    """
    layout = chunk_layout(grid, variables)
    sizes = {None: 1, "structure": len(grid.structures), "good": len(grid.model.good_names)}
    need = sum(sizes[lead] * np.dtype(dtype).itemsize for lead, dtype, _ in layout.values())
    if decode:
        width = max((len(s) for s in grid.structures), default=1)
        need += 4 * width + (4 * max(len(g) for g in grid.model.good_names) if "numeraire" in layout else 0)
    return need + _BYTES_FIXED


def memory_limit() -> int:
    """Bytes an in-memory sweep may use: ``$INFRAMARGINAL_SWEEP_MEMORY`` or half the physical memory."""
    text = os.environ.get("INFRAMARGINAL_SWEEP_MEMORY")
    if text:
        return int(float(text))
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 4 << 30


class InMemoryLimitError(SweepError):
    """A grid too large to compute in memory (it can still be written chunked to Zarr)."""


def check_in_memory(grid: Grid, variables: tuple[str, ...] | None = None, decode: bool = True) -> None:
    """Refuse a grid that would not fit in memory, telling the user what to do instead."""
    need = grid.size * bytes_per_point(grid, variables, decode)
    limit = memory_limit()
    if need > limit:
        raise InMemoryLimitError(
            f"the grid of {grid.size:,} points needs about {need / 2**30:.2f} GiB in memory "
            f"(limit {limit / 2**30:.1f} GiB); write it chunked to a Zarr store instead, on a Dask "
            "cluster if need be (inframarginal.zarr_store.sweep_to_zarr)")


def sweep(model: Model, axes: Mapping[str, ArrayLike], fixed: Mapping[str, float] | None = None, *,
          backend: str = "numpy", progress: bool = False, chunk_points: int = CHUNK_POINTS,
          variables: str | tuple[str, ...] | None = "all", decode: bool = True) -> xr.Dataset:
    """The general equilibrium and every corner equilibrium over a grid of parameters.

    Parameters
    ----------
    model : Model
    axes : mapping
        Parameter name to its values (1-D), one dimension per axis in this order.
    fixed : mapping, optional
        Values of other parameters; the rest take their defaults.
    backend : {"numpy", "jax"}
        ``jax`` picks the general equilibrium in float32 on JAX's device (a GPU when
        present) and checks it against float64 on a sample of points.
    progress : bool
        Show a progress bar with ETA (tqdm, on stderr) once the sweep has lasted half a second
        (:class:`inframarginal.progress.Progress`).
    chunk_points : int
        Points per chunk (one progress step).
    variables : str or tuple of str
        ``"all"`` (default), ``"core"`` or groups as for :func:`parse_variables`
        (``"prices,numbers"``); the core alone is much faster on large grids.
    decode : bool
        Names (default) or integer codes (with ``flag_values`` and ``flag_meanings``)
        for ``general_equilibrium`` and ``numeraire``; see :func:`decode_general_equilibrium`.

    Returns
    -------
    xarray.Dataset
        See the module documentation for its variables.

    Examples
    --------
    >>> import numpy as np, inframarginal as im
    >>> ds = im.load_model("li-ke-2020").sweep({"K": np.linspace(0.1, 1, 4)}, {"t": 0.0})
    >>> ds.general_equilibrium.values.tolist()
    ['A', 'A', 'PC', 'PC']
    >>> coded = im.load_model("li-ke-2020").sweep({"K": np.linspace(0.1, 1, 4)}, {"t": 0.0},
    ...                                           variables="core", decode=False)
    >>> coded.general_equilibrium.values.tolist(), coded.general_equilibrium.attrs["flag_meanings"]
    ([0, 0, 4, 4], 'none A B PA PB PC CCA CCB')
    """
    backend = check_backend(backend)
    chosen = parse_variables(variables)
    grid = make_grid(model, axes, fixed)
    check_grid_size(grid, chunk_points, in_memory=True, variables=chosen, decode=decode)
    return sweep_grid(grid, backend=backend, progress=progress, chunk_points=chunk_points, variables=chosen,
                      decode=decode)


def sweep_grid(grid: Grid, *, backend: str = "numpy", progress: bool = False,
               chunk_points: int = CHUNK_POINTS, variables: tuple[str, ...] | None = None,
               decode: bool = True) -> xr.Dataset:
    """Evaluate a checked :class:`Grid` in memory, chunk by chunk (``variables``: default all)."""
    arrays = evaluate_grid(grid, backend=backend, progress=progress, chunk_points=chunk_points,
                           variables=variables)
    ds = to_dataset(grid, arrays, backend)
    ds.attrs.update(certification_attrs(certification_advice(grid, arrays)))
    return decode_general_equilibrium(ds) if decode else ds


def evaluate_grid(grid: Grid, *, backend: str = "numpy", progress: bool = False,
                  chunk_points: int = CHUNK_POINTS, variables: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The arrays of a checked :class:`Grid`, evaluated in memory chunk by chunk, as
    :func:`evaluate_chunk` gives them (leading ``structure``/``good`` dimension first)."""
    from inframarginal.progress import Progress

    shape = grid.shape
    arrays = empty_chunk(grid, shape, variables)
    layout = chunk_layout(grid, variables)
    regions = list(chunk_slices(shape, chunk_shape(shape, chunk_points)))
    grid.kernel  # noqa: B018  (compile before the progress bar starts)
    with Progress(grid.size, progress, unit="pt", unit_scale=True, desc="sweep", leave=False) as bar:
        for region in regions:
            views = {name: a[(slice(None), *region) if layout[name][0] else region]
                     for name, a in arrays.items()}
            evaluate_chunk(grid, region, backend, views)
            bar.update(math.prod(s.stop - s.start for s in region))
    return arrays


def certification(grid: Grid, arrays: Mapping[str, np.ndarray]) -> str:
    """The listed GE certified against all structures at a few points per region (issue 13, item 6):
    the sweep's attribute ``certification``, in Python words (:func:`certification_advice`)."""
    return str(certification_advice(grid, arrays))


def certification_advice(grid: Grid, arrays: Mapping[str, np.ndarray]) -> Advice:
    """:func:`certification` with the settings that would help where not certified, as advice:
    the sweep's attributes (:func:`certification_attrs`)."""
    from inframarginal.certificates import kept_sample_advice, sweep_sample

    if "general_equilibrium" not in arrays:
        return Advice("")
    codes = np.asarray(arrays["general_equilibrium"])
    admissible = np.asarray(arrays["admissible"], dtype=bool) if "admissible" in arrays else np.ones(codes.shape, bool)
    every = bool(admissible.all())  # the usual case: no copy of the codes
    picks = [i for i in sweep_sample(codes if every else np.where(admissible, codes, -2)) if every or admissible[i]]
    names = ["", *grid.structures]
    points = [dict(grid.fixed) | {n: float(v[j]) for (n, v), j in zip(grid.axes, i, strict=True)} for i in picks]
    regions = [names[int(codes[i]) + 1] for i in picks]
    kept = kept_sample_advice(grid.model, points, regions)  # a sweep run again: no LP, no SymPy
    if kept is not None:
        return kept
    from inframarginal.search import certify_sample

    return certify_sample(full_model(grid.model), points, regions)


def certification_attrs(certification: Advice) -> dict[str, str]:
    """A sweep's attributes for its certification: plain text (NetCDF holds no objects), in Python
    words, and where it suggests settings ``certification_advice``, the advice as JSON
    (:meth:`inframarginal.errors.Advice.to_dict`) for the edges' words (the explorer's)."""
    attrs = {"certification": str(certification)}
    if certification.use:
        attrs["certification_advice"] = json.dumps(certification.to_dict())
    return attrs


_LONG_NAMES = {
    "general_equilibrium": "structure of the general equilibrium ('' where none exists or not admissible)",
    "equilibrium_income": "per-capita real income at the general equilibrium",
    "per_capita_real_income": "per-capita real income of each structure's corner equilibrium (NaN: does not exist)",
    "exists": "the corner equilibrium exists",
    "admissible": "every parameter inside its domain (other points are not computed)",
    "price": "price at the general equilibrium relative to the numeraire (NaN: not traded)",
    "numeraire": "numeraire good of the general equilibrium ('' in autarky)",
    "specialists": "share of the population specialized in selling each good at the general equilibrium",
}
#: Said of a coded variable (removed when it is decoded).
_CODE_COMMENT = ("integer code: the index of the {coord} in the coordinate '{coord}', -1 for none; "
                 "flag_values and flag_meanings name them")


@dataclass(frozen=True)
class SweepVariable:
    """A coordinate or data variable of a sweep as plain arrays: its dimensions, values and
    attributes (what :func:`to_dataset` wraps and :mod:`inframarginal.netcdf_file` writes)."""

    dims: tuple[str, ...]
    values: np.ndarray
    attrs: dict[str, Any]


@dataclass(frozen=True)
class SweepContents:
    """A sweep's Dataset without xarray: coordinates, data variables (in order) and attributes."""

    coords: dict[str, SweepVariable]
    data_vars: dict[str, SweepVariable]
    attrs: dict[str, Any]


def sweep_contents(grid: Grid, arrays: Mapping[str, np.ndarray], backend: str = "numpy",
                   region: tuple[slice, ...] | None = None) -> SweepContents:
    """The coordinates, variables and attributes of the sweep's Dataset (of the whole grid, or
    of ``region``), every attribute included, as plain arrays.

    Arrays with a leading ``structure`` or ``good`` dimension get it last (a view, not a copy).
    ``general_equilibrium`` and ``numeraire`` stay integer codes, with CF ``flag_values`` and
    ``flag_meanings``.
    """
    region = region or tuple(slice(0, n) for n in grid.shape)
    dims = grid.names
    coords = {n: SweepVariable((n,), v[s], coordinate_attrs(grid.model, n))
              for (n, v), s in zip(grid.axes, region, strict=True)}
    coords["structure"] = SweepVariable(("structure",), np.asarray(list(grid.structures)),
                                        coordinate_attrs(grid.model, "structure"))
    coords["good"] = SweepVariable(("good",), np.asarray(list(grid.model.good_names)),
                                   coordinate_attrs(grid.model, "good"))
    data_vars = {}
    for name, (lead, _, _) in chunk_layout(grid, tuple(arrays)).items():
        attrs: dict[str, Any] = {"long_name": _LONG_NAMES[name]}
        if name in CODED:
            attrs.update(flag_attrs(list(coords[CODED[name]].values), arrays[name].dtype),
                         comment=_CODE_COMMENT.format(coord=CODED[name]))
        attrs = variable_attrs(name, attrs)  # CF-style long_name/units/description
        if lead:
            data_vars[name] = SweepVariable((*dims, lead), np.moveaxis(arrays[name], 0, -1), attrs)
        else:
            data_vars[name] = SweepVariable(dims, arrays[name], attrs)
    return SweepContents(coords, data_vars, sweep_attrs(grid, backend))


def to_dataset(grid: Grid, arrays: Mapping[str, np.ndarray], backend: str = "numpy",
               region: tuple[slice, ...] | None = None) -> xr.Dataset:
    """Wrap evaluated arrays (of the whole grid, or of ``region``) as the sweep's Dataset
    (:func:`sweep_contents` as xarray variables)."""
    import xarray as xr

    contents = sweep_contents(grid, arrays, backend, region)
    data_vars = {n: xr.DataArray(v.values, dims=v.dims, attrs=v.attrs) for n, v in contents.data_vars.items()}
    ds = xr.Dataset(data_vars, coords={n: v.values for n, v in contents.coords.items()}, attrs=contents.attrs)
    for name, var in contents.coords.items():
        ds.coords[name].attrs.update(var.attrs)
    return ds


def is_coded(var: xr.DataArray) -> bool:
    """Whether a sweep variable holds integer codes (``flag_values``) rather than names."""
    return var.dtype.kind in "iu" and "flag_values" in var.attrs


def decode_general_equilibrium(ds: xr.Dataset) -> xr.Dataset:
    """The sweep ``ds`` with ``general_equilibrium`` and ``numeraire`` as names, not codes.

    Code ``i`` is the ``i``-th value of the coordinate ``structure`` (``good`` for the
    numeraire) and -1 is ``""``, as in sweeps before the codes.  Variables that hold
    names already are left alone; a lazily loaded (Dask) variable stays lazy.

    Returns
    -------
    xarray.Dataset
        A new Dataset (the other variables shared, not copied).

    Examples
    --------
    >>> import numpy as np, inframarginal as im
    >>> coded = im.load_model("li-ke-2020").sweep({"K": [0.1, 1.0]}, {"t": 0.0}, decode=False)
    >>> coded.general_equilibrium.values.tolist()
    [0, 4]
    >>> decode_general_equilibrium(coded).general_equilibrium.values.tolist()
    ['A', 'PC']
    """
    import xarray as xr

    updates = {}
    for name, coord in CODED.items():
        if name not in ds.data_vars or not is_coded(ds[name]):
            continue
        var = ds[name]
        names = np.array([*(str(v) for v in ds.coords[coord].values), ""])
        attrs = {k: v for k, v in var.attrs.items() if k not in ("flag_values", "flag_meanings", "comment")}
        # -1 (none) indexes the last entry, ""
        decoded = xr.apply_ufunc(names.__getitem__, var, dask="parallelized", output_dtypes=[names.dtype])
        decoded.attrs = attrs
        decoded.encoding = {}
        updates[name] = decoded
    return ds.assign(updates) if updates else ds


def structure_counts(codes: np.ndarray, structures: tuple[str, ...] | list[str]) -> dict[str, int]:
    """Points of each structure (``""``: none) in an array of general-equilibrium codes.

    Only the structures found, in the order of their names (as :func:`numpy.unique`
    sorts the names); one :func:`numpy.bincount`, no strings per point.

    Examples
    --------
    >>> structure_counts(np.array([[1, 1], [-1, 0]], dtype=np.int8), ("PC", "A"))
    {'': 1, 'A': 2, 'PC': 1}
    """
    counts = _code_counts(codes, len(structures))
    names = ["", *structures]
    return {names[i]: int(counts[i]) for i in sorted(np.nonzero(counts)[0].tolist(), key=lambda i: names[i])}


def _code_counts(codes: np.ndarray, n: int) -> np.ndarray:
    """Points with each code -1 (none), 0, ..., n - 1, in that order (``numpy.unique`` would import
    ``numpy.ma``, 10 ms of a warm command)."""
    flat = np.asarray(codes).reshape(-1)
    if n <= 16:  # a comparison per structure beats a histogram of 8-byte copies
        return np.array([np.count_nonzero(flat == c) for c in range(-1, n)])
    return np.bincount(flat.astype(np.intp) + 1, minlength=n + 1)


def encode_general_equilibrium(ds: xr.Dataset) -> xr.Dataset:
    """The sweep ``ds`` with ``general_equilibrium`` and ``numeraire`` as integer codes.

    The inverse of :func:`decode_general_equilibrium`, for writing files.

    Raises
    ------
    SweepError
        For a name that is not a value of the coordinate the codes index.
    """
    import xarray as xr

    updates = {}
    for name, coord in CODED.items():
        if name not in ds.data_vars or is_coded(ds[name]):
            continue
        var = ds[name]
        known = [str(v) for v in ds.coords[coord].values]
        dtype = code_dtype(len(known))
        found, inverse = np.unique(np.asarray(var.values).astype(str), return_inverse=True)
        index = {n: i for i, n in enumerate(known)} | {"": -1}
        unknown = [str(f) for f in found if str(f) not in index]
        if unknown:
            raise SweepError(f"{name}: {unknown[0]!r} is not a value of the coordinate {coord} "
                             f"(expected one of: {', '.join(known)}, or '' for none)")
        codes = np.array([index[str(f)] for f in found], dtype=dtype)[inverse.reshape(var.shape)]
        attrs = {**var.attrs, **flag_attrs(known, dtype), "comment": _CODE_COMMENT.format(coord=coord)}
        updates[name] = xr.DataArray(codes, dims=var.dims, attrs=attrs)
    return ds.assign(updates) if updates else ds


def sweep_attrs(grid: Grid, backend: str) -> dict[str, str]:
    """Attributes of a sweep's Dataset: model, fixed parameters, axes, version."""
    model = grid.model
    return {
        "model": model.name,
        "model_title": model.title,
        "model_source": str(model.source),
        "fixed_parameters": json.dumps({k: float(v) for k, v in grid.fixed.items()}),
        "axes": json.dumps(list(grid.names)),
        "structures": json.dumps(list(grid.structures)),
        "backend": backend,
        "inframarginal_version": __version__,
        "title": f"general equilibrium of {model.name} over {', '.join(grid.names)}",
        **provenance(model),  # the model file's SHA-256, the CF convention
    }


def open_sweep(path: str | os.PathLike, decode: bool = True) -> xr.Dataset:
    """Open a sweep written by ``inframarginal sweep`` (NetCDF ``.nc`` or Zarr ``.zarr``).

    With ``decode`` (the default) ``general_equilibrium`` and ``numeraire`` are names, as
    in the Dataset :func:`sweep` returns (files store integer codes); files written
    before the codes hold names already and read the same.
    """
    import xarray as xr

    text = os.fspath(path)
    if text.rstrip("/").endswith(".zarr"):
        from inframarginal.zarr_layout import open_zarr_dataset

        ds = open_zarr_dataset(text)
        return decode_general_equilibrium(ds) if decode else ds
    with xr.open_dataset(text, engine="h5netcdf") as ds:
        ds = ds.load()
    return decode_general_equilibrium(ds) if decode else ds


def remove_stale_temporaries(prefix: str, suffix: str = "") -> list[str]:
    """Remove ``PREFIX<pid>SUFFIX`` files whose writing process no longer runs.

    Atomic writes go through such a temporary file; a run killed mid-write leaves it
    behind.  Returns the files removed.
    """
    import glob

    removed = []
    for name in glob.glob(glob.escape(prefix) + "*" + glob.escape(suffix)):
        pid = name[len(prefix):len(name) - len(suffix)]
        if not pid.isdigit() or (int(pid) != os.getpid() and process_running(int(pid))):
            continue  # not ours, or another run still writing it
        try:
            os.remove(name)
            removed.append(name)
        except OSError:
            pass
    return removed


def process_running(pid: int) -> bool:
    """Whether a process with this id runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


#: Points per chunk of a variable in a NetCDF file (a few hundred kB: fast to compress, to
#: read a slice of, and within HDF5's default chunk cache).
NETCDF_CHUNK_POINTS = 1 << 18
#: Compression of a NetCDF file's variables: zlib (deflate, which every netCDF-4 reader
#: has, unlike lzf) at level 1 after byte shuffling.  On the 2000 x 2000 seed sweep it
#: writes as fast as lzf and gives smaller files; higher levels cost 1.6x the time for 10%.
NETCDF_COMPRESSION = {"zlib": True, "complevel": 1, "shuffle": True}
#: Variables written chunked but not compressed: every structure's full-precision income
#: (2000 x 2000 x 7 values) shrinks only to 63% under zlib, at 4.5 times the write time.
NETCDF_UNCOMPRESSED = ("per_capita_real_income",)


def netcdf_variable_encoding(name: str, shape: tuple[int, ...]) -> dict[str, Any]:
    """NetCDF encoding of the data variable ``name`` of ``shape`` (xarray's keywords): chunks of
    about :data:`NETCDF_CHUNK_POINTS` values, whole along the last dimensions, compressed unless
    in :data:`NETCDF_UNCOMPRESSED`; ``{}`` for a scalar or empty variable."""
    if len(shape) == 0 or math.prod(shape) == 0:
        return {}
    compression = {} if name in NETCDF_UNCOMPRESSED else NETCDF_COMPRESSION
    return {**compression, "chunksizes": chunk_shape(shape, NETCDF_CHUNK_POINTS)}


def netcdf_encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Chunked, compressed encoding of every data variable of a sweep (:func:`netcdf_variable_encoding`)."""
    out = {}
    for name, var in ds.data_vars.items():
        encoding = netcdf_variable_encoding(str(name), tuple(var.shape))
        if encoding:
            out[str(name)] = encoding
    return out


def write_atomically(path: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write`` on a temporary file next to ``path``, then rename it into place.

    Temporary files of the same target left by killed runs are removed first; none is
    left behind when ``write`` fails.
    """
    path = os.fspath(path)
    remove_stale_temporaries(f"{path}.tmp-")
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_netcdf(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write a sweep to NetCDF atomically (a temporary file renamed into place).

    ``general_equilibrium`` and ``numeraire`` are stored as integer codes (names are
    encoded first); every variable is chunked and compressed (:func:`netcdf_encoding`).
    Temporary files of the same target left by killed runs are removed first.
    """
    ds = encode_general_equilibrium(ds)
    write_atomically(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf", encoding=netcdf_encoding(ds)))
