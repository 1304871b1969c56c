"""Check a scenario against the pack it changes: every problem, each naming its entry and line.

The scenario file is already valid on its own (:func:`jamlik.ingest.scenario.load_scenario`:
types, ranges, the ``based_on`` chain). Here it meets the pack:

* every geometry lies inside the pack (its areas, else its OSM extract), after transformation
  from the entry's CRS to the pack's; a point in degrees given as metres, or swapped axes, lands
  far outside and is reported as such;
* ``area_id`` of homes names an area of the pack; homes without one lie inside an area;
* service categories exist in the pack's categories;
* each end of a new link lies within :data:`MAX_LINK_SNAP_M` (50 m) of a street node of every
  mode of the link; closed OSM ways exist in the street network;
* routes with new headways and closed stops exist in the pack's feeds.

Problems are :class:`~jamlik.errors.Problem` rows with the scenario file, the line of the entry
and the key, so ``jamlik scenario check`` can list all of them at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyproj
import shapely
from pydantic import BaseModel
from scipy.spatial import cKDTree

from jamlik.errors import CRSError, JamlikError, Problem, ProblemWarning
from jamlik.i18n import format_number, t
from jamlik.ingest import OSMData, Pack, load_categories
from jamlik.ingest.crs_checks import check_coordinates
from jamlik.ingest.gtfs_tables import read_feed_files
from jamlik.ingest.scenario import (
    ClosedStops,
    HeadwayChange,
    Homes,
    Link,
    LinkMode,
    Scenario,
    Service,
    StreetClosure,
    entries,
    entry_crs,
    entry_geometry,
    entry_lines,
)

__all__ = ["MAX_LINK_SNAP_M", "check_scenario"]

#: A new link's ends join the nearest street node; farther than this is an error.
MAX_LINK_SNAP_M = 50.0


class _Reporter:
    """Collects problems with the file and the line of each entry."""

    def __init__(self, scenario: Scenario) -> None:
        self.file = scenario.source or scenario.scenario.name
        text = Path(scenario.source).read_text(encoding="utf-8") if scenario.source else ""
        self.lines = entry_lines(text)
        self.problems: list[Problem] = []

    def add(self, kind: str, index: int, entry: BaseModel, message: str, *, key: str) -> None:
        name = getattr(entry, "name", "") or f"#{index + 1}"
        line = self.lines.get((kind, index))
        self.problems.append(Problem(self.file, f"[[{kind}]] {name!r}: {message}", line, key))

    def warn(self, kind: str, index: int, entry: BaseModel, message: str, *, key: str) -> None:
        name = getattr(entry, "name", "") or f"#{index + 1}"
        line = self.lines.get((kind, index))
        self.problems.append(
            ProblemWarning(self.file, f"[[{kind}]] {name!r}: {message}", line, key)
        )


def _osm_reader(pack: Pack) -> Callable[[], OSMData]:
    """Read the pack's extract at most once, and only if a check needs it."""
    from jamlik.ingest import read_osm

    assert pack.osm_path is not None
    path = pack.osm_path
    return functools.cache(lambda: read_osm(path))


def _pack_extent(pack: Pack, osm: Callable[[], OSMData] | None) -> shapely.Geometry | None:
    if pack.has_areas:
        return shapely.union_all(pack.areas().geometry.to_numpy())
    if osm is not None:
        data = osm()
        lon = np.concatenate([data.node_lon, data.way_lon])
        lat = np.concatenate([data.node_lat, data.way_lat])
        if lon.size:
            box = shapely.box(lon.min(), lat.min(), lon.max(), lat.max())
            to = pyproj.Transformer.from_crs("EPSG:4326", pack.crs, always_xy=True)
            return shapely.transform(box, lambda xy: np.column_stack(to.transform(*xy.T)))
    return None


