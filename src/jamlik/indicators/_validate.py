"""Input contracts shared by the indicator families.

Every public indicator function checks its input here before any arithmetic, so that bad data
fails early with a named error that says *where* the problem is (file, row, column) and *how*
to fix it. The checks are vectorised; only the first few offending rows are named in the
message.

The ``source`` argument of every check is a human-readable name of the input (a file path, or
``"input"`` for an in-memory frame); it is repeated in every message.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import (
    DataError,
    DuplicateIdError,
    MissingColumnError,
    NegativeValueError,
)
from jamlik.i18n import format_number, t

__all__ = [
    "require_columns",
    "require_finite",
    "require_group_le_total",
    "require_min_areas",
    "require_non_negative",
    "require_unique_ids",
    "rows_label",
]

_SHOW = 5  # offending rows named in a message


def rows_label(frame: pd.DataFrame, mask: npt.NDArray[np.bool_]) -> str:
    """Describe the first offending rows of ``frame`` by their line in the table as a file.

    Lines count the header as line 1, so the first data row is line 2: the line a text editor
    shows for a CSV and the row number a spreadsheet shows (the convention everywhere in jamlik,
    as in the canonical GTFS validator). When the frame has a meaningful index (not a plain
    range), its label is named too.
    """
    positions = np.flatnonzero(mask)
    labelled = not isinstance(frame.index, pd.RangeIndex)
    parts = [
        t("indicators.row_id", line=int(p) + 2, id=frame.index[p])
        if labelled
        else t("indicators.row", line=int(p) + 2)
        for p in positions[:_SHOW]
    ]
    more = positions.size - _SHOW
    return ", ".join(parts) + (t("indicators.rows_more", n=format_number(more)) if more > 0 else "")


def require_columns(frame: pd.DataFrame, columns: Sequence[Hashable], *, source: str) -> None:
    """Raise :class:`MissingColumnError` unless every column in ``columns`` is present."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:20]))
        raise MissingColumnError(
            t(
                "indicators.missing_columns",
                source=source,
                items=", ".join(map(repr, missing)),
                have=have,
            )
        )


def require_finite(frame: pd.DataFrame, columns: Sequence[Hashable], *, source: str) -> None:
    """Raise :class:`DataError` if a column is not numeric or holds NaN/inf values."""
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataError(
                t("indicators.non_numeric", source=source, col=col, value=rows_label(frame, bad))
            )


def require_non_negative(frame: pd.DataFrame, columns: Sequence[Hashable], *, source: str) -> None:
    """Raise :class:`NegativeValueError` if any count in ``columns`` is negative."""
    require_finite(frame, columns, source=source)
    for col in columns:
        values = frame[col].to_numpy(dtype=float)
        bad = values < 0
        if bad.any():
            raise NegativeValueError(
                t(
                    "indicators.negative_counts",
                    source=source,
                    col=col,
                    value=rows_label(frame, bad),
                )
            )


def require_group_le_total(
    frame: pd.DataFrame, group: Hashable, total: Hashable, *, source: str
) -> None:
    """Raise :class:`DataError` where the group count exceeds the total count of its area."""
    bad = frame[group].to_numpy(dtype=float) > frame[total].to_numpy(dtype=float)
    if bad.any():
        raise DataError(
            t(
                "indicators.group_above_total",
                source=source,
                group=group,
                total=total,
                value=rows_label(frame, bad),
            )
        )


def require_unique_ids(ids: pd.Series | pd.Index, *, source: str, column: str = "id") -> None:
    """Raise :class:`DuplicateIdError` if ``ids`` repeats a value."""
    values = pd.Series(ids)
    dup = values.duplicated(keep=False).to_numpy()
    if dup.any():
        first = values[dup].unique()[:_SHOW]
        lines = (np.flatnonzero(dup) + 2)[: 2 * _SHOW].tolist()  # the header is line 1
        raise DuplicateIdError(
            t(
                "indicators.repeated_ids",
                source=source,
                column=column,
                items=", ".join(map(repr, first)),
                lines=lines,
            )
        )


def require_min_areas(n: int, *, source: str, minimum: int = 2) -> None:
    """Raise :class:`DataError` if fewer than ``minimum`` areas are given."""
    if n < minimum:
        raise DataError(
            t("indicators.too_few_areas", source=source, n=format_number(n), minimum=minimum)
        )
