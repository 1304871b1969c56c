"""The generated sample town *Älvvik*: streets, areas, statistics, buildings and services.

Älvvik is **not a real place**. It is drawn at random (``numpy.random.default_rng(seed)``) so
that examples, tests and benchmarks have a complete, plausible Swedish data set that anyone may
use (CC0). It lies in SWEREF 99 TM (EPSG:3006) near Kungälv, around x = 320 000, y = 6 418 000,
and its areas carry DeSO-style codes with the municipality code ``1499``, which **no real
Swedish municipality uses** (1499 is unassigned in Västra Götalands län).

The town has a centre with a dense grid and one-way streets, suburbs with a sparser, tree-like
network (dead ends and curved streets), footpaths, cycle paths and a few steps, main roads every
12 blocks, and a river that the streets cross only at one road bridge and one footbridge.
Vulnerability (people born abroad, low income, unemployment, rented dwellings) is concentrated in
2-3 neighbouring areas south of the river, which also have fewer services.

The same ``seed`` always gives the same town: identical statistics and identical geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from jamlik.datasets._features import make_buildings, make_parks, make_pois
from jamlik.datasets._names import place_names, street_names
from jamlik.datasets._stats import apartment_share, make_statistics
from jamlik.datasets._streets import (
    KIND_BRIDGE,
    KIND_DIAGONAL,
    KIND_EXTRA,
    KIND_FOOTBRIDGE,
    StreetGrid,
    build_street_grid,
)
from jamlik.errors import DataError
from jamlik.i18n import t

__all__ = ["CRS", "KOMMUN_CODE", "ORIGIN_X", "ORIGIN_Y", "Town", "generate_town", "street_arrays"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CRS = "EPSG:3006"
#: Centre of the town in SWEREF 99 TM (near Kungälv).
ORIGIN_X = 320_000.0
ORIGIN_Y = 6_418_000.0
#: Municipality code of the DeSO-style area codes; no real municipality has this code.
KOMMUN_CODE = "1499"

_MIN_NODES = 500
#: Below this many nodes the streets cannot house 2 500 people per area at Swedish floor
#: areas per person, so smaller towns get proportionally fewer inhabitants.
_FULL_SIZE_NODES = 2_000
_MAX_TOWN_NODES = 200_000
_MAX_ARRAY_NODES = 5_000_000


@dataclass(frozen=True)
class Town:
    """A generated town; every layer is in ``crs`` (EPSG:3006).

    Attributes
    ----------
    crs
        ``"EPSG:3006"``.
    areas
        Statistical areas tiling the town: ``area_id`` (DeSO-style code, e.g. ``1499C0010``),
        ``regso_id`` (``1499R001``), ``regso_name``, ``name``, polygon geometry.
    statistics
        One row per area and year 2020-2023, columns as in ``_stats.STAT_COLUMNS``.
    node_x, node_y
        Street intersections (and dead ends); the node id is the position in these arrays.
    streets
        One row per street segment between two nodes: ``u``, ``v``, ``highway``, ``oneway``
        (traffic only from ``u`` to ``v``), ``bridge``, ``name`` (``""`` if unnamed),
        ``bend_x``/``bend_y`` (one bend point, NaN for straight segments) and ``length_m``
        (the length of that geometry).
    barrier
        The river polygon (``natural=water``, ``water=river``, ``name``).
    buildings
        Residential buildings: ``building`` type, ``levels``, ``floor_area_m2``, ``area_id``.
    pois
        Points with OSM-like tag columns: ``amenity``, ``shop``, ``leisure``, ``highway``,
        ``healthcare``, ``name``, ``opening_hours`` (None where a tag is absent), ``area_id``.
    parks
        ``leisure=park`` polygons with a ``name``.
    """

    crs: str
    areas: gpd.GeoDataFrame
    statistics: pd.DataFrame
    node_x: FloatArray
    node_y: FloatArray
    streets: pd.DataFrame
    barrier: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame

    def street_lines(self) -> gpd.GeoSeries:
        """Return the geometry of every street segment (with its bend), aligned to ``streets``."""
        return gpd.GeoSeries(_street_geometry(self.node_x, self.node_y, self.streets), crs=self.crs)


def _street_geometry(
    x: FloatArray, y: FloatArray, streets: pd.DataFrame
) -> npt.NDArray[np.object_]:
    u = streets["u"].to_numpy()
    v = streets["v"].to_numpy()
    bx = streets["bend_x"].to_numpy(dtype=np.float64)
    by = streets["bend_y"].to_numpy(dtype=np.float64)
    straight = np.isnan(bx)
    mx = np.where(straight, 0.5 * (x[u] + x[v]), bx)
    my = np.where(straight, 0.5 * (y[u] + y[v]), by)
    coords = np.stack(
        [np.stack([x[u], mx, x[v]], axis=1), np.stack([y[u], my, y[v]], axis=1)], axis=2
    )
    return np.asarray(shapely.linestrings(coords))


def _check_size(n_nodes: int, upper: int, what: str) -> None:
    if not isinstance(n_nodes, int | np.integer) or not _MIN_NODES <= n_nodes <= upper:
        raise DataError(
            t(
                "datasets.n_nodes_range",
                what=what,
                n_nodes=n_nodes,
                min_nodes=_MIN_NODES,
                upper=upper,
            )
        )


def street_arrays(
    *, n_nodes: int, seed: int = 7
) -> tuple[FloatArray, FloatArray, IntArray, IntArray, FloatArray]:
    """Return a large, connected, plausible street graph as plain arrays (for benchmarks).

    A jittered grid of about ``n_nodes`` nodes (within 5 %) with small blocks in the centre
    (about 70 m) growing to about 115 m in the suburbs, missing links (dead ends), diagonals and
    a river crossed by a road bridge about every 3 km (every 25th grid column). Vectorised:
    1 million nodes take about 1.5-3 s.

    Parameters
    ----------
    n_nodes
        Target number of nodes (500 to 5 000 000).
    seed
        Seed of the random generator.

    Returns
    -------
    x, y, u, v, length_m
        Node coordinates in EPSG:3006 metres, the two end nodes of each undirected street
        segment (each segment once, ``u != v``), and the straight-line length of each segment.

    Raises
    ------
    DataError
        If ``n_nodes`` is out of range.
    """
    _check_size(n_nodes, _MAX_ARRAY_NODES, "street_arrays")
    rng = np.random.default_rng(seed)
    grid = build_street_grid(
        n_nodes=int(n_nodes),
        rng=rng,
        bridge_columns=np.array([0]),
        bridge_every_cells=25,
        p_diagonal=0.05,
        diagonal_ring=(0.8, np.inf),
        force_lines_every=12,
    )
    x = grid.x + ORIGIN_X
    y = grid.y + ORIGIN_Y
    length = np.hypot(x[grid.u] - x[grid.v], y[grid.u] - y[grid.v])
    return x, y, grid.u.copy(), grid.v.copy(), length


# --- streets -------------------------------------------------------------------------------


def _highways(grid: StreetGrid, rng: np.random.Generator, rho0: float) -> npt.NDArray[np.object_]:
    """OSM ``highway`` value of every edge."""
    u, v, kind = grid.u, grid.v, grid.kind
    row_u, row_v, col_u, col_v = grid.row[u], grid.row[v], grid.col[u], grid.col[v]
    horizontal = row_u == row_v
    vertical = col_u == col_v
    line = np.where(horizontal, row_u, np.where(vertical, col_u, 1))
    main = (horizontal | vertical) & (line == 0)
    tertiary = (horizontal | vertical) & (line % 12 == 0) & ~main
    rho = 0.5 * (grid.rho[u] + grid.rho[v])
    centre = rho < rho0
    ring = (rho >= rho0) & (rho < 2.5 * rho0)
    draw = rng.random(u.size)
    hw = np.full(u.size, "residential", dtype=object)
    extra = kind == KIND_EXTRA
    hw[extra & centre & (draw < 0.06)] = "service"
    hw[extra & centre & (draw >= 0.06) & (draw < 0.14)] = "footway"
    hw[extra & ~centre & (draw < 0.1)] = "footway"
    hw[extra & ~centre & (draw >= 0.1) & (draw < 0.15)] = "cycleway"
    hw[extra & ring & (draw >= 0.15) & (draw < 0.18)] = "steps"
    diag = kind == KIND_DIAGONAL
    hw[diag] = np.where(draw[diag] < 0.6, "footway", "cycleway")
    hw[tertiary] = "tertiary"
    hw[main | (kind == KIND_BRIDGE)] = "secondary"
    hw[kind == KIND_FOOTBRIDGE] = "footway"
    return hw


def _street_names(
    grid: StreetGrid, highway: npt.NDArray[np.object_], rng: np.random.Generator
) -> npt.NDArray[np.object_]:
    """Name streets by grid line: a main road keeps one name, other lines change every 10 blocks."""
    u, v = grid.u, grid.v
    horizontal = grid.row[u] == grid.row[v]
    line = np.where(horizontal, grid.row[u], grid.col[u])
    along = np.where(
        horizontal, np.minimum(grid.col[u], grid.col[v]), np.minimum(grid.row[u], grid.row[v])
    )
    whole = (highway == "secondary") | (highway == "tertiary")
    block = np.where(whole, 0, np.floor_divide(along, 10))
    span = 2 * grid.half_size + 3
    key = (horizontal.astype(np.int64) * span + (line + grid.half_size)) * span + block + span // 2
    named = np.isin(highway, ["residential", "service", "tertiary", "secondary"])
    keys, inverse = np.unique(key[named], return_inverse=True)
    pool = np.asarray(street_names(rng, keys.size), dtype=object)
    names = np.full(u.size, "", dtype=object)
    names[named] = pool[inverse]
    names[(highway == "secondary") & horizontal] = "Storgatan"
    names[(highway == "secondary") & ~horizontal] = "Kungsvägen"
    return names


def _make_streets(
    grid: StreetGrid, x: FloatArray, y: FloatArray, river: shapely.Polygon, rng: np.random.Generator
) -> pd.DataFrame:
    rho0 = 12.0
    highway = _highways(grid, rng, rho0)
    u, v = grid.u.copy(), grid.v.copy()
    rho = 0.5 * (grid.rho[u] + grid.rho[v])
    centre = rho < rho0
    oneway = (grid.kind == KIND_EXTRA) & centre & (highway == "residential")
    oneway &= rng.random(u.size) < 0.3
    flip = oneway & (rng.random(u.size) < 0.5)
    u[flip], v[flip] = grid.v[flip], grid.u[flip]
    # Curved suburban streets: one bend point off the middle of the segment.
    bend = (highway == "residential") & (rho > 2.5 * rho0) & (rng.random(u.size) < 0.6)
    dx, dy = x[v] - x[u], y[v] - y[u]
    offset = rng.uniform(0.06, 0.14, u.size) * rng.choice([-1.0, 1.0], u.size)
    bend_x = np.where(bend, 0.5 * (x[u] + x[v]) - dy * offset, np.nan)
    bend_y = np.where(bend, 0.5 * (y[u] + y[v]) + dx * offset, np.nan)
    table = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "highway": highway,
            "oneway": oneway,
            "bridge": np.isin(grid.kind, [KIND_BRIDGE, KIND_FOOTBRIDGE]),
            "name": _street_names(grid, highway, rng),
            "bend_x": bend_x,
            "bend_y": bend_y,
        }
    )
    # A bend must not reach into the river: straighten those few segments.
    lines = _street_geometry(x, y, table)
    wet = shapely.intersects(lines, river) & ~table["bridge"].to_numpy()
    table.loc[wet, ["bend_x", "bend_y"]] = np.nan
    lines = _street_geometry(x, y, table)
    table["length_m"] = shapely.length(lines)
    return table


def _river_polygon(grid: StreetGrid, x_min: float, x_max: float) -> shapely.Polygon:
    """Return the river band in EPSG:3006, sampled densely enough to follow the meanders."""
    n = int(min(900, max(50, (x_max - x_min) / 25.0)))
    xs = np.linspace(x_min, x_max, n)
    yc = grid.river.centre_y(xs - ORIGIN_X) + ORIGIN_Y
    half = grid.river.width_m / 2.0
    north = np.stack([xs, yc + half], axis=1)
    south = np.stack([xs[::-1], yc[::-1] - half], axis=1)
    return shapely.Polygon(np.concatenate([north, south]))


# --- areas ---------------------------------------------------------------------------------


def _kmeans(points: FloatArray, k: int, rng: np.random.Generator, steps: int) -> FloatArray:
    """Plain Lloyd iterations from ``k`` random points; returns the centres."""
    centres = points[rng.choice(points.shape[0], size=k, replace=False)]
    for _ in range(steps):
        _, label = cKDTree(centres).query(points)
        count = np.bincount(label, minlength=k)
        sx = np.bincount(label, weights=points[:, 0], minlength=k)
        sy = np.bincount(label, weights=points[:, 1], minlength=k)
        has = count > 0
        centres[has] = np.stack([sx[has] / count[has], sy[has] / count[has]], axis=1)
    return centres


def _make_areas(
    x: FloatArray, y: FloatArray, n_areas: int, rng: np.random.Generator
) -> tuple[gpd.GeoDataFrame, FloatArray]:
    """Areas of roughly equal numbers of street nodes (so smaller in the dense centre)."""
    points = np.stack([x, y], axis=1)
    seeds = _kmeans(points, n_areas, rng, steps=12)
    dist = np.hypot(seeds[:, 0] - ORIGIN_X, seeds[:, 1] - ORIGIN_Y)
    order = np.argsort(dist, kind="stable")
    seeds, dist = seeds[order], dist[order]
    remoteness = dist / dist.max()
    boundary = shapely.convex_hull(shapely.multipoints(points)).buffer(150.0)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=boundary, ordered=True)
    polygons = shapely.intersection(np.asarray(shapely.get_parts(cells)), boundary)
    n_regso = max(3, int(round(n_areas / 2.5)))
    regso_centres = _kmeans(seeds.copy(), n_regso, rng, steps=10)
    r_dist = np.hypot(regso_centres[:, 0] - ORIGIN_X, regso_centres[:, 1] - ORIGIN_Y)
    regso_rank = np.argsort(np.argsort(r_dist, kind="stable"), kind="stable")
    _, regso_of_area = cKDTree(regso_centres).query(seeds)
    regso_no = regso_rank[regso_of_area]
    letters = np.where(remoteness < 0.35, "C", np.where(remoteness < 0.7, "B", "A"))
    area_ids = [f"{KOMMUN_CODE}{letters[k]}{(k + 1) * 10:04d}" for k in range(n_areas)]
    names = place_names(rng, n_areas + n_regso)
    regso_names = names[n_areas:]
    regso_names[int(np.argmin(r_dist))] = "Centrum"
    areas = gpd.GeoDataFrame(
        {
            "area_id": area_ids,
            "regso_id": [f"{KOMMUN_CODE}R{r + 1:03d}" for r in regso_no],
            "regso_name": [regso_names[int(np.flatnonzero(regso_rank == r)[0])] for r in regso_no],
            "name": names[:n_areas],
        },
        geometry=polygons,
        crs=CRS,
    )
    return areas, remoteness


def _vulnerability(
    areas: gpd.GeoDataFrame,
    river: shapely.Polygon,
    remoteness: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """2-3 neighbouring areas south of the river, midway out, get a high vulnerability."""
    centroids = shapely.centroid(areas.geometry.to_numpy())
    cx, cy = shapely.get_x(centroids), shapely.get_y(centroids)
    river_y = shapely.get_y(shapely.centroid(river))
    south = cy < river_y
    score = np.abs(remoteness - 0.55) + np.where(south, 0.0, 10.0)
    first = int(np.argmin(score))
    n_vulnerable = int(rng.integers(2, 4))
    d = np.hypot(cx - cx[first], cy - cy[first]) + np.where(south, 0.0, 1e9)
    chosen = np.argsort(d, kind="stable")[:n_vulnerable]
    v = rng.uniform(0.0, 0.22, len(areas))
    v[chosen] = rng.uniform(0.78, 1.0, chosen.size)
    return v


# --- the town ------------------------------------------------------------------------------


def generate_town(*, n_nodes: int = 20_000, seed: int = 7) -> Town:
    """Generate the sample town *Älvvik* (deterministic for a given ``seed``).

    Parameters
    ----------
    n_nodes
        Approximate number of street nodes (500 to 200 000). The number of areas grows with it,
        from 12 to 30 (20 for the default), about 2 500 inhabitants each (fewer in towns of
        under 2 000 nodes, in proportion, so that the streets can house them).
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same town.

    Returns
    -------
    Town
        All layers in EPSG:3006.

    Raises
    ------
    DataError
        If ``n_nodes`` is out of range.
    """
    _check_size(n_nodes, _MAX_TOWN_NODES, "generate_town")
    rng = np.random.default_rng(seed)
    footbridge = int(rng.choice([-1, 1]) * rng.integers(5, 8))
    grid = build_street_grid(
        n_nodes=int(n_nodes),
        rng=rng,
        bridge_columns=np.array([0]),
        footbridge_columns=np.array([footbridge]),
        force_lines_every=12,
    )
    x = grid.x + ORIGIN_X
    y = grid.y + ORIGIN_Y
    river = _river_polygon(grid, float(x.min()) - 400.0, float(x.max()) + 400.0)
    streets = _make_streets(grid, x, y, river, rng)
    n_areas = int(np.clip(round(n_nodes / 1000), 12, 30))
    areas, remoteness = _make_areas(x, y, n_areas, rng)
    vulnerability = _vulnerability(areas, river, remoteness, rng)
    statistics = make_statistics(
        rng,
        area_ids=list(areas["area_id"]),
        vulnerability=vulnerability,
        remoteness=remoteness,
        scale=min(1.0, n_nodes / _FULL_SIZE_NODES),
    )
    barrier = gpd.GeoDataFrame(
        {"natural": ["water"], "water": ["river"], "name": ["Kvarnälven"]},
        geometry=[river],
        crs=CRS,
    )
    lines = _street_geometry(x, y, streets)
    parks = make_parks(rng, grid=grid, x=x, y=y, lines=lines, areas=areas, crs=CRS)
    latest = statistics[statistics["year"] == statistics["year"].max()]
    pop = latest.set_index("area_id").loc[areas["area_id"], "pop_total"].to_numpy(np.float64)
    buildings = make_buildings(
        rng,
        x=x,
        y=y,
        streets=streets,
        lines=lines,
        areas=areas,
        population=pop,
        apartment_share=apartment_share(vulnerability, remoteness),
        vulnerability=vulnerability,
        obstacles=[river, *parks.geometry],
        crs=CRS,
    )
    pois = make_pois(
        rng,
        x=x,
        y=y,
        streets=streets,
        areas=areas,
        vulnerability=vulnerability,
        river=river,
        crs=CRS,
    )
    return Town(
        crs=CRS,
        areas=areas,
        statistics=statistics,
        node_x=x,
        node_y=y,
        streets=streets,
        barrier=barrier,
        buildings=buildings,
        pois=pois,
        parks=parks,
    )
