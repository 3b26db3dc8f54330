"""Lemma 1: the configurations of a model, what a structure is, and labels resolved to both.

A *configuration* is a pattern of zero and positive decision variables allowed by
Lemma 1 of Yang and Ng (1993): a person sells at most one good, never buys and
sells the same good, never buys and self-provides the same good, and obtains
every good she consumes.  It is written in Yang's notation: ``(x/yz)`` sells x
and buys y and z; ``(xy/z)`` produces x and y, sells x and buys z; ``(xy)`` is
autarky.  Where a good has several technologies, the one used is appended, e.g.
``(x/yz)[x=cluster]``.

A *structure* is a set of configurations whose trades close: every good bought
is sold by a configuration of the set and every good sold is bought.  The
structures of a model (named, enumerated, found by name) are in
:mod:`inframarginal.configurations`, which builds on this module and on
:mod:`inframarginal.enumeration`; this module imports neither, so that the
enumeration can build on it.

References
----------
Yang, X. and Ng, Y.-K. (1993). *Specialization and Economic Organization*.
North-Holland, ch. 2 (Lemma 1).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from inframarginal.errors import ModelFileError
from inframarginal.memo import model_cache
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


@model_cache
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


@model_cache
def named_structures(model: Model) -> tuple[Structure, ...]:
    """The structures the model file names, resolved and checked."""
    return tuple(
        Structure(nm.name, resolve_structure(model, nm.configurations, nm.name).configurations, nm.description)
        for nm in model.named_structures
    )


def check_named_structures(model: Model) -> None:
    """Resolve every named structure of ``model`` on its own, so that every bad label is reported.

    Raises
    ------
    ModelFileError
        Combining one error per structure whose labels do not resolve or whose trades do
        not close (each naming the file and ``structures.NAME``).
    """
    try:
        named_structures(model)
    except ModelFileError as first:  # find every bad one (resolving them all again only on failure)
        problems: list[ModelFileError] = []
        for nm in model.named_structures:
            try:
                resolve_structure(model, nm.configurations, nm.name)
            except ModelFileError as err:
                problems.append(err)
        raise ModelFileError.combine(problems or [first]) from None
