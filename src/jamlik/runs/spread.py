"""Residents spread over their area, for analyses without a street network.

Without streets there are no nodes to put people on. Each area's residents (the total and every
group) are instead spread over points of the area's **populated part**:

* ``buildings``: the residential buildings inside the area (when the pack has an OSM extract),
  each a point on its surface weighted by floor area (footprint x storeys, 1 storey when
  unknown), as :func:`jamlik.networks.place_population` weighs them;
* ``lattice``: else the points of a square lattice inside the area polygon, evenly (centres of
  the squares, aligned on multiples of the spacing). The spacing is ``spacing_m`` (100 m), finer
  in a small area so that it holds about :data:`MIN_POINTS` points or more:
  ``s = min(spacing_m, sqrt(area / MIN_POINTS))``; an area without a lattice point inside gets
  its representative point. A point on an edge lies inside neither polygon and is not used.
  The whole polygon counts as populated: forests, fields and water inside a statistical area
  are included, so a rural area's residents sit farther from its village stops than they live
  (stated in the notes);
* ``cells``: population cells are points already and keep their people.

Residents are **fractions** here, ``N_a w_i / sum_a w``: an even spread of a few thousand people
over tens of thousands of lattice points cannot be rounded to whole people without moving them
(largest-remainder rounding gives the leftover people to the first points). Sums per area and
group equal the statistics exactly (up to floating point).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.ingest import OSMData, Pack, extract_buildings, read_osm
from jamlik.networks import Residents

__all__ = ["SpreadResidents", "lattice_points", "spread_residents"]

FloatArray = npt.NDArray[np.float64]
#: Default spacing of the lattice, metres: 100 m puts a few hundred points in an urban RegSO.
DEFAULT_SPACING_M = 100.0
#: Lattice points an area gets at least (about): small, dense areas get a finer lattice.
MIN_POINTS = 50


@dataclass(frozen=True)
class SpreadResidents:
    """Residents on points (the origins of a straight-line analysis).

    Attributes
    ----------
    x, y
        Point coordinates (pack CRS); point ``i`` is ``node`` ``i`` of ``residents.table``.
    residents
        ``table``: ``node, area_id, pop_total``, the groups (fractions of people) and
        ``snap_distance_m`` (0); ``method_by_area``: ``buildings``, ``lattice``,
        ``representative_point`` or ``cells``.
    notes
        How the residents were spread.
    """

    x: FloatArray
    y: FloatArray
    residents: Residents
    notes: tuple[str, ...]


def lattice_points(
    polygons: gpd.GeoSeries, *, spacing_m: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Return the lattice points inside each polygon, with the polygon number of each.

    The lattice of a polygon of area ``A`` has the spacing ``s = min(spacing_m,
    sqrt(A / MIN_POINTS))``: the centres of the squares of side ``s`` aligned on multiples of
    ``s``, strictly inside the polygon. A polygon without a lattice point inside gets its
    representative point.
    """
    if not spacing_m > 0:
        raise DataError(t("runs.lattice_spacing", spacing_m=spacing_m))
    xs, ys, owners = [], [], []
    geoms = polygons.to_numpy()
    shapely.prepare(geoms)
    for number, geom in enumerate(geoms):  # one vectorised test per area, not per point
        if geom is None or shapely.is_empty(geom):
            continue
        x0, y0, x1, y1 = shapely.bounds(geom)
        step = min(spacing_m, float(np.sqrt(shapely.area(geom) / MIN_POINTS)))
        gx = (np.arange(np.floor(x0 / step), np.ceil(x1 / step)) + 0.5) * step
        gy = (np.arange(np.floor(y0 / step), np.ceil(y1 / step)) + 0.5) * step
        px, py = (a.ravel() for a in np.meshgrid(gx, gy))
        inside = shapely.contains_xy(geom, px, py)
        if not inside.any():
            point = shapely.get_coordinates(shapely.point_on_surface(geom))[0]
            px, py, inside = point[:1], point[1:], np.ones(1, dtype=bool)
        xs.append(px[inside])
        ys.append(py[inside])
        owners.append(np.full(int(inside.sum()), number, dtype=np.int64))
    if not xs:
        raise DataError(t("runs.no_area_polygon"))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owners)


