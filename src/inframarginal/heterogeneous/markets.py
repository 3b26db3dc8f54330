"""Markets of a structure with types: who buys a good from whom, at which price.

A good sold by one type, or by several types that every buyer reaches with the same
efficiency, has one market and one price (named by the good).  Where a buyer reaches the
sellers of one type with a better efficiency than those of another, it buys from the best
ones only, and the sellers it does not use form a market of their own with its own price (named
``x@home``): two places trading the same goods among themselves are two markets.  Sellers tied
for some buyer share one market.  A market no buyer uses means those sellers have no income:
the structure is not a corner equilibrium.

Markets linked by the people who trade in them form trading groups; separate groups (each place
trading only at home) have independent price levels, fixed by convention (each group's last
market has price 1), and the total cost-benefit check lets a person trade within one group.
"""

from __future__ import annotations

from dataclasses import dataclass

from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.heterogeneous.structures import TypedStructure

#: Efficiencies (in logs) closer than this are the same.
TIE = 1e-12


@dataclass(frozen=True)
class Markets:
    """The markets of a structure: name, good, seller types and trading group of each."""

    keys: tuple[str, ...]
    goods: tuple[str, ...]
    sellers: tuple[frozenset[str], ...]
    group: tuple[int, ...]
    purchases: tuple[tuple[str, str, int], ...]  # (buyer type, good, market) of the people present

    def sale(self, seller: str, good: str) -> int | None:
        """The market where a person of type ``seller`` sells ``good`` (``None`` if its type does not)."""
        for i, (g, s) in enumerate(zip(self.goods, self.sellers, strict=True)):
            if g == good and seller in s:
                return i
        return None

    def purchase(self, buyer: str, good: str) -> int:
        """The market where the people of type ``buyer`` present buy ``good``."""
        return next(m for b, g, m in self.purchases if b == buyer and g == good)

    def of_good(self, good: str, group: int | None = None) -> list[int]:
        """The markets of ``good`` (within one trading group if given)."""
        return [i for i, g in enumerate(self.goods) if g == good and (group is None or self.group[i] == group)]

    def log_efficiency(self, efficiencies: dict[tuple[str, str, str], float], buyer: str, market: int) -> float:
        """The best log efficiency with which ``buyer`` gets the good of ``market``."""
        return max(efficiencies[buyer, s, self.goods[market]] for s in self.sellers[market])


def structure_markets(model: TypedModel, structure: TypedStructure,
                      efficiencies: dict[tuple[str, str, str], float]) -> Markets | str:
    """The markets of ``structure``; or why it cannot be a corner equilibrium."""
    sellers = structure.sellers(model)
    configs = structure.configurations(model)
    buyers: dict[str, set[str]] = {}
    for person, present in zip(model.types, configs, strict=True):
        for config in present:
            for h in config.buys:
                buyers.setdefault(h, set()).add(person.name)
    keys, goods, groups_of = [], [], []
    chosen: dict[tuple[str, str], frozenset[str]] = {}
    for h in model.good_names:
        if h not in sellers:
            continue
        parent = {s: s for s in sellers[h]}

        def root(s: str, parent: dict[str, str] = parent) -> str:
            while parent[s] != s:
                s = parent[s]
            return s

        best_of = {}
        for buyer in sorted(buyers.get(h, ())):
            reach = {s: efficiencies[buyer, s, h] for s in sellers[h]}
            highest = max(reach.values())
            best = sorted(s for s, e in reach.items() if e >= highest - TIE)
            best_of[buyer] = best
            for s in best[1:]:
                parent[root(s)] = root(best[0])
        groups: dict[str, set[str]] = {}
        for s in sellers[h]:
            groups.setdefault(root(s), set()).add(s)
        used = {root(best[0]) for best in best_of.values()}
        for r, members in groups.items():
            if r not in used:
                return (f"type {', '.join(sorted(members))} sells {h} but every buyer gets it with a better "
                        "efficiency from another type: those sellers have no income")
        for members in sorted(groups.values(), key=sorted):
            keys.append(h if len(groups) == 1 else f"{h}@{'+'.join(sorted(members))}")
            goods.append(h)
            groups_of.append(frozenset(members))
        for buyer, best in best_of.items():
            chosen[buyer, h] = frozenset(groups[root(best[0])])
    index = {(g, s): i for i, (g, s) in enumerate(zip(goods, groups_of, strict=True))}
    purchases = tuple((b, h, index[h, group]) for (b, h), group in chosen.items())
    # trading groups: markets linked by a person who sells in one and buys in another
    link = list(range(len(keys)))

    def top(i: int) -> int:
        while link[i] != i:
            i = link[i]
        return i

    for person, present in zip(model.types, configs, strict=True):
        for config in present:
            if config.sells is None:
                continue
            sold = next(i for i, (g, s) in enumerate(zip(goods, groups_of, strict=True))
                        if g == config.sells and person.name in s)
            for h in config.buys:
                link[top(index[h, chosen[person.name, h]])] = top(sold)
    roots = sorted({top(i) for i in range(len(keys))})
    return Markets(tuple(keys), tuple(goods), tuple(groups_of), tuple(roots.index(top(i)) for i in range(len(keys))),
                   purchases)


__all__ = ["Markets", "TIE", "structure_markets"]
