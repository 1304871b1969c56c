"""``jamlik access PACK --out results``: accessibility for every resident of a pack.

``--out results`` writes a result folder (``access.gpkg`` for QGIS and the tables ``summary``,
``column_descriptions`` and ``sources`` as CSV beside it), swapped into place whole
(:func:`jamlik.storage.result_folder`); ``--out results.gpkg`` writes one GeoPackage that
holds every layer and table. Replacing an earlier output needs ``--overwrite``.

``--mode transit --date YYYY-MM-DD --hours 6-23`` computes public-transport access by hour and
day type instead (:mod:`jamlik.runs.transit_access`) and writes the long table as CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jamlik.cli._common import (
    OverwriteOption,
    check_output,
    fail_cleanly,
    finite_numbers,
    named,
    option_error,
    progress_bar,
    require_year,
)
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import share_within
from jamlik.indicators.access.straight_line import DEFAULT_DETOUR_FACTOR
from jamlik.ingest import Pack, load_categories, load_pack
from jamlik.ingest.pack import pack_files
from jamlik.runs.access import AccessOptions, Detail, PackAccess, compute_pack_access
from jamlik.runs.transit_access import TransitAccessOptions, compute_transit_access
from jamlik.storage import result_folder, sources_table, write_csv, write_geopackage

__all__ = [
    "DetourOption",
    "StraightLineOption",
    "parse_access_options",
    "print_access_summary",
    "register",
    "run_access",
]

_out = Console(highlight=False)
#: ``--straight-line`` and ``--detour`` (the approximation), shared with ``sdg-11-2-1``.
StraightLineOption = Annotated[
    bool, typer.Option("--straight-line", help=t("approximate.opt_straight_line"))
]
DetourOption = Annotated[float, typer.Option("--detour", min=1.0, help=t("approximate.opt_detour"))]
SUMMARY_GROUPS = ("pop_total", "age_6_15", "age_65_plus", "born_abroad", "low_income")
SUMMARY_CATEGORIES = ("grocery", "school", "preschool", "health_centre", "park", "transit_stop")


def _split(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


def run_access(
    pack_path: Path,
    out: Path,
    options: AccessOptions,
    *,
    detail: Detail = "tidy",
    scenario_path: Path | None = None,
    straight_line: bool = False,
    detour: float = DEFAULT_DETOUR_FACTOR,
    overwrite: bool = False,
) -> PackAccess:
    """Load the pack (and a scenario), compute, write the outputs and print a summary.

    ``out`` ending in ``.gpkg`` is one GeoPackage; any other path is a result folder
    (:func:`write_access_output`). Without an OSM extract, or with ``straight_line``, the
    approximation along straight lines × ``detour`` runs instead
    (:mod:`jamlik.runs.straight_line`), and says so.
    """
    pack = fail_cleanly(lambda: load_pack(pack_path))
    require_year(pack, options.year)
    if straight_line or pack.osm_path is None:
        return _run_straight_line(
            pack, out, options, detail, scenario_path, straight_line, detour, overwrite
        )
    placed = None
    if scenario_path is not None:
        from jamlik.cli.scenario import refuse_scenario_errors
        from jamlik.ingest.scenario import load_scenario

        refuse_scenario_errors(pack, scenario_path)
        from jamlik.runs.scenario import place_scenario

        placed = fail_cleanly(lambda: place_scenario(load_scenario(scenario_path), pack))
    with progress_bar(t("cli_access.computing"), total=3 + len(options.profiles)) as advance:

        def progress(label: str, done: int, total: int) -> None:
            advance(0, total=total)
            advance(1)

        result = fail_cleanly(
            lambda: compute_pack_access(pack, options=options, progress=progress, scenario=placed),
            options=_typed_categories(options),
        )
    return _write_and_show(result, pack, out, detail, overwrite)


def _run_straight_line(
    pack: Pack,
    out: Path,
    options: AccessOptions,
    detail: Detail,
    scenario_path: Path | None,
    forced: bool,
    detour: float,
    overwrite: bool,
) -> PackAccess:
    """Run the straight-line approximation; announce it and write ``*_approx`` layers."""
    from jamlik.runs.straight_line import straight_line_access

    if scenario_path is not None:
        fail_cleanly(lambda: _no_straight_scenario())
    key = "approximate.console_forced" if forced else "approximate.console_auto"
    _out.print(t(key, pack=pack.name, detour=f"{detour:g}"), style="bold yellow", markup=False)
    with progress_bar(t("cli_access.computing"), total=2 + len(options.profiles)) as advance:

        def progress(label: str, done: int, total: int) -> None:
            advance(0, total=total)
            advance(1)

        def compute() -> PackAccess:
            try:
                return straight_line_access(
                    pack, options=options, detour_factor=detour, progress=progress
                )
            except DataError as exc:
                if forced:
                    raise
                raise DataError(
                    t("approximate.auto_failed", pack=pack.name, error=str(exc))
                ) from None

        result = fail_cleanly(compute, options=_typed_categories(options))
    return _write_and_show(result, pack, out, detail, overwrite)


def _typed_categories(options: AccessOptions) -> dict[str, tuple[str, object]]:
    """``--categories`` as typed, for errors found once the pack's places are read."""
    return {"categories": ("--categories", ",".join(options.categories or ()))}


