"""The ``jamlik`` command: a thin Typer group whose commands are loaded on first use.

Each command lives in its own module and imports what it computes with (numba, geopandas, ...).
The group knows every command's name, module and one-line description (from the translation
catalogue), so ``jamlik --help`` and ``jamlik version`` import none of them and start in a
fraction of a second.
"""

from __future__ import annotations

import importlib
import os
import signal
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from jamlik import __version__
from jamlik.cli._help_language import localise_group_help, localise_help
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
    "report": "jamlik.cli.report",
    "serve": "jamlik.cli.serve",
}


def _load(name: str) -> Any:
    """Import the module of command ``name`` and return the click command it registers."""
    module = importlib.import_module(COMMANDS[name])
    holder = typer.Typer()
    module.register(holder)
    from jamlik.cli._common import refuse_non_finite

    group = typer.main.get_group(holder)
    return refuse_non_finite(group.commands.get(name))


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


def _set_language(ctx: Any, param: Any, value: str | None) -> str | None:
    """``--lang`` is read before anything else (even ``--help``) and applies to every text."""
    if value:
        os.environ["JAMLIK_LANG"] = value
    localise_help()
    localise_group_help(ctx.command)
    return value


localise_help()
app = typer.Typer(
    name="jamlik",
    cls=LazyGroup,
    help=t("cli.help.app"),
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help=t("cli.help.opt_verbose")),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=t("cli.help.opt_quiet")),
    language: str = typer.Option(
        None,
        "--lang",
        help=t("cli.help.opt_language"),
        show_default=False,
        is_eager=True,
        callback=_set_language,
    ),
) -> None:
    """Set up logging and language for every command."""
    from jamlik.cli._common import setup_logging

    setup_logging(-1 if quiet else verbose)
    # `kill` (SIGTERM) unwinds like Ctrl-C, so every writer's clean-up runs: temporary files and
    # staging folders are removed and the previous output stays as it was.
    signal.signal(signal.SIGTERM, _exit_on_terminate)


def _exit_on_terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@app.command("version", help=t("cli.commands.version"))
def version() -> None:
    """Print the jamlik version."""
    typer.echo(__version__)
