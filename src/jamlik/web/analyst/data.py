"""What the analyst pages show, computed in the background and kept as small files per pack.

Every job here calls the same runs as the CLI and writes their outputs, pre-aggregated, into a
cache folder (:mod:`jamlik.web.jobs`); the routes only read those files:

* **access** (:func:`access_work`): :func:`jamlik.runs.access.compute_pack_access` with the
  options of ``jamlik access`` (all profiles, 250 m grid), and the layers it writes
  (:meth:`~jamlik.runs.access.PackAccess.output_layers`), so the page shows the numbers of the
  GeoPackage: the long table ``area_values`` for areas (every group) and the ``grid_<profile>``
  layers for the grid (everyone), as one long Parquet table ``values.parquet``
  (``layer, id, profile, group, category, measure, value, population``; the measure ``noacc``
  is the share with no access). Polygons go to GeoJSON in WGS84 for the map.
* **compare** (:func:`compare_work`): :func:`jamlik.scenarios.compare.compare_scenario` and
  :func:`jamlik.ska.assess.assess_scenario` with the options of ``jamlik scenario compare``
  (profiles adult, child, senior), their tables as Parquet, the SKA matrix in both languages.
* **transit** (:func:`transit_work`): :func:`jamlik.runs.transit_access.compute_transit_access`
  for a weekday, hours 6-23, as ``jamlik access --mode transit --day-type weekday`` (the long
  table ``summary``, per area and the whole pack), for packs with a timetable. The date is the
  one asked for, else the first Tuesday on or after the earliest start of the feeds' calendars
  (:func:`default_transit_date`).
* **basemap**: the pack's OSM drawn as tiles (:mod:`jamlik.web.basemap`).

Without a pack the app shows the generated sample town and its sample plan
(:mod:`jamlik.datasets`), written once into the cache. A pack's plans are the ``*.toml`` files
of its folder ``scenarios/``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from jamlik.i18n import t
from jamlik.ingest import Pack, load_pack, read_osm
from jamlik.ingest.pack import pack_files
from jamlik.runs.access import AccessOptions, compute_pack_access
from jamlik.runs.access_layers import measure_codes
from jamlik.runs.transit_access import TransitAccessOptions, compute_transit_access
from jamlik.storage import sources_table
from jamlik.web.basemap import build_basemap
from jamlik.web.jobs import Progress, cache_key

__all__ = [
    "ACCESS_OPTIONS",
    "COMPARE_OPTIONS",
    "PackSource",
    "access_work",
    "basemap_work",
    "compare_work",
    "default_transit_date",
    "transit_work",
]

#: The options of ``jamlik access`` (its defaults) and ``jamlik scenario compare``.
ACCESS_OPTIONS = AccessOptions()
COMPARE_OPTIONS = AccessOptions(profiles=("adult", "child", "senior"))
#: Options of the transit view besides the date: ``--day-type weekday --hours 6-23`` and the
#: CLI's other defaults (origins clustered in 250 m cells).
TRANSIT_OPTIONS: dict[str, Any] = {
    "day_types": ("weekday",),
    "hours": tuple(range(6, 24)),
    "origin_cell_m": 250.0,
}
#: Size and seed of the sample town (those of ``jamlik demo``).
SAMPLE_NODES, SAMPLE_SEED = 2500, 7
_TRANSIT_KINDS = ("transit_lines", "headway_changes", "closed_stops")
_SIMPLIFY_M = 2.0
_DECIMALS = 6  # degrees: about 0.1 m
_sample_lock = threading.Lock()


class PackSource:
    """The pack the pages show and its plans; the sample town when ``pack`` is ``None``."""

    def __init__(self, pack: Path | None, cache_dir: Path) -> None:
        self._given = pack
        self._cache_dir = Path(cache_dir)

    @property
    def path(self) -> Path:
        """Return the pack's ``pack.toml`` (or folder); writes the sample town on first use."""
        if self._given is not None:
            return self._given
        folder = self._cache_dir / f"sample-town-{SAMPLE_NODES}-{SAMPLE_SEED}"
        with _sample_lock:
            if not (folder / "plan.toml").is_file():
                _write_sample(folder)
        return folder / "pack.toml"

    def folder(self) -> Path:
        """Return the folder that holds the pack."""
        path = self.path
        return path if path.is_dir() else path.parent

    def scenarios(self) -> list[Path]:
        """Return the plans offered for comparison, sorted by name."""
        if self._given is None:
            return [self.folder() / "plan.toml"]
        return sorted((self.folder() / "scenarios").glob("*.toml"))

    def load(self) -> Pack:
        """Load the pack (cheap: tables are read when first used)."""
        return load_pack(self.path)

    def key(self, kind: str, **options: Any) -> str:
        """Return the cache key of ``kind`` over the pack's files and ``options``."""
        files = [Path(p) for p in pack_files(self.path)]
        files = [p for p in files if p.exists()]
        return cache_key(kind, files, options)


