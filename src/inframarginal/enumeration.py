"""Streaming enumeration of structures by bitmasks, counted without being listed.

A configuration that trades sells one good and buys a set of goods, written here as a
bitmask over the model's goods.  A structure with traded set ``T`` picks, for each
good ``g`` of ``T``, one configuration selling ``g`` whose buy-set lies in ``T``, such
that the buy-sets together cover ``T`` (every good sold is bought).  So the structures
of one traded set are the product of per-good candidate lists, filtered by one OR of
masks: nothing is tried that could not close, and nothing is held in memory.

Counting needs no listing either.  With ``f_g(U)`` the number of configurations selling
``g`` whose buy-set lies in ``U``, inclusion-exclusion over the goods left unbought
gives the structures of traded set ``T``::

    N(T) = sum_{U subset of T} (-1)^{|T| - |U|} prod_{g in T} f_g(U)

(``f_g`` for all ``U`` by one subset-sum transform), ``3^n`` terms in all for ``n``
goods.  For the symmetric ``n``-good model with one technology per good (every good
consumed) this gives 2, 22, 1,778, 600,946, 7.6 x 10^8 structures for n = 2, 3, 4,
5, 6: the count grows like ``2^(n^2)``, the number of buy relations.

References
----------
Yang, X. and Ng, Y.-K. (1993). *Specialization and Economic Organization*.
North-Holland, ch. 2 (Lemma 1: configurations and structures).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from inframarginal.budget import DEFAULT_STRUCTURE_LIMIT
from inframarginal.errors import LARGER, InframarginalError, Setting
from inframarginal.lemma1 import Configuration, Structure, configurations, named_structures
from inframarginal.memo import model_cache
from inframarginal.model import Model

#: Rows per block handed to the batched solver (memory stays ~ rows x goods x 8 bytes).
BLOCK_ROWS = 1 << 18


class StructureBudgetError(InframarginalError):
    """A model has more structures than the budget allows."""


class EnumerationInterrupted(InframarginalError):
    """A long enumeration or search was interrupted (Ctrl-C): nothing was returned or written."""


@dataclass(frozen=True)
class ConfigurationTable:
    """The configurations of a model as arrays: sold good (index, -1 in autarky) and buy-set bitmask."""

    goods: tuple[str, ...]
    configurations: tuple[Configuration, ...]
    sells: np.ndarray  # int, index of the good sold, -1 for autarky
    buys: np.ndarray  # int, bitmask of goods bought

    def sellers_of(self, good: int) -> np.ndarray:
        """Indices of the configurations selling ``good``, in the model's order of configurations."""
        return np.flatnonzero(self.sells == good)


@model_cache
def configuration_table(model: Model) -> ConfigurationTable:
    """Bitmask view of :func:`inframarginal.configurations.configurations`."""
    configs = configurations(model)
    goods = model.good_names
    index = {g: i for i, g in enumerate(goods)}
    sells = np.array([index[c.sells] if c.sells else -1 for c in configs], dtype=np.int64)
    buys = np.array([sum(1 << index[b] for b in c.buys) for c in configs], dtype=np.int64)
    return ConfigurationTable(goods, configs, sells, buys)


def mask_of(goods: tuple[int, ...] | list[int]) -> int:
    """The bitmask of a set of good indices."""
    return sum(1 << g for g in goods)


def traded_sets(model: Model) -> Iterator[tuple[int, ...]]:
    """Traded sets (good indices, at least two) in the order :func:`enumerate_structures` uses."""
    table = configuration_table(model)
    sold = [g for g in range(len(table.goods)) if (table.sells == g).any()]
    for size in range(2, len(sold) + 1):
        yield from itertools.combinations(sold, size)


def _candidates(table: ConfigurationTable, traded: tuple[int, ...]) -> list[np.ndarray]:
    """Per traded good, the configurations selling it whose buy-set lies within the traded set."""
    mask = mask_of(traded)
    out = []
    for g in traded:
        idx = table.sellers_of(g)
        out.append(idx[(table.buys[idx] & ~mask) == 0])
    return out


def structure_blocks(model: Model, rows: int = BLOCK_ROWS) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """Every trading structure as blocks ``(traded goods, configuration indices of shape (N, t))``.

    Column ``j`` holds the seller of ``traded[j]``.  Blocks come in the order of
    :func:`enumerate_structures` (traded sets by size, then lexicographically; within a
    set, the product of the candidate lists), at most about ``rows`` structures each.
    Autarky structures are not included (see :func:`autarky_indices`).
    """
    table = configuration_table(model)
    for traded in traded_sets(model):
        cands = _candidates(table, traded)
        if any(len(c) == 0 for c in cands):
            continue
        full = mask_of(traded)
        # Split the product over leading goods so that each block stays small.
        split = 0
        while split < len(cands) and math.prod(len(c) for c in cands[split:]) > rows:
            split += 1
        tail = cands[split:]
        grid = np.stack([a.ravel() for a in np.meshgrid(*tail, indexing="ij")], axis=1) if tail else np.zeros((1, 0), np.int64)
        tail_mask = np.bitwise_or.reduce(table.buys[grid], axis=1) if tail else np.zeros(1, np.int64)
        for prefix in itertools.product(*cands[:split]):
            prefix_mask = mask_of(()) if not prefix else int(np.bitwise_or.reduce(table.buys[list(prefix)]))
            keep = (tail_mask | prefix_mask) == full
            if not keep.any():
                continue
            block = np.concatenate([np.broadcast_to(np.array(prefix, np.int64), (int(keep.sum()), split)),
                                    grid[keep]], axis=1)
            yield traded, block


