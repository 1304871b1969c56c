"""Coordinates against their stated CRS: the mistakes that projecting cannot catch.

A table's coordinates are checked against the CRS they are said to be in (and, when they are
projected into a pack, against the pack CRS too), using the CRS's *area of use*
(:attr:`pyproj.CRS.area_of_use`, the region in degrees where the CRS is meant to be used;
its bounds are transformed into the CRS, densified along the edges). A margin of a tenth of
each side plus 10 km is allowed, so data near a border pass. Outside that region, a point is
diagnosed as:

* **degrees called metres**: a projected CRS, and ``|x| <= 180``, ``|y| <= 90``;
* **metres called degrees**: a geographic CRS, and ``|x| > 180`` or ``|y| > 90``;
* **swapped axes**: the point is inside once x and y are exchanged (northing before easting,
  latitude before longitude);
* **far outside** the area of use: anything else.

The first three are errors (the numbers would be silently wrong). Far outside is an error when
it holds for every point, else a warning naming the rows. A point at exactly ``0, 0`` is an
error in any CRS (a missing coordinate written as zero: the Gulf of Guinea, or a false origin).
A CRS without an area of use (a custom PROJ string) gets only the ``0, 0`` check.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray

from jamlik.errors import Problem, ProblemWarning
from jamlik.i18n import catalogue, t

__all__ = ["area_of_use_bounds", "area_text", "check_coordinates", "check_geometries"]

_MARGIN_SHARE = 0.1
_MARGIN_M = 10_000.0
_MARGIN_DEG = 0.1
_MAX_LISTED = 5


@lru_cache(maxsize=64)
def _bounds(wkt: str) -> tuple[float, float, float, float] | None:
    crs = pyproj.CRS.from_wkt(wkt)
    area = crs.area_of_use
    if area is None:
        return None
    if crs.is_geographic:
        to_crs = pyproj.Transformer.from_crs(crs.geodetic_crs or crs, crs, always_xy=True)
    else:
        to_crs = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    west, south, east, north = to_crs.transform_bounds(*area.bounds, densify_pts=21)
    if not all(np.isfinite([west, south, east, north])):
        return None
    margin = _MARGIN_DEG if crs.is_geographic else _MARGIN_M
    dx = (east - west) * _MARGIN_SHARE + margin
    dy = (north - south) * _MARGIN_SHARE + margin
    return west - dx, south - dy, east + dx, north + dy


def area_of_use_bounds(crs: pyproj.CRS) -> tuple[float, float, float, float] | None:
    """``(xmin, ymin, xmax, ymax)`` of ``crs``'s area of use in its own units, with the margin.

    ``None`` when the CRS states no area of use. Axis order is x (easting, longitude) first.
    """
    return _bounds(crs.to_wkt())


def _inside(x: NDArray[np.float64], y: NDArray[np.float64], bounds: tuple[float, ...]) -> NDArray:
    xmin, ymin, xmax, ymax = bounds
    return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)


def _transform(
    project: pyproj.Transformer, x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    # pyproj takes a one-element array for a scalar (and NumPy warns); pad it to two.
    n = x.size
    if n == 1:
        x, y = np.repeat(x, 2), np.repeat(y, 2)
    px, py = project.transform(x, y)
    return np.asarray(px, dtype=float)[:n], np.asarray(py, dtype=float)[:n]


def check_coordinates(
    x: ArrayLike,
    y: ArrayLike,
    *,
    crs: pyproj.CRS,
    label: str,
    column: str | None = None,
    rows: ArrayLike | None = None,
    unit: str = "line",
    pack_crs: pyproj.CRS | None = None,
    what: str = "point",
) -> list[Problem]:
    """Check coordinates ``x, y`` said to be in ``crs``; return the problems, naming rows.

    Parameters
    ----------
    x, y
        Easting/longitude and northing/latitude (x first, whatever the CRS's axis order).
        Non-finite values are skipped (the readers report them).
    crs
        The CRS the file or ``pack.toml`` states.
    label, column
        The file (and layer) and the column named in the problems.
    rows, unit
        The values' rows as problems name them (default ``1 .. n``) and what they count:
        ``line`` of a text file (header = line 1), ``record`` or ``feature`` (see
        :class:`~jamlik.errors.Problem`).
    pack_crs
        When the points are projected into a pack, its CRS: the projected points must lie in
        its area of use too (lon/lat swapped in a ``EPSG:4326`` table lands far outside it).
    what
        The word for one row in messages (``point``, ``area``).
    """
    from jamlik.ingest.areas import format_rows

    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    positions = np.arange(1, xs.size + 1) if rows is None else np.asarray(rows)
    finite = np.isfinite(xs) & np.isfinite(ys)
    problems: list[Problem] = []
    zero = finite & (xs == 0) & (ys == 0)
    if zero.any():
        msg = t("ingest.crs.zero", what=_word(what), crs=crs.name)
        problems.append(Problem(label, msg, format_rows(positions[zero]), column, unit))
    checked = finite & ~zero
    own = area_of_use_bounds(crs)
    if own is None or not checked.any():
        return problems
    inside = _inside(xs, ys, own)
    swapped_inside = _inside(ys, xs, own)
    target = area_of_use_bounds(pack_crs) if pack_crs is not None else None
    if pack_crs is not None and target is not None and not pack_crs.equals(crs):
        project = pyproj.Transformer.from_crs(crs, pack_crs, always_xy=True)
        px, py = _transform(project, xs, ys)
        inside &= np.isfinite(px) & np.isfinite(py) & _inside(px, py, target)
        sx, sy = _transform(project, ys, xs)
        swapped_inside &= np.isfinite(sx) & np.isfinite(sy) & _inside(sx, sy, target)
    outside = checked & ~inside
    if not outside.any():
        return problems
    small = (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
    units = "metres" if crs.is_geographic else "degrees"
    wrong_units = outside & (~small if crs.is_geographic else small)
    swapped = outside & ~wrong_units & swapped_inside
    kinds = {units: wrong_units, "swapped": swapped, "far": outside & ~wrong_units & ~swapped}
    where = area_text(crs)
    region = pack_crs if pack_crs is not None and not pack_crs.equals(crs) else crs
    word = _word(what)
    far = "ingest.crs.far_pack" if pack_crs is not None else "ingest.crs.far"
    messages = {
        "degrees": t("ingest.crs.degrees", what=word, crs=crs.name),
        "metres": t("ingest.crs.metres", what=word, crs=crs.name),
        "swapped": t("ingest.crs.swapped", what=word, region=area_text(region)),
        "far": t(far, what=word, crs=crs.name, where=where,
                 pack_crs=pack_crs.name if pack_crs is not None else ""),
    }  # fmt: skip
    for kind, mask in kinds.items():
        if not mask.any():
            continue
        warn = kind == "far" and mask.sum() < checked.sum()
        make = ProblemWarning if warn else Problem
        problems.append(make(label, messages[kind], format_rows(positions[mask]), column, unit))
    return problems


def _word(what: str) -> str:
    """Return the word for one row (``point``, ``area``) in the reader's language."""
    key = f"ingest.crs.what.{what}"
    return t(key) if key in catalogue() else what


def area_text(crs: pyproj.CRS) -> str:
    """Return the area of use of ``crs`` as people read it: its name and bounds in degrees."""
    area = crs.area_of_use
    if area is None:
        return t("ingest.crs.no_area")
    west, south, east, north = area.bounds
    return f"{area.name.rstrip('.')}: {west:g}..{east:g} E, {south:g}..{north:g} N"


def check_geometries(
    geometries: ArrayLike,
    *,
    crs: pyproj.CRS,
    label: str,
    rows: ArrayLike | None = None,
    unit: str = "feature",
    pack_crs: pyproj.CRS | None = None,
    what: str = "area",
) -> list[Problem]:
    """:func:`check_coordinates` on the centre of each geometry's bounding box (empty: skipped)."""
    import shapely

    bounds = shapely.bounds(np.asarray(geometries))
    x = (bounds[:, 0] + bounds[:, 2]) / 2
    y = (bounds[:, 1] + bounds[:, 3]) / 2
    return check_coordinates(
        x, y, crs=crs, label=label, column="geometry", rows=rows, unit=unit, pack_crs=pack_crs,
        what=what,
    )  # fmt: skip
