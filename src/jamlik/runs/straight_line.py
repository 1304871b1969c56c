r"""The honest fallback without streets: access and SDG 11.2.1 along straight lines × a detour.

Where a pack has areas, population and opportunity points but no OSM extract (``packs/gr`` with
its 3,183 Västtrafik stops, ``packs/kungalv``), ``jamlik access`` and ``jamlik sdg-11-2-1`` run
on estimated walks instead of the street network:

* residents are spread over the populated part of their area (:mod:`jamlik.runs.spread`);
* the walk to a place is the straight line times the detour factor :math:`\delta` (1.3 by
  default; :mod:`jamlik.indicators.access.straight_line` gives the formula and the citations),
  walked at the profile's speed;
* every output says so: layers and tables end in ``_approx`` and carry the columns ``method``
  (``straight_line``) and ``detour_factor``, and the notes and the console say "approximation".
  Network and straight-line results are never mixed in one output.

Barriers (rivers, motorways, railways) that streets go around are invisible to a straight line,
and so are missing footpaths; the benchmark ``benchmarks/approximate_bench.py`` shows how far
off the approximation is on packs with both streets and stops.

Without GTFS timetables, stops are places on a map only: which stops are served on a day, by
which mode (the SDG's high-capacity rule), how often (frequency bands) and the hour-by-hour
transit access all need a feed; the run says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from jamlik.config import TravelProfile, profile
from jamlik.errors import DataError, about_parameter
from jamlik.geo import project
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import ALL_AREAS
from jamlik.indicators.access.straight_line import DEFAULT_DETOUR_FACTOR, straight_line_measures
from jamlik.ingest import OSMData, Pack, extract_pois, read_osm
from jamlik.runs.access import AccessOptions, PackAccess, Progress, assemble_pack_access
from jamlik.runs.access_layers import CategoryColumns
from jamlik.runs.spread import DEFAULT_SPACING_M, spread_residents

__all__ = [
    "StraightLineSDG",
    "straight_line_access",
    "straight_line_sdg",
]

log = logging.getLogger(__name__)
#: Points along the boundary of a place with an extent (a park), metres apart.
BOUNDARY_STEP_M = 25.0


def _fmt(value: float) -> str:
    return f"{value:g}".replace(".", "p")


def straight_line_access(
    pack: Pack,
    *,
    options: AccessOptions | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    spacing_m: float = DEFAULT_SPACING_M,
    progress: Progress | None = None,
) -> PackAccess:
    """Compute access for every resident along straight lines × ``detour_factor``.

    The measures, profiles, categories, areas, grid and groups are those of
    :func:`jamlik.runs.access.compute_pack_access`; the result has ``method ==
    "straight_line"``, so its outputs are named ``*_approx`` (rules in the module docstring).

    Parameters
    ----------
    pack
        A pack with areas and statistics (or cells) and opportunities (its own layers, and the
        OSM places when it has an extract).
    options
        As for the network run; ``max_snap_m`` does not apply.
    detour_factor
        Estimated walk as a multiple of the straight line (1 or more).
    spacing_m
        Lattice spacing for spreading residents over their areas.
    progress
        Called as ``progress(step_label, done, total)``.

    Raises
    ------
    DataError
        No population, no opportunities of the requested categories, a detour below 1.
    """
    opts = options or AccessOptions()
    if not detour_factor >= 1.0:
        raise DataError(t("approximate.bad_detour", value=detour_factor))
    profiles = [_profile(name) for name in opts.profiles]
    total = 2 + len(profiles)

    def step(label: str, done: int) -> None:
        log.info("%s", label)
        if progress is not None:
            progress(label, done, total)

    step(t("approximate.step_residents"), 0)
    osm = read_osm(pack.osm_path) if pack.osm_path is not None else None
    spread = spread_residents(pack, year=opts.year, spacing_m=spacing_m, osm=osm)
    notes = [t("approximate.note_method", detour=f"{detour_factor:g}"), *spread.notes]
    if any(p.mode == "bike" for p in profiles):
        notes.append(t("approximate.note_bike", detour=f"{detour_factor:g}"))
    if any(p.steps == "forbid" and p.mode == "walk" for p in profiles):
        notes.append(t("approximate.note_wheelchair"))

    step(t("access.step_opportunities"), 1)
    opportunities = _opportunities(pack, osm, opts)
    del osm
    if opportunities.empty:
        raise DataError(t("runs.straight_no_requested_opportunities", name=pack.name))
    categories = sorted(set(opportunities["category"]))
    if "transit_stop" in categories and not pack.gtfs_paths:
        notes.append(t("approximate.note_stops_without_gtfs"))
    px, py, owner = _place_points(opportunities.geometry)
    weight = opportunities["weight"].to_numpy(dtype=np.float64)
    category_of = opportunities["category"].to_numpy()

    nodes = np.unique(spread.residents.table["node"].to_numpy())
    origin_xy = np.column_stack([spread.x[nodes], spread.y[nodes]])
    cutoffs_s = [60.0 * c for c in opts.cutoffs_min]
    beta = math.log(2) / (60.0 * opts.half_life_min)
    decay = f"exp_half{_fmt(opts.half_life_min)}min"
    standard = opts.cutoffs_min.index(opts.standard_min)
    blocks, names, main = [], [], []
    descriptions: dict[str, tuple[str, str]] = {}
    for i, prof in enumerate(profiles):
        step(t("access.step_profile", profile=prof.name), 2 + i)
        for category in categories:
            rows = np.flatnonzero(category_of == category)
            points = np.isin(owner, rows)
            renumber = np.full(len(opportunities), -1, dtype=np.int64)
            renumber[rows] = np.arange(rows.size)
            measures = straight_line_measures(
                origin_xy, np.column_stack([px[points], py[points]]), owner=renumber[owner[points]],
                weight=weight[rows], detour_factor=detour_factor, speed_m_s=prof.speed_m_s,
                k=opts.k, cutoffs_s=cutoffs_s, decay_beta=beta,
            )  # fmt: skip
            nearest = np.where(np.isinf(measures.nearest_s), np.nan, measures.nearest_s) / 60.0
            blocks.append(np.column_stack([nearest, measures.counts, measures.decayed]))
            own = [f"{category}_nearest_{r + 1}_min_{prof.name}" for r in range(opts.k)]
            own += [f"{category}_count_{_fmt(c)}min_{prof.name}" for c in opts.cutoffs_min]
            own.append(f"{category}_decay_{decay}_{prof.name}")
            for column in own:
                descriptions[column] = (
                    t("approximate.col_indicator", language="sv", column=column,
                      detour=f"{detour_factor:g}"),
                    t("approximate.col_indicator", language="en", column=column,
                      detour=f"{detour_factor:g}"),
                )  # fmt: skip
            main.append(CategoryColumns(prof.name, category, nearest=own[0],
                                        count=own[opts.k + standard], decay=own[-1]))  # fmt: skip
            names.extend(own)
    per_origin = pd.DataFrame(np.hstack(blocks), index=pd.Index(nodes, name="node"), columns=names)
    no_snap = {p.name: np.full(len(opportunities), np.nan) for p in profiles}
    result = assemble_pack_access(
        pack, (spread.x, spread.y), spread.residents, per_origin, main, opportunities, no_snap,
        descriptions, notes, opts, home_note=False,
    )  # fmt: skip
    return _as_approximation(result, detour_factor, opts)


def _as_approximation(result: PackAccess, detour_factor: float, opts: AccessOptions) -> PackAccess:
    """Mark the result as the approximation; the grid note speaks of points, not street nodes."""
    n_cells = 0 if result.grid is None else len(result.grid)
    network_note = t("access.note_grid", size=opts.grid_m, n=n_cells)
    own_note = t("approximate.note_grid", size=opts.grid_m, n=n_cells)
    notes = tuple(own_note if note == network_note else note for note in result.notes)
    return replace(result, method="straight_line", detour_factor=float(detour_factor), notes=notes)


def _profile(name: str) -> TravelProfile:
    try:
        return profile(name)
    except KeyError as exc:
        raise DataError(str(exc.args[0])) from None


def _opportunities(pack: Pack, osm: OSMData | None, opts: AccessOptions) -> gpd.GeoDataFrame:
    frames = []
    if osm is not None:
        pois = extract_pois(osm, crs=pack.crs.to_string(), categories=pack.categories_path)
        frames.append(pois[["category", "geometry"]].assign(weight=1.0, source="osm"))
    extra = pack.opportunity_layers()
    if extra is not None and not extra.empty:
        frames.append(
            extra[["category", "geometry"]].assign(
                weight=extra["count"].astype(float), source="pack"
            )
        )
    if not frames:
        raise DataError(t("runs.no_opportunities", name=pack.name))
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=pack.crs)  # fmt: skip
    if opts.categories is not None:
        unknown = sorted(set(opts.categories) - set(frame["category"]))
        if unknown:
            known = ", ".join(sorted(set(frame["category"])))
            message = t("runs.straight_unknown_categories", unknown=unknown, known=known)
            raise about_parameter("categories", DataError(message))
        frame = frame[frame["category"].isin(opts.categories)].reset_index(drop=True)
    return frame


def _place_points(
    geometry: gpd.GeoSeries,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points of each place: the point itself, or points along a polygon's boundary."""
    geoms = geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    shapes = geoms.copy()
    shapes[~is_point] = shapely.segmentize(shapely.boundary(geoms[~is_point]), BOUNDARY_STEP_M)
    coords, index = shapely.get_coordinates(shapes, return_index=True)
    return coords[:, 0], coords[:, 1], index.astype(np.int64)


