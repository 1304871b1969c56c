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
* **basemap**: the pack's OSM drawn as tiles (:mod:`jamlik.web.basemap`).

Without a pack the app shows the generated sample town and its sample plan
(:mod:`jamlik.datasets`), written once into the cache. A pack's plans are the ``*.toml`` files
of its folder ``scenarios/``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from jamlik.ingest import Pack, load_pack, read_osm
from jamlik.ingest.pack import pack_files
from jamlik.runs.access import AccessOptions, compute_pack_access
from jamlik.runs.access_layers import measure_codes
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
]

#: The options of ``jamlik access`` (its defaults) and ``jamlik scenario compare``.
ACCESS_OPTIONS = AccessOptions()
COMPARE_OPTIONS = AccessOptions(profiles=("adult", "child", "senior"))
#: Size and seed of the sample town (those of ``jamlik demo``).
SAMPLE_NODES, SAMPLE_SEED = 2500, 7
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
        comparison = compare_scenario(pack, plan, options=COMPARE_OPTIONS, progress=progress)
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
            "notes": list(comparison.notes),
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
