"""Step-1 counts of li-ke-2020 against the paper's "14 configurations" and "7 structures".

The paper (section 2.1) says there are 14 configurations and 7 structures.  Its 7
structures, as it lists them (section 2.2), hold 1 + 1 + 2 + 2 + 2 + 3 + 3 = 14
configurations counted once per structure: the paper's 14 is the count over its figure of
structures, in which (y/x) appears three times and (z/xy) twice (10 distinct
configurations).  Lemma 1 itself allows more: the brute force below, written from the
lemma and the model (not from the engine), counts the configurations and the structures
whose trades close, with and without telling apart the technology of x.
"""

import itertools
import json

from click.testing import CliRunner

from inframarginal.cli import main

CONSUMED = {"x", "y"}
X_TECHNOLOGIES = {"plain": False, "roundabout": True, "cluster": True}  # uses z?
PAPER = {  # section 2.2, as printed (technology of x where the paper names it)
    "A": [("xy", None, "", "plain")],
    "B": [("xyz", None, "", "roundabout")],
    "PA": [("xy", "x", "z", "roundabout"), ("zy", "z", "x", None)],
    "PB": [("xz", "x", "y", "roundabout"), ("y", "y", "x", None)],
    "PC": [("x", "x", "y", "plain"), ("y", "y", "x", None)],
    "CCA": [("x", "x", "yz", "cluster"), ("z", "z", "xy", None), ("y", "y", "x", None)],
    "CCB": [("x", "x", "yz", "roundabout"), ("z", "z", "xy", None), ("y", "y", "x", None)],
}


def lemma_1_configurations():
    """(produced, sold, bought, technology of x) for every pattern Lemma 1 allows."""
    goods = ["x", "y", "z"]
    found = set()
    for n in (1, 2, 3):
        for produced in map(frozenset, itertools.combinations(goods, n)):
            for sold in [None, *produced]:
                rest = [g for g in goods if g not in produced]
                buy_sets = [frozenset()] if sold is None else [
                    frozenset(b) for m in range(1, len(rest) + 1) for b in itertools.combinations(rest, m)]
                for bought in buy_sets:
                    for tech in (X_TECHNOLOGIES if "x" in produced else [None]):
                        uses_z = tech is not None and X_TECHNOLOGIES[tech]
                        have = produced | bought
                        if not CONSUMED <= have:
                            continue  # every consumed good obtained
                        if uses_z and "z" not in have:
                            continue  # the technology's input must be there
                        if "z" in have and not (uses_z or sold == "z"):
                            continue  # z has no use
                        found.add((produced, sold, bought, tech))
    return found


def structures(configs):
    autarky = [frozenset([c]) for c in configs if c[1] is None]
    trading = [c for c in configs if c[1] is not None]
    out = list(autarky)
    for n in (2, 3):
        for combo in itertools.combinations(trading, n):
            sold = [c[1] for c in combo]
            if len(set(sold)) == n and set().union(*(c[2] for c in combo)) == set(sold):
                out.append(frozenset(combo))
    return out


def pattern(c):
    return c[:3]


def test_counts_shown_match_a_hand_enumeration_and_explain_the_papers_14_and_7():
    configs = lemma_1_configurations()
    found = structures(configs)
    merged = {frozenset(pattern(c) for c in s) for s in found}
    slots = [len(v) for v in PAPER.values()]
    assert (sum(slots), len(PAPER)) == (14, 7)  # the paper's numbers, from its own list

    shown = json.loads(CliRunner().invoke(main, ["show", "li-ke-2020", "--format", "json"]).output)
    counts = shown["counts"]
    assert counts["configurations"] == len(configs) == 18
    assert counts["configurations_merged_by_technology"] == len({pattern(c) for c in configs}) == 11
    assert counts["enumerated_structures"] == len(found) == 56
    assert counts["structures_merged_by_technology"] == len(merged) == 18
    assert counts["studied_structures"] == len(PAPER)
    assert counts["configuration_slots_in_studied_structures"] == sum(slots)
    paper_configs = {(frozenset(p), s, frozenset(b), t) for v in PAPER.values() for p, s, b, t in v}
    assert paper_configs <= configs  # every configuration of the paper is one Lemma 1 allows
    paper_structures = {frozenset((frozenset(p), s, frozenset(b), t) for p, s, b, t in v) for v in PAPER.values()}
    assert paper_structures <= set(found)  # and every structure of the paper closes
    assert counts["configurations_in_studied_structures"] == len(paper_configs) == 10
    # CCA and CCB differ only in the technology of x: 6 structures once it is ignored.
    assert counts["studied_structures_merged_by_technology"] == 6
    text = CliRunner().invoke(main, ["show", "li-ke-2020"]).output
    assert "14 counted once per structure" in text and "CCA and CCB differ only in technology" in text
