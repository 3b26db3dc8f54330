"""The seed's data tables, shipped as CSV files with their source and units.

* ``cluster_shares`` -- Table 1, market shares of some Chinese industrial clusters;
* ``us_china_trade`` -- Table 2, U.S. trade in goods with China, 2001 to July 2009,
  millions of U.S. dollars;
* ``gdp_composition`` -- Table 3, nominal GDP and its sector composition, 2008.

The loaded frames keep every printed value as text (``*_printed`` columns)
next to the parsed number and a ``*_doubtful`` flag; nothing is silently
corrected.  :func:`inframarginal.data_tables.validation.validate` recomputes the
totals, balances and percentages and lists every inconsistency.
"""

from __future__ import annotations

import csv
import io
import math
import pathlib
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from inframarginal.data_tables.parsing import parse_amount, parse_percent, parse_shares
from inframarginal.errors import InframarginalError


class DatasetError(InframarginalError):
    """A dataset name that does not exist, or a malformed data file."""


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of a shipped table."""

    name: str
    file: str
    table: str
    title: str
    source: str
    units: str
    notes: str


_COLUMNS = {
    "cluster_shares": ["location", "product", "printed_share"],
    "us_china_trade": ["period", "exports", "imports", "balance"],
    "gdp_composition": [
        "rank",
        "country",
        "gdp",
        "agriculture_pct",
        "industry_pct",
        "services_pct",
        "agriculture",
        "industry",
        "services",
    ],
}
NAMES = tuple(_COLUMNS)
"""Names of the shipped tables."""


def _read_text(file: str) -> str:
    return resources.files(__name__).joinpath(file).read_text(encoding="utf-8")


def datasets() -> tuple[DatasetInfo, ...]:
    """Metadata of every shipped table (from ``metadata.csv``)."""
    rows = list(csv.DictReader(io.StringIO(_read_text("metadata.csv"))))
    return tuple(DatasetInfo(**row) for row in rows)


def info(name: str) -> DatasetInfo:
    """Metadata of one table.

    Raises
    ------
    DatasetError
        If ``name`` is not a shipped table.
    """
    for d in datasets():
        if d.name == name:
            return d
    raise DatasetError(f"dataset: got {name!r}, expected one of {', '.join(NAMES)}")


def _raw(name: str, path: pathlib.Path | None) -> tuple[str, list[dict[str, str]]]:
    meta = info(name)
    where = str(path) if path is not None else meta.file
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8") if path else _read_text(meta.file)
    except OSError as err:
        raise DatasetError(f"{where}: cannot read ({err.strerror}), expected a CSV file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if header != _COLUMNS[name]:
        raise DatasetError(
            f"{where}: header {','.join(header) or '(empty)'}, expected {','.join(_COLUMNS[name])}"
        )
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row or any(v is None for v in row.values()):
            raise DatasetError(
                f"{where}: line {i} has {len(row) + len(row.get(None) or []) - (None in row)} "
                f"fields, expected {len(header)}"
            )
        rows.append(row)
    if not rows:
        raise DatasetError(f"{where}: no data rows, expected at least one")
    return where, rows


def _numeric(where: str, line: int, column: str, text: str, percent: bool = False):
    parsed = parse_percent(text) if percent else parse_amount(text)
    if math.isnan(parsed.value) and text.strip():
        raise DatasetError(
            f"{where}: line {line}, column {column}: got {text!r}, expected a number such as "
            + ("'29.1%'" if percent else "'35,662.6'")
        )
    return parsed


def load_cluster_shares(path: pathlib.Path | None = None) -> pd.DataFrame:
    """Table 1: cluster market shares (percent; NaN where not printed).

    Columns: ``location``, ``product``, ``printed_share`` (as printed),
    ``domestic_share_pct``, ``global_share_pct``.
    """
    where, rows = _raw("cluster_shares", path)
    out = []
    for line, row in enumerate(rows, start=2):
        shares = parse_shares(row["printed_share"])
        if not shares:
            raise DatasetError(
                f"{where}: line {line}, column printed_share: got {row['printed_share']!r}, "
                "expected e.g. '80(Domestic), 22(Global)'"
            )
        out.append(
            {
                "location": row["location"],
                "product": row["product"],
                "printed_share": row["printed_share"],
                "domestic_share_pct": shares.get("domestic", math.nan),
                "global_share_pct": shares.get("global", math.nan),
            }
        )
    return pd.DataFrame(out)


def load_us_china_trade(path: pathlib.Path | None = None) -> pd.DataFrame:
    """Table 2: U.S. trade in goods with China, millions of U.S. dollars.

    One row per printed row (the printed ``TOTAL`` row included, ``is_total``
    True).  For each of ``exports``, ``imports``, ``balance``: the printed
    text (``<col>_printed``), the value read (``<col>``) and
    ``<col>_doubtful`` (True for a malformed printed number such as the 2009
    balance ``-123.468.2``).  ``year`` is the calendar year, ``months`` the
    months covered (7 for January-July 2009).
    """
    where, rows = _raw("us_china_trade", path)
    out = []
    for line, row in enumerate(rows, start=2):
        period = row["period"].strip()
        is_total = period.upper() == "TOTAL"
        year = math.nan
        months = math.nan
        if not is_total:
            digits = period[-4:]
            if not digits.isdigit():
                raise DatasetError(
                    f"{where}: line {line}, column period: got {period!r}, expected a year or TOTAL"
                )
            year = int(digits)
            months = 7 if "july" in period.lower() else 12
        rec = {"period": period, "year": year, "months": months, "is_total": is_total}
        for col in ("exports", "imports", "balance"):
            p = _numeric(where, line, col, row[col])
            rec[f"{col}_printed"] = p.printed
            rec[col] = p.value
            rec[f"{col}_doubtful"] = p.doubtful
        out.append(rec)
    df = pd.DataFrame(out)
    df["year"] = df["year"].astype("Int64")
    df["months"] = df["months"].astype("Int64")
    return df


_SECTORS = ("agriculture", "industry", "services")


def load_gdp_composition(path: pathlib.Path | None = None) -> pd.DataFrame:
    """Table 3: nominal GDP (millions of U.S. dollars) and its sector composition, 2008.

    For ``gdp``, the three sector amounts and the three sector percentages
    (``<sector>_pct``): printed text (``<col>_printed``), value read
    (``<col>``, percent for shares) and ``<col>_doubtful``.  A sector share
    is flagged doubtful when the row's shares miss 100 by more than rounding
    and that share disagrees with the printed amount (Russia's ``"53%"``).
    """
    where, rows = _raw("gdp_composition", path)
    out = []
    for line, row in enumerate(rows, start=2):
        rank = row["rank"].strip()
        rec: dict[str, object] = {
            "rank": int(rank) if rank.isdigit() else pd.NA,
            "country": row["country"],
        }
        for col in ("gdp", *_SECTORS):
            p = _numeric(where, line, col, row[col])
            rec[f"{col}_printed"], rec[col], rec[f"{col}_doubtful"] = p.printed, p.value, p.doubtful
        for sector in _SECTORS:
            col = f"{sector}_pct"
            p = _numeric(where, line, col, row[col], percent=True)
            rec[f"{col}_printed"], rec[col], rec[f"{col}_doubtful"] = p.printed, p.value, p.doubtful
        total = sum(rec[f"{s}_pct"] for s in _SECTORS)
        if abs(total - 100) > 0.5:
            for s in _SECTORS:
                implied = rec["gdp"] * rec[f"{s}_pct"] / 100
                if abs(implied - rec[s]) > 1:
                    rec[f"{s}_pct_doubtful"] = True
        out.append(rec)
    df = pd.DataFrame(out)
    df["rank"] = df["rank"].astype("Int64")
    return df


_LOADERS = {
    "cluster_shares": load_cluster_shares,
    "us_china_trade": load_us_china_trade,
    "gdp_composition": load_gdp_composition,
}


def load(name: str, path: pathlib.Path | None = None) -> pd.DataFrame:
    """Load a table by name (optionally from another CSV file with the same columns).

    Raises
    ------
    DatasetError
        For an unknown name or a malformed file.
    """
    info(name)
    return _LOADERS[name](path)


def printed_table(name: str) -> pd.DataFrame:
    """The table exactly as shipped (all cells as printed text)."""
    where, rows = _raw(name, None)
    del where
    return pd.DataFrame(rows, columns=_COLUMNS[name])


__all__ = [
    "NAMES",
    "DatasetError",
    "DatasetInfo",
    "datasets",
    "info",
    "load",
    "load_cluster_shares",
    "load_gdp_composition",
    "load_us_china_trade",
    "printed_table",
]
