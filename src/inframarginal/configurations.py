"""Step 1 of infra-marginal analysis: configurations (Lemma 1) and structures.

A *configuration* is a pattern of zero and positive decision variables allowed by
Lemma 1 of Yang and Ng (1993): a person sells at most one good, never buys and
sells the same good, never buys and self-provides the same good, and obtains
every good she consumes.  It is written in Yang's notation: ``(x/yz)`` sells x
and buys y and z; ``(xy/z)`` produces x and y, sells x and buys z; ``(xy)`` is
autarky.  Where a good has several technologies, the one used is appended, e.g.
``(x/yz)[x=cluster]``.

A *structure* is a set of configurations whose trades close: every good bought
is sold by a configuration of the set and every good sold is bought.  As in Yang
(2001), each traded good has one kind of seller, so that utility equalization
fixes the relative prices and market clearing the relative numbers of people.

References
----------
Yang, X. and Ng, Y.-K. (1993). *Specialization and Economic Organization*.
North-Holland, ch. 2 (Lemma 1).
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

from inframarginal.errors import ModelFileError
from inframarginal.model import Model


@dataclass(frozen=True)
class Configuration:
    """A configuration: what a person produces, sells and buys, and with which technology.

    Attributes
    ----------
    sells : str or None
        The good sold (``None`` in autarky).
    produces : tuple of str
        Goods produced, the sold good first.
    buys : tuple of str
        Goods bought.
    technology : tuple of (good, technology name)
        The technology used for each produced good.
    label : str
        Yang's notation, e.g. ``(xy/z)``, with ``[good=technology]`` where needed.
    """

    sells: str | None
    produces: tuple[str, ...]
    buys: tuple[str, ...]
    technology: tuple[tuple[str, str], ...]
    label: str

    @property
    def pattern(self) -> str:
        """The label without the technology tag."""
        return self.label.split("[")[0]

    @property
    def is_autarky(self) -> bool:
        return self.sells is None

    def technology_of(self, good: str) -> str:
        return dict(self.technology)[good]

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Structure:
    """A structure: configurations whose trades close.  ``name`` is the model's name for it."""

    name: str
    configurations: tuple[Configuration, ...]
    description: str = ""

    @property
    def traded_goods(self) -> tuple[str, ...]:
        return tuple(c.sells for c in self.configurations if c.sells is not None)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.configurations)

    def seller_of(self, good: str) -> Configuration:
        for c in self.configurations:
            if c.sells == good:
                return c
        raise KeyError(good)

    def __str__(self) -> str:
        return f"{self.name}: {' '.join(self.labels)}"


def _join(goods: tuple[str, ...]) -> str:
    return ("".join(goods) if all(len(g) == 1 for g in goods) else ",".join(goods))


def _label(model: Model, sells, produces, buys, technology) -> str:
    left = _join(produces)
    text = f"({left}/{_join(buys)})" if sells else f"({left})"
    tags = [f"{g}={t}" for g, t in technology if len(model.technologies_of(g)) > 1]
    return text + (f"[{','.join(tags)}]" if tags else "")


@cache
def configurations(model: Model) -> tuple[Configuration, ...]:
    """Every configuration Lemma 1 allows, in a stable order.

    Conditions: at most one good sold, and it is produced; goods bought are not
    produced; a person buys iff she sells; every consumed good is produced or
    bought; every input of a technology in use is produced or bought; every good
    produced or bought has a use (consumed, sold, or an input).
    """
    goods = model.good_names
    consumed = {g.name for g in model.goods if g.consumed}
    found = []
    for size in range(1, len(goods) + 1):
        for produced in itertools.combinations(goods, size):
            rest = [g for g in goods if g not in produced]
            tech_choices = [[(g, t.name, t.inputs) for t in model.technologies_of(g)] for g in produced]
            for sells in (None, *produced):
                for nbuy in range(0 if sells is None else 1, (0 if sells is None else len(rest)) + 1):
                    for bought in itertools.combinations(rest, nbuy):
                        for techs in itertools.product(*tech_choices):
                            available = set(produced) | set(bought)
                            inputs = {i for _, _, ins in techs for i in ins}
                            if not consumed <= available or not inputs <= available:
                                continue
                            used = consumed | inputs | ({sells} if sells else set())
                            if not available <= used:
                                continue
                            order = (sells,) if sells else ()
                            order += tuple(g for g in produced if g != sells)
                            technology = tuple(sorted(((g, t) for g, t, _ in techs), key=lambda gt: order.index(gt[0])))
                            found.append(
                                Configuration(sells, order, bought, technology,
                                              _label(model, sells, order, bought, technology))
                            )
    return tuple(found)


