"""Write a result set: one GeoPackage of layers and CSV tables beside it.

Generic: the caller (a run's result) decides which layers and tables make up its output; this
module only writes them, each to a temporary name renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from jamlik.storage.files import write_csv, write_geopackage

__all__ = ["sources_table", "write_result_set"]


def sources_table(sources: Sequence[object]) -> pd.DataFrame:
    """Return ``name, licence, attribution, url, retrieved`` for the data sources of an output."""
    rows = [
        {
            "name": getattr(s, "name", ""),
            "licence": getattr(s, "licence", ""),
            "attribution": getattr(s, "attribution", "") or "",
            "url": getattr(s, "url", "") or "",
            "retrieved": getattr(s, "retrieved", "") or "",
        }
        for s in sources
    ]
    return pd.DataFrame(rows, columns=["name", "licence", "attribution", "url", "retrieved"])


def write_result_set(
    layers: Mapping[str, pd.DataFrame],
    target: str | os.PathLike[str],
    *,
    csv_tables: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write ``layers`` to ``target`` (a ``.gpkg``) and ``csv_tables`` as ``<stem>_<name>.csv``.

    Every file is written to a temporary name and renamed, so a failed run leaves no
    half-written output.

    Returns
    -------
    dict
        Paths written: ``geopackage`` and one entry per CSV table.
    """
    target = Path(target)
    if target.suffix.lower() != ".gpkg":
        target = target.with_suffix(".gpkg")
    written = {"geopackage": write_geopackage(dict(layers), target)}
    stem = target.with_suffix("")
    for name, table in (csv_tables or {}).items():
        written[name] = write_csv(table, f"{stem}_{name}.csv")
    return written
