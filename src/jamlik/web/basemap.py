"""The background map from the pack's own OSM extract: streets, water and buildings, offline.

The map is served as small tiles in the web-Mercator grid of every slippy map (``z/x/y``), each
a JSON object of layers whose coordinates are already **tile pixels** (0-256, integers): the
page draws them on a canvas with no projection work and no tile server. What a tile holds
depends on its zoom, so a region-sized pack stays light at every scale:

=====================  ==============  =====================================================
layer                  from zoom       OSM features
=====================  ==============  =====================================================
``water``              0               areas ``natural=water``, ``waterway=riverbank``,
                                       ``landuse=reservoir|basin``; lines ``waterway=*``
``major``              0               ``highway`` motorway … tertiary (and their links)
``minor``              13              other roads (residential, service, living streets …)
``paths``              14              footways, cycleways, paths, steps, pedestrian streets
``buildings``          15              areas with a ``building`` tag
=====================  ==============  =====================================================

Each tile is clipped to its square (with a margin of a few pixels so lines join across tile
edges) and simplified to half a pixel. Geometries are kept in EPSG:3857 metres in an R-tree
(:class:`shapely.STRtree`); a tile is one query.

Why hand-written: vector-tile tool chains (tippecanoe, PMTiles, a tile server) need native
binaries or another process; these five layers of one pack need one spatial query per tile.
An online deployment can set ``tile_url`` instead and skip this map.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from jamlik.ingest import OSMData

__all__ = ["LAYER_MIN_ZOOM", "BaseMap", "build_basemap", "tile_bounds"]

TILE_PX = 256
#: Half the circumference of the earth in EPSG:3857 metres.
_HALF = 20_037_508.342789244
LAYER_MIN_ZOOM = {"water": 0, "major": 0, "minor": 13, "paths": 14, "buildings": 15}
_MAJOR = {"motorway", "trunk", "primary", "secondary", "tertiary"}
_PATHS = {"footway", "cycleway", "path", "steps", "pedestrian", "track", "bridleway"}
_NOT_STREETS = {"proposed", "construction", "abandoned", "platform", "raceway"}
_WATER_AREA = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"),
               ("landuse", "basin"))  # fmt: skip
_MARGIN_PX = 4.0


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return ``(west, south, east, north)`` of tile ``z/x/y`` in EPSG:3857 metres."""
    size = 2 * _HALF / (1 << z)
    west = -_HALF + x * size
    north = _HALF - y * size
    return west, north - size, west + size, north


def _street_layer(tags: dict[str, str]) -> str | None:
    kind = tags.get("highway")
    if kind is None or kind in _NOT_STREETS:
        return None
    base = kind.removesuffix("_link")
    if base in _MAJOR:
        return "major"
    return "paths" if kind in _PATHS else "minor"


def _features(osm: OSMData) -> tuple[list[str], list[shapely.Geometry]]:
    """Layer and lon/lat geometry of every feature the map draws."""
    layers: list[str] = []
    lines: list[int] = []
    for i, tags in enumerate(osm.way_tags):
        layer = _street_layer(tags) or ("water" if "waterway" in tags else None)
        if layer is not None:
            layers.append(layer)
            lines.append(i)
    geometries: list[shapely.Geometry] = []
    if lines:
        starts = osm.way_indptr[np.asarray(lines)]
        ends = osm.way_indptr[np.asarray(lines) + 1]
        for start, end in zip(starts, ends, strict=True):
            coords = np.column_stack([osm.way_lon[start:end], osm.way_lat[start:end]])
            geometries.append(shapely.linestrings(coords))
    for tags, geometry in zip(osm.area_tags, osm.area_geometry, strict=True):
        if geometry is None:
            continue
        if any(tags.get(key) == value for key, value in _WATER_AREA):
            layers.append("water")
        elif "building" in tags:
            layers.append("buildings")
        else:
            continue
        geometries.append(geometry)
    return layers, geometries


