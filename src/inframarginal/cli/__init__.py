"""The ``inframarginal`` command line.

Each sub-command lives in its own module; this one only assembles them and turns
user mistakes (:class:`inframarginal.errors.InframarginalError`) into a one-line
message with exit status 2 instead of a traceback.
"""

from __future__ import annotations

import sys

import click

from inframarginal.cli.flags import in_flags
from inframarginal.errors import InframarginalError
from inframarginal.extras import missing_extra

#: Most errors printed for one command (a model file may have many).
MAX_ERRORS = 20


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InframarginalError as err:
            # A model file's mistakes come together: one line each, the first MAX_ERRORS of them.
            errors = getattr(err, "errors", (err,))
            for one in errors[:MAX_ERRORS]:
                click.echo(f"error: {in_flags(one)}", err=True)
            if len(errors) > MAX_ERRORS:
                click.echo(f"error: ... and {len(errors) - MAX_ERRORS} more", err=True)
            sys.exit(2)
        except ImportError as err:  # a module of an optional extra: name the extra to install
            missing = missing_extra(err)
            if missing is None:
                raise
            click.echo(f"error: {missing}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="inframarginal")
def main() -> None:
    """Infra-marginal general-equilibrium analysis of the division of labour."""


def _register() -> None:
    from inframarginal.cli import beach, cache, engine, report, serve, sweep

    for module in (engine, sweep, report, beach, serve, cache):
        module.register(main)


_register()
