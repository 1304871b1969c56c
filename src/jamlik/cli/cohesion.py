"""``jamlik cohesion PACK --out DIR``: meeting places, connecting pathways, co-accessibility."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from jamlik.cli._common import (
    OverwriteOption,
    check_output,
    fail_cleanly,
    finite_numbers,
    option_error,
    progress_bar,
    require_areas,
    require_year,
)
from jamlik.i18n import format_number, t
from jamlik.indicators.access.aggregate import ALL_AREAS
from jamlik.ingest import Pack, load_pack
from jamlik.runs.cohesion import CohesionOptions, PackCohesion, compute_pack_cohesion
from jamlik.storage import result_folder, sources_table, write_csv, write_geopackage, write_json

__all__ = ["register", "write_cohesion_outputs"]

_out = Console(highlight=False)


def _options(
    minutes: str, radii: str, top_k: int, areas: str | None, year: int | None
) -> CohesionOptions:
    vulnerable = None
    if areas is not None:
        vulnerable = tuple(a.strip() for a in areas.split(",") if a.strip())
    try:
        return CohesionOptions(
            thresholds_min=finite_numbers(minutes, option="--minutes"),
            radii_m=finite_numbers(radii, option="--radii"),
            vulnerable_top_k=top_k,
            vulnerable_areas=vulnerable,
            year=year,
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise option_error(exc, COHESION_OPTION_NAMES) from None


#: Options model field -> the command-line option a user typed.
COHESION_OPTION_NAMES = {
    "thresholds_min": "--minutes",
    "radii_m": "--radii",
    "vulnerable_top_k": "--vulnerable-top-k",
    "vulnerable_areas": "--vulnerable-areas",
}


def write_cohesion_outputs(
    result: PackCohesion, out: Path, pack: Pack, *, overwrite: bool = False
) -> dict[str, Path]:
    """Write the CSV/JSON tables and the GeoPackage of ``result`` as the result folder ``out``.

    The files appear together or not at all (:func:`jamlik.storage.result_folder`); replacing
    an earlier result needs ``overwrite``.

    Files: ``meeting_places.csv``, ``meeting_place_access.csv``, ``centrality_nodes.csv``,
    ``detour_pairs.csv`` and ``barrier_index.csv`` (with areas), ``column_descriptions.csv``
    (Swedish and English), ``cohesion_summary.json`` and ``cohesion.gpkg`` (layers
    ``streets``: centrality per street piece = mean of its end nodes; ``meeting_places``;
    ``areas`` with the barrier index; ``column_descriptions``; ``sources``).
    """
    with result_folder(out, command="cohesion", overwrite=overwrite) as folder:
        staged = _write_cohesion_files(result, folder.staging, pack)
    return {kind: folder.final(path) for kind, path in staged.items()}


def _write_cohesion_files(result: PackCohesion, out: Path, pack: Pack) -> dict[str, Path]:
    places = result.meeting_places
    table = pd.DataFrame(places.drop(columns="geometry"))
    table["x"], table["y"] = places.geometry.x, places.geometry.y
    written = {
        "meeting_places": write_csv(table, out / "meeting_places.csv"),
        "meeting_place_access": write_csv(result.area_access, out / "meeting_place_access.csv"),
        "centrality_nodes": write_csv(result.nodes, out / "centrality_nodes.csv", index=True),
    }
    layers: dict[str, pd.DataFrame] = {"streets": result.streets}
    if not places.empty:
        layers["meeting_places"] = places
    if result.detour is not None:
        written["detour_pairs"] = write_csv(result.detour.pairs, out / "detour_pairs.csv")
        written["barrier_index"] = write_csv(
            result.detour.areas, out / "barrier_index.csv", index=True
        )
        layers["areas"] = pack.areas().join(result.detour.areas).reset_index()
    descriptions = result.describe_columns()
    written["descriptions"] = write_csv(descriptions, out / "column_descriptions.csv")
    layers["column_descriptions"] = descriptions
    layers["sources"] = sources_table(pack.sources)
    summary = result.summary()
    summary["pack"] = pack.name
    summary["sources"] = [s.model_dump() for s in pack.sources]
    written["summary"] = write_json(summary, out / "cohesion_summary.json")
    written["geopackage"] = write_geopackage(layers, out / "cohesion.gpkg")
    return written


def _print(result: PackCohesion) -> None:
    whole = result.area_access[result.area_access["area_id"] == ALL_AREAS]
    if not whole.empty:
        minutes = float(whole["threshold_min"].min())
        rows = whole[whole["threshold_min"] == minutes]
        table = Table(title=t("cohesion.summary_title", minutes=f"{minutes:g}"))
        for group in rows["group"]:
            table.add_column(str(group), justify="right")
        table.add_row(*[f"{100 * s:.0f} %" for s in rows["share"]])
        _out.print(table)
    if result.co_access is not None:
        s = result.co_access.summary
        _out.print(
            t(
                "cohesion.co_access_line",
                minutes=f"{s['threshold_min']:g}",
                shared=f"{100 * s['shared_share']:.0f} %",
                areas=", ".join(result.vulnerable_areas),
            )
        )
    if result.detour is not None:
        barrier = result.detour.areas["barrier_index"].dropna()
        if not barrier.empty:
            _out.print(
                t(
                    "cohesion.barrier_line",
                    area=str(barrier.idxmax()),
                    value=format_number(barrier.max(), 2),
                )
            )
    for note in result.notes:
        _out.print(f"• {note}", markup=False)


def cohesion(
    pack: Annotated[Path, typer.Argument(help=t("opt.pack"))],
    out: Annotated[Path, typer.Option("--out", "-o", help=t("opt.out_folder"))] = Path("cohesion"),
    minutes: Annotated[str, typer.Option(help=t("cohesion.opt_minutes"))] = "10,15",
    radii: Annotated[str, typer.Option(help=t("cohesion.opt_radii"))] = "400,800,1600",
    vulnerable_top_k: Annotated[int, typer.Option(help=t("cohesion.opt_top_k"))] = 3,
    vulnerable_areas: Annotated[str | None, typer.Option(help=t("cohesion.opt_areas"))] = None,
    year: Annotated[int | None, typer.Option(help=t("opt.statistics_year"))] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Meeting places within reach, local centrality, detours between areas, co-accessibility."""
    check_output(out, inputs=[pack], folder=True, overwrite=overwrite)
    options = fail_cleanly(
        lambda: _options(minutes, radii, vulnerable_top_k, vulnerable_areas, year)
    )
    loaded = fail_cleanly(lambda: load_pack(pack))
    require_year(loaded, year)
    require_areas(loaded, options.vulnerable_areas, option="--vulnerable-areas")
    with progress_bar(t("cohesion.computing"), total=4) as advance:

        def progress(label: str, done: int, total: int) -> None:
            advance(1)

        result = fail_cleanly(
            lambda: compute_pack_cohesion(loaded, options=options, progress=progress)
        )
    written = fail_cleanly(lambda: write_cohesion_outputs(result, out, loaded, overwrite=overwrite))
    _print(result)
    for kind, path in written.items():
        _out.print(t("cohesion.wrote", kind=kind, path=str(path)))


def register(app: typer.Typer) -> None:
    """Add ``cohesion`` to ``app``."""
    app.command("cohesion", help=t("cohesion.help"))(cohesion)
