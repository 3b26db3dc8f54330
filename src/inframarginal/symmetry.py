"""The symmetry group of a model and structures up to symmetry (one canonical form per orbit).

A permutation ``pi`` of the goods is a symmetry of the model when it maps, for every
good ``g``, the utility weight and trading efficiency of ``g`` onto those of ``pi(g)``,
and the technologies of ``g`` (their outputs with input goods renamed by ``pi``) onto
the technologies of ``pi(g)``.  Parameters are never permuted: the test is symbolic
equality of formulas, so goods with efficiencies ``k_x`` and ``k_y`` are not
interchangeable even when the two parameters happen to have the same value.

A symmetry maps configurations onto configurations and structures onto structures
with the same per-capita real income (people, prices and numbers are just relabelled),
so the general equilibrium needs one representative of each orbit.  The canonical form
of a structure is the smallest sorted tuple of configuration indices over its orbit;
a structure is its orbit's representative when it equals its canonical form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from inframarginal.enumeration import (
    BLOCK_ROWS,
    autarky_indices,
    configuration_table,
    structure_blocks,
)
from inframarginal.errors import InframarginalError
from inframarginal.memo import model_cache
from inframarginal.model import Model

#: Groups larger than this are not listed element by element (8 goods: 40,320).
MAX_GROUP_ORDER = 40_320


class SymmetryError(InframarginalError):
    """A symmetry group too large to use, or a declared symmetry the model does not have."""


@dataclass(frozen=True)
class SymmetryGroup:
    """Permutations of the goods (``perm[i]`` is the image of good ``i``) and their action on configurations.

    ``configuration_maps[j][c]`` is the index of the image of configuration ``c`` under
    ``permutations[j]``; the identity comes first.
    """

    goods: tuple[str, ...]
    permutations: tuple[tuple[int, ...], ...]
    configuration_maps: np.ndarray  # (order, configurations)

    @property
    def order(self) -> int:
        return len(self.permutations)

    def describe(self) -> str:
        """A short description: trivial, the full symmetric group, or its order."""
        n = len(self.goods)
        if self.order == 1:
            return "trivial (no two goods are interchangeable)"
        full = 1
        for i in range(2, n + 1):
            full *= i
        if self.order == full:
            return f"all {full:,} permutations of the {n} goods"
        return f"{self.order} permutations of the goods"


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    return a == b or sp.expand(a - b) == 0


@model_cache
def symmetry_group(model: Model) -> SymmetryGroup:
    """Every permutation of the goods that maps the model onto itself (decided symbolically)."""
    goods = model.good_names
    n = len(goods)
    symbols = {g: sp.Symbol(g, positive=True) for g in goods}
    techs = {g: model.technologies_of(g) for g in goods}
    inputs = {g: {i for t in techs[g] for i in t.inputs} for g in goods}

    def pair_ok(i: int, j: int) -> bool:
        gi, gj = model.goods[i], model.goods[j]
        return (_equal(gi.weight, gj.weight) and _equal(gi.trading_efficiency, gj.trading_efficiency)
                and len(techs[gi.name]) == len(techs[gj.name]))

    compatible = [[pair_ok(i, j) for j in range(n)] for i in range(n)]

    @cache
    def technology_map(i: int, j: int, images: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...] | None:
        """Technologies of good i onto those of good j with inputs renamed by ``images``; None if no match."""
        rename = {symbols[a]: symbols[b] for a, b in images}
        out, free = [], list(techs[goods[j]])
        for t in techs[goods[i]]:
            image = t.output.xreplace(rename)
            match = next((u for u in free if _equal(image, u.output)), None)
            if match is None:
                return None
            free.remove(match)
            out.append((t.name, match.name))
        return tuple(out)

    found: list[tuple[int, ...]] = []
    maps: list[dict[tuple[str, str], str]] = []

    def extend(perm: list[int], used: set[int]) -> None:
        if len(found) > MAX_GROUP_ORDER:
            return
        i = len(perm)
        if i == n:
            tech: dict[tuple[str, str], str] = {}
            for a in range(n):
                images = tuple(sorted((g, goods[perm[goods.index(g)]]) for g in inputs[goods[a]]))
                m = technology_map(a, perm[a], images)
                if m is None:
                    return
                tech.update({(goods[a], s): t for s, t in m})
            found.append(tuple(perm))
            maps.append(tech)
            return
        for j in ([i] + [j for j in range(n) if j != i]):  # identity first
            if j not in used and compatible[i][j]:
                extend([*perm, j], used | {j})

    extend([], set())
    if len(found) > MAX_GROUP_ORDER:
        raise SymmetryError(
            f"the model's symmetry group has more than {MAX_GROUP_ORDER:,} permutations "
            f"({n} interchangeable goods); canonical forms need at most 8 interchangeable goods")
    table = configuration_table(model)
    key = {_config_key(c): idx for idx, c in enumerate(table.configurations)}
    cmaps = np.empty((len(found), len(table.configurations)), dtype=np.int64)
    for j, (perm, tech) in enumerate(zip(found, maps, strict=True)):
        name = {g: goods[perm[i]] for i, g in enumerate(goods)}
        for idx, c in enumerate(table.configurations):
            image = (name[c.sells] if c.sells else None,
                     frozenset(name[g] for g in c.produces),
                     frozenset(name[g] for g in c.buys),
                     frozenset((name[g], tech[(g, t)]) for g, t in c.technology))
            cmaps[j, idx] = key[image]
    return SymmetryGroup(goods, tuple(found), cmaps)


def _config_key(c) -> tuple:
    return (c.sells, frozenset(c.produces), frozenset(c.buys), frozenset(c.technology))


def is_symmetry(model: Model, perm: tuple[int, ...]) -> bool:
    """Whether one permutation of the goods (``perm[i]``: image of good ``i``) maps the model onto itself.

    The same test as :func:`symmetry_group` (weights, trading efficiencies and technologies,
    symbolically), for one permutation only: cheap even where the group is large.
    """
    goods = model.good_names
    name = {g: goods[perm[i]] for i, g in enumerate(goods)}
    rename = {sp.Symbol(a, positive=True): sp.Symbol(b, positive=True) for a, b in name.items()}
    for i, g in enumerate(model.goods):
        h = model.goods[perm[i]]
        if not (_equal(g.weight, h.weight) and _equal(g.trading_efficiency, h.trading_efficiency)):
            return False
        free = list(model.technologies_of(h.name))
        for t in model.technologies_of(g.name):
            image = t.output.xreplace(rename)
            match = next((u for u in free if _equal(image, u.output)), None)
            if match is None:
                return False
            free.remove(match)
        if free:
            return False
    return True


def describe_symmetry(model: Model) -> tuple[str, int]:
    """The symmetry group's description and order, without listing it where it is every permutation.

    Swaps of neighbouring goods generate every permutation, so checking those ``n - 1``
    (:func:`is_symmetry`) decides the full symmetric group; 8 interchangeable goods would
    otherwise list 40,320 permutations acting on 1,017 configurations.
    """
    n = len(model.good_names)
    if n > 2 and all(is_symmetry(model, _swap(n, i, i + 1)) for i in range(n - 1)):
        return f"all {math.factorial(n):,} permutations of the {n} goods", math.factorial(n)
    group = symmetry_group(model)
    return group.describe(), group.order


def _swap(n: int, a: int, b: int) -> tuple[int, ...]:
    perm = list(range(n))
    perm[a], perm[b] = b, a
    return tuple(perm)


def check_declared_symmetry(model: Model, goods: tuple[str, ...]) -> None:
    """Raise :class:`SymmetryError` unless the goods named are interchangeable in ``model``.

    Interchangeable: every permutation of them (the others fixed) is a symmetry of the model.
    Swaps of neighbours in the declared order generate those permutations, so checking
    them (``len(goods) - 1`` permutations) decides it without listing the group.
    """
    names = model.good_names
    unknown = [g for g in goods if g not in names]
    if unknown:
        raise SymmetryError(f"symmetry: {unknown[0]!r} is not a good of the model (goods: {', '.join(names)})")
    index = [names.index(g) for g in goods]
    for a, b in itertools.pairwise(index):
        if not is_symmetry(model, _swap(len(names), a, b)):
            raise SymmetryError(
                f"symmetry: goods {names[a]!r} and {names[b]!r} are declared interchangeable but swapping them "
                "does not map the model onto itself (utility weight, trading efficiency or technologies differ "
                "as formulas); remove the declaration or make the formulas the same")


@model_cache
def _weights(model: Model) -> np.ndarray:
    """``W[j, c]``: the code of the image of configuration ``c`` under permutation ``j``, placed at its sold good.

    A trading structure has one seller per traded good, so it is a map good -> configuration;
    its key ``sum_c W[j, c]`` (no sorting needed) is injective on structures, and the
    key of its image under permutation ``j`` is the same sum over ``W[j]``.
    """
    group = symmetry_group(model)
    table = configuration_table(model)
    n = len(table.goods)
    local = np.zeros(len(table.configurations), dtype=np.int64)
    for g in range(n):
        idx = table.sellers_of(g)
        local[idx] = np.arange(1, len(idx) + 1)
    bits = int(local.max()).bit_length() if len(local) else 1
    if bits * n > 63:
        raise SymmetryError(f"canonical keys of {n} goods with up to {int(local.max())} sellers' configurations "
                            "per good do not fit 64 bits")
    image = group.configuration_maps
    sold = np.maximum(table.sells[image], 0)
    return local[image] << (bits * sold)


def canonical_keys(model: Model, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which structures of a block are their orbit's canonical form (smallest key), and their orbit sizes.

    Returns the row indices of the representatives and their orbit sizes.  Rows are
    dropped as soon as one image has a smaller key, so the work per row is small.
    """
    weights = _weights(model)
    own = weights[0][block].sum(axis=1)
    rows = np.arange(len(block))
    for w in weights[1:]:
        if not len(rows):
            break
        image = w[block[rows]].sum(axis=1)
        rows = rows[own[rows] <= image]
    images = np.stack([w[block[rows]].sum(axis=1) for w in weights], axis=1)
    images.sort(axis=1)
    sizes = 1 + (np.diff(images, axis=1) != 0).sum(axis=1)
    return rows, sizes


