"""Storage: atomic file outputs (GeoPackage, CSV, JSON) and the writers of each result kind."""

from jamlik.storage.access_outputs import sources_table, write_access_outputs
from jamlik.storage.files import atomic_path, write_csv, write_geopackage, write_json

__all__ = [
    "atomic_path",
    "sources_table",
    "write_access_outputs",
    "write_csv",
    "write_geopackage",
    "write_json",
]
