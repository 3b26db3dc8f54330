"""What the report derives once and every section reuses: closed forms, the printed results.

A :class:`ReportContext` holds the model, the settings and lazily computed,
memoised results (display forms per structure, the same forms in the paper's
notation, the printed results), so that no section derives a closed form again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from inframarginal.configurations import find_structure, studied_structures
from inframarginal.model import Model
from inframarginal.report.settings import DEFAULT_SETTINGS, ReportSettings


@dataclass
class ReportContext:
    """The model, the report's settings and memoised derivations (see the module docstring)."""

    model: Model
    settings: ReportSettings = DEFAULT_SETTINGS
    results: dict[str, Any] = field(default_factory=dict)
    _forms: dict[str, dict[str, sp.Expr]] = field(default_factory=dict)
    _paper: dict[str, dict[str, sp.Expr]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [s.name for s in studied_structures(self.model)]

    def forms(self, structure: str) -> dict[str, sp.Expr]:
        """Display forms of ``structure`` (income, relative prices and numbers) in ``k``, ``beta``..."""
        if structure not in self._forms:
            from inframarginal.symbolic import display_forms

            self._forms[structure] = display_forms(self.model, find_structure(self.model, structure))
        return self._forms[structure]

    def paper(self, structure: str) -> dict[str, sp.Expr]:
        """The same forms simplified and written in the paper's notation."""
        if structure not in self._paper:
            from inframarginal.report.notation import paper_form

            self._paper[structure] = {q: paper_form(self.model, e) for q, e in self.forms(structure).items()}
        return self._paper[structure]

    def income(self, structure: str) -> sp.Expr | None:
        return self.forms(structure).get("per-capita real income")

    def cached(self, kind: str, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` (JSON-able) kept in the disk cache under ``(kind, key)`` for this model."""
        from inframarginal.disk_cache import read_entry, write_entry

        value = read_entry(self.model, kind, key)
        if value is None:
            value = compute()
            write_entry(self.model, kind, key, value)
        return value

    def cached_expression(self, kind: str, key: str, compute: Callable[[], sp.Expr]) -> sp.Expr:
        """A SymPy expression kept in the disk cache (as a whitelisted JSON tree, never pickled)."""
        from inframarginal.serialization import (
            UnsupportedExpression,
            expression_from_json,
            expression_to_json,
        )

        def encode() -> Any:
            try:
                return expression_to_json(compute())
            except UnsupportedExpression:
                return None

        tree = self.cached(kind, key, encode)
        try:
            return expression_from_json(tree) if tree is not None else compute()
        except (ValueError, TypeError, RecursionError):
            return compute()

    def symbol(self, name: str) -> sp.Symbol | None:
        """The symbol of a base or derived parameter named ``name``."""
        for p in self.model.parameters:
            if p.name == name:
                return p.symbol
        for d in self.model.derived:
            if d.name == name:
                return d.symbol
        return None
