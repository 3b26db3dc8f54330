"""Outputs of commands that depend only on the model, kept in the disk cache.

``inframarginal show MODEL`` prints the model as written, its configurations (Lemma 1) and
structures: building the model parses its formulas with SymPy, a second of imports for a
few milliseconds of work.  :func:`kept_output` keeps the text a command printed in the
disk cache (:mod:`inframarginal.disk_cache`), in the folder of the model's content hash
(read from the file without building the model: :func:`inframarginal.modelfile.content_hash`),
keyed by the command, its options, the model as the user named it (``show`` prints where
the model came from) and a hash of the code that prints it.  A warm ``show`` reads the
file, hashes it, and prints the kept text: neither SymPy nor SciPy is imported.  A model
file that changes has another content hash; a command that fails keeps nothing;
``INFRAMARGINAL_NUMERIC_CACHE=0`` turns the kept outputs off, as the compiled caches.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

_KIND = "command-output"


@functools.cache
def _printing_code() -> str:
    """A hash of the modules that print the kept outputs (the command line and people who differ),
    beside :func:`inframarginal.disk_cache.code_fingerprint` (the package's top-level modules)."""
    from inframarginal import disk_cache

    package = Path(__file__).parent.parent
    paths = sorted([*Path(__file__).parent.glob("*.py"), *(package / "heterogeneous").glob("*.py")])
    return disk_cache.files_fingerprint(paths, seed=disk_cache.code_fingerprint())


def kept_output(command: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a command whose first argument is ``model`` and whose output depends only on the
    model, how it was named and the options: a kept output is printed instead of running it.

    Examples
    --------
    The decorator goes under click's::

        @group.command("show")
        @click.argument("model")
        @kept_output("show")
        def show_command(model: str, ...) -> None: ...
    """
    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(function)
        def run(model: str, **options: Any) -> None:
            from inframarginal import disk_cache
            from inframarginal.modelfile import content_hash

            digest = content_hash(model) if disk_cache.numeric_cache_enabled() else None
            if digest is None:  # off, or a file that cannot be read: the command says why
                function(model, **options)
                return
            key = json.dumps([command, model, sorted(options.items()), _printing_code()])
            kept = disk_cache.read_entry(digest, _KIND, key)
            if isinstance(kept, str):
                click.echo(kept, nl=False)
                return
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                function(model, **options)
            text = buffer.getvalue()
            click.echo(text, nl=False)
            disk_cache.write_entry(digest, _KIND, key, text)

        return run

    return decorate