def _geometries(
    scenario: Scenario, pack: Pack, report: _Reporter
) -> list[tuple[str, int, BaseModel, shapely.Geometry]]:
    placed = []
    crs = pack.crs.to_string()
    for kind, index, entry in entries(scenario):
        has_geometry = any(
            getattr(entry, attr, None) is not None for attr in ("point", "polygon", "coordinates")
        )
        if not has_geometry or kind == "transit_lines":
            continue
        # Says why (degrees as metres, swapped axes, 0,0); "outside the pack" follows too.
        _check_coordinates(scenario, kind, index, entry, pack, report)
        try:
            placed.append((kind, index, entry, entry_geometry(scenario, entry, crs=crs)))
        except CRSError as exc:
            report.add(kind, index, entry, str(exc), key="crs")
    return placed


def _check_coordinates(
    scenario: Scenario, kind: str, index: int, entry: BaseModel, pack: Pack, report: _Reporter
) -> None:
    """Check the entry's raw coordinates against its CRS's (and the pack's) area of use."""
    raw = [getattr(entry, "point", None)] if getattr(entry, "point", None) is not None else None
    raw = raw or getattr(entry, "polygon", None) or getattr(entry, "coordinates", None) or []
    try:
        crs = pyproj.CRS.from_user_input(entry_crs(scenario, entry))
    except pyproj.exceptions.CRSError:
        return  # reported by entry_geometry, with the fix
    xy = np.asarray(raw, dtype=float).reshape(-1, 2)
    found = check_coordinates(xy[:, 0], xy[:, 1], crs=crs, label=report.file, pack_crs=pack.crs)
    for problem in found:
        say = report.warn if isinstance(problem, ProblemWarning) else report.add
        say(kind, index, entry, problem.message, key="crs")


def _check_inside(
    placed: Iterable[tuple[str, int, BaseModel, shapely.Geometry]],
    extent: shapely.Geometry | None,
    report: _Reporter,
) -> None:
    if extent is None:
        return
    reach = extent.buffer(500.0)
    for kind, index, entry, geom in placed:
        if not shapely.intersects(reach, geom):
            far = shapely.distance(extent, geom)
            report.add(
                kind,
                index,
                entry,
                t("scenario_check.outside_pack", km=format_number(far / 1000, 1)),
                key="point/polygon/coordinates",
            )


def _check_areas(
    scenario: Scenario,
    pack: Pack,
    placed: list[tuple[str, int, BaseModel, shapely.Geometry]],
    report: _Reporter,
) -> None:
    if not pack.has_areas:
        return
    areas = pack.areas()
    known = set(areas.index.astype(str))
    for kind, index, entry, geom in placed:
        if not isinstance(entry, Homes) and kind != "removed_homes":
            continue
        area_id = getattr(entry, "area_id", None)
        if area_id is not None and area_id not in known:
            message = t("scenario_check.unknown_area", id=area_id)
            report.add(kind, index, entry, message, key="area_id")
        elif area_id is None and not areas.geometry.intersects(geom).any():
            report.add(kind, index, entry, t("scenario_check.in_no_area"), key="point/polygon")


def _check_categories(scenario: Scenario, pack: Pack, report: _Reporter) -> None:
    known = set(load_categories(pack.categories_path))
    layers = pack.opportunity_layers()
    if layers is not None and "category" in layers:
        known |= set(layers["category"].astype(str))
    for kind, index, entry in entries(scenario):
        category = getattr(entry, "category", None)
        if category is not None and category not in known:
            close = ", ".join(sorted(known)[:20])
            message = t("scenario_check.unknown_category", category=category, known=close)
            report.add(kind, index, entry, message, key="category")