# ----------------------------------------------------------------------------- SDG 11.2.1


@dataclass(frozen=True)
class StraightLineSDG:
    """Result of :func:`straight_line_sdg`.

    Attributes
    ----------
    groups
        One row per group (``pop_total`` first): ``population`` and ``share_within_<d>m`` for
        every distance ``d`` (straight line × detour), plus ``share_convenient`` (the UN rule
        with every stop counted as low-capacity, 500 m) when no timetable tells the modes.
    areas
        Long table ``area_id, group, population`` and the shares (``*`` is the whole pack).
    stops
        The stops used: ``stop_id``, ``x``, ``y`` (pack CRS).
    distances_m, detour_factor
        The distances and the detour factor.
    notes
        What the approximation assumes and which questions need GTFS.
    origins
        One row per resident point: ``node``, ``x``, ``y``, ``distance_m`` (straight × detour
        to the nearest stop).
    """

    groups: pd.DataFrame
    areas: pd.DataFrame
    stops: pd.DataFrame
    distances_m: tuple[float, ...]
    detour_factor: float
    notes: tuple[str, ...] = field(default=())
    origins: pd.DataFrame | None = None

    def summary(self) -> Mapping[str, object]:
        """Return a JSON-ready summary (method, detour, distances, shares, notes)."""
        return {
            "indicator": "SDG 11.2.1 (approximation)",
            "method": "straight_line",
            "detour_factor": self.detour_factor,
            "distances_m": list(self.distances_m),
            "groups": self.groups.reset_index().to_dict(orient="records"),
            "notes": list(self.notes),
        }