def write_access_output(
    result: PackAccess, pack: Pack, out: Path, *, detail: Detail = "tidy", overwrite: bool = False
) -> dict[str, Path]:
    """Write ``result`` to ``out``: one GeoPackage (``*.gpkg``) or a result folder.

    The folder holds ``access.gpkg`` (every layer and table) and the tables ``summary``,
    ``column_descriptions`` and ``sources`` as CSV (``*_approx`` for the straight-line
    approximation), swapped into place whole; replacing an earlier one needs ``overwrite``.
    Returns the paths written by kind.
    """
    layers, tables = result.output_layers(sources_table(pack.sources), detail=detail)
    if out.suffix.lower() == ".gpkg":
        return {"geopackage": write_geopackage(layers, out)}
    with result_folder(out, command="access", overwrite=overwrite) as folder:
        staged = {"geopackage": write_geopackage(layers, folder.staging / "access.gpkg")}
        for name, table in tables.items():
            staged[name] = write_csv(table, folder.staging / f"{name}.csv")
    return {kind: folder.final(path) for kind, path in staged.items()}


def _write_and_show(
    result: PackAccess, pack: Pack, out: Path, detail: Detail, overwrite: bool
) -> PackAccess:
    written = fail_cleanly(
        lambda: write_access_output(result, pack, out, detail=detail, overwrite=overwrite)
    )
    print_access_summary(result, threshold_min=15.0)
    for kind, path in written.items():
        _out.print(t("cli_access.wrote", kind=kind, path=str(path)))
    return result


def _no_straight_scenario() -> None:
    raise DataError(t("approximate.no_scenario"))


def print_access_summary(result: PackAccess, *, threshold_min: float) -> None:
    """Print the share of residents (and of each group) within ``threshold_min`` minutes."""
    origins = result.origins
    groups = [c for c in SUMMARY_GROUPS if c in origins.columns]
    rows = []
    for column in origins.columns:
        if "_nearest_1_min_" not in column:
            continue
        category, prof = column.split("_nearest_1_min_")
        if category in SUMMARY_CATEGORIES and prof in ("adult", "child", "senior", "wheelchair"):
            rows.append(column)
    if not rows:
        return
    shares = share_within(origins, columns=rows, threshold=threshold_min, groups=groups)
    key = (
        "cli_access.summary_title" if result.population_known else "cli_access.summary_title_nodes"
    )
    title = t(key, minutes=f"{threshold_min:g}")
    if result.method != "network":
        title = t("approximate.summary_title", title=title, detour=f"{result.detour_factor:g}")
    table = Table(title=title)
    table.add_column(t("cli_access.col_category"))
    table.add_column(t("cli_access.col_profile"))
    for group in groups:
        table.add_column(t(f"group.{group}"), justify="right")
    labels = load_categories()
    for column in rows:
        category, prof = column.split("_nearest_1_min_")
        cells = [f"{100 * shares.loc[column, g]:.0f} %" for g in groups]
        name = labels[category].label() if category in labels else category
        table.add_row(name, t(f"profile.{prof}"), *cells)
    _out.print(table)
    for note in result.notes:
        _out.print(f"• {note}", markup=False)