def _write_sample(folder: Path) -> None:
    """Write the sample town and its plan into ``folder`` (via a temporary folder)."""
    import shutil

    from jamlik.datasets import generate_town, write_town_pack, write_town_scenario

    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    town = generate_town(n_nodes=SAMPLE_NODES, seed=SAMPLE_SEED)
    write_town_pack(town, partial)
    write_town_scenario(town, partial / "plan.toml")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)


def _geojson(frame: gpd.GeoDataFrame, id_column: str, target: Path) -> None:
    """Write polygons as GeoJSON in WGS84 (ids as ``id``), simplified to a couple of metres."""
    shapes = frame[[id_column, *[c for c in ("name",) if c in frame], "geometry"]].copy()
    shapes = shapes.rename(columns={id_column: "id"})
    shapes["id"] = shapes["id"].astype(str)
    shapes["geometry"] = shapes.geometry.simplify(_SIMPLIFY_M, preserve_topology=True)
    wgs84 = shapes.to_crs("EPSG:4326")
    wgs84["geometry"] = wgs84.geometry.set_precision(10.0**-_DECIMALS)
    target.write_text(wgs84.to_json(drop_id=True), encoding="utf-8")


def _long_from_wide(layer: pd.DataFrame, *, profile: str, codes: tuple[str, ...]) -> pd.DataFrame:
    """Melt a ``grid_<profile>`` layer into ``id, profile, group, category, measure, …``."""
    measures = (*codes, "noacc")
    columns = [c for c in layer.columns if c.rsplit("_", 1)[-1] in measures]
    long = layer[["cell_id", "population", *columns]].melt(
        id_vars=["cell_id", "population"], var_name="column", value_name="value"
    )
    split = long["column"].str.rsplit("_", n=1, expand=True)
    return pd.DataFrame(
        {
            "layer": "grid",
            "id": long["cell_id"].astype(str),
            "profile": profile,
            "group": "pop_total",
            "category": split[0],
            "measure": split[1],
            "value": long["value"].astype(np.float64),
            "population": long["population"].astype(np.float64),
        }
    )


def _long_areas(area_values: pd.DataFrame, *, codes: tuple[str, ...]) -> pd.DataFrame:
    """Return the ``area_values`` table as ``layer, id, …`` rows, ``noacc`` rows added."""
    base = area_values.rename(columns={"area_id": "id"})
    base = base.assign(layer="areas", id=base["id"].astype(str))
    noacc = base[base["measure"] == codes[0]].assign(measure="noacc", value=base["no_access_share"])
    both = pd.concat([base, noacc], ignore_index=True)
    columns = ["layer", "id", "profile", "group", "category", "measure", "value", "population"]
    return both[columns].astype(dict.fromkeys(columns[:6], str))


