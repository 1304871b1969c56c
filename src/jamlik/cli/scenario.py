"""``jamlik scenario check PACK SCENARIO.toml``: every problem of a scenario against its pack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._common import console, fail_cleanly
from jamlik.i18n import t

__all__ = ["register"]


def check(
    pack: Annotated[Path, typer.Argument(help=t("scenario.opt_pack"))],
    scenario: Annotated[Path, typer.Argument(help=t("scenario.opt_scenario"))],
) -> None:
    """List every problem of a scenario against its pack; exit code 2 when there are errors."""
    from jamlik.errors import ProblemWarning
    from jamlik.ingest.pack import load_pack
    from jamlik.ingest.scenario import entry_names, load_scenario
    from jamlik.scenarios.check import check_scenario

    loaded = fail_cleanly(lambda: load_scenario(scenario))
    data_pack = fail_cleanly(lambda: load_pack(pack))
    problems = fail_cleanly(lambda: check_scenario(loaded, data_pack))
    errors = [p for p in problems if not isinstance(p, ProblemWarning)]
    for problem in problems:
        console.print(f"  • {problem}", markup=False, highlight=False, soft_wrap=True)
    counts = {kind: len(names) for kind, names in entry_names(loaded).items() if names}
    listing = ", ".join(f"{kind} {n}" for kind, n in counts.items()) or "-"
    console.print(
        t(
            "scenario.checked",
            name=loaded.scenario.name,
            changes=listing,
            errors=len(errors),
            warnings=len(problems) - len(errors),
        ),
        highlight=False,
    )
    if errors:
        raise typer.Exit(code=2)


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` group (``check``) to ``app``."""
    group = typer.Typer(help=t("cli.commands.scenario"), no_args_is_help=True)
    group.command("check", help=t("scenario.check_help"))(check)
    app.add_typer(group, name="scenario")