def orbit_blocks(model: Model, rows: int = BLOCK_ROWS) -> Iterator[tuple[tuple[int, ...], np.ndarray, np.ndarray]]:
    """One representative per orbit of trading structures: blocks ``(traded, indices, orbit sizes)``.

    Autarky structures are left out (see :func:`autarky_orbits`).  Where every
    permutation of the goods is a symmetry, representatives are generated directly
    (:func:`_full_symmetry_orbits`); otherwise every structure is visited once and
    only those equal to their canonical form are handed on.
    """
    group = symmetry_group(model)
    n = len(group.goods)
    if n > 2 and group.order == math.factorial(n):
        yield from _full_symmetry_orbits(model, rows)
        return
    for traded, block in structure_blocks(model, rows):
        if group.order == 1:
            yield traded, block, np.ones(len(block), dtype=np.int64)
            continue
        keep, sizes = canonical_keys(model, block)
        if len(keep):
            yield traded, block[keep], sizes


def _full_symmetry_orbits(model: Model, rows: int) -> Iterator[tuple[tuple[int, ...], np.ndarray, np.ndarray]]:
    """Orbit representatives when the symmetry group is every permutation of the goods.

    All traded sets of one size are then images of each other: only ``T = {0..t-1}`` is
    generated, and its orbit sizes are multiplied by ``C(n, t)``.  Within ``T`` a
    representative has its sellers sorted by (goods bought, times bought), and is the
    smallest key among the images under permutations that keep that sorted vector.
    Sorting by the number of goods bought is imposed while generating (one product per
    non-decreasing sequence of out-degrees), which is what makes 6 goods (7.6 x 10^8
    structures, about 10^6 orbits) feasible.
    """
    group = symmetry_group(model)
    table = configuration_table(model)
    n = len(group.goods)
    index = {p: j for j, p in enumerate(group.permutations)}
    weights = _weights(model)
    degree = np.array([bin(b).count("1") for b in table.buys.tolist()])
    for t in range(2, n + 1):
        traded = tuple(range(t))
        full = (1 << t) - 1
        cands = []
        for g in traded:
            idx = table.sellers_of(g)
            cands.append(idx[(table.buys[idx] & ~full) == 0])
        for seq in itertools.combinations_with_replacement(range(1, t), t):
            lists = [c[degree[c] == d] for c, d in zip(cands, seq, strict=True)]
            if any(len(c) == 0 for c in lists):
                continue
            perms = _run_permutations(seq, n, index)
            for block in _product_blocks(lists, table.buys, full, rows):
                bought = np.stack([((table.buys[block] >> k) & 1).sum(axis=1) for k in traded], axis=1)
                inv = degree[block] * (t + 1) + bought
                ok = (np.diff(inv, axis=1) >= 0).all(axis=1)
                block, inv = block[ok], inv[ok]
                if not len(block):
                    continue
                own = weights[0][block].sum(axis=1)
                keep = np.ones(len(block), dtype=bool)
                stab = np.zeros(len(block), dtype=np.int64)
                for perm, j in perms:
                    same = (inv[:, perm] == inv).all(axis=1)
                    image = weights[j][block].sum(axis=1)
                    keep &= ~(same & (image < own))
                    stab += same & (image == own)
                sizes = math.comb(n, t) * math.factorial(t) // stab[keep]
                if keep.any():
                    yield traded, block[keep], sizes


