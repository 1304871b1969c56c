"""Storage: generic, atomic file outputs (GeoPackage, CSV, JSON) and result sets."""

from jamlik.storage.files import atomic_path, write_csv, write_geopackage, write_json
from jamlik.storage.result_sets import sources_table, write_result_set

__all__ = [
    "atomic_path",
    "sources_table",
    "write_csv",
    "write_geopackage",
    "write_json",
    "write_result_set",
]