def access(
    pack: Annotated[Path, typer.Argument(help=t("opt.pack"))],
    out: Annotated[Path, typer.Option("--out", "-o", help=t("access.opt_out"))] = Path("access"),
    profiles: Annotated[str | None, typer.Option(help=t("transit_access.opt_profiles"))] = None,
    categories: Annotated[str | None, typer.Option(help=t("access.opt_categories"))] = None,
    cutoffs: Annotated[
        str | None,
        typer.Option(help=t("access.opt_cutoffs")),
    ] = None,
    k: Annotated[int, typer.Option(help=t("access.opt_k"))] = 3,
    year: Annotated[int | None, typer.Option(help=t("opt.statistics_year"))] = None,
    grid_m: Annotated[int, typer.Option("--grid-m", min=0, help=t("cli_access.opt_grid"))] = 250,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help=t("cli_access.opt_threshold"))
    ] = None,
    detail: Annotated[str, typer.Option(help=t("cli_access.opt_detail"))] = "tidy",
    mode: Annotated[str, typer.Option(help=t("transit_access.opt_mode"))] = "walk",
    date: Annotated[str | None, typer.Option(help=t("transit_access.opt_date"))] = None,
    hours: Annotated[str, typer.Option(help=t("transit_access.opt_hours"))] = "6-23",
    day_type: Annotated[
        str, typer.Option("--day-type", help=t("transit_access.opt_day_type"))
    ] = "weekday,saturday,sunday",
    origin_cell_m: Annotated[
        float, typer.Option("--origin-cell-m", min=0, help=t("transit_access.opt_cell"))
    ] = 250.0,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help=t("scenario.opt_scenario_access"))
    ] = None,
    straight_line: StraightLineOption = False,
    detour: DetourOption = DEFAULT_DETOUR_FACTOR,
    overwrite: OverwriteOption = False,
) -> None:
    """Compute walk/bike accessibility for every resident of a pack (areas, grid, groups).

    Writes per profile a layer of areas and one of grid squares (five short columns per
    category), the long tables area_values and summary; --detail origins adds every indicator
    per origin.

    With --mode transit: public transport by hour and day type, places open on arrival (CSV).
    """
    inputs = [pack, scenario, *pack_files(pack)]
    if mode == "transit":
        out = out if out.suffix.lower() == ".csv" else out.with_suffix(".csv")
    elif out.suffix.lower() == ".csv":  # a table name given for the walk/bike layers
        out = out.with_suffix(".gpkg")
    check_access_output(out, inputs=inputs, overwrite=overwrite)
    if mode == "transit" and scenario is not None:
        fail_cleanly(lambda: _no_transit_scenario())
    if mode == "transit":
        args = (categories, cutoffs or "15,30,45,60", year, date, hours, day_type, origin_cell_m,
                profiles or "adult")  # fmt: skip
        _run_transit(pack, out, fail_cleanly(lambda: _transit_options(*args)))
        return
    if mode != "walk":
        fail_cleanly(lambda: named("--mode", mode, lambda: _bad_mode(mode)))
    walk_cutoffs = cutoffs or "5,10,15,20,30"
    options = fail_cleanly(
        lambda: parse_access_options(
            profiles or "adult,child,senior,wheelchair,bike",
            categories,
            walk_cutoffs,
            k,
            year,
            grid_m,
            threshold,
        )
    )
    if detail not in ("tidy", "origins"):
        fail_cleanly(lambda: named("--detail", detail, lambda: _bad_detail(detail)))
    chosen: Detail = "origins" if detail == "origins" else "tidy"
    run_access(pack, out, options, detail=chosen, scenario_path=scenario,
               straight_line=straight_line, detour=detour, overwrite=overwrite)  # fmt: skip