def spread_residents(
    pack: Pack,
    *,
    year: int | None = None,
    spacing_m: float = DEFAULT_SPACING_M,
    osm: OSMData | None = None,
    use_buildings: bool = True,
) -> SpreadResidents:
    """Spread the pack's residents over the populated part of their areas (module docstring).

    Parameters
    ----------
    pack
        A pack with ``[areas]`` and ``[[statistics]]``, or ``[[cells]]``.
    year
        Statistics year (default: the pack's population year).
    spacing_m
        Spacing of the lattice, metres.
    osm
        The pack's OSM data when already read (for residential buildings).
    use_buildings
        Spread over residential buildings when the pack has an OSM extract.

    Raises
    ------
    DataError
        If the pack has no population (areas with statistics, or cells).
    """
    if pack.has_areas and not pack.statistics().empty:
        return _spread_areas(pack, year, spacing_m, osm, use_buildings)
    cells = pack.cells()
    if cells is None:
        raise DataError(t("runs.spread_no_population", name=pack.name))
    groups = tuple(c for c in cells.columns if c not in {"id", "x", "y", "pop_total"})
    ids = cells["id"].astype(str) if "id" in cells.columns else cells.index.astype(str)
    table = pd.DataFrame({"node": np.arange(len(cells)), "area_id": np.asarray(ids, dtype=object)})
    for column in ("pop_total", *groups):
        table[column] = pd.to_numeric(cells[column], errors="coerce").fillna(0.0).to_numpy(float)
    table["snap_distance_m"] = 0.0
    table = table[table["pop_total"] > 0].reset_index(drop=True)
    method = pd.Series("cells", index=pd.Index(table["area_id"], name="area_id"), name="method")
    residents = Residents(table, groups, method, ())
    x = cells["x"].to_numpy(float)
    y = cells["y"].to_numpy(float)
    return SpreadResidents(x, y, residents, (t("approximate.note_cells"),))


def _spread_areas(
    pack: Pack, year: int | None, spacing_m: float, osm: OSMData | None, use_buildings: bool
) -> SpreadResidents:
    areas = pack.areas()
    population = pack.population(year)
    groups = tuple(pack.groups)
    columns = ["pop_total", *groups]
    counts = population.reindex(areas.index, fill_value=0.0)[columns].to_numpy(dtype=np.float64)
    if not np.isfinite(counts).all() or (counts < 0).any():
        row = int(np.argwhere(~(np.isfinite(counts) & (counts >= 0)))[0, 0])
        raise DataError(t("runs.area_bad_count", name=pack.name, index=areas.index[row]))
    n_areas = len(areas)
    parts_x, parts_y, parts_area, parts_w = [], [], [], []
    method = np.full(n_areas, "lattice", dtype=object)
    covered = np.zeros(n_areas, dtype=bool)
    if use_buildings and pack.osm_path is not None:
        data = osm if osm is not None else read_osm(pack.osm_path)
        bx, by, barea, bw = _building_points(
            areas, extract_buildings(data, crs=pack.crs.to_string())
        )
        covered[np.unique(barea)] = True
        method[covered] = "buildings"
        parts_x.append(bx)
        parts_y.append(by)
        parts_area.append(barea)
        parts_w.append(bw)
    rest = np.flatnonzero(~covered)
    if rest.size:
        lx, ly, owner = lattice_points(areas.geometry.iloc[rest], spacing_m=spacing_m)
        area = rest[owner]
        single = np.bincount(area, minlength=n_areas) == 1
        method[rest] = np.where(single[rest], "representative_point", "lattice")
        parts_x.append(lx)
        parts_y.append(ly)
        parts_area.append(area)
        parts_w.append(np.ones(lx.size))
    x, y = np.concatenate(parts_x), np.concatenate(parts_y)
    item_area = np.concatenate(parts_area)
    w = np.concatenate(parts_w)
    w_sum = np.bincount(item_area, weights=w, minlength=n_areas)
    share = w / w_sum[item_area]
    table = pd.DataFrame(
        {"node": np.arange(x.size), "area_id": areas.index.to_numpy(dtype=object)[item_area]}
    )
    for j, column in enumerate(columns):
        table[column] = counts[item_area, j] * share
    table["snap_distance_m"] = 0.0
    table = table[table["pop_total"] > 0].reset_index(drop=True)
    by_area = pd.Series(method, index=areas.index, name="method")
    notes = [
        t(
            "approximate.note_spread",
            lattice=int((method == "lattice").sum()),
            buildings=int((method == "buildings").sum()),
            points=int((method == "representative_point").sum()),
            spacing=f"{spacing_m:g}",
        )
    ]
    if (method == "lattice").any():
        notes.append(t("approximate.note_whole_polygon"))
    return SpreadResidents(x, y, Residents(table, groups, by_area, ()), tuple(notes))


def _building_points(
    areas: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Residential buildings as points on their surface, their area number and floor area."""
    homes = buildings.loc[buildings["residential"].fillna(False).astype(bool).to_numpy()]
    geometry = homes.geometry.to_numpy()
    keep = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    geometry = geometry[keep]
    levels = pd.to_numeric(homes["levels"], errors="coerce").to_numpy(float)[keep]
    levels = np.where(np.isfinite(levels) & (levels > 0), levels, 1.0)
    weight = shapely.area(geometry) * levels
    points = shapely.point_on_surface(geometry)
    pairs = areas.sindex.query(points, predicate="intersects")
    first = np.unique(pairs[0], return_index=True)[1]
    building, area = pairs[0][first], pairs[1][first]
    xy = shapely.get_coordinates(points[building])
    return xy[:, 0], xy[:, 1], area.astype(np.int64), weight[building]
