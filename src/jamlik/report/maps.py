"""Maps rendered offline with matplotlib on the pack's own OpenStreetMap extract.

A report's maps need no tile server: :func:`read_base_map` takes streets (ways with a
``highway`` tag), water (``natural=water``, ``waterway=riverbank``, ``landuse=reservoir``) and
buildings from the pack's OSM file, projected to the pack's CRS, and :func:`area_map` draws
them under area polygons coloured by a value, with a legend, a scale bar, a north arrow and a
line naming the sources. matplotlib's object-oriented API is used (no pyplot state).

Hand-written parts: the scale bar and the north arrow (about 30 lines). matplotlib-scalebar
would add a dependency for one bar; the arrow is one annotation. Both assume a projected CRS
in metres whose y axis points north, as EPSG:3006 (SWEREF 99 TM) and UTM zones do; another CRS
gets no scale bar (a note says so in the caption).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from jamlik.ingest.osm import OSMData, ensure_osm

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BaseMap", "area_map", "base_map_figure", "read_base_map"]

_WATER = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))
_MAJOR = {"motorway", "trunk", "primary", "secondary", "tertiary"}
BACKGROUND = "#ffffff"


@dataclass(frozen=True)
class BaseMap:
    """The background layers of a map, in ``crs``."""

    crs: pyproj.CRS
    streets: gpd.GeoDataFrame  # geometry, major (bool)
    water: gpd.GeoSeries
    buildings: gpd.GeoSeries

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Extent of the streets (``minx, miny, maxx, maxy``)."""
        return tuple(float(v) for v in self.streets.total_bounds)  # type: ignore[return-value]


def read_base_map(osm: str | Path | OSMData, crs: pyproj.CRS | str) -> BaseMap:
    """Read streets, water and buildings from an OSM file (or read data) into ``crs``."""
    data = ensure_osm(osm)
    crs = pyproj.CRS.from_user_input(crs)
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    highway = np.array([tags.get("highway", "") for tags in data.way_tags], dtype=object)
    keep = np.flatnonzero(highway != "")
    starts, ends = data.way_indptr[keep], data.way_indptr[keep + 1]
    counts = ends - starts
    keep, starts, counts = keep[counts >= 2], starts[counts >= 2], counts[counts >= 2]
    index = np.repeat(np.arange(keep.size), counts)
    vertex = np.concatenate([np.arange(s, s + c) for s, c in zip(starts, counts, strict=True)])
    if vertex.size:
        x, y = to_crs.transform(data.way_lon[vertex], data.way_lat[vertex])
        lines = shapely.linestrings(np.column_stack([x, y]), indices=index)
    else:
        lines = np.array([], dtype=object)
    streets = gpd.GeoDataFrame(
        {"major": np.isin(highway[keep], list(_MAJOR))}, geometry=lines, crs=crs
    )

    def areas(test: Callable[[dict[str, str]], bool]) -> gpd.GeoSeries:
        picked = [
            g for g, tags in zip(data.area_geometry, data.area_tags, strict=True) if test(tags)
        ]
        projected = [shapely.transform(g, _projector(to_crs), interleaved=False) for g in picked]
        return gpd.GeoSeries(projected, crs=crs)

    water = areas(lambda tags: any(tags.get(k) == v for k, v in _WATER))
    buildings = areas(lambda tags: "building" in tags)
    return BaseMap(crs=crs, streets=streets, water=water, buildings=buildings)


def _projector(
    transformer: pyproj.Transformer,
) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    def project(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out: tuple[np.ndarray, np.ndarray] = transformer.transform(x, y)
        return out

    return project


def _draw_base(ax: Axes, base: BaseMap) -> None:
    # Thousands of streets and buildings: one collection each (geopandas' per-feature plotting
    # takes seconds per map on a town).
    from matplotlib.collections import LineCollection, PolyCollection

    if len(base.water):
        base.water.plot(ax=ax, color="#b7d3ea", linewidth=0, zorder=1)
    if len(base.buildings):
        rings = shapely.get_exterior_ring(shapely.get_parts(base.buildings.geometry.to_numpy()))
        ax.add_collection(
            PolyCollection(_coordinate_lists(rings), facecolors="#d9d4cc", linewidths=0, zorder=2)
        )
    for major, colour, width in ((False, "#8c8c8c", 0.35), (True, "#505050", 0.9)):
        lines = base.streets.geometry.to_numpy()[base.streets["major"].to_numpy() == major]
        if lines.size:
            ax.add_collection(
                LineCollection(_coordinate_lists(lines), colors=colour, linewidths=width, zorder=4)
            )


def _coordinate_lists(geometries: np.ndarray) -> list[np.ndarray]:
    """Return the vertices of each line or ring, one ``(n, 2)`` array per geometry."""
    coords, index = shapely.get_coordinates(geometries, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts) if coords.size else []


def _nice_length(span_m: float) -> float:
    target = span_m / 5.0
    power = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


def _scale_bar(ax: Axes, crs: pyproj.CRS) -> None:
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        return
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    ax.add_patch(_rectangle(left, bottom, length / 2, height, "#222222"))
    ax.add_patch(_rectangle(left + length / 2, bottom, length / 2, height, "#ffffff"))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(left + length, bottom + 2.2 * height, label, ha="center", va="bottom", fontsize=7)
    ax.text(left, bottom + 2.2 * height, "0", ha="center", va="bottom", fontsize=7)


def _rectangle(x: float, y: float, w: float, h: float, colour: str):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="#222222", linewidth=0.6, zorder=9)


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.84),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        arrowprops={"facecolor": "#222222", "width": 3, "headwidth": 9, "headlength": 9},
        zorder=10,
    )


