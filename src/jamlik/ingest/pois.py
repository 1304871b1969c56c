"""Destinations (POIs) and buildings from OpenStreetMap.

:func:`load_categories` reads the user-editable mapping of OSM tags to jamlik categories
(``categories.toml`` beside this module; its header explains the filter syntax) and validates
it. :func:`extract_pois` applies it to an OSM file and returns one row per (object, category);
:func:`extract_buildings` returns building polygons with their number of levels, for placing
population by floor area.

Geometry rules: tagged nodes are points; closed ways and multipolygon relations are polygons
(libosmium area assembly); for ``point`` categories a polygon becomes its representative point
(``shapely.point_on_surface``, always inside it) and a tagged way that is not closed becomes its
midpoint; ``area`` categories keep the polygons (and nodes as points) and skip unclosed ways.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from jamlik.errors import DataError, MissingFileError
from jamlik.geo import project_geometry
from jamlik.i18n import current_language, t
from jamlik.ingest.osm import OSMData, ensure_osm, resolve_crs

__all__ = [
    "DIMENSIONS",
    "RESIDENTIAL_BUILDINGS",
    "Category",
    "Condition",
    "categories_from_mapping",
    "column_descriptions",
    "extract_buildings",
    "extract_pois",
    "load_categories",
]

logger = logging.getLogger(__name__)

DIMENSIONS = (
    "housing",
    "recreation",
    "services",
    "transport",
    "participation",
    "meeting_places",
    "pathways",
)
RESIDENTIAL_BUILDINGS = frozenset(
    {
        "residential",
        "apartments",
        "house",
        "detached",
        "semidetached_house",
        "terrace",
        "dormitory",
        "bungalow",
        "cabin",
        "farm",
        "houseboat",
        "static_caravan",
    }
)
_FIELDS = {"dimension", "sv", "en", "geometry", "tags"}
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_CONDITION = re.compile(
    r"^(?P<key>[A-Za-z0-9_:.\-]+)"
    r"(?:(?P<op>!=|=)(?P<values>\*|[^|&=!]+(?:\|[^|&=!]+)*))?$"
)


@dataclass(frozen=True)
class Condition:
    """One tag condition: ``key`` has one of ``values`` (``None``: any value but ``no``)."""

    key: str
    values: frozenset[str] | None
    negate: bool = False

    def holds(self, tags: Mapping[str, str]) -> bool:
        """Whether the tags satisfy the condition."""
        value = tags.get(self.key)
        hit = value is not None and value != "no" if self.values is None else value in self.values
        return hit != self.negate


@dataclass(frozen=True)
class Category:
    """A destination category: what it is, how to find it in OSM and how to reach it."""

    key: str
    dimension: str
    label_sv: str
    label_en: str
    geometry: Literal["point", "area"]
    filters: tuple[tuple[Condition, ...], ...]
    tags: tuple[str, ...]

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Whether an object with these tags belongs to the category."""
        return any(all(c.holds(tags) for c in conds) for conds in self.filters)

    def label(self, language: str | None = None) -> str:
        """Label in ``language`` (default: ``JAMLIK_LANG``, else Swedish)."""
        return self.label_en if current_language(language) == "en" else self.label_sv

    @property
    def keys(self) -> frozenset[str]:
        """Tag keys that a match needs present (the positive conditions)."""
        return frozenset(c.key for conds in self.filters for c in conds if not c.negate)


def _parse_filter(text: str, where: str) -> tuple[Condition, ...]:
    conditions = []
    for part in text.split("&"):
        match = _CONDITION.match(part.strip())
        if match is None:
            raise DataError(
                t("ingest.pois.bad_filter", where=where, filter=text, part=part.strip())
            )
        raw = match.group("values")
        values = None if raw in (None, "*") else frozenset(v.strip() for v in raw.split("|"))
        conditions.append(Condition(match.group("key"), values, match.group("op") == "!="))
    if all(c.negate for c in conditions):
        raise DataError(t("ingest.pois.filter_all_negative", where=where, filter=text))
    return tuple(conditions)


def _category(key: str, spec: Any, source: str) -> Category:
    where = t("ingest.pois.where", source=source, key=key)
    fields = sorted(_FIELDS)
    if not _KEY.match(key):
        raise DataError(t("ingest.pois.bad_key", where=where))
    if not isinstance(spec, Mapping):
        raise DataError(t("ingest.pois.not_table", where=where, fields=fields))
    unknown = set(spec) - _FIELDS
    missing = _FIELDS - set(spec)
    if unknown:
        raise DataError(t("ingest.pois.unknown_fields", where=where, unknown=sorted(unknown),
                          fields=fields))  # fmt: skip
    if missing:
        raise DataError(t("ingest.pois.missing_fields", where=where, missing=sorted(missing)))
    if spec["dimension"] not in DIMENSIONS:
        raise DataError(
            t("ingest.pois.bad_dimension", where=where, dimension=spec["dimension"],
              allowed=", ".join(DIMENSIONS))
        )  # fmt: skip
    if spec["geometry"] not in ("point", "area"):
        raise DataError(t("ingest.pois.bad_geometry", where=where, geometry=spec["geometry"]))
    for lang in ("sv", "en"):
        if not isinstance(spec[lang], str) or not spec[lang].strip():
            raise DataError(t("ingest.pois.empty_label", where=where, field=lang))
    tags = spec["tags"]
    if isinstance(tags, str) or not isinstance(tags, list) or not tags:
        raise DataError(t("ingest.pois.bad_tags", where=where))
    filters = []
    for i, text in enumerate(tags):
        if not isinstance(text, str):
            raise DataError(t("ingest.pois.tag_not_text", where=where, i=i, value=text))
        filters.append(_parse_filter(text, f"{where}, tags[{i}]"))
    return Category(
        key=key,
        dimension=spec["dimension"],
        label_sv=spec["sv"],
        label_en=spec["en"],
        geometry=spec["geometry"],
        filters=tuple(filters),
        tags=tuple(tags),
    )


