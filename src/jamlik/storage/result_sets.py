"""Write a result set: one GeoPackage of layers and CSV tables beside it, all or nothing.

Generic: the caller (a run's result) decides which layers and tables make up its output; this
module only writes them. A set is several files, and no file system renames several files at
once, so the set is committed like a database transaction:

1. every file is written into a hidden staging folder beside the target (the slow part);
2. a commit record listing the renames is written and renamed into place: from this moment the
   new set counts as written;
3. each staged file is renamed onto its target (microseconds), then the record and the staging
   folder are removed.

A process killed in 1 leaves the previous set untouched and a staging folder without a record,
which the next write to the same target removes. Killed in 3, the record is there: the next
write (or :func:`recover_result_set`) finishes the renames first. So the files a user sees are
the previous complete set or the new one, and a rerun leaves no stray files.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from jamlik.storage.files import write_csv, write_geopackage

__all__ = ["recover_result_set", "sources_table", "write_result_set"]


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

    The files appear together or not at all (see the module docstring); a failed or killed run
    leaves the previous set as it was.

    Returns
    -------
    dict
        Paths written: ``geopackage`` and one entry per CSV table.
    """
    target = Path(target)
    if target.suffix.lower() != ".gpkg":
        target = target.with_suffix(".gpkg")
    recover_result_set(target)
    staging = _staging(target)
    staging.mkdir(parents=True)
    try:
        final = {"geopackage": target}
        staged = {"geopackage": write_geopackage(dict(layers), staging / target.name)}
        for name, table in (csv_tables or {}).items():
            final[name] = target.with_name(f"{target.stem}_{name}.csv")
            staged[name] = write_csv(table, staging / final[name].name)
        renames = [[str(staged[k]), str(final[k])] for k in final]
        _write_record(target, renames)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    recover_result_set(target)
    return final


def _staging(target: Path) -> Path:
    return target.with_name(f".{target.name}.staging")


def _record(target: Path) -> Path:
    return target.with_name(f".{target.name}.commit.json")


def _write_record(target: Path, renames: list[list[str]]) -> None:
    record = _record(target)
    tmp = record.with_name(record.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump({"renames": renames}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, record)


def recover_result_set(target: str | os.PathLike[str]) -> None:
    """Finish a committed result set's renames, or drop an uncommitted one, for ``target``."""
    target = Path(target)
    record = _record(target)
    if record.exists():
        renames = json.loads(record.read_text(encoding="utf-8"))["renames"]
        for source, destination in renames:
            if Path(source).exists():
                os.replace(source, destination)
        record.unlink()
    record.with_name(record.name + ".tmp").unlink(missing_ok=True)
    shutil.rmtree(_staging(target), ignore_errors=True)