@cache
def enumerate_structures(model: Model, limit: int | None = None) -> tuple[Structure, ...]:
    """Every structure of the model: autarky configurations alone, and every set of
    trading configurations with one seller per traded good whose trades close.

    The structures are generated by bitmasks (:func:`inframarginal.enumeration.iter_structures`)
    in a stable order: autarky first, then by traded set (smaller first), then by the
    sellers' configurations.  This holds them all in memory: for large models iterate
    :func:`~inframarginal.enumeration.iter_structures` or count with
    :func:`~inframarginal.enumeration.count_structures` instead.

    Parameters
    ----------
    model : Model
    limit : int, optional
        Raise :class:`~inframarginal.enumeration.StructureBudgetError` (naming the count)
        if the model has more structures; default
        :data:`~inframarginal.enumeration.DEFAULT_STRUCTURE_LIMIT`.
    """
    from inframarginal.enumeration import DEFAULT_STRUCTURE_LIMIT, iter_structures

    return tuple(iter_structures(model, limit=DEFAULT_STRUCTURE_LIMIT if limit is None else limit))


def resolve_configuration(model: Model, label: str, where: str = "") -> Configuration:
    """Find the configuration a label such as ``(x/yz)[x=cluster]`` refers to.

    Goods within each side may be written in any order; the technology tag may be
    left out when only one technology fits.
    """
    text = label.strip()
    tag = ""
    if "[" in text:
        text, tag = text.split("[", 1)
        tag = tag.rstrip("]")
    text = text.strip().strip("()")
    left, _, right = text.partition("/")
    wanted_tech = {}
    for part in filter(None, (p.strip() for p in tag.split(","))):
        good, _, tech = part.partition("=")
        wanted_tech[good.strip()] = tech.strip()

    def goods_of(side: str) -> list[str] | None:
        if "," in side:
            return [g.strip() for g in side.split(",") if g.strip()]
        names = sorted(model.good_names, key=len, reverse=True)
        out, rest = [], side.replace(" ", "")
        while rest:
            for n in names:
                if rest.startswith(n):
                    out.append(n)
                    rest = rest[len(n):]
                    break
            else:
                return None
        return out

    produced, bought = goods_of(left), goods_of(right)
    matches = []
    if produced is not None and bought is not None:
        for c in configurations(model):
            if (set(c.produces) == set(produced) and set(c.buys) == set(bought)
                    and (c.sells == produced[0] if right else c.sells is None)
                    and all(c.technology_of(g) == t for g, t in wanted_tech.items() if g in c.produces)):
                matches.append(c)
    if len(matches) == 1:
        return matches[0]
    key = where or "configuration"
    if not matches:
        raise ModelFileError(
            f"{label!r} is not a configuration Lemma 1 allows in this model "
            f"(allowed: {', '.join(c.label for c in configurations(model))})", model.source, key)
    raise ModelFileError(
        f"{label!r} is ambiguous: name the technology, one of {', '.join(c.label for c in matches)}",
        model.source, key)


def resolve_structure(model: Model, labels: tuple[str, ...] | list[str], name: str = "") -> Structure:
    """Build a :class:`Structure` from configuration labels and check that its trades close."""
    key = f"structures.{name}" if name else "structure"
    configs = tuple(resolve_configuration(model, lab, key) for lab in labels)
    sellers = [c.sells for c in configs if c.sells]
    if len(configs) > 1 and any(c.is_autarky for c in configs):
        raise ModelFileError("an autarky configuration cannot share a structure with traders", model.source, key)
    if len(sellers) != len(set(sellers)):
        raise ModelFileError("each traded good must have one kind of seller", model.source, key)
    bought = {b for c in configs for b in c.buys}
    if bought != set(sellers):
        raise ModelFileError(
            f"trades do not close: goods sold {sorted(sellers)}, goods bought {sorted(bought)}",
            model.source, key)
    return Structure(name or " ".join(c.label for c in configs), configs)