def build_basemap(osm: OSMData, target: Path) -> Path:
    """Write the base map of ``osm`` to ``target`` (Parquet: ``layer``, ``wkb`` in EPSG:3857)."""
    layers, geometries = _features(osm)
    to_mercator = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    projected = shapely.transform(
        np.asarray(geometries, dtype=object),
        lambda xy: np.column_stack(to_mercator.transform(xy[:, 0], xy[:, 1])),
    )
    table = pa.table({"layer": layers, "wkb": shapely.to_wkb(projected)})
    pq.write_table(table, target)
    return target


class BaseMap:
    """Tiles of a base map written by :func:`build_basemap`.

    Parameters
    ----------
    path
        The Parquet file of :func:`build_basemap`.
    """

    def __init__(self, path: Path) -> None:
        table = pq.read_table(path)
        self.layers = np.asarray(table.column("layer").to_pylist(), dtype=object)
        self.geometries = shapely.from_wkb(table.column("wkb").to_pylist())
        self.min_zoom = np.array([LAYER_MIN_ZOOM[k] for k in self.layers], dtype=np.int64)
        self.tree = shapely.STRtree(self.geometries)
        self.tile = lru_cache(maxsize=2048)(self._tile)

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float] | None:
        """``(west, south, east, north)`` in degrees, or ``None`` for an empty map."""
        if self.geometries.size == 0:
            return None
        x0, y0, x1, y1 = shapely.total_bounds(self.geometries)
        back = pyproj.Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
        west, south = back.transform(x0, y0)
        east, north = back.transform(x1, y1)
        return float(west), float(south), float(east), float(north)

    def _tile(self, z: int, x: int, y: int) -> dict[str, Any]:
        west, south, east, north = tile_bounds(z, x, y)
        metres_per_px = (east - west) / TILE_PX
        margin = _MARGIN_PX * metres_per_px
        box = (west - margin, south - margin, east + margin, north + margin)
        hits = self.tree.query(shapely.box(*box))
        hits = hits[self.min_zoom[hits] <= z]
        out: dict[str, list[list[int]]] = {}
        if hits.size == 0:
            return {"z": z, "x": x, "y": y, "layers": out}
        clipped = shapely.clip_by_rect(self.geometries[hits], *box)
        simple = shapely.simplify(clipped, metres_per_px / 2, preserve_topology=False)
        for layer, geometry in zip(self.layers[hits], simple, strict=True):
            paths = list(_pixel_paths(geometry, west, north, metres_per_px))
            if paths:
                out.setdefault(str(layer), []).extend(paths)
        return {"z": z, "x": x, "y": y, "layers": out}


def _pixel_paths(
    geometry: shapely.Geometry, west: float, north: float, metres_per_px: float
) -> Iterable[list[int]]:
    """Rings and lines of ``geometry`` as flat integer pixel lists ``[x0, y0, x1, y1, …]``."""
    if geometry is None or shapely.is_empty(geometry):
        return
    for part in shapely.get_parts(geometry):
        kind = shapely.get_type_id(part)
        if kind == 3:  # polygon: every ring, drawn with the even-odd rule
            rings = [shapely.get_exterior_ring(part), *shapely.get_interior_ring(
                part, range(shapely.get_num_interior_rings(part)))]  # fmt: skip
        elif kind in (1, 2):
            rings = [part]
        else:
            continue
        for ring in rings:
            xy = shapely.get_coordinates(ring)
            if len(xy) < 2:
                continue
            px = np.rint((xy[:, 0] - west) / metres_per_px).astype(np.int64)
            py = np.rint((north - xy[:, 1]) / metres_per_px).astype(np.int64)
            flat = np.column_stack([px, py])
            keep = np.ones(len(flat), dtype=bool)
            keep[1:] = np.any(flat[1:] != flat[:-1], axis=1)  # drop repeated pixels
            flat = flat[keep]
            if len(flat) >= 2:
                yield flat.ravel().tolist()
