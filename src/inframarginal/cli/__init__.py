"""The ``inframarginal`` command line.

Each sub-command lives in its own module; this one only assembles them and turns
user mistakes (:class:`inframarginal.errors.InframarginalError`) into a one-line
message with exit status 2 instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from inframarginal.cli.flags import in_flags
from inframarginal.errors import InframarginalError
from inframarginal.extras import missing_extra

#: Most errors printed for one command (a model file may have many).
MAX_ERRORS = 20


#: The modules of the sub-commands and the commands each adds: a command imports only its own
#: module (the beach game's alone takes longer than a warm sweep's work); listing them, all.
_MODULES = {"engine": ("models", "show", "solve"), "sweep": ("sweep", "path"), "report": ("report", "claims"),
            "beach": ("beach", "data"), "serve": ("serve",), "cache": ("cache",)}


class _Group(click.Group):
    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        for module in _MODULES:
            self._load(module)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value
        self._loaded: set[str] = set()

    def _load(self, module: str) -> None:
        if module not in self._loaded:
            self._loaded.add(module)
            importlib.import_module(f"inframarginal.cli.{module}").register(self)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._commands[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module, names in _MODULES.items():
            if cmd_name in names:
                self._load(module)
        return self._commands.get(cmd_name)

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
