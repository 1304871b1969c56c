"""Read an OpenStreetMap file (PBF or XML) once into plain arrays.

:func:`read_osm` streams the file with pyosmium (``osmium.FileProcessor`` with node locations
and area assembly) and keeps what the later stages need:

* **tagged nodes** (POIs, stops): id, lon/lat and tags;
* **tagged ways** as lines: id, tags and the node ids and lon/lat of every vertex, in CSR form
  (``way_indptr``). Closed ways without a ``highway``, ``railway`` or ``public_transport`` tag
  (buildings, land use, ...) are surfaces and are kept as areas only, which saves most of the
  vertex copying in full extracts. A way that refers to nodes missing from the file (a clipped
  extract) is split at the gaps into runs that keep the same way id; runs of fewer than two
  vertices are dropped and counted in ``OSMData.n_broken_ways``;
* **areas** (closed ways and ``type=multipolygon`` relations assembled by libosmium) as
  shapely (multi)polygons in lon/lat with their tags, for POIs, parks and buildings.

Everything is in WGS84 lon/lat; :func:`project` moves coordinates to a metric CRS and
:func:`utm_crs` picks the UTM zone of a point when the caller gives no CRS. Untagged nodes are
not kept (their locations live in the ways).

Read a file once and pass the :class:`OSMData` on: ``build_street_network``,
``extract_pois`` and ``extract_buildings`` accept it as well as a path (a path is read again
on every call).

Errors: a missing file raises :class:`~jamlik.errors.MissingFileError`; a truncated file or one
that is not OSM raises :class:`~jamlik.errors.OSMReadError`; both name the file.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
import pyproj
import shapely
from osmium.geom import WKBFactory

from jamlik.errors import CRSError, MissingFileError, OSMReadError
from jamlik.i18n import t

__all__ = ["OSMData", "ensure_osm", "read_osm", "resolve_crs", "utm_crs"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
Tags = dict[str, str]

# Closed ways with none of these keys are surfaces: kept as areas, not as lines.
_LINE_KEYS = frozenset({"highway", "railway", "public_transport"})
# Suffixes that libosmium recognises by itself; other files are sniffed (XML or PBF).
_KNOWN_SUFFIXES = (".pbf", ".osm", ".osm.gz", ".osm.bz2", ".o5m", ".opl")


@dataclass(frozen=True, eq=False)
class OSMData:
    """The content of one OSM file, as arrays in WGS84 lon/lat.

    Attributes
    ----------
    source
        File name, used in messages.
    node_id, node_lon, node_lat, node_tags
        Tagged nodes.
    way_id, way_tags
        One entry per way run (see the module docstring); ``way_tags[i]`` is shared by runs of
        the same way.
    way_indptr
        ``int64`` of length ``n_ways + 1``; the vertices of way ``i`` are
        ``way_indptr[i]:way_indptr[i + 1]`` in ``way_node_id``, ``way_lon`` and ``way_lat``.
    area_osm_type
        ``"way"`` or ``"relation"``: the object each area was built from.
    area_osm_id, area_tags, area_geometry
        OSM id, tags and shapely (multi)polygon (lon/lat) of each area.
    n_broken_ways
        Way runs dropped because fewer than two of their nodes had a location.
    """

    source: str
    node_id: IntArray
    node_lon: FloatArray
    node_lat: FloatArray
    node_tags: list[Tags]
    way_id: IntArray
    way_tags: list[Tags]
    way_indptr: IntArray
    way_node_id: IntArray
    way_lon: FloatArray
    way_lat: FloatArray
    area_osm_type: ObjectArray
    area_osm_id: IntArray
    area_tags: list[Tags]
    area_geometry: ObjectArray
    n_broken_ways: int = 0

    @property
    def n_ways(self) -> int:
        """Number of way runs."""
        return int(self.way_id.size)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` of all kept nodes and way vertices."""
        lon = np.concatenate([self.node_lon, self.way_lon])
        lat = np.concatenate([self.node_lat, self.way_lat])
        if lon.size == 0:
            raise OSMReadError(t("ingest.osm.no_nodes", source=self.source))
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    def default_crs(self) -> str:
        """UTM zone of the centre of :attr:`bounds` (see :func:`utm_crs`)."""
        x0, y0, x1, y1 = self.bounds
        return utm_crs((x0 + x1) / 2, (y0 + y1) / 2)


