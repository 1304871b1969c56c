"""Write the results of a pack accessibility run: one GeoPackage and CSV tables beside it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from jamlik.indicators.pack_access import PackAccess
from jamlik.storage.files import write_csv, write_geopackage

__all__ = ["sources_table", "write_access_outputs"]


def sources_table(sources: Sequence[object]) -> pd.DataFrame:
    """Return ``name, licence, attribution, url`` for the data sources of an output."""
    rows = [
        {
            "name": getattr(s, "name", ""),
            "licence": getattr(s, "licence", ""),
            "attribution": getattr(s, "attribution", "") or "",
            "url": getattr(s, "url", "") or "",
        }
        for s in sources
    ]
    return pd.DataFrame(rows, columns=["name", "licence", "attribution", "url"])


def write_access_outputs(
    result: PackAccess, target: str | os.PathLike[str], *, sources: Sequence[object] = ()
) -> dict[str, Path]:
    """Write ``result`` to ``target`` (a ``.gpkg``) and CSV tables beside it.

    Layers of the GeoPackage: ``areas`` (when the pack has areas), ``origins``,
    ``opportunities``, and the tables ``column_descriptions`` (Swedish and English), ``summary``,
    ``notes`` and ``sources``. CSV files: ``<stem>_summary.csv``,
    ``<stem>_column_descriptions.csv``, ``<stem>_sources.csv``. Every file is written to a
    temporary name and renamed, so a failed run leaves no half-written output.

    Returns
    -------
    dict
        Paths written, by kind.
    """
    target = Path(target)
    if target.suffix.lower() != ".gpkg":
        target = target.with_suffix(".gpkg")
    src = sources_table(sources)
    notes = pd.DataFrame({"note": list(result.notes)}, dtype=str)
    layers: dict[str, pd.DataFrame] = {}
    if result.areas is not None:
        layers["areas"] = result.areas
    layers["origins"] = result.origins
    layers["opportunities"] = result.opportunities
    layers["column_descriptions"] = result.descriptions
    layers["summary"] = result.summary
    layers["sources"] = src
    if not notes.empty:
        layers["notes"] = notes
    written = {"geopackage": write_geopackage(layers, target)}
    stem = target.with_suffix("")
    written["summary"] = write_csv(result.summary, f"{stem}_summary.csv")
    written["descriptions"] = write_csv(result.descriptions, f"{stem}_column_descriptions.csv")
    written["sources"] = write_csv(src, f"{stem}_sources.csv")
    return written
