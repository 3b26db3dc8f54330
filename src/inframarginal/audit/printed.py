"""The seed paper's printed results, read from the package's transcription.

The printed Table 1 of Li Ke (2020) is transcribed once, with our reading of every
garbled entry, in ``inframarginal/audit/transcriptions/<model>-table1.toml``.  This module loads it,
parses every printed formula with the whitelist parser (nothing is evaluated as
code) and evaluates the printed formulas on arrays of parameter values, so that
the printed algebra can be audited against the model's derived closed forms.

References
----------
Li Ke (2020). Restructuring Production Chain with Industrial Network and Cluster
after the COVID-19 Pandemic, Table 1 and Table 2.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import sympy as sp

from inframarginal.errors import ModelFileError
from inframarginal.expressions import parse_expression
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.primal import parameter_function


@dataclass(frozen=True)
class PrintedEntry:
    """One printed entry of Table 1: a structure's relative price, income or relative number."""

    structure: str
    quantity: str
    printed: str
    expression: sp.Expr
    text: str
    reading: str = ""


@dataclass(frozen=True)
class PrintedColumn:
    """One column of the printed Table 2: the structure and the conditions heading it."""

    structure: str
    trading_efficiency: str
    condition: str


@dataclass(frozen=True)
class PrintedResults:
    """The paper's printed Table 1 entries and Table 2 ordering for one model."""

    model: str
    source: str
    table1: tuple[PrintedEntry, ...]
    table2: tuple[PrintedColumn, ...]

    def entry(self, structure: str, quantity: str) -> PrintedEntry | None:
        for e in self.table1:
            if e.structure == structure and e.quantity == quantity:
                return e
        return None

    def incomes(self) -> dict[str, sp.Expr]:
        """Printed per-capita real income of each structure."""
        return {e.structure: e.expression for e in self.table1 if e.quantity == "per-capita real income"}


def data_name(model_name: str) -> str:
    return f"{model_name}-table1.toml"


def has_printed_results(model_name: str) -> bool:
    """Whether the package holds a printed-table transcription for ``model_name``."""
    return resources.files("inframarginal.audit.transcriptions").joinpath(data_name(model_name)).is_file()


def _names(model: Model) -> dict[str, sp.Symbol]:
    return {p.name: p.symbol for p in model.parameters}


@model_cache
def load_printed(model: Model) -> PrintedResults:
    """Load and parse the printed results transcribed for ``model``.

    Raises
    ------
    ModelFileError
        If there is no transcription, or an entry does not parse (the message names it).
    """
    name = data_name(model.name)
    if not has_printed_results(model.name):
        raise ModelFileError(f"no printed tables are transcribed for model {model.name!r}", name, "model")
    raw = tomllib.loads(resources.files("inframarginal.audit.transcriptions").joinpath(name).read_text(encoding="utf-8"))
    names = _names(model)
    entries = []
    for i, row in enumerate(raw.get("table1", [])):
        where = f"table1[{i}] ({row.get('structure')}, {row.get('quantity')})"
        expr = parse_expression(row["expression"], names, what=f"{name} {where}")
        entries.append(PrintedEntry(row["structure"], row["quantity"], row["printed"], expr,
                                    row["expression"], row.get("reading", "")))
    columns = tuple(PrintedColumn(c["structure"], c["K"], c["condition"]) for c in raw.get("table2", []))
    return PrintedResults(model.name, raw.get("source", {}).get("paper", ""), tuple(entries), columns)


@model_cache
def compiled_function(model: Model, expr: sp.Expr) -> Callable[..., Any]:
    """``expr`` as a NumPy function of the base parameters, compiled once per model and formula."""
    function: Callable[..., Any] = parameter_function(model, expr)
    return function


def evaluate_printed(model: Model, expr: sp.Expr, values: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate a printed formula on arrays; NaN where it is not a finite real number.

    The printed formulas carry no existence conditions, so a value is kept wherever
    the formula itself is real and finite (negative bases under fractional powers
    give NaN, as they would by hand).
    """
    function = compiled_function(model, expr)
    args = [np.asarray(values[p.name], dtype=float) for p in model.parameters]
    shape = np.broadcast_shapes(*(a.shape for a in args))
    with np.errstate(all="ignore"):
        out = np.asarray(function(*args), dtype=float)
    out = np.broadcast_to(out, shape).astype(float)
    out[~np.isfinite(out)] = np.nan
    return out
