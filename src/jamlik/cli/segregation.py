"""``jamlik segregation``: segregation indices of a group over areas, from a CSV (+ polygons).

Also holds the small file helpers shared by the indicator commands (``equity``, ``fca``):
reading a CSV with a clear error and writing outputs atomically (temporary file + rename).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from jamlik.cli._common import (
    OverwriteOption,
    bad_option,
    check_output,
    console,
    fail_cleanly,
    refuse,
)
from jamlik.cli._tables import read_csv
from jamlik.cli._years import select_year, years_of
from jamlik.errors import DataError, MissingColumnError, MissingFileError
from jamlik.i18n import t
from jamlik.indicators.segregation.indices import align_areas, segregation_indices
from jamlik.storage import result_folder, write_csv, write_geopackage, write_json

__all__ = ["read_csv", "register"]

RESULT_KEYS = (
    "dissimilarity",
    "gini",
    "entropy",
    "isolation",
    "exposure",
    "atkinson",
    "correlation_ratio",
)
SPATIAL_KEYS = ("spatial_dissimilarity", "contiguity")
#: Indices whose change between years is tested with --change.
CHANGE_KEYS = ("dissimilarity", "gini", "entropy", "isolation")


def read_areas(path: Path) -> Any:
    """Read polygons from a GeoPackage (or any vector file pyogrio reads)."""
    import geopandas as gpd

    if not path.is_file():
        raise MissingFileError(t("indicators_io.missing_file", path=path))
    try:
        areas = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise DataError(
            t("indicators_io.unreadable", path=path, kind="GeoPackage", reason=exc)
        ) from None
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry.isna().all():
        raise DataError(
            t("indicators_io.unreadable", path=path, kind="GeoPackage", reason="no geometry")
        )
    return areas


def _year_table(
    input_path: Path, id_column: str, numbers: tuple[str, ...], year: int | None, year_column: str
) -> pd.DataFrame:
    """Read the input table and keep the rows of ``year`` (all rows when it has no years)."""
    table = read_csv(input_path, id_columns=(id_column,), numbers=numbers)
    return select_year(table, year, column=year_column, source=str(input_path))


def _run(
    input_path: Path,
    id_column: str,
    group: str,
    total: str,
    areas_path: Path | None,
    atkinson_b: float,
    year: int | None,
    year_column: str,
) -> tuple[dict[str, Any], int]:
    source = str(input_path)
    frame = _year_table(input_path, id_column, (group, total), year, year_column)
    areas = None
    if areas_path is not None:
        areas = align_areas(
            frame,
            read_areas(areas_path),
            id_column=id_column,
            source=source,
            areas_source=str(areas_path),
        )
    result = segregation_indices(
        frame,
        group=group,
        total=total,
        atkinson_b=atkinson_b,
        areas=areas,
        id_column=id_column,
        source=source,
    ).to_dict()
    keys = RESULT_KEYS + (SPATIAL_KEYS if areas is not None else ())
    chosen = {"year": year} if year is not None else {}
    return chosen | {k: result[k] for k in keys}, len(frame)


def _local_layer(
    input_path: Path,
    id_column: str,
    group: str,
    total: str,
    areas_path: Path,
    year: int | None,
    year_column: str,
) -> Any:
    """Each area's location quotient and local entropy, with its polygon (for QGIS)."""
    import geopandas as gpd

    from jamlik.indicators.segregation.indices import local_segregation

    source = str(input_path)
    frame = _year_table(input_path, id_column, (group, total), year, year_column)
    polygons = align_areas(
        frame, read_areas(areas_path), id_column=id_column, source=source,
        areas_source=str(areas_path),
    )  # fmt: skip
    local = local_segregation(frame, group=group, total=total, source=source)
    table = pd.DataFrame(
        {id_column: frame[id_column].astype(str), group: frame[group], total: frame[total]}
    ).join(local)
    return gpd.GeoDataFrame(table, geometry=polygons.geometry.to_numpy(), crs=polygons.crs)