def straight_line_sdg(
    pack: Pack,
    *,
    distances_m: Sequence[float] = (400.0, 800.0),
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    spacing_m: float = DEFAULT_SPACING_M,
    stop_category: str = "transit_stop",
    year: int | None = None,
    date: dt.date | None = None,
) -> StraightLineSDG:
    """Share of residents within ``distances_m`` (straight line × detour) of a stop.

    Stops are the pack's GTFS stops when it has feeds, else its opportunities of
    ``stop_category`` (``packs/gr``: the Västtrafik stop areas). The UN rule's 500 m to any
    stop is added as ``share_convenient`` (every stop counted as low-capacity: telling
    high-capacity stops and frequent service apart needs a timetable; a note says so).

    Raises
    ------
    DataError
        No stops, no population, a detour below 1 or a distance that is not positive.
    """
    if not detour_factor >= 1.0:
        raise DataError(t("approximate.bad_detour", value=detour_factor))
    if not distances_m or min(distances_m) <= 0:
        raise DataError(t("runs.distances_positive", value=list(distances_m)))
    stops, stop_notes = _stops(pack, stop_category, date)
    spread = spread_residents(pack, year=year, spacing_m=spacing_m, use_buildings=True)
    notes = [t("approximate.note_method", detour=f"{detour_factor:g}"), *spread.notes, *stop_notes]
    nodes = np.unique(spread.residents.table["node"].to_numpy())
    thresholds = sorted({float(d) for d in distances_m} | {500.0})
    if stops.empty:
        raise DataError(t("approximate.no_stops", pack=pack.name, category=stop_category))
    measures = straight_line_measures(
        np.column_stack([spread.x[nodes], spread.y[nodes]]),
        stops[["x", "y"]].to_numpy(dtype=np.float64),
        detour_factor=detour_factor,
        speed_m_s=1.0,  # costs in metres
        k=1,
        max_cost_s=max(thresholds),
    )
    distance = measures.nearest_s[:, 0]
    flags = pd.DataFrame(index=pd.Index(nodes, name="node"))
    for d in sorted({float(d) for d in distances_m}):
        flags[f"within_{d:g}m"] = distance <= d
    high = (stops["capacity"] == "high").to_numpy()
    if high.any():  # the UN rule: 500 m to any stop, or 1 km to a high-capacity one
        to_high = straight_line_measures(
            np.column_stack([spread.x[nodes], spread.y[nodes]]),
            stops.loc[high, ["x", "y"]].to_numpy(dtype=np.float64),
            detour_factor=detour_factor, speed_m_s=1.0, k=1, max_cost_s=1000.0,
        ).nearest_s[:, 0]  # fmt: skip
        flags["convenient"] = (distance <= 500.0) | (to_high <= 1000.0)
    else:
        flags["convenient"] = distance <= 500.0
    per_group, per_area = _shares(
        flags, spread.residents.table, ["pop_total", *spread.residents.groups]
    )
    origins = pd.DataFrame(
        {"node": nodes, "x": spread.x[nodes], "y": spread.y[nodes],
         "distance_m": np.where(np.isinf(distance), np.nan, distance)}
    )  # fmt: skip
    return StraightLineSDG(
        groups=per_group, areas=per_area, stops=stops,
        distances_m=tuple(float(d) for d in distances_m), detour_factor=float(detour_factor),
        notes=tuple(notes), origins=origins,
    )  # fmt: skip


