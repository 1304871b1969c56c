"""Coordinates: projection from WGS84 and great-circle distances.

The one low module for geometry helpers that several stages need (ingest, networks, routing,
runs), so that none of them borrows another stage's private helper.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely

__all__ = ["haversine_m", "project", "project_geometry", "transform_xy"]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[Any]
_EARTH_RADIUS_M = 6_371_008.8


def project(lon: npt.ArrayLike, lat: npt.ArrayLike, crs: str) -> tuple[FloatArray, FloatArray]:
    """Project WGS84 lon/lat arrays to ``crs``; returns ``(x, y)`` in that CRS's units."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return _transform(transformer, lon, lat)


def transform_xy(
    x: npt.ArrayLike, y: npt.ArrayLike, *, from_crs: str, to_crs: str
) -> tuple[FloatArray, FloatArray]:
    """Transform coordinate arrays between any two CRSs (axis order x/lon first)."""
    transformer = pyproj.Transformer.from_crs(from_crs, to_crs, always_xy=True)
    return _transform(transformer, x, y)


def _transform(
    transformer: pyproj.Transformer, x: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    # pyproj 3.7 treats one-element arrays as scalars and numpy >= 1.25 warns about that
    # conversion; transforming the point twice and keeping one copy avoids the scalar path.
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    single = xs.size == 1
    if single:
        xs, ys = np.repeat(xs, 2), np.repeat(ys, 2)
    out_x, out_y = transformer.transform(xs, ys)
    out_x, out_y = np.asarray(out_x, dtype=np.float64), np.asarray(out_y, dtype=np.float64)
    return (out_x[:1], out_y[:1]) if single else (out_x, out_y)


def project_geometry(geometry: ObjectArray, crs: str) -> ObjectArray:
    """Project an array of shapely geometries from lon/lat to ``crs``."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    out: ObjectArray = shapely.transform(
        geometry, lambda xy: np.column_stack(_transform(transformer, xy[:, 0], xy[:, 1]))
    )
    return out


def haversine_m(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """Great-circle distance in metres on a sphere of the mean Earth radius (6,371,008.8 m)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))
