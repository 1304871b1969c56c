"""Storage: generic, atomic file outputs (GeoPackage, CSV, JSON) and result folders."""

from jamlik.storage.files import atomic_path, write_csv, write_geopackage, write_json
from jamlik.storage.result_sets import (
    MANIFEST,
    ResultFolder,
    check_replaceable,
    recover_result_folder,
    result_folder,
    sources_table,
)

__all__ = [
    "MANIFEST",
    "ResultFolder",
    "atomic_path",
    "check_replaceable",
    "recover_result_folder",
    "result_folder",
    "sources_table",
    "write_csv",
    "write_geopackage",
    "write_json",
]
