"""Reading the CSV tables of the indicator commands (segregation, equity, fca) with clear errors.

A table must be UTF-8 text (the first byte that is not names its line), must have at least one
row, must not end in a row cut short (a file truncated in transfer), and the numbers a command
uses must stay within ±10^15: larger values are placeholders or units gone wrong, and they
overflow the sums of the indices. Rows are named as everywhere in jamlik: ``row N`` counts the
data rows from 1 (the header is not a row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from jamlik.errors import DataError, MissingFileError
from jamlik.i18n import t

__all__ = ["MAX_ABS_VALUE", "identical_rows", "read_csv"]

#: The largest magnitude a number in an input table may have (beyond it: a placeholder).
MAX_ABS_VALUE = 1e15
_SHOW = 5


def read_csv(
    path: Path, *, id_columns: Sequence[str] = (), numbers: Sequence[str | None] = ()
) -> pd.DataFrame:
    """Read ``path`` as UTF-8 CSV, keeping ``id_columns`` as text; named errors if it cannot be.

    ``numbers`` are the columns the command computes with: a value beyond
    :data:`MAX_ABS_VALUE` in one of them is an error naming the row.
    """
    if not path.is_file():
        raise MissingFileError(t("indicators_io.missing_file", path=path))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(t("indicators_io.not_utf8", path=path, line=line)) from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=dict.fromkeys(id_columns, str))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataError(t("indicators_io.unreadable", path=path, kind="CSV", reason=exc)) from None
    if frame.empty:
        raise DataError(t("indicators_io.no_rows", path=path))
    _refuse_cut_row(text, path, n_rows=len(frame))
    for column in numbers:
        if column is not None and column in frame.columns:
            _refuse_huge(frame, column, path)
    return frame


def _refuse_cut_row(text: str, path: Path, *, n_rows: int) -> None:
    """Refuse a last row with fewer fields than the header and no line end (a cut-off file)."""
    if text.endswith(("\n", "\r")):
        return
    first = text.split("\n", 1)[0]
    last = text.rsplit("\n", 1)[-1]
    try:
        n_header = len(next(csv.reader([first])))
        n_last = len(next(csv.reader([last])))
    except (csv.Error, StopIteration):
        return
    if n_last < n_header:
        raise DataError(
            t("indicators_io.cut_row", path=path, line=n_rows + 1, found=n_last, columns=n_header)
        )


def _refuse_huge(frame: pd.DataFrame, column: str, path: Path) -> None:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    huge = np.abs(values) > MAX_ABS_VALUE  # NaN compares False: missing cells are checked later
    if huge.any():
        raise DataError(
            t(
                "indicators_io.out_of_range",
                path=path,
                column=column,
                lines=_lines(huge),
                value=f"{values[huge][0]:g}",
                limit=f"{MAX_ABS_VALUE:g}",
            )
        )


def identical_rows(frame: pd.DataFrame) -> str | None:
    """Return the lines of rows equal to another row in every column (``"4, 302"``), or ``None``.

    Lines count the header as line 1, the convention of every message naming a row.
    """
    repeated = frame.duplicated(keep=False).to_numpy()
    return _lines(repeated) if repeated.any() else None


def _lines(mask: np.ndarray) -> str:
    positions = np.flatnonzero(mask) + 2
    shown = ", ".join(str(int(p)) for p in positions[:_SHOW])
    more = positions.size - _SHOW
    return shown + (t("indicators_io.and_more", n=more) if more > 0 else "")
