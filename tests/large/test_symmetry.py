"""The symmetry group of a model and structures up to symmetry, checked by Burnside's lemma."""

import itertools
from fractions import Fraction

import pytest

from inframarginal.configurations import enumerate_structures, resolve_configuration
from inframarginal.model import build_model
from inframarginal.symmetry import (
    SymmetryError,
    check_declared_symmetry,
    count_orbits,
    symmetry_group,
)

from .models import symmetric, symmetric_spec


def permuted_label(model, label, perm):
    """Rename the goods of a label such as '(xy/zw)' letter by letter, and resolve it."""
    return resolve_configuration(model, label.translate(str.maketrans(perm))).label


def burnside_orbits(model, perms):
    """Orbits = average number of structures each permutation fixes (structures as sets of labels)."""
    structures = [frozenset(s.labels) for s in enumerate_structures(model)]
    fixed = 0
    for perm in perms:
        fixed += sum(1 for s in structures if frozenset(permuted_label(model, c, perm) for c in s) == s)
    return Fraction(fixed, len(perms))


def all_permutations(goods):
    return [dict(zip(goods, image, strict=True)) for image in itertools.permutations(goods)]


@pytest.mark.parametrize("n, structures, orbits", [(3, 22, 7), (4, 1778, 97)])
def test_orbit_counts_agree_with_burnside(n, structures, orbits):
    model = symmetric(n)
    goods = model.good_names
    assert symmetry_group(model).order == len(all_permutations(goods))
    assert burnside_orbits(model, all_permutations(goods)) == orbits
    assert count_orbits(model) == (structures, orbits)


def test_five_goods_up_to_symmetry():
    # 5,429 classes of 600,946 structures: the count issue 13 reports from an independent prototype.
    assert count_orbits(symmetric(5)) == (600946, 5429)


def test_a_good_with_its_own_trading_efficiency_is_fixed_by_every_symmetry():
    model = symmetric(4, efficiency={"x": "kk"})
    group = symmetry_group(model)
    assert group.order == 6 and all(p[0] == 0 for p in group.permutations)
    # Burnside over the 6 permutations of y, z, w.
    perms = [{"x": "x", **dict(zip("yzw", image, strict=True))} for image in itertools.permutations("yzw")]
    assert count_orbits(model)[1] == burnside_orbits(model, perms)


def test_parameters_with_different_names_are_not_assumed_equal():
    spec = symmetric_spec(3)
    spec["parameters"]["k_x"] = {"default": 0.6, "domain": "(0, 1]"}
    spec["parameters"]["k_y"] = {"default": 0.6, "domain": "(0, 1]"}
    spec["goods"]["x"]["trading_efficiency"] = "k_x"
    spec["goods"]["y"]["trading_efficiency"] = "k_y"
    model = build_model(spec)
    assert symmetry_group(model).order == 1
    with pytest.raises(SymmetryError, match="'x' and 'y'"):
        check_declared_symmetry(model, ("x", "y"))


def test_technologies_with_inputs_are_mapped_with_their_inputs_renamed():
    spec = symmetric_spec(4)
    spec["technologies"]["x"] = {"output": "y**0.5 * (l - b)**a"}
    spec["technologies"]["z"] = {"output": "w**0.5 * (l - b)**a"}
    model = build_model(spec)
    perms = {tuple(model.good_names[i] for i in p) for p in symmetry_group(model).permutations}
    # The only non-trivial symmetry swaps the pairs (x, y) and (z, w) together.
    assert perms == {("x", "y", "z", "w"), ("z", "w", "x", "y")}


def test_the_full_group_is_described_without_listing_it_and_others_are_listed():
    from inframarginal.symmetry import describe_symmetry

    assert describe_symmetry(symmetric(4)) == ("all 24 permutations of the 4 goods", 24)
    partial = symmetric(4, efficiency={"x": "kk"})  # y, z, w interchangeable: 3! = 6
    assert describe_symmetry(partial) == (symmetry_group(partial).describe(), 6)