@cache
def named_structures(model: Model) -> tuple[Structure, ...]:
    """The structures the model file names, resolved and checked."""
    return tuple(
        Structure(nm.name, resolve_structure(model, nm.configurations, nm.name).configurations, nm.description)
        for nm in model.named_structures
    )


def studied_structures(model: Model) -> tuple[Structure, ...]:
    """The model's named structures, or every enumerated structure if it names none."""
    return named_structures(model) or enumerate_structures(model)


def trades(structure: Structure) -> list[tuple[str, str, str]]:
    """``(seller, buyer, good)`` for every trade of the structure: its network of division of labour."""
    return [(seller.label, buyer.label, seller.sells) for seller in structure.configurations if seller.sells
            for buyer in structure.configurations if seller.sells in buyer.buys]


def traded_goods(structure: Structure, model: Model) -> list[str]:
    """The goods traded in ``structure``, in the model's order of goods."""
    return [g for g in model.good_names if g in structure.traded_goods]


def find_structure(model: Model, name: str) -> Structure:
    """A structure by its name (named or enumerated), or by its configuration labels separated by spaces."""
    from inframarginal.enumeration import DEFAULT_STRUCTURE_LIMIT, count_structures

    for s in named_structures(model):
        if s.name == name:
            return s
    small = count_structures(model) <= DEFAULT_STRUCTURE_LIMIT
    if small:
        for s in enumerate_structures(model):
            if s.name == name:
                return s
    else:  # too many to list: read the name as labels
        try:
            return resolve_structure(model, name.split())
        except ModelFileError:
            pass
    known = [s.name for s in (studied_structures(model) if small else named_structures(model))]
    raise ModelFileError(f"unknown structure {name!r} (structures: {', '.join(known)}"
                         + ("" if small else ", or configuration labels separated by spaces") + ")",
                         model.source, "structure")


def trading_groups(structure: Structure) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The closed trading groups of a structure, and the goods whose sellers are outside them.

    Money flows from each seller to the sellers of the goods she buys.  In a corner
    equilibrium the values of sales are a stationary flow, which lives on the closed
    classes of this graph (groups that money enters and never leaves).  One closed
    group holding every seller is the normal case.  Several closed groups mean the
    structure splits into independent sub-economies; sellers outside every closed
    group get no income back, so their share of the population is exactly zero.

    Returns
    -------
    groups : tuple of tuple of str
        The goods sold in each closed group, in the order of the structure.
    lost : tuple of str
        Goods whose sellers belong to no closed group.
    """
    sellers = [c for c in structure.configurations if c.sells]
    reach = {c.sells: {c.sells, *c.buys} for c in sellers}
    changed = True
    while changed:  # transitive closure; structures have at most a few dozen sellers
        changed = False
        for r in reach.values():
            new = set().union(*(reach[h] for h in r))
            if new - r:
                r |= new
                changed = True
    groups, seen = [], set()
    for g, r in reach.items():
        if all(g in reach[h] for h in r) and frozenset(r) not in seen:
            seen.add(frozenset(r))
            groups.append(tuple(h for h in reach if h in r))
    inside = {h for grp in groups for h in grp}
    return tuple(groups), tuple(h for h in reach if h not in inside)


def structure_defect(structure: Structure) -> str:
    """Why the buy graph alone rules out a corner equilibrium of ``structure`` ('' if it does not).

    A structure that splits into independent trading groups is a union of
    sub-economies, each with its own price level: it is not a corner equilibrium of
    its own (each group is a structure of the model and is solved as such; the union
    never has a higher per-capita real income than its best group).  A structure whose
    sellers of some goods get no income back has a zero share of those sellers.
    """
    groups, lost = trading_groups(structure)
    if len(groups) > 1:
        return ("the structure splits into independent trading groups "
                + ", ".join("{" + " ".join(g) + "}" for g in groups)
                + ": a union of sub-economies, each a structure of its own, not one corner equilibrium")
    if lost:
        return (f"sellers of {', '.join(lost)} get no income back (money flows out of their group and "
                "never returns): their share of the population is 0")
    return ""
