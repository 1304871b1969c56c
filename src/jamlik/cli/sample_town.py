"""``jamlik sample-town``: write the generated sample town Älvvik as a data pack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jamlik.cli._common import check_output, fail_cleanly, named, progress_bar
from jamlik.datasets import Town, generate_town, write_town_pack
from jamlik.i18n import format_number, t

__all__ = ["register"]

_out = Console(highlight=False)


def sample_town(
    folder: Annotated[Path, typer.Argument(help=t("datasets.folder_help"))],
    nodes: Annotated[int, typer.Option("--nodes", help=t("datasets.nodes_help"))] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help=t("datasets.seed_help"))] = 7,
) -> None:
    """Write the sample town as a data pack (town.osm.pbf, areas.gpkg, statistics.csv)."""
    check_output(folder, folder=True)
    with progress_bar(t("datasets.generating"), total=2) as advance:
        town: Town = fail_cleanly(
            lambda: named("--nodes", nodes, lambda: generate_town(n_nodes=nodes, seed=seed))
        )
        advance()
        pack = fail_cleanly(lambda: write_town_pack(town, folder))
        advance()
    latest = town.statistics[town.statistics["year"] == town.statistics["year"].max()]
    _out.print(
        t(
            "datasets.written",
            pack=pack,
            areas=len(town.areas),
            people=format_number(latest["pop_total"].sum()),
            year=int(latest["year"].iloc[0]),
            nodes=format_number(town.node_x.size),
            buildings=format_number(len(town.buildings)),
            pois=format_number(len(town.pois)),
        ),
        soft_wrap=True,
    )
    _out.print(t("datasets.not_real"))


def register(app: typer.Typer) -> None:
    """Add the ``sample-town`` command to ``app``."""
    app.command("sample-town", help=t("datasets.help"))(sample_town)
