"""Structures with types: which configurations of which type are present.

Each type has its own Lemma 1 configurations (those of its model).  A structure picks, for
every type, a non-empty set of that type's configurations (every person belongs somewhere);
two types selling the same good is ordinary.  Structures are generated lazily, per traded set
``T`` (the goods bought and sold), in this order: all-autarky first, then traded sets by size.

What is enumerated (documented in the README): within a traded set, a seller of ``g`` sells
``g`` and buys every other good of ``T`` it uses, self-providing no traded good (the
configurations of Yang's structures); each type uses at most one configuration per sold good
(and technology), and may keep some of its people in autarky (a dual structure).  Every good of
``T`` is sold by some type and bought by some type.  The general equilibrium's total
cost-benefit check still runs over *every* configuration of every type
(:mod:`inframarginal.heterogeneous.general`), so a structure left out here can only make a
candidate fail that check, never pass it wrongly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from inframarginal.budget import DEFAULT_STRUCTURE_LIMIT
from inframarginal.configurations import Configuration
from inframarginal.enumeration import check_budget, configuration_table
from inframarginal.errors import ParameterError
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.memo import model_cache


@dataclass(frozen=True)
class TypedStructure:
    """Per type (in the model's order), the indices of its configurations present.

    Indices refer to the type model's :func:`~inframarginal.enumeration.configuration_table`.
    """

    members: tuple[tuple[int, ...], ...]
    labels: tuple[tuple[str, ...], ...]
    type_names: tuple[str, ...]

    @property
    def name(self) -> str:
        """E.g. ``home (x/y) | foreign (y/x) (xy)``."""
        return " | ".join(f"{t} {' '.join(labels)}" for t, labels in zip(self.type_names, self.labels, strict=True))

    def sellers(self, model: TypedModel) -> dict[str, set[str]]:
        """For each good sold in the structure, the types that sell it."""
        out: dict[str, set[str]] = {}
        for person, members in zip(model.types, self.members, strict=True):
            configs = configuration_table(person.model).configurations
            for c in members:
                sold = configs[c].sells
                if sold is not None:
                    out.setdefault(sold, set()).add(person.name)
        return out

    def configurations(self, model: TypedModel) -> tuple[tuple[Configuration, ...], ...]:
        """The configurations present, per type."""
        return tuple(tuple(configuration_table(p.model).configurations[c] for c in members)
                     for p, members in zip(model.types, self.members, strict=True))


@model_cache
def _options(model: TypedModel, traded: frozenset[str]) -> tuple[tuple[tuple[tuple[int, ...], ...], ...], ...]:
    """Per type: per sold good of ``traded``, the candidate configurations, and the autarky ones last.

    Returns, per type, a tuple of option groups; a person type picks at most one
    configuration from each group (and at least one overall).
    """
    out = []
    for person in model.types:
        table = configuration_table(person.model)
        groups: list[tuple[tuple[int, ...], ...]] = []
        for good in sorted(traded):
            group = []
            for c, config in enumerate(table.configurations):
                if config.sells == good and set(config.buys) <= traded and not (set(config.produces) & traded) - {good}:
                    group.append((c,))
            groups.append(tuple(group))
        groups.append(tuple((c,) for c, config in enumerate(table.configurations) if config.is_autarky))
        out.append(tuple(groups))
    return tuple(out)


def _traded_sets(model: TypedModel) -> list[frozenset[str]]:
    goods = model.good_names
    return [frozenset()] + [frozenset(s) for size in range(2, len(goods) + 1)
                            for s in itertools.combinations(goods, size)]


def _type_choices(groups: tuple[tuple[tuple[int, ...], ...], ...]) -> list[tuple[int, ...]]:
    """Every non-empty choice of at most one configuration per option group."""
    per_group = [[()] + [option for option in group] for group in groups]
    out = []
    for combo in itertools.product(*per_group):
        chosen = tuple(c for option in combo for c in option)
        if chosen:
            out.append(chosen)
    return out


def count_typed_structures(model: TypedModel) -> int:
    """An upper bound on the structures :func:`iter_typed_structures` yields (before the market checks)."""
    total = 0
    for traded in _traded_sets(model):
        n = 1
        for groups in _options(model, traded):
            if not traded:
                n *= len(groups[-1])
            else:
                n *= len(_type_choices(groups))
        total += n
    return total


def iter_typed_structures(model: TypedModel, *, limit: int | None = DEFAULT_STRUCTURE_LIMIT) -> Iterator[TypedStructure]:
    """Every structure with types, lazily (see the module's docstring for what is enumerated).

    Raises
    ------
    StructureBudgetError
        If more than ``limit`` structures would be examined (one line naming the count).
    """
    check_budget(count_typed_structures(model), limit, what="structures with types (an upper bound)")
    tables = [configuration_table(p.model) for p in model.types]
    names = model.type_names
    for traded in _traded_sets(model):
        options = _options(model, traded)
        choices: list[list[tuple[int, ...]]]
        if not traded:
            choices = [[(c,) for (c,) in groups[-1]] for groups in options]
        else:
            choices = [_type_choices(groups) for groups in options]
        for combo in itertools.product(*choices):
            if traded:
                sold = {tables[t].configurations[c].sells for t, cs in enumerate(combo) for c in cs} - {None}
                bought = {b for t, cs in enumerate(combo) for c in cs for b in tables[t].configurations[c].buys}
                if sold != set(traded) or bought != set(traded):
                    continue
            labels = tuple(tuple(tables[t].configurations[c].label for c in cs) for t, cs in enumerate(combo))
            yield TypedStructure(tuple(combo), labels, names)


def find_typed_structure(model: TypedModel, name: str) -> TypedStructure:
    """The structure whose :attr:`TypedStructure.name` is ``name`` (spaces around ``|`` optional)."""
    wanted = " | ".join(" ".join(part.split()) for part in name.split("|"))
    for structure in iter_typed_structures(model):
        if structure.name == wanted:
            return structure
    raise ParameterError(f"not a structure of {model.name} (written like "
                         f"'{next(iter_typed_structures(model)).name}', types in the order "
                         f"{', '.join(model.type_names)})", field="structure", value=repr(name[:80]))


__all__ = ["TypedStructure", "count_typed_structures", "find_typed_structure", "iter_typed_structures"]