def _stops(pack: Pack, category: str, date: dt.date | None) -> tuple[pd.DataFrame, list[str]]:
    """Return the stops: ``x``, ``y``, ``capacity`` (``low``, ``high``; else ``unknown``)."""
    if pack.gtfs_paths:
        if date is None:
            raise DataError(t("approximate.need_date", pack=pack.name))
        from jamlik.indicators.access.transit_service import stop_service
        from jamlik.ingest.gtfs import read_gtfs

        feed = read_gtfs(pack.gtfs_paths, service_date=date)
        table = stop_service(feed, window=(6 * 3600, 20 * 3600), bands_min=())
        table = table[table["capacity"] != "none"]  # no departure on the date: not a stop today
        table["x"], table["y"] = project(table["lon"], table["lat"], pack.crs.to_string())
        out = table[["stop_id", "x", "y", "capacity"]].reset_index(drop=True)
        return out, [t("approximate.note_gtfs_stops", date=date.isoformat())]
    layers = pack.opportunity_layers()
    if layers is None or not (layers["category"] == category).any():
        raise DataError(t("approximate.no_stops", pack=pack.name, category=category))
    rows = layers[layers["category"] == category]
    xy = shapely.get_coordinates(shapely.centroid(rows.geometry.to_numpy()))
    table = pd.DataFrame({"stop_id": rows["id"].astype(str).to_numpy(), "x": xy[:, 0],
                          "y": xy[:, 1], "capacity": "unknown"})  # fmt: skip
    return table, [t("approximate.note_needs_gtfs")]


def _shares(
    flags: pd.DataFrame, residents: pd.DataFrame, groups: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``S_g = sum_i p_ig [flag_i] / sum_i p_ig`` per group, and per area and group."""
    columns = list(flags.columns)
    values = flags.reindex(residents["node"].to_numpy(), fill_value=False).to_numpy(float)
    area = residents["area_id"].astype(str).to_numpy()
    frames = []
    for group in groups:
        pop = residents[group].to_numpy(dtype=np.float64)
        part = pd.DataFrame(values * pop[:, None], columns=columns)
        part["population"] = pop
        part["area_id"] = area
        part["group"] = group
        frames.append(part)
    long = pd.concat(frames, ignore_index=True)
    sums = long.groupby(["area_id", "group"], sort=True)[[*columns, "population"]].sum()
    whole = long.groupby("group", sort=False)[[*columns, "population"]].sum()
    whole = whole.reindex(list(groups))

    def ratio(summed: pd.DataFrame) -> pd.DataFrame:
        pop = summed["population"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = summed[columns].to_numpy() / pop[:, None]
        out = pd.DataFrame(shares, index=summed.index, columns=[f"share_{c}" for c in columns])
        out.insert(0, "population", pop)
        return out

    per_group = ratio(whole)
    per_area = ratio(sums).reset_index()
    whole_rows = per_group.reset_index().assign(area_id=ALL_AREAS)
    per_area = pd.concat([whole_rows[per_area.columns], per_area], ignore_index=True)
    per_area.insert(0, "method", "straight_line")
    return per_group, per_area
