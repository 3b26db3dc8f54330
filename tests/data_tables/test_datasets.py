"""Shipped tables: loading, printed values kept, validation findings, figures, CLI."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from inframarginal.cli import main
from inframarginal.data_tables import (
    NAMES,
    DatasetError,
    datasets,
    load,
    load_cluster_shares,
    load_gdp_composition,
    load_us_china_trade,
)
from inframarginal.data_tables.figures import plot_gdp_composition, plot_trade_balance
from inframarginal.data_tables.parsing import parse_amount, parse_percent
from inframarginal.data_tables.validation import validate
from inframarginal.errors import InframarginalError


def test_metadata_has_source_and_units():
    infos = {d.name: d for d in datasets()}
    assert set(infos) == set(NAMES)
    assert "Census Bureau" in infos["us_china_trade"].source
    assert "millions of U.S. dollars" in infos["us_china_trade"].units
    assert all(d.units and d.source for d in infos.values())


def test_cluster_shares():
    df = load_cluster_shares()
    assert len(df) == 10
    row = df[df["product"] == "Tooth Brush"].iloc[0]
    assert (row["domestic_share_pct"], row["global_share_pct"]) == (80, 22)
    assert math.isnan(df.iloc[0]["domestic_share_pct"]) and df.iloc[0]["global_share_pct"] == 80


def test_trade_keeps_printed_malformed_value():
    df = load_us_china_trade()
    row = df[df["year"] == 2009].iloc[0]
    assert row["balance_printed"] == "-123.468.2" and row["balance_doubtful"]
    assert row["balance"] == pytest.approx(-123468.2) and row["months"] == 7
    assert df["is_total"].sum() == 1 and not df[df["year"] == 2008].iloc[0]["balance_doubtful"]


def test_gdp_keeps_russia_printed_share_flagged():
    df = load_gdp_composition()
    ru = df[df["country"] == "Russia"].iloc[0]
    assert ru["agriculture_pct_printed"] == "53%" and ru["agriculture_pct"] == 53
    assert ru["agriculture_pct_doubtful"]
    assert not df[df["country"] != "Russia"]["agriculture_pct_doubtful"].any()


def test_parsing():
    assert parse_amount("-1,558,876.9").value == -1558876.9
    assert parse_amount("367,303").value == 367303 and not parse_amount("367,303").doubtful
    assert parse_amount("-123.468.2").doubtful
    assert math.isnan(parse_amount("12x").value)
    assert parse_percent("29.1%").value == 29.1


def test_validation_finds_known_inconsistencies():
    rep = validate()
    msgs = [(f.table, f.row, f.check, f.severity) for f in rep.findings]
    assert ("us_china_trade", "January-July 2009", "well-formed number", "error") in msgs
    assert ("us_china_trade", "2006", "balance = exports - imports", "rounding") in msgs
    assert ("us_china_trade", "2004", "balance = exports - imports", "rounding") in msgs
    assert ("gdp_composition", "Russia", "sector shares add to 100%", "error") in msgs
    assert ("gdp_composition", "Russia", "amount = GDP x share", "error") in msgs
    for country in ("European Union", "United States", "India", "Italy", "Mexico"):
        assert ("gdp_composition", country, "sector shares add to 100%", "rounding") in msgs
    # column sums match the printed TOTAL (the malformed 2009 balance read as -123,468.2)
    assert not [f for f in rep.findings if f.check == "column sum = TOTAL"]
    assert rep.count("error") == 3
    ru = next(f for f in rep.findings if f.check == "amount = GDP x share")
    assert "5.3%" in ru.message


def test_validation_recomputes_independently():
    # recompute the trade balances here from the printed text
    df = load_us_china_trade()
    body = df[~df["is_total"]]
    total = df[df["is_total"]].iloc[0]
    assert round(body["exports"].sum(), 1) == total["exports"]
    off = {
        r["period"]
        for _, r in df.iterrows()
        if round(r["exports"] - r["imports"] - r["balance"], 1) != 0
    }
    found = {f.row for f in validate("us_china_trade").findings if f.check.startswith("balance")}
    assert off == found == {"2006", "2004"}


def test_malformed_csv_raises(tmp_path):
    bad = tmp_path / "t.csv"
    bad.write_text("period,exports,imports\n2001,1,2\n")
    with pytest.raises(InframarginalError, match="header"):
        load("us_china_trade", bad)
    bad.write_text('period,exports,imports,balance\n2001,"1,0",2,3\n')
    with pytest.raises(DatasetError, match="exports"):
        load("us_china_trade", bad)
    bad.write_text("period,exports,imports,balance\n2001,1,2\n")
    with pytest.raises(DatasetError, match="fields"):
        load("us_china_trade", bad)
    with pytest.raises(DatasetError, match="dataset"):
        load("nope")


def test_figures(tmp_path):
    assert plot_trade_balance(tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert plot_gdp_composition(tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")


def test_data_cli():
    r = CliRunner().invoke(main, ["data", "list"])
    assert r.exit_code == 0 and "us_china_trade" in r.output
    r = CliRunner().invoke(main, ["data", "show", "gdp_composition", "--format", "json"])
    rows = json.loads(r.output)
    assert len(rows) == 17 and rows[0]["country"] == "World"
    r = CliRunner().invoke(main, ["data", "show", "us_china_trade", "--printed", "--format", "csv"])
    assert "-123.468.2" in r.output
    r = CliRunner().invoke(main, ["data", "validate", "--format", "json"])
    d = json.loads(r.output)
    assert any(f["row"] == "Russia" for f in d["findings"])
    r = CliRunner().invoke(main, ["data", "validate"])
    assert "[error]" in r.output and "53%" in r.output
