"""jamlik.ingest: read and check input data (packs, areas, statistics, OSM, GTFS)."""

from jamlik.ingest.osm import OSMData, read_osm
from jamlik.ingest.pack import Pack, PackConfig, check_pack, is_error, load_pack

__all__ = ["OSMData", "Pack", "PackConfig", "check_pack", "is_error", "load_pack", "read_osm"]