def autarky_indices(model: Model) -> np.ndarray:
    """Indices of the autarky configurations (each is a structure of its own)."""
    return np.flatnonzero(configuration_table(model).sells < 0)


@model_cache
def _names(model: Model) -> dict[frozenset[str], str]:
    """The model's names of structures, keyed by the set of their configuration labels."""
    return {frozenset(s.labels): s.name for s in named_structures(model)}


def structure_from_indices(model: Model, indices) -> Structure:
    """The :class:`Structure` of a row of configuration indices, named as the model names it."""
    configs = configuration_table(model).configurations
    chosen = tuple(configs[int(i)] for i in indices)
    labels = tuple(c.label for c in chosen)
    return Structure(_names(model).get(frozenset(labels), " ".join(labels)), chosen)


def iter_structures(model: Model, *, limit: int | None = None, progress: bool = False) -> Iterator[Structure]:
    """Every structure of ``model``, generated lazily, in the order of :func:`enumerate_structures`.

    Parameters
    ----------
    model : Model
    limit : int, optional
        Raise :class:`StructureBudgetError` before generating anything if the model
        has more structures than this.
    progress : bool
        Show a progress bar (tqdm) on standard error.
    """
    total = count_structures(model)
    # Solved batched and certified, every structure needs no list.  The limit is suggested to
    # nobody: solve(structures="all") (and the command line's --all-structures) cannot raise it.
    check_budget(total, limit, use=(("method", "search"), ("method", "exhaustive")), raise_limit=False)
    configs = configuration_table(model).configurations
    names = _names(model)
    bar = progress_bar(total, progress, "structures")
    try:
        for i in autarky_indices(model):
            bar.update(1)
            c = configs[int(i)]
            yield Structure(names.get(frozenset((c.label,)), c.label), (c,))
        for _, block in structure_blocks(model):
            for row in block.tolist():
                chosen = tuple(configs[i] for i in row)
                labels = tuple(c.label for c in chosen)
                yield Structure(names.get(frozenset(labels), " ".join(labels)), chosen)
            bar.update(len(block))
    finally:
        bar.close()


# ---------------------------------------------------------------------------------------
# counting


def _subset_counts(table: ConfigurationTable, good: int, n: int) -> list[int]:
    """``f(U)``: configurations selling ``good`` with buy-set within ``U``, for every mask ``U``."""
    f = [0] * (1 << n)
    for b in table.buys[table.sells == good].tolist():
        f[b] += 1
    for bit in range(n):  # subset-sum (zeta) transform
        step = 1 << bit
        for u in range(1 << n):
            if u & step:
                f[u] += f[u ^ step]
    return f


def count_by_traded_set(model: Model) -> dict[tuple[str, ...], int]:
    """Number of structures for each traded set (goods by name), by inclusion-exclusion."""
    table = configuration_table(model)
    n = len(table.goods)
    f = [_subset_counts(table, g, n) for g in range(n)]
    out = {}
    for traded in traded_sets(model):
        full = mask_of(traded)
        total = 0
        sub = full
        while True:  # every subset U of the traded set
            sign = -1 if (bin(full ^ sub).count("1") % 2) else 1
            total += sign * math.prod(f[g][sub] for g in traded)
            if sub == 0:
                break
            sub = (sub - 1) & full
        if total:
            out[tuple(table.goods[g] for g in traded)] = total
    return out


def count_structures(model: Model) -> int:
    """Number of structures of ``model`` (autarky ones included), without listing them."""
    return len(autarky_indices(model)) + sum(count_by_traded_set(model).values())


def check_budget(count: int, limit: int | None, what: str = "structures", *, note: str = "",
                 use: tuple[Setting, ...] = (), raise_limit: bool = True) -> None:
    """Raise :class:`StructureBudgetError` naming the count, the limit and how to go on.

    ``note`` follows the count (why it is what it is); the error suggests a larger
    ``limit`` (unless ``raise_limit`` is false: the caller's caller cannot set it) and then
    the settings of ``use`` (see :class:`inframarginal.errors.InframarginalError`).
    """
    if limit is not None and count > limit:
        raise StructureBudgetError(f"the model has {count:,} {what}, more than the limit of {limit:,}{note}",
                                   use=((("limit", LARGER),) if raise_limit else ()) + use)


def progress_bar(total: int, enabled: bool, unit: str):
    """A tqdm progress bar on standard error (disabled unless ``enabled``)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit=f" {unit}", unit_scale=True, leave=False,
                mininterval=0.5)


__all__ = [
    "BLOCK_ROWS", "DEFAULT_STRUCTURE_LIMIT", "ConfigurationTable", "EnumerationInterrupted",
    "StructureBudgetError", "autarky_indices", "check_budget", "configuration_table", "count_by_traded_set",
    "count_structures", "iter_structures", "mask_of", "progress_bar", "structure_blocks", "structure_from_indices",
    "traded_sets",
]
