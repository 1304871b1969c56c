"""``jamlik equity``: inequality measures of one indicator column of a CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    console,
    fail_cleanly,
    refuse,
)
from jamlik.cli._tables import identical_rows, read_csv
from jamlik.cli._years import select_year
from jamlik.i18n import t
from jamlik.indicators.equity import equity_indices
from jamlik.storage import write_json

__all__ = ["register"]


def _run(
    input_path: Path,
    value: str,
    weight: str | None,
    group: str | None,
    rank: str | None,
    atkinson_e: float,
    year: int | None,
    year_column: str,
) -> tuple[dict[str, Any], int]:
    table = read_csv(
        input_path, id_columns=(group,) if group else (), numbers=(value, weight, rank)
    )
    repeated = identical_rows(table)
    if repeated is not None:
        console.print(
            t("indicators_io.identical_rows", path=input_path, lines=repeated),
            markup=False,
            highlight=False,
        )
    frame = select_year(table, year, column=year_column, source=str(input_path))
    result = equity_indices(
        frame,
        value=value,
        weight=weight,
        group=group,
        rank=rank,
        atkinson_e=atkinson_e,
        source=str(input_path),
    )
    chosen = {"year": year} if year is not None else {}
    return chosen | dict(result.to_dict()), len(frame)


def register(app: typer.Typer) -> None:
    """Add the ``equity`` command to ``app``."""

    @app.command("equity", help=t("equity.help"))
    def equity(
        input_path: Annotated[Path, typer.Option("--input", help=t("equity.opt_input"))],
        value: Annotated[str, typer.Option("--value", help=t("equity.opt_value"))],
        out: Annotated[Path, typer.Option("--out", help=t("equity.opt_out"))],
        weight: Annotated[str | None, typer.Option("--weight", help=t("equity.opt_weight"))] = None,
        group: Annotated[str | None, typer.Option("--group", help=t("equity.opt_group"))] = None,
        rank: Annotated[str | None, typer.Option("--rank", help=t("equity.opt_rank"))] = None,
        atkinson_e: Annotated[
            float, typer.Option("--atkinson-e", help=t("equity.opt_atkinson_e"))
        ] = 0.5,
        year: Annotated[int | None, typer.Option("--year", help=t("years.opt_year"))] = None,
        year_column: Annotated[
            str, typer.Option("--year-column", help=t("years.opt_year_column"))
        ] = "year",
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(out, inputs=[input_path], overwrite=overwrite)
        if not atkinson_e >= 0:
            reason = t("common.option_greater_than_equal", limit=0)
            refuse(bad_option("--atkinson-e", atkinson_e, reason))
        result, n = fail_cleanly(
            lambda: _run(input_path, value, weight, group, rank, atkinson_e, year, year_column)
        )
        write_json(result, out)
        console.print(t("equity.done", n=n, path=out), highlight=False)
