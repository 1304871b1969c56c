"""jamlik.ingest: read and check input data (packs, areas, statistics, OSM, GTFS)."""

from jamlik.ingest.osm import OSMData, read_osm
from jamlik.ingest.pack import Pack, PackConfig, check_pack, is_error, load_pack
from jamlik.ingest.pois import extract_buildings, extract_pois, load_categories

__all__ = [
    "OSMData",
    "Pack",
    "PackConfig",
    "check_pack",
    "extract_buildings",
    "extract_pois",
    "is_error",
    "load_categories",
    "load_pack",
    "read_osm",
]
