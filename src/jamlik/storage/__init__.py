"""Storage: atomic file outputs (GeoPackage, CSV, JSON)."""

from jamlik.storage.files import atomic_path, write_csv, write_geopackage, write_json

__all__ = ["atomic_path", "write_csv", "write_geopackage", "write_json"]
