"""The ``jamlik`` command: a thin Typer group; each command lives in its own module."""

from __future__ import annotations

import os

import typer

from jamlik import __version__
from jamlik.cli._common import setup_logging

app = typer.Typer(
    name="jamlik",
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
    setup_logging(-1 if quiet else verbose)
    if language:
        os.environ["JAMLIK_LANG"] = language


def _register_commands() -> None:
    # One module per command group; each adds its commands to the app.
    from jamlik.cli import (
        access,
        cohesion,
        demo,
        equity,
        fca,
        pack,
        sample_town,
        sdg,
        segregation,
        targets,
        transit,
        transit_service,
        travel_times,
        vulnerability,
    )

    commands = (pack, access, demo, sample_town, travel_times, transit, transit_service, sdg)
    indicators = (segregation, equity, fca, vulnerability, targets, cohesion)
    for module in (*commands, *indicators):
        module.register(app)


_register_commands()


@app.command("version")
def version() -> None:
    """Print the jamlik version."""
    typer.echo(__version__)