def _change(
    input_path: Path, group: str, total: str, year_column: str, atkinson_b: float, draws: int
) -> pd.DataFrame:
    from jamlik.indicators.segregation.inference import segregation_trend

    source = str(input_path)
    frame = read_csv(input_path, numbers=(group, total))
    if year_column not in frame.columns:
        raise MissingColumnError(t("years.no_column", source=source, column=year_column))
    years_of(frame, year_column, source=source)  # a clear error on a non-year
    tables = [
        segregation_trend(
            frame,
            year=year_column,
            group=group,
            total=total,
            index=index,
            atkinson_b=atkinson_b,
            permutations=draws,
            bootstraps=draws,
        )
        .rename_axis("year_b")
        .reset_index()
        .assign(index=index)
        for index in CHANGE_KEYS
    ]
    table = pd.concat(tables, ignore_index=True).rename(columns={"base_year": "year_a"})
    first = ["index", "year_a", "year_b"]
    return table[first + [c for c in table.columns if c not in first]]


def _change_needs_folder(out: Path) -> None:
    raise DataError(
        t("segregation.change_needs_folder", path=str(out), folder=str(out.with_suffix("")))
    )


def register(app: typer.Typer) -> None:
    """Add the ``segregation`` command to ``app``."""

    @app.command("segregation", help=t("segregation.help"))
    def segregation(
        input_path: Annotated[Path, typer.Option("--input", help=t("segregation.opt_input"))],
        id_column: Annotated[str, typer.Option("--id", help=t("segregation.opt_id"))],
        group: Annotated[str, typer.Option("--group", help=t("segregation.opt_group"))],
        total: Annotated[str, typer.Option("--total", help=t("segregation.opt_total"))],
        out: Annotated[Path, typer.Option("--out", help=t("segregation.opt_out"))],
        areas: Annotated[
            Path | None, typer.Option("--areas", help=t("segregation.opt_areas"))
        ] = None,
        atkinson_b: Annotated[
            float, typer.Option("--atkinson-b", help=t("segregation.opt_atkinson_b"))
        ] = 0.5,
        year: Annotated[int | None, typer.Option("--year", help=t("years.opt_year"))] = None,
        year_column: Annotated[
            str, typer.Option("--year-column", help=t("years.opt_year_column"))
        ] = "year",
        change: Annotated[bool, typer.Option("--change", help=t("segregation.opt_change"))] = False,
        permutations: Annotated[
            int,
            typer.Option("--permutations", min=1, help=t("segregation.opt_permutations")),
        ] = 999,
        overwrite: OverwriteOption = False,
    ) -> None:
        # ``--out X.json`` (any name with a suffix): the indices alone; a name without a suffix
        # is a result folder with segregation.json, local.gpkg (--areas) and change.csv
        # (--change), swapped in whole.
        if not 0 <= atkinson_b < 1:
            reason = t("segregation.bad_atkinson_b")
            refuse(bad_option("--atkinson-b", atkinson_b, reason))
        single = out.suffix != ""
        check_output(out, inputs=[input_path, areas], folder=not single, overwrite=overwrite)
        if single and change:
            fail_cleanly(lambda: _change_needs_folder(out))
        changes = None
        if change:
            changes = fail_cleanly(
                lambda: _change(input_path, group, total, year_column, atkinson_b, permutations)
            )
            if year is None:  # the indices of the latest year go beside its change
                year = int(changes["year_b"].max())
        result, n = fail_cleanly(
            lambda: _run(input_path, id_column, group, total, areas, atkinson_b, year, year_column)
        )
        if single:
            write_json(result, out)
            console.print(t("segregation.done", n=n, path=out), highlight=False)
            if areas is not None:
                console.print(t("segregation.local_needs_folder", path=out), highlight=False)
            return
        layer = None
        if areas is not None:
            layer = fail_cleanly(
                lambda: _local_layer(input_path, id_column, group, total, areas, year, year_column)
            )

        def write() -> None:
            with result_folder(out, command="segregation", overwrite=overwrite) as folder:
                write_json(result, folder.staging / "segregation.json")
                if layer is not None:
                    write_geopackage({"local": layer}, folder.staging / "local.gpkg")
                if changes is not None:
                    write_csv(changes, folder.staging / "change.csv")

        fail_cleanly(write)
        console.print(t("segregation.done", n=n, path=out / "segregation.json"), highlight=False)
        if layer is not None:
            path = out / "local.gpkg"
            console.print(t("segregation.local_written", path=path), highlight=False)
        if changes is not None:
            path = out / "change.csv"
            first, last = int(changes["year_a"].min()), int(changes["year_b"].max())
            message = t(
                "segregation.change_written", first=first, last=last, n=len(CHANGE_KEYS), path=path
            )
            console.print(message, highlight=False)
