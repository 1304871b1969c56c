"""Where a row of a text table sits in its file: the one row-numbering rule of jamlik's messages.

A message that points into a CSV or GTFS text file names the file's *line*, the header being
line 1 (so the first data row is line 2), as the canonical GTFS validator's ``csvRowNumber``
does: sv "rad 4", en "line 4". pandas skips blank lines and a quoted cell may hold a line
break, so a row's position in the table is not always its line minus two; :func:`record_lines`
finds the line each record starts on, and the readers keep it as the table's index (named
``line``) so that every later check can name it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.i18n import t

__all__ = ["LINE", "at_line", "line_of", "record_lines", "with_lines"]

#: Name of a table index that holds file lines (header = line 1).
LINE = "line"


def record_lines(text: str, n_records: int) -> npt.NDArray[np.int64]:
    """Return the line (header = 1) each of the ``n_records`` data records of ``text`` starts on.

    Blank lines are skipped (as pandas does) but counted; a record whose quoted cell holds a
    line break spans several lines and is named by its first. When the count does not match
    what the parser read, each record is taken as one line under the header.
    """
    simple = np.arange(2, n_records + 2, dtype=np.int64)
    if '"' not in text and "\n\n" not in text and "\n\r\n" not in text and text[:1] not in "\r\n":
        return simple
    starts: list[int] = []
    start = 0
    open_quote = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not open_quote:
            if not line.strip():
                continue
            start = number
        if line.count('"') % 2:
            open_quote = not open_quote
        if not open_quote:
            starts.append(start)
    lines = np.asarray(starts[1:], dtype=np.int64)  # the first record is the header
    return lines if lines.size == n_records else simple


def with_lines(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """Return ``frame`` (read from ``text``) indexed by the file line of each row."""
    frame.index = pd.Index(record_lines(text, len(frame)), name=LINE)
    return frame


def line_of(values: pd.Series | pd.DataFrame, pos: int) -> int:
    """Return the file line of row ``pos`` of ``values`` (its index when it holds lines)."""
    if values.index.name == LINE:
        return int(values.index[pos])
    return pos + 2  # a table built in code: rows under a one-line header


def at_line(file: str, line: int, column: str | None = None) -> str:
    """Return "file, line N, column 'c'" (sv "fil, rad N, kolumn 'c'") for a message."""
    if column is None:
        return t("ingest.at_line", file=file, line=line)
    return t("ingest.at_line_column", file=file, line=line, column=column)
