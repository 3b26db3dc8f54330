"""``inframarginal sweep`` and ``inframarginal path`` (placeholder)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the sweep commands to ``group``."""
