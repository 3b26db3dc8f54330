"""Recompute the totals, balances and percentages of the printed tables.

Every inconsistency found is reported, none is fixed.  Each finding has a
severity:

* ``"error"`` -- a number that is malformed or off by more than the rounding
  of the printed figures (e.g. Russia's agriculture share ``"53%"``, which
  makes its shares add to 147.8% and disagrees with its printed amount 38,849
  = 5.3% of GDP);
* ``"rounding"`` -- a discrepancy within the precision printed (a balance off
  by 0.1, shares adding to 99.9%);
* ``"note"`` -- not an arithmetic error but worth knowing (a partial year
  summed in a total, a source line copied from another table, a misspelling).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from inframarginal.data_tables import (
    NAMES,
    info,
    load_cluster_shares,
    load_gdp_composition,
    load_us_china_trade,
)


@dataclass(frozen=True)
class Finding:
    """One inconsistency in a printed table."""

    table: str
    row: str
    column: str
    check: str
    printed: str
    expected: str
    severity: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    """All findings, with the number of checks made."""

    checks: int
    findings: tuple[Finding, ...]

    def to_frame(self) -> pd.DataFrame:
        """Findings as a DataFrame (one row per finding)."""
        cols = list(Finding.__dataclass_fields__)
        return pd.DataFrame([asdict(f) for f in self.findings], columns=cols)

    def count(self, severity: str) -> int:
        """Number of findings of a severity."""
        return sum(f.severity == severity for f in self.findings)

    def summary(self) -> str:
        """One line: checks made and findings per severity."""
        return (
            f"{self.checks} checks: {self.count('error')} error(s), "
            f"{self.count('rounding')} rounding difference(s), {self.count('note')} note(s)"
        )


def _money(x: float) -> str:
    return f"{x:,.1f}"


def _trade() -> tuple[int, list[Finding]]:
    df = load_us_china_trade()
    out: list[Finding] = []
    checks = 0
    t = "us_china_trade"
    for _, r in df.iterrows():
        for col in ("exports", "imports", "balance"):
            checks += 1
            if r[f"{col}_doubtful"]:
                out.append(
                    Finding(
                        t,
                        r["period"],
                        col,
                        "well-formed number",
                        r[f"{col}_printed"],
                        _money(r[col]) if not math.isnan(r[col]) else "",
                        "error",
                        f"{r['period']} {col} printed {r[f'{col}_printed']!r} is not a well-formed "
                        f"number (two decimal points); read as {_money(r[col])}",
                    )
                )
        checks += 1
        computed = round(r["exports"] - r["imports"], 1)
        diff = round(r["balance"] - computed, 1)
        if diff != 0:
            sev = "rounding" if abs(diff) <= 0.1 else "error"
            out.append(
                Finding(
                    t,
                    r["period"],
                    "balance",
                    "balance = exports - imports",
                    r["balance_printed"],
                    _money(computed),
                    sev,
                    f"{r['period']}: exports - imports = {_money(computed)} but the balance is "
                    f"printed {r['balance_printed']} (difference {diff:+.1f})",
                )
            )
    body = df[~df["is_total"]]
    total = df[df["is_total"]]
    for _, tot in total.iterrows():
        for col in ("exports", "imports", "balance"):
            checks += 1
            s = round(body[col].sum(), 1)
            diff = round(tot[col] - s, 1)
            if diff != 0:
                sev = "rounding" if abs(diff) <= 0.1 * len(body) else "error"
                out.append(
                    Finding(
                        t,
                        "TOTAL",
                        col,
                        "column sum = TOTAL",
                        tot[f"{col}_printed"],
                        _money(s),
                        sev,
                        f"the {col} of the rows add to {_money(s)} but TOTAL is printed "
                        f"{tot[f'{col}_printed']}",
                    )
                )
        checks += 1
        if "." not in tot["exports_printed"]:
            out.append(
                Finding(
                    t,
                    "TOTAL",
                    "exports",
                    "printed precision",
                    tot["exports_printed"],
                    _money(tot["exports"]),
                    "note",
                    f"TOTAL exports printed {tot['exports_printed']} without the decimal digit "
                    "printed everywhere else (the sum is exactly that value)",
                )
            )
    partial = body[body["months"] < 12]
    for _, r in partial.iterrows():
        checks += 1
        out.append(
            Finding(
                t,
                r["period"],
                "period",
                "comparable periods",
                r["period"],
                "a full calendar year",
                "note",
                f"{r['period']} covers {r['months']} months only, yet it is summed into TOTAL "
                "with full years",
            )
        )
    return checks, out


def _gdp() -> tuple[int, list[Finding]]:
    df = load_gdp_composition()
    out: list[Finding] = []
    checks = 0
    t = "gdp_composition"
    sectors = ("agriculture", "industry", "services")
    for _, r in df.iterrows():
        name = r["country"]
        checks += 1
        total = round(sum(r[f"{s}_pct"] for s in sectors), 1)
        if total != 100:
            sev = "rounding" if abs(total - 100) <= 0.15 else "error"
            printed = " + ".join(r[f"{s}_pct_printed"] for s in sectors)
            out.append(
                Finding(
                    t,
                    name,
                    "agriculture_pct+industry_pct+services_pct",
                    "sector shares add to 100%",
                    printed,
                    "100%",
                    sev,
                    f"{name}: sector shares {printed} add to {total:g}%",
                )
            )
        for s in sectors:
            checks += 1
            implied = r["gdp"] * r[f"{s}_pct"] / 100
            if abs(implied - r[s]) > 1:
                share = 100 * r[s] / r["gdp"]
                out.append(
                    Finding(
                        t,
                        name,
                        s,
                        "amount = GDP x share",
                        r[f"{s}_printed"],
                        f"{implied:,.0f}",
                        "error",
                        f"{name}: {s} printed {r[f'{s}_printed']} but GDP {r['gdp_printed']} x "
                        f"{r[f'{s}_pct_printed']} = {implied:,.0f}; the printed amount is "
                        f"{share:.1f}% of GDP",
                    )
                )
    checks += 1
    meta = info(t)
    if "Foreign Trade Division" in meta.source:
        out.append(
            Finding(
                t,
                "SOURCE",
                "source",
                "source line",
                "U.S. Census Bureau, Foreign Trade Division, Data Dissemination Branch",
                "a source of GDP statistics",
                "note",
                "the source printed under Table 3 repeats Table 2's trade-data source; the GDP "
                "figures cannot come from it",
            )
        )
    return checks, out


def _clusters() -> tuple[int, list[Finding]]:
    df = load_cluster_shares()
    out: list[Finding] = []
    checks = 0
    t = "cluster_shares"
    for _, r in df.iterrows():
        for col in ("domestic_share_pct", "global_share_pct"):
            checks += 1
            v = r[col]
            if not math.isnan(v) and not 0 <= v <= 100:
                out.append(
                    Finding(
                        t,
                        f"{r['location']}/{r['product']}",
                        col,
                        "share in [0, 100]",
                        r["printed_share"],
                        "0..100",
                        "error",
                        f"{r['location']}/{r['product']}: share {v:g}% outside 0..100",
                    )
                )
        if r["product"] == "Texile":
            out.append(
                Finding(
                    t,
                    f"{r['location']}/{r['product']}",
                    "product",
                    "spelling",
                    r["product"],
                    "Textile",
                    "note",
                    "product printed 'Texile', presumably 'Textile' (kept as printed)",
                )
            )
    return checks, out


_CHECKS = {"cluster_shares": _clusters, "us_china_trade": _trade, "gdp_composition": _gdp}


def validate(name: str | None = None) -> ValidationReport:
    """Recompute every total, balance and percentage of one table (or all).

    Parameters
    ----------
    name : str, optional
        A table name (see :data:`inframarginal.data_tables.NAMES`); all when omitted.

    Returns
    -------
    ValidationReport
        Findings in table order, each with severity ``error``, ``rounding`` or ``note``.

    Raises
    ------
    DatasetError
        For an unknown table name.
    """
    names = NAMES if name is None else (info(name).name,)
    checks, findings = 0, []
    for n in names:
        c, f = _CHECKS[n]()
        checks += c
        findings += f
    return ValidationReport(checks, tuple(findings))
