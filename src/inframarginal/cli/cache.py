"""``inframarginal cache``: where derived closed forms are kept, and clearing them."""

from __future__ import annotations

import json

import click


def register(group: click.Group) -> None:
    """Add the cache commands to ``group``."""

    @group.group("cache")
    def cache_group() -> None:
        """The on-disk cache of derived closed forms ($INFRAMARGINAL_CACHE)."""

    @cache_group.command("info")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    def info_command(fmt: str) -> None:
        """Where the cache is, how many entries it holds and their size."""
        from inframarginal import disk_cache

        root, entries, size = disk_cache.usage()
        if fmt == "json":
            click.echo(json.dumps({"folder": str(root), "entries": entries, "bytes": size}))
        else:
            click.echo(f"{root}: {entries} entries, {size / 2**20:.2f} MiB")

    @cache_group.command("clear")
    def clear_command() -> None:
        """Delete every cached entry (they are derived again when needed)."""
        from inframarginal import disk_cache

        files, size = disk_cache.clear()
        click.echo(f"removed {files} files ({size / 2**20:.2f} MiB) from {disk_cache.cache_root()}")