def load_categories(
    path: str | Path | None = None,
    overrides: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> dict[str, Category]:
    """Read and validate a categories file.

    Parameters
    ----------
    path
        A TOML file in the format of the bundled ``categories.toml``; ``None`` for the bundled
        one.
    overrides
        Changes applied before validation: ``{key: {field: value}}`` updates fields of an
        existing category or adds a new one (all fields then required); ``{key: None}`` removes
        a category.

    Returns
    -------
    dict
        ``{key: Category}`` in file order.

    Raises
    ------
    MissingFileError
        If ``path`` does not exist.
    DataError
        On a TOML syntax error, an unknown field or dimension, a bad tag filter; the message
        names the file and category.
    """
    if path is None:
        source = "categories.toml (bundled)"
        text = resources.files(__package__).joinpath("categories.toml").read_text("utf-8")
    else:
        p = Path(path)
        if not p.is_file():
            raise MissingFileError(t("ingest.pois.file_missing", path=str(p)))
        source = str(p)
        text = p.read_text(encoding="utf-8")
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(t("ingest.pois.not_toml", source=source, reason=exc)) from None
    return categories_from_mapping(raw, overrides=overrides, source=source)


def categories_from_mapping(
    raw: Mapping[str, Any],
    *,
    overrides: Mapping[str, Mapping[str, Any] | None] | None = None,
    source: str = "categories",
) -> dict[str, Category]:
    """Validate categories given as a mapping (the parsed TOML), with optional overrides."""
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v for k, v in raw.items()}
    for key, change in (overrides or {}).items():
        if change is None:
            merged.pop(key, None)
        elif isinstance(merged.get(key), dict):
            merged[key].update(change)
        else:
            merged[key] = dict(change)
    if not merged:
        raise DataError(t("ingest.pois.none_defined", source=source))
    return {key: _category(key, spec, source) for key, spec in merged.items()}


def _resolve_categories(
    categories: str | Path | Mapping[str, Any] | None,
) -> dict[str, Category]:
    if categories is None or isinstance(categories, str | Path):
        return load_categories(categories)
    if all(isinstance(v, Category) for v in categories.values()):
        return dict(categories)
    return categories_from_mapping(categories)


