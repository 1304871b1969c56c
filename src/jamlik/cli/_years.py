"""Choosing a year from a long table (one row per area and year) for the indicator commands.

A table with several years must never be summed over them silently: ``segregation`` and
``equity`` ask for ``--year`` (or, for segregation, ``--change``) when the table holds more
than one.
"""

from __future__ import annotations

import pandas as pd

from jamlik.cli._common import bad_option
from jamlik.errors import DataError, MissingColumnError
from jamlik.i18n import t

__all__ = ["select_year", "years_of"]


def years_of(frame: pd.DataFrame, column: str, *, source: str) -> list[int]:
    """Return the sorted years in ``frame[column]``; a clear error when they are not years."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values != values.round())
    if bad.any():
        line = int(bad.to_numpy().nonzero()[0][0]) + 2  # the header is line 1
        raise DataError(t("years.not_a_year", source=source, column=column, line=line))
    return sorted({int(v) for v in values})


def select_year(frame: pd.DataFrame, year: int | None, *, column: str, source: str) -> pd.DataFrame:
    """Return the rows of ``year``; with no year, the table must hold a single one."""
    if column not in frame.columns:
        if year is not None:
            raise MissingColumnError(t("years.no_column", source=source, column=column))
        return frame
    years = years_of(frame, column, source=source)
    if year is None:
        if len(years) > 1:
            listed = ", ".join(map(str, years))
            raise DataError(t("years.choose", source=source, years=listed))
        return frame
    if year not in years:
        listed = ", ".join(map(str, years))
        reason = t("years.missing", source=source, year=year, years=listed)
        raise bad_option("--year", year, reason)
    values = pd.to_numeric(frame[column])
    return frame.loc[values == year].reset_index(drop=True)