def _run_permutations(seq: tuple[int, ...], n: int, index: dict) -> list[tuple[np.ndarray, int]]:
    """Permutations of the first ``len(seq)`` goods that keep ``seq`` (permute within runs), with group indices."""
    runs: list[list[int]] = []
    for j, d in enumerate(seq):
        if runs and seq[runs[-1][0]] == d:
            runs[-1].append(j)
        else:
            runs.append([j])
    out = []
    for choice in itertools.product(*(itertools.permutations(r) for r in runs)):
        perm = [p for part in choice for p in part]
        full = tuple(perm) + tuple(range(len(seq), n))
        out.append((np.array(perm), index[full]))
    return out


def _product_blocks(lists: list[np.ndarray], buys: np.ndarray, full: int, rows: int) -> Iterator[np.ndarray]:
    """The product of candidate lists whose buy-sets cover ``full``, in blocks of about ``rows``."""
    split = 0
    while split < len(lists) and math.prod(len(c) for c in lists[split:]) > rows:
        split += 1
    tail = lists[split:]
    grid = np.stack([a.ravel() for a in np.meshgrid(*tail, indexing="ij")], axis=1)
    tail_mask = np.bitwise_or.reduce(buys[grid], axis=1)
    for prefix in itertools.product(*lists[:split]):
        prefix_mask = int(np.bitwise_or.reduce(buys[list(prefix)])) if prefix else 0
        keep = (tail_mask | prefix_mask) == full
        if keep.any():
            yield np.concatenate([np.broadcast_to(np.array(prefix, np.int64), (int(keep.sum()), split)),
                                  grid[keep]], axis=1)


def autarky_orbits(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """Autarky configurations, one per orbit, with orbit sizes."""
    group = symmetry_group(model)
    idx = autarky_indices(model)
    images = group.configuration_maps[:, idx].T  # (autarky configs, order)
    keep = images.min(axis=1) == idx
    sizes = np.array([len(set(row)) for row in images.tolist()], dtype=np.int64)
    return idx[keep], sizes[keep]


def count_orbits(model: Model) -> tuple[int, int]:
    """(structures, orbits) of the model, by canonical forms."""
    autarky, asizes = autarky_orbits(model)
    total, orbits = int(asizes.sum()), len(autarky)
    for _, block, sizes in orbit_blocks(model):
        total += int(sizes.sum())
        orbits += len(block)
    return total, orbits


__all__ = [
    "MAX_GROUP_ORDER", "SymmetryError", "SymmetryGroup", "autarky_orbits", "canonical_keys",
    "check_declared_symmetry", "count_orbits", "describe_symmetry", "is_symmetry", "orbit_blocks", "symmetry_group",
]
