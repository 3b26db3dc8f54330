"""Engine commands: ``models``, ``show``, ``solve``."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the engine commands to ``group``."""
