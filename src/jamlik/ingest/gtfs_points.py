"""Read origin and destination points for transit queries: ``id,lon,lat`` or ``id,stop_id``.

Ids and stop ids are read as text (so ``0001`` stays ``0001``); ``lon``/``lat`` are WGS84
degrees. A file may mix both kinds of rows when it has all columns: a row with a ``stop_id``
starts or ends at that stop, others at their coordinates. Positions are checked against the
timetable when the query runs (:func:`jamlik.routing.raptor.link_points`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jamlik.errors import DataError, MissingColumnError, MissingFileError

__all__ = ["read_points"]


def read_points(path: str | Path) -> pd.DataFrame:
    """Read a CSV of points with columns ``id`` and ``lon,lat`` or ``stop_id``.

    Raises
    ------
    MissingFileError
        If the file does not exist.
    MissingColumnError
        If ``id``, or both ``lon,lat`` and ``stop_id``, are missing.
    DataError
        If a ``lon``/``lat`` value is not a number (the message names the line) or the file
        has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"points file {path} does not exist; give a CSV id,lon,lat")
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
    )
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if "id" not in frame.columns:
        raise MissingColumnError(f"{path}: column 'id' is missing; give id,lon,lat or id,stop_id")
    has_xy = {"lon", "lat"} <= set(frame.columns)
    if not has_xy and "stop_id" not in frame.columns:
        raise MissingColumnError(
            f"{path}: needs columns lon and lat, or stop_id (found {', '.join(frame.columns)})"
        )
    if frame.empty:
        raise DataError(f"{path} has no rows; add at least one point")
    out = pd.DataFrame({"id": frame["id"].str.strip()})
    if "stop_id" in frame.columns:
        out["stop_id"] = frame["stop_id"].str.strip()
    if has_xy:
        use_xy = out["stop_id"].eq("") if "stop_id" in out else pd.Series(True, index=out.index)
        for col in ("lon", "lat"):
            text = frame[col].str.strip()
            values = pd.to_numeric(text, errors="coerce")
            bad = values.isna() & (use_xy | text.ne(""))
            if bad.any():
                line = int(bad.to_numpy().nonzero()[0][0]) + 2
                raise DataError(
                    f"{path}, line {line}, column '{col}': {frame[col].iloc[line - 2]!r} is not "
                    "a number; give WGS84 degrees"
                )
            out[col] = values
    return out