def _check_streets(
    scenario: Scenario,
    pack: Pack,
    placed: list[tuple[str, int, BaseModel, shapely.Geometry]],
    report: _Reporter,
    osm: Callable[[], OSMData] | None,
) -> None:
    links = [(k, i, e, g) for k, i, e, g in placed if isinstance(e, Link)]
    closures = [(k, i, e) for k, i, e in entries(scenario) if isinstance(e, StreetClosure)]
    link_modes: set[LinkMode] = {m for _, _, e, _ in links for m in e.modes}
    if not links and not closures:
        return
    if osm is None:
        for kind, index, entry, _ in links:
            report.add(kind, index, entry, "the pack has no OSM streets to join", key="coordinates")
        return
    from jamlik.networks import build_street_network

    data = osm()
    crs = pack.crs.to_string()
    modes: set[LinkMode] = link_modes | ({"walk"} if closures else set())
    networks = {mode: build_street_network(data, mode=mode, crs=crs) for mode in sorted(modes)}
    for kind, index, link, geom in links:
        ends = np.array([geom.coords[0], geom.coords[-1]])
        for mode in link.modes:
            net = networks[mode]
            distance, _ = cKDTree(np.column_stack([net.node_x, net.node_y])).query(ends)
            for which, d in zip(("first", "last"), distance, strict=True):
                if d > MAX_LINK_SNAP_M:
                    report.add(
                        kind,
                        index,
                        link,
                        t(
                            f"scenario_check.link_{which}_far",
                            m=format_number(d),
                            mode=mode,
                            limit=format_number(MAX_LINK_SNAP_M),
                        ),
                        key="coordinates",
                    )
    ways = set(networks["walk"].street_osm_way_id.tolist()) if closures else set()
    for kind, index, closure in closures:
        missing = [w for w in closure.osm_way_ids or [] if w not in ways]
        if missing:
            report.add(
                kind,
                index,
                closure,
                t("scenario_check.ways_not_streets", ways=missing),
                key="osm_way_ids",
            )


def _check_feeds(scenario: Scenario, pack: Pack, report: _Reporter) -> None:
    changes = [
        (k, i, e) for k, i, e in entries(scenario) if isinstance(e, HeadwayChange | ClosedStops)
    ]
    if not changes:
        return
    if not pack.gtfs_paths:
        for kind, index, entry in changes:
            report.add(kind, index, entry, "the pack has no GTFS feed to change", key="route_id")
        return
    routes: set[str] = set()
    stops: set[str] = set()
    several = len(pack.gtfs_paths) > 1
    for path in pack.gtfs_paths:
        tables = read_feed_files(path).tables
        tag = f"{path.stem}:" if several else ""
        for table, column, into in (
            ("routes.txt", "route_id", routes),
            ("stops.txt", "stop_id", stops),
        ):
            frame = tables.get(table)
            if frame is not None and column in frame:
                into |= {tag + v.strip() for v in frame[column]}
    for kind, index, entry in changes:
        if isinstance(entry, HeadwayChange) and entry.route_id not in routes:
            message = t("scenario_check.unknown_route", route=entry.route_id)
            report.add(kind, index, entry, message, key="route_id")
        if isinstance(entry, ClosedStops):
            missing = [s for s in entry.stop_ids if s not in stops]
            if missing:
                message = t("scenario_check.unknown_stops", stops=missing[:5])
                report.add(kind, index, entry, message, key="stop_ids")


def check_scenario(scenario: Scenario, pack: Pack) -> list[Problem]:
    """Every problem of ``scenario`` against ``pack`` (empty when it can be applied).

    Warnings (:class:`~jamlik.errors.ProblemWarning`) do not stop a run; errors do.
    """
    report = _Reporter(scenario)
    try:
        osm = _osm_reader(pack) if pack.osm_path is not None else None
        placed = _geometries(scenario, pack, report)
        _check_inside(placed, _pack_extent(pack, osm), report)
        _check_areas(scenario, pack, placed, report)
        _check_categories(scenario, pack, report)
        _check_streets(scenario, pack, placed, report, osm)
        _check_feeds(scenario, pack, report)
    except JamlikError as exc:
        report.problems.append(Problem(report.file, t("scenario_check.cannot_check", error=exc)))
    for kind, index, entry in entries(scenario):
        if isinstance(entry, Service) and entry.category == "park" and entry.polygon is None:
            report.warn(kind, index, entry, t("scenario_check.park_needs_polygon"), key="point")
    return report.problems
