"""Streaming enumeration: counts without listing, the same structures in the same order, budgets."""

import itertools
import math

import pytest

import inframarginal as im
from inframarginal.configurations import configurations, enumerate_structures
from inframarginal.enumeration import (
    StructureBudgetError,
    count_by_traded_set,
    count_structures,
    iter_structures,
    structure_blocks,
)
from inframarginal.modelfile import builtin_models

from .models import symmetric


def reference_structures(model):
    """The enumeration as it was before bitmasks: the product over all sellers of each traded set."""
    configs = configurations(model)
    out = [(c,) for c in configs if c.is_autarky]
    by_good = {}
    for c in configs:
        if c.sells:
            by_good.setdefault(c.sells, []).append(c)
    goods = [g for g in model.good_names if g in by_good]
    for size in range(2, len(goods) + 1):
        for traded in itertools.combinations(goods, size):
            for choice in itertools.product(*(by_good[g] for g in traded)):
                if {b for c in choice for b in c.buys} == set(traded):
                    out.append(tuple(choice))
    return out


def symmetric_count(n):
    """Structures of the symmetric n-good model, one technology per good, every good consumed.

    A structure trading t goods gives each seller a non-empty buy-set among the other t - 1
    traded goods, all t bought by someone.  Inclusion-exclusion over the set J of goods
    nobody buys (|J| = j): a seller of a good in J picks among 2**(t-j) - 1 non-empty
    sets, a seller of another good among 2**(t-j-1) - 1.
    """
    total = 1  # autarky
    for t in range(2, n + 1):
        n_t = sum((-1) ** j * math.comb(t, j) * (2 ** (t - j) - 1) ** j * (2 ** (t - j - 1) - 1) ** (t - j)
                  for j in range(t + 1))
        total += math.comb(n, t) * n_t
    return total


@pytest.mark.parametrize("name", sorted(builtin_models()))
def test_counts_and_order_of_built_in_models_match_the_reference_enumeration(name):
    model = im.load_model(name)
    if count_structures(model) > 10_000:
        pytest.skip("too many structures for the reference enumeration")
    reference = reference_structures(model)
    assert count_structures(model) == len(reference)
    assert [s.configurations for s in enumerate_structures(model)] == reference
    assert [s.configurations for s in iter_structures(model)] == reference


@pytest.mark.parametrize("n", [2, 3, 4])
def test_symmetric_models_enumerate_in_the_reference_order(n):
    model = symmetric(n)
    reference = reference_structures(model)
    assert [s.configurations for s in iter_structures(model)] == reference
    blocks = [tuple(row) for _, block in structure_blocks(model, rows=7) for row in block.tolist()]
    assert len(blocks) == len(reference) - 1  # autarky is not in the blocks; small blocks split the product
    assert len(set(blocks)) == len(blocks)


def test_counts_of_symmetric_models_without_listing():
    # 22, 1,778 and 600,946 were measured by listing on the code before this change (issue 13).
    assert [count_structures(symmetric(n)) for n in (2, 3, 4, 5)] == [2, 22, 1778, 600946]
    for n in (2, 3, 4, 5, 6, 7):
        assert count_structures(symmetric(n)) == symmetric_count(n)
    assert 7.5e8 < count_structures(symmetric(6)) < 7.7e8  # "7.6 x 10^8" in issue 13


def test_counts_by_traded_set_add_up_and_name_the_goods():
    model = symmetric(4)
    by_set = count_by_traded_set(model)
    assert by_set[("x", "y")] == 1  # (xzw/y) (yzw/x)
    assert by_set[("x", "y", "z")] == 22 - 1 - 3  # the 3-good model less autarky and its 3 pairs
    assert sum(by_set.values()) + 1 == 1778


def test_listing_a_model_over_the_budget_names_the_count_the_limit_and_the_way_forward():
    with pytest.raises(StructureBudgetError) as err:
        enumerate_structures(symmetric(5))
    message = str(err.value)
    assert "600,946" in message and "100,000" in message
    # In Python words: the arguments that avoid the error, never the command line's flags.
    assert message.endswith("; use method='search' or method='exhaustive'")
    assert "--" not in message and "\n" not in message
    assert len(enumerate_structures(symmetric(4), limit=2000)) == 1778


def test_structures_are_generated_lazily():
    stream = iter_structures(symmetric(6), limit=None)  # 757,758,722 structures: never listed
    first = [next(stream) for _ in range(3)]
    assert first[0].labels == ("(xyzwvu)",)
    assert first[1].labels == ("(xzwvu/y)", "(yzwvu/x)")
    stream.close()
