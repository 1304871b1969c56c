"""Build a complete data pack for Swedish municipalities (or a county) from public sources.

:func:`build_pack` chains the connectors: DeSO and RegSO polygons from SCB's geodata,
statistics per area from Statistikdatabasen (the tables of ``scb_tables.toml``), an
OpenStreetMap extract clipped to the areas plus a buffer, and the county's GTFS Regional feed
clipped the same way. It writes the pack folder (``pack.toml``, ``areas.gpkg``,
``statistics.csv``, ``osm.osm.pbf``, ``gtfs_<operator>.zip``) into a temporary folder beside the
target and renames it into place only when everything has worked, so a failed fetch leaves
nothing half-written. Every source goes into ``[[sources]]`` with its licence, URL (never an API
key) and retrieval date.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest.connectors.gtfs_feed import clip_feed, gtfs_key
from jamlik.ingest.connectors.http import FetchError, HttpClient, Progress
from jamlik.ingest.connectors.osm_extract import clip_osm, overpass_query, to_wgs84
from jamlik.ingest.connectors.pxweb import ApiLimits, PxWebApi
from jamlik.ingest.connectors.scb_geo import AreaSelection, fetch_areas
from jamlik.ingest.connectors.scb_stats import (
    DATA_FILE,
    StatisticResult,
    TablesFile,
    fetch_statistic,
    load_tables_file,
)

__all__ = ["FetchOptions", "FetchResult", "build_pack"]

logger = logging.getLogger(__name__)

OsmMode = Literal["extract", "overpass", "none"]
#: How long a cached download is used again: a day for timetables (Trafiklab's smallest key
#: allows 50 calls a month), a week for OpenStreetMap (the extract is 700 MB).
DAY_S = 24 * 3600.0
#: Above this size, clipping without osmium-tool takes minutes: say so and how to speed it up.
SLOW_CLIP_BYTES = 100_000_000
WEEK_S = 7 * DAY_S
#: ``step(key, **values)``: a stage has started (``key`` names a catalogue text).
Step = Callable[..., None]


@dataclass(frozen=True)
class FetchOptions:
    """What to fetch and where to write it.

    ``osm`` is ``"extract"`` (download the regional extract and clip it), ``"overpass"`` (ask
    the Overpass API; for small areas), ``"none"``, or the path of a local ``.osm.pbf`` to clip.
    The ``*_url`` fields override the services' addresses (tests, mirrors).
    """

    out: Path
    kommuner: tuple[str, ...] = ()
    lan: str | None = None
    year: int | None = None
    level: Literal["regso", "deso"] = "regso"
    osm: OsmMode | Path = "extract"
    gtfs: bool = True
    gtfs_operator: str | None = None
    buffer_m: float | None = None
    overwrite: bool = False
    scb_api_url: str | None = None
    geodata_url: str | None = None
    osm_url: str | None = None
    overpass_url: str | None = None
    gtfs_url: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """What :func:`build_pack` wrote."""

    pack_dir: Path
    areas: int
    population: float
    year: int
    notes: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    files: tuple[str, ...] = field(default_factory=tuple)


def _check_options(options: FetchOptions) -> AreaSelection:
    if bool(options.kommuner) == (options.lan is not None):
        raise DataError(t("ingest.fetch.kommun_or_lan"))
    for code in options.kommuner:
        if not re.fullmatch(r"\d{4}", code):
            raise DataError(t("ingest.fetch.bad_kommun", code=code))
    if options.lan is not None and not re.fullmatch(r"\d{2}", options.lan):
        raise DataError(t("ingest.fetch.bad_lan", code=options.lan))
    if options.out.exists() and not options.out.is_dir():
        raise DataError(t("ingest.fetch.out_is_file", path=str(options.out)))
    if options.out.is_dir() and any(options.out.iterdir()) and not options.overwrite:
        raise DataError(t("ingest.fetch.out_not_empty", path=str(options.out)))
    if isinstance(options.osm, Path) and not options.osm.is_file():
        raise DataError(t("ingest.fetch.osm_missing", path=str(options.osm)))
    return AreaSelection(kommuner=tuple(sorted(set(options.kommuner))), lan=options.lan)


def _source(name: str, licence: str, attribution: str, url: str, retrieved: str) -> dict[str, str]:
    return {
        "name": name,
        "licence": licence,
        "attribution": attribution,
        "url": url,
        "retrieved": retrieved,
    }


def _merge_statistics(
    results: list[StatisticResult], areas: gpd.GeoDataFrame, kommun_of: pd.Series
) -> pd.DataFrame:
    """One row per area: the area-level tables joined on the id, kommun tables on the kommun."""
    merged = pd.DataFrame({"area_id": areas["area_id"].to_numpy()})
    for result in results:
        table = result.table.drop(columns="year")
        if "kommun" in result.spec.levels:
            # a municipality's value (e.g. its median rent) is given to each of its areas
            per_area = pd.DataFrame(
                {"area_id": merged["area_id"], "kommunkod": kommun_of.to_numpy()}
            )
            table = per_area.merge(
                table.rename(columns={"area_id": "kommunkod"}), on="kommunkod", how="left"
            ).drop(columns="kommunkod")
        twice = [c for c in table.columns if c != "area_id" and c in merged.columns]
        if twice:
            raise FetchError(
                t("ingest.fetch.column_twice", file=DATA_FILE, columns=", ".join(twice),
                  name=result.spec.name)
            )  # fmt: skip
        merged = merged.merge(table, on="area_id", how="left")
    return merged


def build_pack(
    options: FetchOptions,
    *,
    client: HttpClient,
    tables: TablesFile | None = None,
    step: Step | None = None,
    progress: Progress | None = None,
) -> FetchResult:
    """Fetch everything ``options`` asks for and write the pack folder.

    Parameters
    ----------
    options
        What to fetch and where to write it.
    client
        The HTTP client (cache folder, retries, rate limits).
    tables
        The data file (default: the one shipped with jamlik).
    step
        Called as ``step(key, **values)`` when a stage starts (key of the ``fetch.step.*``
        catalogue texts).
    progress
        Called with ``(done_bytes, total_bytes)`` during large downloads.

    Raises
    ------
    FetchError
        When a service cannot be reached, answers wrongly, or the Trafiklab key is missing.
    DataError
        When the options are wrong (codes, output folder).
    """
    selection = _check_options(options)
    tables = tables or load_tables_file()
    say = step or (lambda key, **values: None)
    key = None
    operators: dict[str, str] = dict(tables.gtfs["operators"])
    if options.gtfs:
        key = gtfs_key(str(tables.gtfs["key_variable"]))  # fail fast, before any download
    api_cfg = tables.api
    api = PxWebApi(
        client,
        base_url=options.scb_api_url or str(api_cfg["base_url"]),
        language=str(api_cfg.get("language", "sv")),
        fallback=ApiLimits(
            int(api_cfg["max_cells"]), int(api_cfg["calls"]), float(api_cfg["window_s"])
        ),
    )
    say("fetch.step.scb")
    population_spec = next(s for s in tables.statistics if s.total)
    meta = api.metadata(population_spec.table)
    year = options.year
    if year is None:
        years = [int(y) for y in meta.codes[meta.time_variable or "Tid"] if y.isdigit()]
        year = max(years)
    division = tables.division(year)
    geo = tables.geodata
    wfs = options.geodata_url or str(geo["wfs"])
    crs = str(geo["crs"])
    notes: list[str] = []
    sources: list[dict[str, str]] = []
    say("fetch.step.areas", selection=selection.label)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for level, layer in (("regso", division.regso_layer), ("deso", division.deso_layer)):
        areas, retrieved = fetch_areas(
            client, wfs_url=wfs, layer=layer, level=level, selection=selection,  # type: ignore[arg-type]
            crs=crs, page_size=int(geo["page_size"]),
        )  # fmt: skip
        layers[level] = areas
        sources.append(
            _source(
                f"SCB {level.upper()} {division.name} ({layer})", str(geo["licence"]),
                str(geo["attribution"]), wfs, retrieved,
            )
        )  # fmt: skip
    areas = layers[options.level]
    suffix = division.regso_suffix if options.level == "regso" else division.deso_suffix
    kommuner = sorted(set(areas["kommunkod"]))
    results: list[StatisticResult] = []
    for spec in tables.statistics:
        if not spec.covers(year):
            continue
        if options.level in spec.levels:
            codes, code_suffix = list(areas["area_id"]), suffix
        elif "kommun" in spec.levels:
            codes, code_suffix = kommuner, ""
        else:
            notes.append(
                t(
                    "ingest.fetch.note_level",
                    table=spec.table,
                    title=spec.title,
                    level=options.level,
                )
            )
            continue
        say("fetch.step.table", table=spec.table, title=spec.title)
        result = fetch_statistic(api, spec, area_codes=codes, suffix=code_suffix, year=year)
        results.append(result)
        notes += result.notes
        assumed = (
            " (codes not yet checked against a live answer)" if spec.checked == "assumed" else ""
        )
        sources.append(
            _source(
                f"SCB Statistikdatabasen {spec.table}: {spec.title}, {result.year}{assumed}",
                str(api_cfg["licence"]), str(api_cfg["attribution"]),
                f"{api.base_url}/tables/{spec.table}", result.retrieved,
            )
        )  # fmt: skip
    statistics = _merge_statistics(results, areas, areas["kommunkod"])
    statistics.insert(1, "year", year)
    parent = options.out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{options.out.name}.fetch-", dir=parent))
    try:
        files = _write_tables(work, layers, statistics)
        footprint = shapely.union_all(areas.geometry.to_numpy())
        buffer_m = float(
            options.buffer_m if options.buffer_m is not None else tables.osm["buffer_m"]
        )
        osm_file = _osm(options, client, tables, work, footprint, crs, buffer_m, say, progress,
                        sources)  # fmt: skip
        if osm_file:
            files.append(osm_file)
        gtfs_files: list[str] = []
        if options.gtfs and key is not None:
            lans = sorted({k[:2] for k in kommuner})
            for lan in lans:
                operator = options.gtfs_operator or operators.get(lan)
                if operator is None:
                    raise FetchError(t("ingest.fetch.no_operator", lan=lan))
                say("fetch.step.gtfs", operator=operator)
                url = (options.gtfs_url or str(tables.gtfs["url"])).format(operator=operator)
                got = client.get(url, params={"key": key}, progress=progress, max_age_s=DAY_S)
                name = f"gtfs_{operator}.zip"
                summary = clip_feed(
                    got.path, work / name, area=footprint.buffer(buffer_m), area_crs=crs
                )
                notes.append(
                    t("ingest.fetch.note_gtfs", operator=operator, trips=summary.trips,
                      total=summary.total_trips, stops=summary.stops)
                )  # fmt: skip
                gtfs_files.append(name)
                sources.append(
                    _source(
                        f"Trafiklab GTFS Regional ({operator})", str(tables.gtfs["licence"]),
                        str(tables.gtfs["attribution"]), url, got.retrieved,
                    )
                )  # fmt: skip
        files += gtfs_files
        spec_by_name = {r.spec.name: r.spec for r in results}
        total_spec = next((s for s in spec_by_name.values() if s.total), None)
        groups = [g for s in spec_by_name.values() for g in s.groups]
        names = meta.labels.get("Region", {})
        if selection.lan is None:
            title = ", ".join(re.sub(r"^\d{4}\s+", "", names.get(k, k)) for k in kommuner)
        else:
            title = f"län {selection.lan}"
        total = total_spec.total if total_spec else None
        attributes = [c for c in statistics.columns if c not in {"area_id", "year", total, *groups}]
        toml = _pack_toml(
            options, title=title, selection=selection, year=year, level=options.level,
            total=total, groups=groups, attributes=attributes,
            osm_file=osm_file, gtfs_files=gtfs_files, sources=sources, notes=notes,
        )  # fmt: skip
        (work / "pack.toml").write_text(toml, encoding="utf-8")
        _move_into_place(work, options.out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    population = float(statistics[total_spec.total].sum()) if total_spec else 0.0
    return FetchResult(
        pack_dir=options.out,
        areas=len(areas),
        population=population,
        year=year,
        notes=tuple(notes),
        sources=tuple(sources),
        files=("pack.toml", *files),
    )


def _write_tables(
    work: Path, layers: dict[str, gpd.GeoDataFrame], stats: pd.DataFrame
) -> list[str]:
    for level, frame in layers.items():
        frame.to_file(work / "areas.gpkg", layer=level, driver="GPKG")
    stats.to_csv(work / "statistics.csv", index=False)
    text = resources.files(__package__).joinpath("vulnerability.toml").read_text("utf-8")
    (work / "vulnerability.toml").write_text(text, encoding="utf-8")
    return ["areas.gpkg", "statistics.csv", "vulnerability.toml"]


def _osm(
    options: FetchOptions,
    client: HttpClient,
    tables: TablesFile,
    work: Path,
    footprint: Any,
    crs: str,
    buffer_m: float,
    say: Step,
    progress: Progress | None,
    sources: list[dict[str, str]],
) -> str | None:
    osm = tables.osm
    if options.osm == "none":
        return None
    name = "osm.osm.pbf"
    today = datetime.now(UTC).date().isoformat()
    if isinstance(options.osm, Path):
        source, url, retrieved = options.osm, str(options.osm.name), today
    elif options.osm == "overpass":
        say("fetch.step.overpass")
        url = options.overpass_url or str(osm["overpass"])
        query = overpass_query(to_wgs84(footprint.buffer(buffer_m), crs))
        got = client.get(url, params={"data": query}, progress=progress, max_age_s=WEEK_S)
        source = got.path.with_name(got.path.name + ".osm")
        shutil.copyfile(got.path, source)
        retrieved = got.retrieved
    else:
        url = options.osm_url or str(osm["extract"])
        say("fetch.step.osm", url=url)
        got = client.get(url, progress=progress, max_age_s=WEEK_S)
        source = got.path.with_name(got.path.name + ".osm.pbf")
        source.unlink(missing_ok=True)  # a link to an older download would be stale
        os.link(got.path, source)  # pyosmium reads the format from the file name
        retrieved = got.retrieved
    say("fetch.step.clip", buffer_m=f"{buffer_m:.0f}")
    if shutil.which("osmium") is None and source.stat().st_size > SLOW_CLIP_BYTES:
        say("fetch.step.clip_slow", size_mb=f"{source.stat().st_size / 1e6:.0f}")
    clip_osm(source, work / name, area=footprint, area_crs=crs, buffer_m=buffer_m)
    sources.append(
        _source(
            f"OpenStreetMap ({url}, clipped to the areas + {buffer_m:.0f} m)",
            str(osm["licence"]), str(osm["attribution"]),
            url if "://" in url else "https://www.openstreetmap.org", retrieved,
        )
    )  # fmt: skip
    return name


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pack_toml(
    options: FetchOptions,
    *,
    title: str,
    selection: AreaSelection,
    year: int,
    level: str,
    total: str | None,
    groups: list[str],
    attributes: list[str],
    osm_file: str | None,
    gtfs_files: list[str],
    sources: list[dict[str, str]],
    notes: list[str],
) -> str:
    name = re.sub(r"[^a-z0-9_-]+", "_", options.out.name.lower()).strip("_") or "fetched"
    today = datetime.now(UTC).date().isoformat()
    description = f"{level.upper()} areas of {selection.label}, SCB statistics {year}"
    lines = [
        f"# Written by `jamlik fetch` on {today} for {selection.label}, statistics year {year}.",
        *(f"# note: {n}" for n in notes),
        "[pack]",
        f"name = {_quote(name)}",
        f"title = {_quote(title)}",
        'crs = "EPSG:3006"',
        f"description = {_quote(description)}",
        "",
        "[areas]",
        'path = "areas.gpkg"',
        f"layer = {_quote(level)}",
        'id = "area_id"',
        'name = "name"',
        "",
        "[[statistics]]",
        'path = "statistics.csv"',
        'area_id = "area_id"',
        'year = "year"',
    ]
    if total:
        lines.append(f"total = {_quote(total)}")
    if groups:
        lines.append("groups = { " + ", ".join(f"{g} = {_quote(g)}" for g in groups) + " }")
    lines.append("attributes = [" + ", ".join(_quote(a) for a in attributes) + "]")
    lines += ["", "[population]", f'method = "{"nodes" if osm_file else "auto"}"', f"year = {year}"]
    if osm_file:
        lines += ["", "[osm]", f"path = {_quote(osm_file)}"]
    for feed in gtfs_files:
        lines += ["", "[[gtfs]]", f"path = {_quote(feed)}", f"name = {_quote(feed[5:-4])}"]
    for source in sources:
        lines += ["", "[[sources]]"]
        lines += [f"{k} = {_quote(v)}" for k, v in source.items() if v]
    return "\n".join(lines) + "\n"


def _move_into_place(work: Path, out: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    # mkdtemp/mkstemp create private files: give the pack the user's usual permissions.
    os.chmod(work, 0o777 & ~mask)
    for path in work.iterdir():
        os.chmod(path, 0o666 & ~mask)
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(work, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(work, out)
