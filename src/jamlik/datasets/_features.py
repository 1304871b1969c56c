"""Parks, residential buildings and services (POIs) of the generated town.

* **Parks** fill a few street blocks (the block polygon shrunk away from its streets).
* **Buildings** stand beside the streets of each area, facing them. Each area gets apartment
  blocks and houses until their floor area reaches its population times a floor area per
  person (38 m² in flats, 44 m² in houses, near the Swedish mean of about 42 m²), split by the
  area's share of flats. So the floor area of an area is roughly proportional to its
  population. Buildings that touch a street, the river, a park or another building are dropped.
* **POIs** are drawn per area at a rate per category, lowered in vulnerable areas
  (``rate × (1 - 0.65 v)``), and bus stops stand along the main roads.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from jamlik.datasets._names import place_names
from jamlik.datasets._streets import StreetGrid

__all__ = ["make_buildings", "make_parks", "make_pois"]

FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

FLOOR_M2_PER_PERSON_FLAT = 38.0
FLOOR_M2_PER_PERSON_HOUSE = 44.0

# (tag key, tag value, rate per area, name pattern, opening_hours or None, extra tags)
_SERVICES: tuple[tuple[str, str, float, str, str | None, dict[str, str]], ...] = (
    ("amenity", "kindergarten", 1.6, "{}s förskola", "Mo-Fr 06:30-18:00", {}),
    ("amenity", "school", 0.6, "{}skolan", None, {}),
    ("leisure", "playground", 2.0, "Lekplatsen {}", None, {}),
    ("shop", "supermarket", 0.5, "Livs {}", "Mo-Su 07:00-22:00", {}),
    ("amenity", "pharmacy", 0.18, "Apoteket {}", "Mo-Fr 09:00-19:00; Sa 10:00-15:00", {}),
    (
        "amenity",
        "clinic",
        0.15,
        "Vårdcentralen {}",
        "Mo-Fr 08:00-17:00",
        {"healthcare": "centre"},
    ),
    ("amenity", "doctors", 0.1, "Läkarhuset {}", "Mo-Fr 08:00-16:30", {"healthcare": "doctor"}),
    (
        "amenity",
        "library",
        0.1,
        "{} bibliotek",
        "Mo-Th 10:00-19:00; Fr 10:00-16:00; Sa 11:00-15:00",
        {},
    ),
    ("amenity", "community_centre", 0.12, "Träffpunkt {}", "Mo-Fr 15:00-21:00; Sa 12:00-18:00", {}),
    ("leisure", "sports_centre", 0.15, "{} sporthall", "Mo-Su 07:00-22:00", {}),
)
_POI_COLUMNS = ("amenity", "shop", "leisure", "highway", "healthcare", "name", "opening_hours")


def _area_of_points(points: ObjArray, areas: gpd.GeoDataFrame) -> npt.NDArray[np.int64]:
    """Index of the area containing each point (-1 if none)."""
    tree = shapely.STRtree(areas.geometry.to_numpy())
    pt, area = tree.query(points, predicate="within")
    out = np.full(len(points), -1, dtype=np.int64)
    out[pt] = area
    return out


def make_parks(
    rng: np.random.Generator,
    *,
    grid: StreetGrid,
    x: FloatArray,
    y: FloatArray,
    lines: ObjArray,
    areas: gpd.GeoDataFrame,
    crs: str,
) -> gpd.GeoDataFrame:
    """Parks in a few street blocks, away from every street."""
    width = 2 * grid.half_size + 1
    code = (grid.row + grid.half_size) * width + (grid.col + grid.half_size)
    order = np.argsort(code)

    def node_at(target: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        pos = np.clip(np.searchsorted(code, target, sorter=order), 0, code.size - 1)
        found = order[pos]
        return np.where(code[found] == target, found, -1)

    n_parks = max(4, len(areas) // 2 + 2)
    start = rng.permutation(code.size)[: 40 * n_parks]
    corners = np.stack(
        [
            start,
            node_at(code[start] + 1),
            node_at(code[start] + width + 1),
            node_at(code[start] + width),
        ],
        axis=1,
    )
    corners = corners[(corners >= 0).all(axis=1)]
    ring = np.stack([x[corners], y[corners]], axis=2)
    blocks = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    shrunk = shapely.buffer(blocks, -22.0, join_style="mitre")
    street_tree = shapely.STRtree(lines)
    hit = np.zeros(len(shrunk), dtype=np.bool_)
    pairs = street_tree.query(shrunk, predicate="intersects")
    hit[pairs[0]] = True
    ok = ~hit & ~shapely.is_empty(shrunk) & (shapely.area(shrunk) > 1500.0)
    chosen = np.flatnonzero(ok)
    chosen = chosen[np.unique(corners[chosen, 0], return_index=True)[1]]
    chosen = np.sort(chosen)[:n_parks]
    names = [f"{n}parken" for n in place_names(rng, chosen.size)]
    parks = gpd.GeoDataFrame(
        {"leisure": "park", "name": names}, geometry=np.asarray(shrunk[chosen]), crs=crs
    )
    # Overlapping blocks are rare; keep the first of any overlapping pair.
    tree = shapely.STRtree(parks.geometry.to_numpy())
    a, b = tree.query(parks.geometry.to_numpy(), predicate="intersects")
    drop = np.unique(b[a < b])
    return parks.drop(index=parks.index[drop]).reset_index(drop=True)


def make_buildings(
    rng: np.random.Generator,
    *,
    x: FloatArray,
    y: FloatArray,
    streets: pd.DataFrame,
    lines: ObjArray,
    areas: gpd.GeoDataFrame,
    population: FloatArray,
    apartment_share: FloatArray,
    vulnerability: FloatArray,
    obstacles: list[shapely.Geometry],
    crs: str,
) -> gpd.GeoDataFrame:
    """Residential buildings whose floor area per area is about proportional to population."""
    usable = streets["highway"].isin(["residential", "service", "tertiary", "secondary"]).to_numpy()
    usable &= ~streets["bridge"].to_numpy()
    u = streets["u"].to_numpy()[usable]
    v = streets["v"].to_numpy()[usable]
    mid = shapely.points(0.5 * (x[u] + x[v]), 0.5 * (y[u] + y[v]))
    edge_area = _area_of_points(mid, areas)
    keep = edge_area >= 0
    u, v, edge_area = u[keep], v[keep], edge_area[keep]
    by_area = np.argsort(edge_area, kind="stable")
    n_areas = len(areas)
    pool_count = np.bincount(edge_area, minlength=n_areas)
    pool_start = np.concatenate([[0], np.cumsum(pool_count)[:-1]])

    flat_target = population * apartment_share * FLOOR_M2_PER_PERSON_FLAT
    house_target = population * (1 - apartment_share) * FLOOR_M2_PER_PERSON_HOUSE
    flat_levels = np.where(vulnerability > 0.5, 6.0, 4.0)
    n_flat = np.ceil(2.5 * flat_target / (33.0 * 12.5 * flat_levels)).astype(np.int64)
    n_house = np.ceil(2.5 * house_target / (11.0 * 9.5 * 1.5)).astype(np.int64)
    n_flat[pool_count == 0] = 0
    n_house[pool_count == 0] = 0
    area = np.concatenate(
        [np.repeat(np.arange(n_areas), n_flat), np.repeat(np.arange(n_areas), n_house)]
    )
    is_flat = np.concatenate([np.ones(n_flat.sum(), np.bool_), np.zeros(n_house.sum(), np.bool_)])
    n = area.size
    edge = by_area[pool_start[area] + (rng.random(n) * pool_count[area]).astype(np.int64)]
    pu, pv = u[edge], v[edge]
    dx, dy = x[pv] - x[pu], y[pv] - y[pu]
    length = np.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    along = np.where(is_flat, rng.uniform(22.0, 44.0, n), rng.uniform(9.0, 13.0, n))
    along = np.minimum(along, 0.45 * length)
    depth = np.where(is_flat, rng.uniform(11.0, 14.0, n), rng.uniform(8.0, 11.0, n))
    t = rng.uniform(0.25, 0.75, n)
    side = rng.choice([-1.0, 1.0], n)
    setback = np.where(is_flat, 7.0, 8.0) + depth / 2
    cx = x[pu] + t * dx - side * uy * setback
    cy = y[pu] + t * dy + side * ux * setback
    signs = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1], [1, 1]], dtype=np.float64)
    px = (
        cx[:, None]
        + signs[:, 0] * ux[:, None] * along[:, None] / 2
        - signs[:, 1] * uy[:, None] * depth[:, None] / 2
    )
    py = (
        cy[:, None]
        + signs[:, 0] * uy[:, None] * along[:, None] / 2
        + signs[:, 1] * ux[:, None] * depth[:, None] / 2
    )
    polys = shapely.polygons(np.stack([px, py], axis=2))
    high = vulnerability[area] > 0.5
    levels = np.where(
        is_flat,
        np.where(high, rng.integers(4, 9, n), rng.integers(3, 6, n)),
        rng.integers(1, 3, n),
    ).astype(np.int64)

    ok = _area_of_points(shapely.centroid(polys), areas) == area
    street_tree = shapely.STRtree(lines)
    near = street_tree.query(polys, predicate="dwithin", distance=3.0)[0]
    ok[near] = False
    if obstacles:
        hit = shapely.STRtree(np.asarray(obstacles)).query(polys, predicate="intersects")[0]
        ok[hit] = False
    idx = np.flatnonzero(ok)
    a, b = shapely.STRtree(polys[idx]).query(polys[idx], predicate="intersects")
    ok[idx[np.unique(b[a < b])]] = False

    floor = shapely.area(polys) * levels
    frame = pd.DataFrame({"area": area, "flat": is_flat, "floor": np.where(ok, floor, 0.0)})
    reached = frame.groupby(["area", "flat"], sort=False)["floor"].cumsum() - frame["floor"]
    target = np.where(is_flat, flat_target[area], house_target[area])
    ok &= reached.to_numpy() < target
    house_kind = np.where(rng.random(n) < 0.8, "house", "detached")
    house_kind = np.where(
        levels == 2, np.where(rng.random(n) < 0.3, "terrace", house_kind), house_kind
    )
    kind = np.where(is_flat, "apartments", house_kind)
    return gpd.GeoDataFrame(
        {
            "building": kind[ok],
            "levels": levels[ok],
            "floor_area_m2": np.round(floor[ok], 1),
            "area_id": areas["area_id"].to_numpy()[area[ok]],
        },
        geometry=polys[ok],
        crs=crs,
    )


def make_pois(
    rng: np.random.Generator,
    *,
    x: FloatArray,
    y: FloatArray,
    streets: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    vulnerability: FloatArray,
    river: shapely.Geometry,
    crs: str,
) -> gpd.GeoDataFrame:
    """Services drawn per area (fewer in vulnerable areas) and bus stops along main roads."""
    n_areas = len(areas)
    node_area = _area_of_points(shapely.points(x, y), areas)
    nodes_by_area = [np.flatnonzero(node_area == k) for k in range(n_areas)]
    weight = 1.0 - 0.65 * vulnerability
    area_names = areas["name"].to_numpy()
    rows: list[dict[str, object]] = []
    geoms_x: list[float] = []
    geoms_y: list[float] = []
    for key, value, rate, pattern, hours, extra in _SERVICES:
        counts = np.floor(rate * weight + rng.random(n_areas)).astype(np.int64)
        if counts.sum() == 0:  # every category exists at least once, in the central area
            counts[0] = 1
        for k in np.flatnonzero(counts):
            pool = nodes_by_area[k]
            if pool.size == 0:
                continue
            picks = rng.choice(pool, size=int(counts[k]))
            angle = rng.uniform(0, 2 * np.pi, picks.size)
            dist = rng.uniform(10.0, 15.0, picks.size)
            for p, a_, d in zip(picks, angle, dist, strict=True):
                tags: dict[str, object] = {
                    key: value,
                    "name": pattern.format(area_names[k]),
                    **extra,
                }
                if hours is not None and (value != "kindergarten" or rng.random() < 0.5):
                    tags["opening_hours"] = hours
                tags["area_id"] = areas["area_id"].iat[k]
                rows.append(tags)
                geoms_x.append(float(x[p] + d * np.cos(a_)))
                geoms_y.append(float(y[p] + d * np.sin(a_)))
    # Bus stops beside about one main-road segment in twelve.
    main = (
        streets["highway"].isin(["secondary", "tertiary"]).to_numpy()
        & ~streets["bridge"].to_numpy()
    )
    seg = np.flatnonzero(main & (rng.random(len(streets)) < 0.08))
    su, sv = streets["u"].to_numpy()[seg], streets["v"].to_numpy()[seg]
    dx, dy = x[sv] - x[su], y[sv] - y[su]
    length = np.hypot(dx, dy)
    bx = 0.5 * (x[su] + x[sv]) - dy / length * 8.0
    by = 0.5 * (y[su] + y[sv]) + dx / length * 8.0
    stop_area = _area_of_points(shapely.points(bx, by), areas)
    street_name = streets["name"].to_numpy()[seg]
    for k in range(seg.size):
        if stop_area[k] < 0:
            continue
        rows.append(
            {
                "highway": "bus_stop",
                "name": f"{street_name[k]} {k + 1}",
                "area_id": areas["area_id"].iat[stop_area[k]],
            }
        )
        geoms_x.append(float(bx[k]))
        geoms_y.append(float(by[k]))
    table = pd.DataFrame(rows, columns=[*_POI_COLUMNS, "area_id"])
    table = table.astype(object).where(table.notna(), None)
    pois = gpd.GeoDataFrame(table, geometry=shapely.points(geoms_x, geoms_y), crs=crs)
    # A point offset from its node may fall just inside a neighbouring area: record where it is.
    where = _area_of_points(pois.geometry.to_numpy(), areas)
    pois["area_id"] = areas["area_id"].to_numpy()[where]
    wet = shapely.intersects(pois.geometry.to_numpy(), river)
    return pois.loc[~wet & (where >= 0)].reset_index(drop=True)