def access_work(source: PackSource) -> Any:
    """Return the job that computes access for the pack as ``jamlik access`` does."""

    def work(folder: Path, progress: Progress) -> None:
        pack = source.load()
        result = compute_pack_access(pack, options=ACCESS_OPTIONS, progress=progress)
        layers, _ = result.output_layers(sources_table(pack.sources))
        codes = measure_codes(result.threshold_min)
        parts = [_long_areas(layers["area_values"], codes=codes)]
        for prof in result.profiles:
            if f"grid_{prof}" in layers:
                parts.append(_long_from_wide(layers[f"grid_{prof}"], profile=prof, codes=codes))
        values = pd.concat(parts, ignore_index=True)
        values = values[values["id"] != "*"].reset_index(drop=True)
        values.to_parquet(folder / "values.parquet", index=False)
        wholes = layers["area_values"][layers["area_values"]["area_id"] == "*"]
        wholes.astype({"profile": str, "group": str, "category": str, "measure": str}).to_parquet(
            folder / "whole.parquet", index=False
        )
        if result.areas is not None:
            _geojson(result.areas, "area_id", folder / "areas.geojson")
        if result.grid is not None:
            _geojson(result.grid, "cell_id", folder / "grid.geojson")
        meta = {
            "pack": pack.name,
            "title": pack.title,
            "profiles": list(result.profiles),
            "groups": ["pop_total", *pack.groups],
            "categories": sorted(values["category"].unique().tolist()),
            "measures": [*codes, "noacc"],
            "threshold_min": result.threshold_min,
            "grid_m": ACCESS_OPTIONS.grid_m,
            "layers": [k for k in ("areas", "grid") if (folder / f"{k}.geojson").exists()],
            "notes": list(result.notes),
            "sources": [s.model_dump() for s in pack.sources],
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    return work


def compare_work(source: PackSource, scenario: Path) -> Any:
    """Return the job that compares ``scenario`` with today as ``jamlik scenario compare``."""

    def work(folder: Path, progress: Progress) -> None:
        from jamlik.ingest.scenario import load_scenario
        from jamlik.scenarios.compare import compare_scenario
        from jamlik.ska.assess import assess_scenario
        from jamlik.ska.matrix import load_ska_rules

        pack = source.load()
        plan = load_scenario(scenario)
        rules = load_ska_rules()
        # The comparison counts walking and cycling so far: a plan's public-transport changes
        # are left out of it, and the notes say so (``jamlik scenario compare`` refuses them).
        transit = [k for k in _TRANSIT_KINDS if getattr(plan, k)]
        measured = plan.model_copy(update=dict.fromkeys(transit, [])) if transit else plan
        comparison = compare_scenario(pack, measured, options=COMPARE_OPTIONS, progress=progress)
        left_out = [t("web_analyst.transit_left_out", name=plan.scenario.name)] if transit else []
        comparison.area_change.to_parquet(folder / "area_change.parquet", index=False)
        comparison.winners.to_parquet(folder / "winners.parquet", index=False)
        if not comparison.gaps.empty:
            comparison.gaps.to_parquet(folder / "gaps.parquet", index=False)
        level: dict[str, Any] = {}
        for language in ("sv", "en"):
            assessment = assess_scenario(comparison, pack, rules=rules, language=language)
            assessment.matrix.cells.to_parquet(folder / f"ska_{language}.parquet", index=False)
            level[language] = list(assessment.complexity)
        meta = {
            "scenario": plan.scenario.model_dump(mode="json"),
            "complexity": level,
            "vulnerable_areas": list(comparison.vulnerable_areas),
            "notes": left_out + list(comparison.notes),
            "profiles": list(COMPARE_OPTIONS.profiles),
            "rules": rules.model_dump(mode="json"),
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    return work


def basemap_work(source: PackSource) -> Any:
    """Return the job that draws the pack's OSM extract as base-map features."""

    def work(folder: Path, progress: Progress) -> None:
        pack = source.load()
        progress("osm", 0, 1)
        if pack.osm_path is not None:
            build_basemap(read_osm(pack.osm_path), folder / "basemap.parquet")
        progress("osm", 1, 1)

    return work


def default_transit_date(paths: list[Path]) -> dt.date | None:
    """Return the Tuesday, Wednesday or Thursday on which the feeds run the most trips.

    Trips per date come from ``trips.txt`` and the service calendars (``calendar.txt`` days of
    the week between ``start_date`` and ``end_date``, then ``calendar_dates.txt`` additions and
    removals); the earliest of equally busy days wins. Mid-week, as is usual for accessibility
    studies (a Monday may follow a holiday, a Friday has its own timetable); ``None`` when no
    such day has a trip.
    """
    per_date: dict[dt.date, int] = {}
    for path in paths:
        with zipfile.ZipFile(path) as feed:
            names = set(feed.namelist())
            trips = _read(feed, "trips.txt", ["service_id"])["service_id"].value_counts()
            active: set[tuple[str, dt.date]] = set()
            if "calendar.txt" in names:
                days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                        "sunday"]  # fmt: skip
                calendar = _read(feed, "calendar.txt", ["service_id", *days, "start_date",
                                                        "end_date"])  # fmt: skip
                for row in calendar.itertuples(index=False):
                    runs = [getattr(row, d).strip() == "1" for d in days]
                    for date in pd.date_range(_day(row.start_date), _day(row.end_date)).date:
                        if runs[date.weekday()]:
                            active.add((row.service_id, date))
            if "calendar_dates.txt" in names:
                changes = _read(feed, "calendar_dates.txt", ["service_id", "date",
                                                             "exception_type"])  # fmt: skip
                for row in changes.itertuples(index=False):
                    entry = (row.service_id, _day(row.date))
                    if row.exception_type.strip() == "1":
                        active.add(entry)
                    else:
                        active.discard(entry)
            for service, date in active:
                if date.weekday() in (1, 2, 3):
                    per_date[date] = per_date.get(date, 0) + int(trips.get(service, 0))
    busy = [(-n, date) for date, n in per_date.items() if n > 0]
    return min(busy)[1] if busy else None


def _read(feed: zipfile.ZipFile, name: str, columns: list[str]) -> pd.DataFrame:
    with feed.open(name) as handle:
        table = pd.read_csv(handle, dtype=str, usecols=columns, skipinitialspace=True)
    return table.fillna("")


def _day(text: str) -> dt.date:
    return dt.datetime.strptime(text.strip(), "%Y%m%d").date()


def transit_work(source: PackSource, date: dt.date) -> Any:
    """Return the job that computes transit access by hour for a weekday (``date``'s week)."""

    def work(folder: Path, progress: Progress) -> None:
        pack = source.load()
        options = TransitAccessOptions(date=date, **TRANSIT_OPTIONS)
        result = compute_transit_access(pack, options=options, progress=progress)
        summary = result.summary.copy()
        summary["area_id"] = summary["area_id"].astype(str)
        summary["date"] = summary["date"].astype(str)
        summary.to_parquet(folder / "summary.parquet", index=False)
        indicators = summary["indicator"].drop_duplicates()
        meta = {
            "date": str(result.dates.get("weekday", date)),
            "hours": list(options.hours),
            "cutoffs_min": list(options.cutoffs_min),
            "categories": sorted(
                {i.split("_nearest_")[0] for i in indicators if "_nearest_" in i}
            ),  # fmt: skip
            "groups": list(dict.fromkeys(summary["group"].astype(str))),
            "notes": list(result.notes),
        }
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    return work
