"""Step 1: Lemma 1 configurations and structures of the seed model, checked by hand."""

import itertools

import inframarginal as im
from inframarginal.configurations import configurations, enumerate_structures, named_structures

MODEL = im.load_model("li-ke-2020")


def test_every_configuration_obeys_lemma_1():
    consumed = {"x", "y"}
    for c in configurations(MODEL):
        produced, bought = set(c.produces), set(c.buys)
        assert not produced & bought                      # never buy what one produces
        assert (c.sells is None) == (not bought)          # buy iff sell
        assert c.sells is None or c.sells in produced     # sell only what one produces
        assert consumed <= produced | bought              # every consumed good obtained
        uses_z = "x" in produced and c.technology_of("x") != "plain"
        assert ("z" in produced | bought) == (uses_z or c.sells == "z")


def test_enumeration_matches_a_hand_count():
    # Hand count (technologies of x: plain, roundabout, cluster; z needed iff x uses z):
    # autarky: (xy)plain, (xyz)round, (xyz)cluster ........................... 3
    # sell x: (x/y)plain; (xz/y), (xy/z), (x/yz) each round or cluster ......... 7
    # sell y: (y/x); (yx/z) round or cluster .................................. 3
    # sell z: (z/xy), (zy/x), (zx/y) plain/round/cluster ...................... 5
    labels = {c.label for c in configurations(MODEL)}
    assert len(labels) == 18
    patterns = {c.pattern for c in configurations(MODEL)}
    assert patterns == {"(xy)", "(xyz)", "(x/y)", "(xz/y)", "(xy/z)", "(x/yz)", "(y/x)", "(yx/z)",
                        "(z/xy)", "(zy/x)", "(zx/y)"}


def test_structures_close_and_have_one_seller_per_good():
    structures = enumerate_structures(MODEL)
    for s in structures:
        sold = [c.sells for c in s.configurations if c.sells]
        assert len(sold) == len(set(sold))
        assert {b for c in s.configurations for b in c.buys} == set(sold)
    # brute force over all sets of trading configurations gives the same count
    trading = [c for c in configurations(MODEL) if c.sells]
    count = 0
    for size in (2, 3):
        for combo in itertools.combinations(trading, size):
            sold = [c.sells for c in combo]
            if len(set(sold)) == size and {b for c in combo for b in c.buys} == set(sold):
                count += 1
    autarky = sum(1 for c in configurations(MODEL) if c.sells is None)
    assert len(structures) == count + autarky == 56


def test_the_seven_named_structures_of_the_paper():
    named = {s.name: {c.pattern for c in s.configurations} for s in named_structures(MODEL)}
    assert named == {
        "A": {"(xy)"}, "B": {"(xyz)"}, "PA": {"(xy/z)", "(zy/x)"}, "PB": {"(xz/y)", "(y/x)"},
        "PC": {"(x/y)", "(y/x)"}, "CCA": {"(x/yz)", "(z/xy)", "(y/x)"}, "CCB": {"(x/yz)", "(z/xy)", "(y/x)"},
    }
    cca = next(s for s in named_structures(MODEL) if s.name == "CCA")
    assert cca.configurations[0].technology_of("x") == "cluster"
