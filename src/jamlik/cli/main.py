"""The ``jamlik`` command: a thin Typer group whose commands are loaded on first use.

Each command lives in its own module and imports what it computes with (numba, geopandas, ...).
The group knows every command's name, module and one-line description (from the translation
catalogue), so ``jamlik --help`` and ``jamlik version`` import none of them and start in a
fraction of a second.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from jamlik import __version__
from jamlik.i18n import t

__all__ = ["COMMANDS", "app"]

#: Command name -> module whose ``register(app)`` adds it, in the order ``--help`` lists them.
COMMANDS: dict[str, str] = {
    "pack": "jamlik.cli.pack",
    "access": "jamlik.cli.access",
    "demo": "jamlik.cli.demo",
    "sample-town": "jamlik.cli.sample_town",
    "travel-times": "jamlik.cli.travel_times",
    "transit-times": "jamlik.cli.transit",
    "departures": "jamlik.cli.transit_service",
    "sdg-11-2-1": "jamlik.cli.sdg",
    "segregation": "jamlik.cli.segregation",
    "equity": "jamlik.cli.equity",
    "fca": "jamlik.cli.fca",
    "vulnerability": "jamlik.cli.vulnerability",
    "targets": "jamlik.cli.targets",
    "cohesion": "jamlik.cli.cohesion",
    "scenario": "jamlik.cli.scenario",
    "fetch": "jamlik.cli.fetch",
}


def _load(name: str) -> Any:
    """Import the module of command ``name`` and return the click command it registers."""
    module = importlib.import_module(COMMANDS[name])
    holder = typer.Typer()
    module.register(holder)
    group = typer.main.get_group(holder)
    return group.commands.get(name)


class LazyGroup(TyperGroup):
    """A Typer group that imports a command's module only when that command runs."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            # The overview needs only a name and a line of help: do not import the command.
            return TyperCommand(cmd_name, help=t(f"cli.commands.{cmd_name}"))
        return _load(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="jamlik",
    cls=LazyGroup,
    help="jamlik: jämlik tillgång, segregation och social konsekvensanalys / equal access, "
    "segregation and social impact assessment.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
    language: str = typer.Option(
        None, "--lang", help="sv (default) or en; also JAMLIK_LANG.", show_default=False
    ),
) -> None:
    """Set up logging and language for every command."""
    from jamlik.cli._common import setup_logging

    setup_logging(-1 if quiet else verbose)
    if language:
        os.environ["JAMLIK_LANG"] = language


@app.command("version", help=t("cli.commands.version"))
def version() -> None:
    """Print the jamlik version."""
    typer.echo(__version__)