def check_access_output(out: Path, *, inputs: list[Path | None], overwrite: bool) -> None:
    """Check ``--out`` of ``access`` and ``scenario run``: a ``.gpkg``/``.csv`` file or a folder."""
    single = out.suffix.lower() in (".gpkg", ".csv")
    check_output(out, inputs=inputs, folder=not single, overwrite=overwrite)


def _no_transit_scenario() -> None:
    raise DataError(t("scenario.transit_access_not_yet"))


def _bad_mode(mode: str) -> None:
    raise DataError(t("transit_access.bad_mode", mode=mode))


def _bad_detail(detail: str) -> None:
    raise DataError(t("cli_access.bad_detail", detail=detail))


def _transit_options(
    categories: str | None,
    cutoffs: str,
    year: int | None,
    date: str | None,
    hours: str,
    day_type: str,
    origin_cell_m: float,
    profiles: str = "adult",
    *,
    prefix: str = "--",
) -> TransitAccessOptions:
    """Transit access options; ``prefix`` names the options (``--transit-`` in compare)."""
    if date is None:
        raise DataError(t("transit_access.need_date"))
    day = named(f"{prefix}date", date, lambda: _date(date))
    hour_list = named(f"{prefix}hours", hours, lambda: _hours(hours))
    cutoffs_min = finite_numbers(cutoffs, option="--cutoffs")
    try:
        return TransitAccessOptions(
            date=day,
            day_types=_split(day_type) or (),  # type: ignore[arg-type]
            hours=hour_list,
            categories=_split(categories),
            cutoffs_min=cutoffs_min,
            year=year,
            origin_cell_m=origin_cell_m,
            profiles=_split(profiles) or (),
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise option_error(exc, TRANSIT_OPTION_NAMES) from None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DataError(t("transit.bad_date", value=text)) from None


def _hours(text: str) -> tuple[int, ...]:
    """``"6-23"`` → 6, 7, …, 23; hours of the day 0 to 23, the first not after the last."""
    lo, _, hi = text.partition("-")
    try:
        first, last = int(lo), int(hi or lo)
    except ValueError:
        raise DataError(t("cli_access.bad_hours")) from None
    if not 0 <= first <= last <= 23:
        raise DataError(t("cli_access.bad_hours"))
    return tuple(range(first, last + 1))


def _run_transit(pack_path: Path, out: Path, opts: TransitAccessOptions) -> None:
    """``--mode transit``: hour × day type table of transit access, written as CSV."""
    pack = fail_cleanly(lambda: load_pack(pack_path))
    require_year(pack, opts.year)
    with progress_bar(t("cli_access.computing"), total=1) as advance:

        def progress(label: str, done: int, total: int) -> None:
            advance(0, total=total)
            advance(1)

        result = fail_cleanly(lambda: compute_transit_access(pack, options=opts, progress=progress))
    written = fail_cleanly(lambda: write_csv(result.summary, out))
    for note in result.notes:
        _out.print(f"• {note}", markup=False)
    _out.print(t("cli_access.wrote", kind="transit", path=str(written)))


def parse_access_options(
    profiles: str,
    categories: str | None,
    cutoffs: str = "5,10,15,20,30",
    k: int = 3,
    year: int | None = None,
    grid_m: int = 250,
    threshold: float | None = None,
) -> AccessOptions:
    """Access options from the command line's text; a bad value names the option."""
    cutoffs_min = finite_numbers(cutoffs, option="--cutoffs") if cutoffs.strip() else ()
    try:
        return AccessOptions(
            profiles=_split(profiles) or (),
            categories=_split(categories),
            cutoffs_min=cutoffs_min,
            k=k,
            year=year,
            grid_m=grid_m,
            threshold_min=threshold,
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise option_error(exc, ACCESS_OPTION_NAMES) from None


#: Options model field -> the command-line option a user typed.
ACCESS_OPTION_NAMES = {"cutoffs_min": "--cutoffs", "threshold_min": "--threshold"}
TRANSIT_OPTION_NAMES = {
    "cutoffs_min": "--cutoffs",
    "day_types": "--day-type",
    "origin_cell_m": "--origin-cell-m",
}


def register(app: typer.Typer) -> None:
    """Add ``access`` to ``app``."""
    app.command("access", help=t("access.help"))(access)