def extract_pois(
    osm: str | Path | OSMData,
    *,
    crs: str | None = None,
    categories: str | Path | Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Extract destinations of every category from an OSM file.

    Parameters
    ----------
    osm
        OSM file path or data read with :func:`jamlik.ingest.osm.read_osm`.
    crs
        Projected CRS of the output; ``None`` picks the UTM zone of the data.
    categories
        ``None`` (bundled file), a path to a categories TOML, a mapping as parsed from one, or
        the result of :func:`load_categories`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``category, dimension, name, osm_type, osm_id, opening_hours, geometry``; one
        row per object and matching category; ``osm_type`` is ``node``, ``way`` or
        ``relation``; ``name`` and ``opening_hours`` are ``None`` when untagged.
    """
    data = ensure_osm(osm)
    cats = _resolve_categories(categories)
    out_crs = resolve_crs(crs, data)
    by_key: dict[str, list[Category]] = {}
    for cat in cats.values():
        for key in cat.keys:
            by_key.setdefault(key, []).append(cat)
    needed = frozenset(by_key)
    rows: list[tuple[str, str, str | None, str, int, str | None]] = []
    kinds: list[int] = []  # 2 × source (0 node, 1 area, 2 way) + (category is area)
    refs: list[int] = []  # index in the OSMData arrays of that source
    area_ways = set(data.area_osm_id[data.area_osm_type == "way"].tolist())
    sources = (
        (0, "node", data.node_tags, data.node_id),
        (1, None, data.area_tags, data.area_osm_id),
        (2, "way", data.way_tags, data.way_id),
    )
    seen_ways: set[int] = set()
    for kind, osm_type, tag_list, ids in sources:
        for i, tags in enumerate(tag_list):
            present = needed.intersection(tags)
            if not present:
                continue
            oid = int(ids[i])
            if kind == 2 and (oid in area_ways or oid in seen_ways):
                continue
            candidates = {cat.key: cat for key in present for cat in by_key[key]}
            for cat in cats.values():
                if cat.key not in candidates or not cat.matches(tags):
                    continue
                if kind == 2 and cat.geometry == "area":
                    continue
                if kind == 2:
                    seen_ways.add(oid)
                otype = osm_type or str(data.area_osm_type[i])
                rows.append(
                    (
                        cat.key,
                        cat.dimension,
                        tags.get("name"),
                        otype,
                        oid,
                        tags.get("opening_hours"),
                    )
                )
                kinds.append(kind * 2 + (cat.geometry == "area"))
                refs.append(i)
    geoms = _poi_geometry(data, np.asarray(kinds, dtype=np.int64), np.asarray(refs, np.int64))
    frame = pd.DataFrame(
        rows, columns=["category", "dimension", "name", "osm_type", "osm_id", "opening_hours"]
    )
    frame["osm_id"] = frame["osm_id"].astype(np.int64)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))
    out = out.to_crs(out_crs) if len(out) else out.set_crs(out_crs, allow_override=True)
    logger.info(t("ingest.pois.found", source=data.source, n=len(out), categories=len(cats)))
    return out


def _poi_geometry(data: OSMData, kinds: npt.NDArray[np.int64], refs: npt.NDArray[np.int64]) -> Any:
    """Geometry (lon/lat) of each POI row: ``kinds`` = 2 × source + (category is area)."""
    geoms = np.empty(kinds.size, dtype=object)
    node = kinds // 2 == 0
    geoms[node] = shapely.points(data.node_lon[refs[node]], data.node_lat[refs[node]])
    area_point = kinds == 2
    geoms[area_point] = shapely.point_on_surface(data.area_geometry[refs[area_point]])
    area_poly = kinds == 3
    geoms[area_poly] = data.area_geometry[refs[area_poly]]
    way = kinds // 2 == 2
    if way.any():
        w = refs[way]
        lines = [
            shapely.linestrings(
                data.way_lon[data.way_indptr[j] : data.way_indptr[j + 1]],
                data.way_lat[data.way_indptr[j] : data.way_indptr[j + 1]],
            )
            for j in w
        ]
        geoms[way] = shapely.line_interpolate_point(np.asarray(lines), 0.5, normalized=True)
    return geoms


def _parse_levels(text: str | None) -> float:
    """``building:levels`` as a float: first number in the text, NaN when absent or invalid."""
    if not text:
        return math.nan
    match = re.search(r"\d+(?:[.,]\d+)?", text)
    if match is None:
        return math.nan
    value = float(match.group(0).replace(",", "."))
    return value if 0 < value < 300 else math.nan


def extract_buildings(osm: str | Path | OSMData, *, crs: str | None = None) -> gpd.GeoDataFrame:
    """Extract building polygons for placing population.

    Parameters
    ----------
    osm
        OSM file path or data read with :func:`jamlik.ingest.osm.read_osm`.
    crs
        Projected CRS of the output; ``None`` picks the UTM zone of the data.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_type, osm_id, building, levels, residential, geometry``. ``levels`` is
        ``building:levels`` as a float (NaN when unknown); ``residential`` is true when
        ``building`` is one of :data:`RESIDENTIAL_BUILDINGS` or ``building:use`` is
        ``residential``/``apartments`` (``building=yes`` alone is not residential). Only
        closed ways and multipolygons tagged ``building`` (not ``building=no``) are returned.
    """
    data = ensure_osm(osm)
    out_crs = resolve_crs(crs, data)
    idx = [i for i, tags in enumerate(data.area_tags) if tags.get("building", "no") != "no"]
    sel = np.asarray(idx, dtype=np.int64)
    tags_sel = [data.area_tags[i] for i in idx]
    building = [tags["building"] for tags in tags_sel]
    levels = np.asarray([_parse_levels(tags.get("building:levels")) for tags in tags_sel])
    residential = np.asarray(
        [
            tags["building"] in RESIDENTIAL_BUILDINGS
            or tags.get("building:use") in ("residential", "apartments")
            for tags in tags_sel
        ],
        dtype=bool,
    )
    geometry = project_geometry(data.area_geometry[sel], out_crs)
    return gpd.GeoDataFrame(
        {
            "osm_type": pd.Series(data.area_osm_type[sel], dtype=object),
            "osm_id": data.area_osm_id[sel],
            "building": pd.Series(building, dtype=object),
            "levels": levels.astype(np.float64),
            "residential": residential,
        },
        geometry=gpd.GeoSeries(geometry, crs=out_crs),
        crs=out_crs,
    )


def column_descriptions(
    layer: Literal["pois", "buildings", "streets"], *, language: str | None = None
) -> dict[str, str]:
    """Return ``{column: description}`` of an output layer, in the chosen language."""
    columns = {
        "pois": ("category", "dimension", "name", "osm_type", "osm_id", "opening_hours"),
        "buildings": ("osm_type", "osm_id", "building", "levels", "residential"),
        "streets": (
            "u",
            "v",
            "osm_way_id",
            "highway",
            "length_m",
            "forward",
            "backward",
            "steps",
            "across_area",
        ),
    }[layer]
    return {c: t(f"osm.column.{c}", language=language) for c in columns}
