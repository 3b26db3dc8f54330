"""``inframarginal beach``: the location game of the second seed (placeholder)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the ``beach`` command group to ``group``."""
