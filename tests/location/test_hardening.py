"""Findings of the attacker/careless-user review of the beach commands, each pinned by a test.

Expected values are worked out by hand in the comments (never copied from the code's output).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from fractions import Fraction as F

import pytest
from click.testing import CliRunner

from inframarginal.cli import main
from inframarginal.errors import InframarginalError
from inframarginal.location import cross_check, find_equilibria, market_shares
from inframarginal.location.arithmetic import decimal_text, parse_number
from inframarginal.location.bruteforce import MAX_WORK, _is_grid_equilibrium
from inframarginal.location.equilibria import MAX_SELLERS, certify, satisfies_characterization
from inframarginal.location.welfare import average_distance, welfare_comparison


def run(*args):
    return CliRunner().invoke(main, list(args))


def one_line_error(r, *needles):
    """Exit 2 and exactly one line ``error: ...`` holding every needle."""
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith("error: "), r.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# ------------------------------------------------------------ sellers at the ends of the beach
def test_average_distance_with_sellers_at_the_ends():
    # 0 and 1/2: consumers in [0, 1/4] walk t (1/32), [1/4, 1/2] walk 1/2 - t (1/32),
    # [1/2, 1] walk t - 1/2 (1/8): 3/16 in all.
    assert average_distance([F(0), F(1, 2)]) == F(3, 16)
    assert average_distance([F(1, 2), F(1)]) == F(3, 16)
    # 0 and 1: min(t, 1 - t) averages 1/4; both at one end: t averages 1/2.
    assert average_distance([F(0), F(1)]) == F(1, 4)
    assert average_distance([F(1), F(1)]) == F(1, 2)
    assert average_distance([0.0, 0.5]) == pytest.approx(3 / 16)


def test_cli_shares_at_zero_and_at_the_price_game_locations():
    r = run("beach", "shares", "--positions", "0,1/2")
    assert r.exit_code == 0, r.output
    # the seller at 0 serves [0, 1/4], the one at 1/2 the rest
    assert "position 0  share 1/4" in r.output and "position 1/2  share 3/4" in r.output
    assert "3/16" in r.output
    # the quadratic-cost price game puts the firms at 0 and 1
    r = run("beach", "shares", "--positions", "0,1", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["shares"] == ["0.5", "0.5"] and d["average_distance"] == "0.25"


# ------------------------------------------------------------ output paths checked first
def test_plot_path_checked_before_the_run(tmp_path, monkeypatch):
    import inframarginal.location.dynamics as dyn

    def boom(*args, **kwargs):
        raise AssertionError("the dynamics ran although the output path is unusable")

    monkeypatch.setattr(dyn, "best_response_dynamics", boom)
    missing = tmp_path / "missing" / "x.png"
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.9", "--plot", str(missing)),
        "plot",
        str(missing),
        "existing folder",
    )
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.9", "--plot", str(tmp_path)), "plot", "expected"
    )
    folder = tmp_path / "d.png"
    folder.mkdir()
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.9", "--plot", str(folder)), "a folder"
    )
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.9", "--plot", str(tmp_path / "x.pdf")),
        ".png, .svg or .gif",
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_plot_path_not_writable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        one_line_error(
            run("beach", "dynamics", "--start", "0.1,0.9", "--plot", str(locked / "x.png")),
            "writable",
        )
    finally:
        locked.chmod(0o700)


# ------------------------------------------------------------ bounded work
@pytest.mark.parametrize(
    "args",
    [
        ("beach", "optimum", "-n", "1000000"),
        ("beach", "crosscheck", "-n", "1000000"),
        ("beach", "equilibria", "-n", "24"),
        ("beach", "equilibria", "-n", str(MAX_SELLERS + 1), "--circle"),
    ],
)
def test_too_many_sellers_refused_in_one_line(args):
    one_line_error(run(*args), "--sellers", f"expected an integer in 1..{MAX_SELLERS}")


def test_library_refuses_large_n_before_any_work():
    for f in (find_equilibria, welfare_comparison, cross_check):
        with pytest.raises(InframarginalError, match=f"at most {MAX_SELLERS}"):
            f(10**6)


def test_crosscheck_grid_budget():
    # n = 2 on grid 1/600: C(602, 2) = 180901 profiles, each with 2 sellers and 1801 fine points
    line = one_line_error(run("beach", "crosscheck", "-n", "2", "--grid", "600"), "grid: 600")
    assert str(180901 * 2 * 1801) in line and str(MAX_WORK) in line
    # grid 100: C(102, 2) = 5151 profiles * 2 * 301 = 3100902 > MAX_WORK on its own
    one_line_error(run("beach", "crosscheck", "-n", "2", "--grid", "100"), "grid: 100")
    # grids 80 (3321 * 2 * 241 = 1600722) and 60 (1891 * 2 * 181 = 684542) fit alone, not together
    line = one_line_error(
        run("beach", "crosscheck", "-n", "2", "--grid", "80", "--grid", "60"), "in all"
    )
    assert str(1600722 + 684542) in line


def test_dynamics_run_size_limits():
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.9", "--max-rounds", "100000"),
        "--max-rounds",
        "1..1000",
    )
    # 5 sellers: rounds x 25 <= 10000 gives at most 400 rounds
    one_line_error(
        run("beach", "dynamics", "--start", "0.1,0.2,0.3,0.4,0.5", "--max-rounds", "401"),
        "max_rounds",
        "at most 400",
    )
    many = ",".join(["0.5"] * 25)
    one_line_error(run("beach", "dynamics", "--start", many), "start", "at most 24")
    many = ",".join(["0.5"] * 1001)
    one_line_error(run("beach", "shares", "--positions", many), "positions", "at most 1000")


def test_huge_exponent_refused_without_building_it():
    one_line_error(run("beach", "shares", "--positions", "1e-99999999"), "positions")
    one_line_error(run("beach", "pricing", "--rate", "9" * 100), "rate", "at most 40")
    with pytest.raises(InframarginalError, match="nonzero denominator"):
        parse_number("1/0", "x")


def test_limits_stated_in_help():
    assert f"1..{MAX_SELLERS}" in run("beach", "equilibria", "--help").output
    assert f"1..{MAX_SELLERS}" in run("beach", "optimum", "--help").output
    assert str(MAX_WORK) in run("beach", "crosscheck", "--help").output
    out = " ".join(run("beach", "dynamics", "--help").output.split())
    assert "at most 1000" in out and "rounds x sellers^2 <= 10000" in out
    assert "at most 1000" in " ".join(run("beach", "shares", "--help").output.split())


def test_interrupt_says_where_it_stopped(monkeypatch):
    import inframarginal.location.equilibria as eqm

    def interrupted(n, circle=False, progress=None):
        progress(3, 10)
        raise KeyboardInterrupt

    monkeypatch.setattr(eqm, "find_equilibria", interrupted)
    r = run("beach", "equilibria", "-n", "8")
    assert r.exit_code == 130
    assert r.output.strip().splitlines() == ["stopped: interrupted after 3 of 10 patterns"]


# ------------------------------------------------------------ no vacuous agreement
def test_crosscheck_without_a_grid_says_so_and_fails():
    r = run("beach", "crosscheck", "-n", "12")
    assert r.exit_code == 1, r.output
    assert "no comparison made" in r.output and "agree = True" not in r.output
    res = cross_check(12)
    assert not res.compared and not res.agree
    d = json.loads(run("beach", "crosscheck", "-n", "12", "--format", "json").output)
    assert d["compared"] is False and d["agree"] is False and d["grids"] == []
    # a small explicit grid is compared: 12 sellers on 1/2 (C(14, 12) = 91 profiles)
    r = run("beach", "crosscheck", "-n", "12", "--grid", "2")
    assert r.exit_code == 0 and "agree = True" in r.output


# ------------------------------------------------------------ usage mistakes in one line
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (("beach", "equilibria", "-n", "x"), ("--sellers", "'x'", "expected an integer")),
        (("beach", "optimum", "-n", "2.5"), ("--sellers", "'2.5'", "expected an integer")),
        (("beach", "equilibria"), ("--sellers", "missing", "1..14")),
        (("beach", "equilibria", "-n", "3", "extra"), ("arguments", "'extra'", "expected")),
        (("beach", "equilibria", "-n", "2", "--format", "xml"), ("--format", "table, json")),
        (("beach", "shares", "--positions", "1/2", "--bogus"), ("--bogus", "--positions")),
        (("beach", "nope"), ("command", "'nope'", "equilibria")),
        (("beach", "crosscheck", "-n", "2", "--grid", "0"), ("--grid", "expected an integer")),
        (("beach", "dynamics", "--start", "0.1", "--mode", "x"), ("--mode", "sequential")),
        (("data", "show", "cluster_shares", "--format", "xls"), ("--format", "csv")),
        (("data", "nope"), ("command", "validate")),
    ],
)
def test_usage_mistakes_are_one_line(args, needles):
    one_line_error(run(*args), *needles)


# ------------------------------------------------------------ data validate exit status
def test_data_validate_exit_status():
    # the shipped Tables 2 and 3 hold printing errors (a malformed number, Russia's 53%)
    for fmt in ("table", "json", "csv"):
        r = run("data", "validate", "--format", fmt)
        assert r.exit_code == 1, (fmt, r.output)
    assert "[error]" in run("data", "validate").output
    # Table 1 has only a spelling note ('Texile'): no error, exit 0
    r = run("data", "validate", "cluster_shares")
    assert r.exit_code == 0 and "[error]" not in r.output


# ------------------------------------------------------------ decimals shown as decimals
def test_decimal_inputs_shown_as_decimals():
    r = run("beach", "shares", "--positions", "0.3,0.7")
    assert r.exit_code == 0 and "/" not in r.output, r.output
    # boundary at 1/2: shares 1/2 each; walks: 0.3 to [0, 0.5] gives (0.09 + 0.04)/2,
    # 0.7 to [0.5, 1] the same: 0.13 in all
    assert "position 0.3  share 0.5" in r.output and "0.13" in r.output
    d = json.loads(run("beach", "shares", "--positions", "0.3,0.7", "--format", "json").output)
    assert d["positions"] == ["0.3", "0.7"] and d["average_distance"] == "0.13"
    # errors echo the input as written too
    one_line_error(run("beach", "shares", "--positions", "0.5,1.5"), "got 1.5", "[0, 1]")
    one_line_error(run("beach", "pricing", "--locations", "0.6,0.3"), "got 0.6, 0.3")
    r = run("beach", "shares", "--positions", "0.3,0.7", "--fractions")
    assert "position 3/10  share 1/2" in r.output and "13/100" in r.output
    # an input written as a fraction keeps fractions: 1/3 and 1/2 meet at 5/12
    r = run("beach", "shares", "--positions", "1/3,0.5")
    assert "share 5/12" in r.output and "share 7/12" in r.output
    # three sellers at one point split it: 1/3 each, a decimal that does not terminate
    r = run("beach", "shares", "--positions", "0.5,0.5,0.5")
    assert "share 0.333333333333" in r.output
    # quadratic price subgame at 0.3, 0.6 with t = 0.3: p1 = t(1-a-b)(1+(a-b)/3) with
    # a = 0.3, b = 0.4: 0.09 * 29/30 = 0.087; p2 = 0.09 * 31/30 = 0.093
    r = run("beach", "pricing", "--locations", "0.3,0.6", "--rate", "0.3")
    assert "prices 0.087, 0.093" in r.output, r.output
    d = json.loads(run("beach", "dynamics", "--start", "0.1,0.9", "--format", "json").output)
    assert d["epsilon"] == "0.01" and d["final"] == ["0.5", "0.5"]


def test_decimal_text_and_exact_parsing():
    assert parse_number("0.3", "x") == F(3, 10)  # exactly 3/10, not the binary double
    assert parse_number("2.5e-1", "x") == F(1, 4)
    assert decimal_text(F(3, 10)) == "0.3" and decimal_text(F(-13, 8)) == "-1.625"
    assert decimal_text(F(2, 3)) == "0.666666666667"


def test_circle_intervals_reduced_mod_1():
    # rivals at 0.1 and 0.2: anywhere in the long arc (0.2, 1.1) earns half of it, 0.45
    r = run("beach", "best-response", "--others", "0.1,0.2", "--circle")
    assert r.output.strip() == "supremum 0.45: maximum attained on [0, 0.1) and (0.2, 1)"
    r = run("beach", "best-response", "--others", "1/10,1/5", "--circle")
    assert "[0, 1/10) and (1/5, 1)" in r.output and "11/10" not in r.output
    # a lone rival: every other point earns 1/2, and so does joining it
    r = run("beach", "best-response", "--others", "1/2", "--circle")
    assert r.output.strip() == "supremum 1/2: maximum attained on [0, 1)"


# ------------------------------------------------------------ the n = 6 continuum
def six(h):
    """Hand derivation: pairs at both ends with hinterland H, pair half-gaps H, so
    y1 = H, y2 = 3H; by symmetry y4 = 1 - H, y3 = 1 - 3H; the free half-gap
    h2 = (1 - 6H)/2 lies in (0, H] exactly when 1/8 <= H < 1/6."""
    return (h, h, 3 * h, 1 - 3 * h, 1 - h, 1 - h)


def grid_certified(profile):
    m = math.lcm(*(x.denominator for x in profile))
    return _is_grid_equilibrium(tuple(3 * int(x * m) for x in profile), 3 * m, False)


def test_six_sellers_family_printed_explicitly():
    r = run("beach", "equilibria", "-n", "6")
    assert r.exit_code == 0
    assert "positions (H, H, 3H, 1 - 3H, 1 - H, 1 - H) for H in [1/8, 1/6)" in r.output
    d = json.loads(run("beach", "equilibria", "-n", "6", "--format", "json").output)
    (fam,) = d["continuum"]
    assert fam["positions"] == "H, H, 3H, 1 - 3H, 1 - H, 1 - H"
    assert fam["parameter_range"] == {"H_min": "1/8", "H_max": "1/6", "H_max_included": False}


@pytest.mark.parametrize(
    "h", [F(1, 8), F(2, 15), F(7, 50), F(3, 20), F(4, 25), F(1, 6) - F(1, 600)]
)
def test_six_sellers_family_members_are_equilibria(h):
    (fam,) = find_equilibria(6).continuum
    assert fam.member(h) == six(h)
    assert certify(six(h)).verified  # exact best responses
    assert grid_certified(six(h))  # brute force over the finer grid and one-sided limits
    assert satisfies_characterization(six(h))


@pytest.mark.parametrize(
    "profile",
    [
        six(F(1, 10)),  # H below 1/8: the free half-gap 1/5 exceeds the pairs' payoff 1/10
        six(F(1, 8) - F(1, 800)),
        six(F(7, 40)),  # H above 1/6: the inner sellers cross
        (F(1, 8), F(1, 8), F(3, 8), F(5, 8) + F(1, 40), F(7, 8), F(7, 8)),  # off the family
    ],
)
def test_points_off_the_six_seller_family_are_not_equilibria(profile):
    assert not certify(profile).verified
    assert not grid_certified(profile)


def test_six_sellers_family_closes_on_the_isolated_equilibrium():
    res = find_equilibria(6)
    assert tuple(six(F(1, 6))) in [e.positions for e in res.equilibria]


@pytest.mark.parametrize("n", [7, 8, 9, 10])
def test_every_one_parameter_line_family_member_is_an_equilibrium(n):
    for fam in find_equilibria(n).continuum:
        if fam.parameter_range is None:
            continue
        lo, hi = fam.parameter_range
        for h in (lo, (lo + hi) / 2, hi - (hi - lo) / 100):
            assert certify(fam.member(h)).verified, (fam.pattern, h)
        assert not certify(fam.member(lo - (hi - lo) / 10)).verified


# ------------------------------------------------------------ pattern enumeration
def test_line_patterns_match_a_direct_enumeration():
    from inframarginal.location.equilibria import _circle_patterns, _line_patterns

    for n in range(2, 11):
        # every tuple of 1s and 2s with 2s at both ends summing to n (conditions 1-2)
        direct = {
            p
            for k in range(1, n + 1)
            for p in itertools.product((1, 2), repeat=k)
            if sum(p) == n and p[0] == 2 and p[-1] == 2
        }
        assert set(_line_patterns(n)) == direct
        rotations = {
            p: {p[i:] + p[:i] for i in range(len(p))}
            for k in range(1, n + 1)
            for p in itertools.product((1, 2), repeat=k)
            if sum(p) == n
        }
        classes = {frozenset(r) for r in rotations.values()}
        assert len(_circle_patterns(n)) == len(classes)


def test_shares_api_still_exact():
    assert market_shares([F(0), F(1, 2)]) == (F(1, 4), F(3, 4))