def utm_crs(lon: float, lat: float) -> str:
    """Return the WGS84 UTM zone of a point as ``"EPSG:326zz"`` (north) or ``"EPSG:327zz"``.

    The zone is ``floor((lon + 180) / 6) + 1`` (the Norwegian and Svalbard exceptions are
    ignored: lengths stay accurate to a few parts in 10,000 within a zone's neighbourhood).
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CRSError(t("ingest.osm.no_utm_zone", lon=lon, lat=lat))
    zone = min(60, max(1, int(math.floor((lon + 180.0) / 6.0)) + 1))
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def resolve_crs(crs: str | None, osm: OSMData) -> str:
    """Return ``crs`` normalised (``"EPSG:3006"``), or the data's UTM zone when ``None``.

    Raises
    ------
    CRSError
        If ``crs`` is not a CRS pyproj knows, or is geographic (lengths need metres).
    """
    if crs is None:
        chosen = osm.default_crs()
        logger.info(t("ingest.osm.default_crs", source=osm.source, crs=chosen))
        return chosen
    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(t("ingest.osm.unknown_crs", crs=crs, reason=exc)) from None
    if not parsed.is_projected:
        raise CRSError(t("ingest.osm.not_projected", crs=crs))
    authority = parsed.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else parsed.to_string()


def _open(path: Path) -> osmium.io.File | str:
    """Return what osmium should open: the path, or a File with a sniffed format."""
    name = path.name.lower()
    if name.endswith(_KNOWN_SUFFIXES):
        return str(path)
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    fmt = "osm" if head.startswith(b"<") else "pbf"
    return osmium.io.File(str(path), fmt)


def read_osm(path: str | Path) -> OSMData:
    """Read an OSM PBF or XML file into an :class:`OSMData`.

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm`` (XML), ``.osm.gz``/``.bz2``; other names are sniffed.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    OSMReadError
        If the file is truncated, empty or not OpenStreetMap data.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(t("ingest.osm.file_missing", path=str(path)))
    source = str(path)
    nodes_id: list[int] = []
    nodes_lon: list[float] = []
    nodes_lat: list[float] = []
    nodes_tags: list[Tags] = []
    ways = _WayCollector()
    area_type: list[str] = []
    area_id: list[int] = []
    area_tags: list[Tags] = []
    area_wkb: list[bytes] = []
    factory = WKBFactory()
    try:
        processor = (
            osmium.FileProcessor(_open(path))
            .with_areas()
            .with_filter(osmium.filter.EmptyTagFilter())
        )
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                if not loc.valid():
                    continue
                nodes_id.append(obj.id)
                nodes_lon.append(loc.lon)
                nodes_lat.append(loc.lat)
                nodes_tags.append({t.k: t.v for t in obj.tags})
            elif isinstance(obj, osmium.osm.Way):
                tags = {t.k: t.v for t in obj.tags}
                if obj.is_closed() and _LINE_KEYS.isdisjoint(tags):
                    continue  # a surface (building, landuse, ...): kept as an area only
                start = len(ways.v_id)
                for ref in obj.nodes:
                    loc = ref.location
                    if loc.valid():
                        ways.v_id.append(ref.ref)
                        ways.v_lon.append(loc.lon)
                        ways.v_lat.append(loc.lat)
                    else:
                        ways.finish_run(obj.id, tags, start)
                        start = len(ways.v_id)
                ways.finish_run(obj.id, tags, start)
            elif isinstance(obj, osmium.osm.Area):
                try:
                    wkb = factory.create_multipolygon(obj)
                except RuntimeError:  # invalid ring: libosmium gives up on this area
                    continue
                area_type.append("way" if obj.from_way() else "relation")
                area_id.append(obj.orig_id())
                area_tags.append({t.k: t.v for t in obj.tags})
                area_wkb.append(bytes.fromhex(wkb) if isinstance(wkb, str) else wkb)
    except RuntimeError as exc:
        raise OSMReadError(t("ingest.osm.unreadable", source=source, reason=exc)) from None
    if not ways.ids and not nodes_id and not area_id:
        logger.warning(t("ingest.osm.nothing_tagged", source=source))
    if ways.broken:
        logger.info(t("ingest.osm.ways_dropped", source=source, n=ways.broken))
    indptr = np.zeros(len(ways.lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(ways.lengths, dtype=np.int64), out=indptr[1:])
    geometry = shapely.from_wkb(np.asarray(area_wkb, dtype=object))
    return OSMData(
        source=source,
        node_id=np.asarray(nodes_id, dtype=np.int64),
        node_lon=np.asarray(nodes_lon, dtype=np.float64),
        node_lat=np.asarray(nodes_lat, dtype=np.float64),
        node_tags=nodes_tags,
        way_id=np.asarray(ways.ids, dtype=np.int64),
        way_tags=ways.tags,
        way_indptr=indptr,
        way_node_id=np.asarray(ways.v_id, dtype=np.int64),
        way_lon=np.asarray(ways.v_lon, dtype=np.float64),
        way_lat=np.asarray(ways.v_lat, dtype=np.float64),
        area_osm_type=np.asarray(area_type, dtype=object),
        area_osm_id=np.asarray(area_id, dtype=np.int64),
        area_tags=area_tags,
        area_geometry=np.asarray(geometry, dtype=object),
        n_broken_ways=ways.broken,
    )


class _WayCollector:
    """Growing lists of way runs and their vertices while the file streams by."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.tags: list[Tags] = []
        self.lengths: list[int] = []
        self.v_id: list[int] = []
        self.v_lon: list[float] = []
        self.v_lat: list[float] = []
        self.broken = 0

    def finish_run(self, way_id: int, tags: Tags, start: int) -> None:
        """Close the run of located vertices that began at ``start``.

        A run of two or more vertices becomes a way; a lone vertex cannot form a line and is
        removed (counted in ``broken``).
        """
        run = len(self.v_id) - start
        if run >= 2:
            self.ids.append(way_id)
            self.tags.append(tags)
            self.lengths.append(run)
        elif run == 1:
            del self.v_id[start:], self.v_lon[start:], self.v_lat[start:]
            self.broken += 1


def ensure_osm(osm: str | Path | OSMData) -> OSMData:
    """Return ``osm`` if it is already read, else read the file it names."""
    return osm if isinstance(osm, OSMData) else read_osm(osm)
