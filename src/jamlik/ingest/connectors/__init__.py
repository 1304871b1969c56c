"""jamlik.ingest.connectors: build data packs from public sources (SCB, OpenStreetMap, GTFS).

Network access lives here and nowhere else in jamlik: a careful HTTP client
(:mod:`~jamlik.ingest.connectors.http`), SCB's PxWebApi 2 (:mod:`.pxweb`, with the tables in
the data file ``scb_tables.toml``), SCB's DeSO/RegSO geodata (:mod:`.scb_geo`), OSM and GTFS
clipping (:mod:`.osm_extract`, :mod:`.gtfs_feed`) and the pack builder (:mod:`.pack_builder`).
"""

from jamlik.ingest.connectors.http import FetchError, HttpClient
from jamlik.ingest.connectors.pack_builder import FetchOptions, FetchResult, build_pack

__all__ = ["FetchError", "FetchOptions", "FetchResult", "HttpClient", "build_pack"]