def _frame(ax: Axes, bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    pad = 0.03 * max(maxx - minx, maxy - miny, 1.0)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(BACKGROUND)


def _finish(
    fig: Figure,
    ax: Axes,
    base: BaseMap,
    bounds: tuple[float, float, float, float],
    *,
    title: str,
    sources: str,
) -> Figure:
    """Frame the map on ``bounds``; add the scale bar, north arrow, title and sources line."""
    _frame(ax, bounds)
    _scale_bar(ax, base.crs)
    _north_arrow(ax)
    ax.set_title(title, fontsize=10)
    fig.text(0.01, 0.01, sources, fontsize=6, color="#444444")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def base_map_figure(base: BaseMap, *, title: str, sources: str) -> Figure:
    """Draw only the base layers (for a pack without areas): streets, water, buildings."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 6.0), dpi=110)
    ax = fig.add_subplot()
    _draw_base(ax, base)
    return _finish(fig, ax, base, base.bounds, title=title, sources=sources)


def area_map(
    base: BaseMap,
    areas: gpd.GeoDataFrame,
    column: str,
    *,
    title: str,
    legend: str,
    sources: str,
    diverging: bool = False,
    reverse: bool = False,
    outline: gpd.GeoSeries | None = None,
    changes: gpd.GeoSeries | None = None,
) -> Figure:
    """Draw ``areas`` coloured by ``column`` over the base layers.

    Parameters
    ----------
    base
        The background (:func:`read_base_map`).
    areas
        Polygons in the base's CRS with a numeric ``column`` (NaN: hatched grey, no value).
    title, legend, sources
        Texts (already translated): the map's title, the colour bar's label, the sources line.
    diverging
        Colour around zero (a change): blue for lower values, red for higher, centred at 0.
    reverse
        Reverse the colours (for a time, where lower is better).
    outline
        Polygons to outline in black (e.g. the vulnerable areas).
    changes
        The plan's changes, drawn in magenta on top.
    """
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 6.0), dpi=110)
    ax = fig.add_subplot()
    _draw_base(ax, base)
    values = areas[column].to_numpy(dtype=np.float64)
    finite = np.isfinite(values)
    cmap = "RdBu_r" if diverging else "viridis"
    if reverse:
        cmap = cmap.removesuffix("_r") if cmap.endswith("_r") else f"{cmap}_r"
    norm = None
    if diverging and finite.any():
        bound = float(np.nanmax(np.abs(values[finite]))) or 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound)
    shown = areas[finite]
    if len(shown):
        shown.plot(
            ax=ax, column=column, cmap=cmap, norm=norm, alpha=0.55, edgecolor="#333333",
            linewidth=0.5, zorder=3, legend=True,
            legend_kwds={"label": legend, "shrink": 0.7},
        )  # fmt: skip
    missing = areas[~finite]
    if len(missing):
        missing.plot(
            ax=ax, facecolor="none", edgecolor="#777777", hatch="///", linewidth=0.4, zorder=3
        )
    if outline is not None and len(outline):
        outline.boundary.plot(ax=ax, color="#000000", linewidth=1.6, zorder=5)
    if changes is not None and len(changes):
        polygons = changes[changes.geom_type.isin(["Polygon", "MultiPolygon"])]
        others = changes[~changes.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(polygons):
            polygons.plot(ax=ax, facecolor="#d81b60", alpha=0.6, edgecolor="#880e4f", zorder=6)
        if len(others):
            others.plot(ax=ax, color="#d81b60", linewidth=2.0, markersize=30, zorder=6)
    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    bounds = (minx, miny, maxx, maxy) if len(areas) else base.bounds
    return _finish(fig, ax, base, bounds, title=title, sources=sources)
