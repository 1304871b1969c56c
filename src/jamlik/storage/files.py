"""Atomic file outputs: nothing is ever half-written.

Every writer renders into a temporary file in the destination folder and renames it into place
(``os.replace`` is atomic on POSIX and Windows within one file system). A failure leaves any
earlier file untouched and removes the temporary one. A process killed outright (``kill -9``)
cannot clean up: its temporary file ``.<name>.tmp-<pid>-…`` is removed by the next write to the
same target, once that process no longer runs.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["atomic_path", "write_csv", "write_geopackage", "write_json"]


@contextmanager
def atomic_path(target: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.tmp-"
    for stale in target.parent.glob(f"{glob_escape(prefix)}*"):
        pid = stale.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f"{prefix}{os.getpid()}-", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def glob_escape(text: str) -> str:
    """Return ``text`` as a glob pattern that matches it literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one always does; another user's counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_with(target: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        write(tmp)
    return Path(target)


def write_csv(frame: pd.DataFrame, target: str | os.PathLike[str], *, index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV atomically."""
    return _write_with(target, lambda p: frame.to_csv(p, index=index, encoding="utf-8"))


def write_json(data: Mapping[str, Any], target: str | os.PathLike[str]) -> Path:
    """Write ``data`` as indented UTF-8 JSON atomically (NaN and infinity are written as null)."""

    def write(p: Path) -> None:
        text = json.dumps(_nan_to_none(data), ensure_ascii=False, indent=2, allow_nan=False)
        p.write_text(text + "\n", encoding="utf-8")

    return _write_with(target, write)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def write_geopackage(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame], target: str | os.PathLike[str]
) -> Path:
    """Write several layers into one GeoPackage atomically.

    Non-spatial tables (plain DataFrames) become attribute-only layers, which QGIS shows as
    tables.

    The layers go into a private temporary file that is renamed into place only when complete,
    so SQLite's rollback journal and its flush to disk after every layer buy nothing here; they
    are switched off while writing (``SQLITE_USE_OGR_VFS``, ``OGR_SQLITE_JOURNAL``: about 0.1 s
    per layer on a busy disk) and the finished file is flushed once before the rename.
    """
    import pyogrio

    def write(p: Path) -> None:
        with _gdal_config({"SQLITE_USE_OGR_VFS": "YES", "OGR_SQLITE_JOURNAL": "OFF"}):
            for name, frame in layers.items():
                if isinstance(frame, gpd.GeoDataFrame):
                    frame.to_file(p, layer=name, driver="GPKG", engine="pyogrio")
                else:
                    pyogrio.write_dataframe(frame, p, layer=name, driver="GPKG")
        with p.open("rb+") as fh:
            os.fsync(fh.fileno())

    return _write_with(target, write)


@contextmanager
def _gdal_config(options: Mapping[str, str]) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a block, then restore them."""
    import pyogrio

    before = {name: pyogrio.get_gdal_config_option(name) for name in options}
    pyogrio.set_gdal_config_options(dict(options))
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)
