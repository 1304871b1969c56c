"""``jamlik fca``: 2SFCA / enhanced 2SFCA / gravity scores from demand, supply and cost CSVs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    console,
    fail_cleanly,
    named,
)
from jamlik.cli._tables import read_csv
from jamlik.i18n import t
from jamlik.indicators.access.fca import FCAMethod, floating_catchment, parse_step_weights
from jamlik.storage import atomic_path

__all__ = ["register"]

METHODS: tuple[FCAMethod, ...] = ("2sfca", "e2sfca", "gravity")
DEFAULT_MAX_MINUTES = 10.0


def _run(
    demand_path: Path,
    supply_path: Path,
    cost_path: Path,
    method: str,
    max_minutes: float | None,
    weights_text: str | None,
    decay_power: float,
    min_minutes: float,
) -> pd.Series:
    method = method.lower()
    if method not in METHODS:
        raise bad_option("--method", method, t("fca.bad_method", method=method))
    for option, value in (
        ("--max-minutes", max_minutes),
        ("--decay-power", decay_power),
        ("--min-minutes", min_minutes),
    ):
        if value is not None and not value > 0:
            raise bad_option(option, value, t("common.option_greater_than", limit=0))
    weights = None
    if weights_text:
        weights = named("--weights", weights_text, lambda: parse_step_weights(weights_text))
    if max_minutes is None and (method == "2sfca" or (method == "e2sfca" and weights is None)):
        max_minutes = DEFAULT_MAX_MINUTES
    return floating_catchment(
        read_csv(demand_path, id_columns=("id",), numbers=("demand",)),
        read_csv(supply_path, id_columns=("id",), numbers=("capacity",)),
        read_csv(cost_path, id_columns=("origin_id", "destination_id"), numbers=("minutes",)),
        method=method,  # type: ignore[arg-type]  # checked against METHODS above
        max_minutes=max_minutes,
        weights=weights,
        decay_power=decay_power,
        min_minutes=min_minutes,
        sources=(str(demand_path), str(supply_path), str(cost_path)),
    )


def register(app: typer.Typer) -> None:
    """Add the ``fca`` command to ``app``."""

    @app.command("fca", help=t("fca.help"))
    def fca(
        demand: Annotated[Path, typer.Option("--demand", help=t("fca.opt_demand"))],
        supply: Annotated[Path, typer.Option("--supply", help=t("fca.opt_supply"))],
        cost: Annotated[Path, typer.Option("--cost", help=t("fca.opt_cost"))],
        out: Annotated[Path, typer.Option("--out", help=t("fca.opt_out"))],
        method: Annotated[str, typer.Option("--method", help=t("fca.opt_method"))] = "2sfca",
        max_minutes: Annotated[
            float | None, typer.Option("--max-minutes", help=t("fca.opt_max_minutes"))
        ] = None,
        weights: Annotated[str | None, typer.Option("--weights", help=t("fca.opt_weights"))] = None,
        decay_power: Annotated[
            float, typer.Option("--decay-power", help=t("fca.opt_decay_power"))
        ] = 1.0,
        min_minutes: Annotated[
            float, typer.Option("--min-minutes", help=t("fca.opt_min_minutes"))
        ] = 1.0,
        overwrite: OverwriteOption = False,
    ) -> None:
        check_output(out, inputs=[demand, supply, cost], overwrite=overwrite)
        scores = fail_cleanly(
            lambda: _run(
                demand, supply, cost, method, max_minutes, weights, decay_power, min_minutes
            )
        )
        frame = scores.reset_index()
        with atomic_path(out) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.17g")
        console.print(t("fca.done", method=method, n=len(frame), path=out), highlight=False)
