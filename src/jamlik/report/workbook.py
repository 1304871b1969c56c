"""The report's tables as an Excel workbook (openpyxl) for social services, written atomically.

One sheet per table, with the column names of :mod:`jamlik.report.tables` in the first row
(stable identifiers a spreadsheet formula can refer to) and a ``columns`` sheet that explains
each column in the report's language. Numbers are written as numbers (not text), unrounded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from jamlik.i18n import t
from jamlik.storage import atomic_path

__all__ = ["write_workbook"]

#: Excel's limit on sheet names.
_MAX_SHEET = 31


def _cell(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def write_workbook(
    sheets: Mapping[str, pd.DataFrame], target: str | os.PathLike[str], *, language: str
) -> Path:
    """Write ``sheets`` (name → table, geometry dropped) to ``target`` (``.xlsx``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    described: dict[str, str] = {}
    for name, frame in sheets.items():
        sheet = book.create_sheet(name[:_MAX_SHEET])
        table = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
        sheet.append([str(c) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for record in table.itertuples(index=False):
            sheet.append([_cell(v) for v in record])
        sheet.freeze_panes = "A2"
        for column in table.columns:
            key = f"report.col.{column}"
            try:
                described.setdefault(str(column), t(key, language))
            except KeyError:
                described.setdefault(str(column), "")
    info = book.create_sheet("columns")
    info.append([t("report.col.column", language), t("report.col.meaning", language)])
    for column, text in described.items():
        info.append([column, text])
    with atomic_path(target, suffix=".xlsx") as tmp:
        book.save(tmp)
    return Path(target)
