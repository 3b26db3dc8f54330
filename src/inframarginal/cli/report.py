"""``inframarginal report`` and ``inframarginal claims`` (placeholder)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the report commands to ``group``."""
