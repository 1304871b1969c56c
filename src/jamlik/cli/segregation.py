"""``jamlik segregation``: segregation indices of a group over areas, from a CSV (+ polygons).

Also holds the small file helpers shared by the indicator commands (``equity``, ``fca``):
reading a CSV with a clear error and writing outputs atomically (temporary file + rename).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from jamlik.cli._common import check_output, console, fail_cleanly
from jamlik.errors import DataError, MissingFileError
from jamlik.i18n import t
from jamlik.indicators.segregation.indices import align_areas, segregation_indices
from jamlik.storage import write_json

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


def read_csv(path: Path, *, id_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read ``path`` as CSV, keeping ``id_columns`` as text; named errors if it cannot be read."""
    if not path.is_file():
        raise MissingFileError(t("indicators_io.missing_file", path=path))
    try:
        return pd.read_csv(path, dtype=dict.fromkeys(id_columns, str))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(t("indicators_io.unreadable", path=path, kind="CSV", reason=exc)) from None


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


def _run(
    input_path: Path,
    id_column: str,
    group: str,
    total: str,
    areas_path: Path | None,
    atkinson_b: float,
) -> tuple[dict[str, Any], int]:
    frame = read_csv(input_path, id_columns=(id_column,))
    source = str(input_path)
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
    return {k: result[k] for k in keys}, len(frame)


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
    ) -> None:
        check_output(out, inputs=[input_path, areas])
        result, n = fail_cleanly(
            lambda: _run(input_path, id_column, group, total, areas, atkinson_b)
        )
        write_json(result, out)
        console.print(t("segregation.done", n=n, path=out), highlight=False)
