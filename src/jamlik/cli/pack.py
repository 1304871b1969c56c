"""``jamlik pack``: check a data pack (all problems, exit code 2 on errors), show its contents."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jamlik.cli._common import fail_cleanly
from jamlik.errors import Problem
from jamlik.i18n import format_number, t
from jamlik.ingest.pack import Pack, check_pack, is_error, load_pack

__all__ = ["register"]

_out = Console(highlight=False)
PackPath = Annotated[Path, typer.Argument(help=t("opt.pack"))]


def _summary_table(problems: list[Problem]) -> Table:
    errors = Counter(p.file for p in problems if is_error(p))
    warnings = Counter(p.file for p in problems if not is_error(p))
    table = Table(title=t("pack.summary_title"), title_justify="left")
    table.add_column(t("pack.col_file"), overflow="fold")
    table.add_column(t("pack.col_errors"), justify="right")
    table.add_column(t("pack.col_warnings"), justify="right")
    for file in dict.fromkeys(p.file for p in problems):
        table.add_row(file, str(errors[file]), str(warnings[file]))
    return table


def check(
    pack: PackPath,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help=t("pack.opt_quick"),
        ),
    ] = False,
) -> None:
    """Check a data pack and list every problem (exit code 2 on errors)."""
    problems = check_pack(pack, deep=not quick)
    name = pack.name if pack.is_dir() else pack.parent.name
    n_errors = sum(is_error(p) for p in problems)
    n_warnings = len(problems) - n_errors
    # One plain line per problem (file, row, column, what is wrong and the fix): easy to copy.
    for problem in problems:
        kind = t("pack.kind_error") if is_error(problem) else t("pack.kind_warning")
        style = "red" if is_error(problem) else "yellow"
        _out.print(f"[{style}]{kind}[/]: ", end="")
        # The kind is said in front, so not again at the end (a warning's own "(warning)").
        _out.print(Problem.__str__(problem), markup=False, soft_wrap=True)
    if problems:
        _out.print(_summary_table(problems))
    if n_errors:
        _out.print(f"[bold red]{t('pack.failed', pack=name, errors=n_errors, warnings=n_warnings)}")
        raise typer.Exit(code=2)
    _out.print(f"[bold green]{t('pack.ok', pack=name, warnings=n_warnings)}")


def _info_table(pack: Pack) -> Table:
    table = Table(title=t("pack.info_title", name=pack.name, title=pack.title))
    table.add_column(t("pack.field"))
    table.add_column(t("pack.value"), overflow="fold")
    none = t("pack.none")
    table.add_row(t("pack.crs"), f"{pack.crs.to_string()} ({pack.crs.name})")
    if pack.has_areas:
        table.add_row(t("pack.areas"), t("pack.areas_value", n=len(pack.areas())))
        table.add_row(t("pack.years"), ", ".join(map(str, pack.years)) or none)
        table.add_row(t("pack.groups"), ", ".join(pack.groups) or none)
        year = pack.population_year
        population = pack.population(year)
        table.add_row(
            t("pack.population", year=year if year is not None else ""),
            ", ".join(f"{c} {format_number(population[c].sum())}" for c in population.columns),
        )
    else:
        table.add_row(t("pack.areas"), none)
    cells = pack.cells()
    if cells is not None:
        value = t("pack.cells_value", n=len(cells), people=format_number(cells["pop_total"].sum()))
        table.add_row(t("pack.cells"), value)
    layers = pack.opportunity_layers()
    if layers is not None:
        sums = layers.groupby("category")["count"].sum()
        table.add_row(
            t("pack.opportunities"), ", ".join(f"{c} {format_number(v)}" for c, v in sums.items())
        )
    table.add_row(t("pack.method"), pack.config.population.method)
    table.add_row(t("pack.osm"), str(pack.osm_path) if pack.osm_path else none)
    table.add_row(t("pack.gtfs"), "\n".join(map(str, pack.gtfs_paths)) or none)
    sources = [
        f"{s.name}: {s.licence}"
        + (f" ({s.attribution})" if s.attribution else "")
        + (f", {s.retrieved}" if s.retrieved else "")
        for s in pack.sources
    ]
    table.add_row(t("common.sources"), "\n".join(sources) or none)
    return table


def info(pack: PackPath) -> None:
    """Show what a data pack holds."""
    loaded = fail_cleanly(lambda: load_pack(pack))
    _out.print(_info_table(loaded))


def register(app: typer.Typer) -> None:
    """Add the ``pack`` command group (``check``, ``info``) to ``app``."""
    group = typer.Typer(help=t("pack.help"), no_args_is_help=True)
    group.command("check", help=t("pack.check_help"))(check)
    group.command("info", help=t("pack.info_help"))(info)
    app.add_typer(group, name="pack")
