"""Damaged copies of one CSV table, each with what its error message must name.

:func:`table_mutations` turns a good table into the standard set of damaged files: bytes
(empty, truncated, flipped, garbage, re-encoded), shape (wrong delimiter, a column renamed,
dropped or swapped) and values (a duplicated row, negative, 1e308, NaN, text in a number).
Each mutation knows which row it damaged, so the message can be checked for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bad_input._corpus import (
    dropped,
    duplicated,
    flipped,
    garbage,
    read_rows,
    renamed,
    swapped,
    to_csv,
    truncated,
    with_cell,
    with_swedish,
    write,
)


@dataclass(frozen=True)
class Damaged:
    """A damaged file and the texts its error must contain (beyond the file's name)."""

    path: Path
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A good table and its roles: the id, a count (value) column, a text column."""

    rows: list[list[str]]
    id: str
    number: str
    text: str | None = None
    # a pair of numeric columns whose swap must be caught (e.g. group and total)
    swap: tuple[str, str] | None = None
    # rows that a value mutation damages (1 = first data row)
    row: int = 3


Mutation = Callable[[Table, Path, str], Damaged]


def _file(folder: Path, name: str, rows: list[list[str]], **kw: object) -> Path:
    return write(folder, name, to_csv(rows, **kw))  # type: ignore[arg-type]


def _empty(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(write(folder, name, b""))


def _header_only(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(_file(folder, name, t.rows[:1]))


def _truncated(t: Table, folder: Path, name: str) -> Damaged:
    data = to_csv(t.rows).encode()
    cut = truncated(data, 0.6)
    cut_line = cut.count(b"\n") + 1  # the cut line: the header is line 1
    return Damaged(write(folder, name, cut), (f"line {cut_line}", "cut off"))


def _not_utf8_line(t: Table) -> str:
    """The line (header = 1) where a re-encoded file stops being UTF-8: its first non-ASCII."""
    return "line 2" if t.text else "line 1"


def _flipped(t: Table, folder: Path, name: str) -> Damaged:
    text = to_csv(with_swedish(t.rows, t.text) if t.text else t.rows)
    return Damaged(write(folder, name, flipped(text.encode(), n=48)))


def _latin1(t: Table, folder: Path, name: str) -> Damaged:
    rows = with_swedish(t.rows, t.text) if t.text else t.rows
    return Damaged(
        write(folder, name, to_csv(rows), encoding="latin-1"), ("UTF-8", _not_utf8_line(t))
    )


def _utf16(t: Table, folder: Path, name: str) -> Damaged:
    rows = with_swedish(t.rows, t.text) if t.text else t.rows
    return Damaged(write(folder, name, to_csv(rows), encoding="utf-16"), ("UTF-8", "line 1"))


def _garbage(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(write(folder, name, garbage()))


def _semicolon(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(_file(folder, name, t.rows, sep=";"), (t.id,))


def _renamed(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(_file(folder, name, renamed(t.rows, t.number, t.number + "_x")), (t.number,))


def _dropped(t: Table, folder: Path, name: str) -> Damaged:
    return Damaged(_file(folder, name, dropped(t.rows, t.id)), (t.id,))


def _swapped(t: Table, folder: Path, name: str) -> Damaged:
    assert t.swap is not None
    return Damaged(_file(folder, name, swapped(t.rows, *t.swap)), ("line ",))


def _duplicated(t: Table, folder: Path, name: str) -> Damaged:
    rows = duplicated(t.rows, t.row)  # the copy is the last line; lines count the header as 1
    return Damaged(_file(folder, name, rows), (t.id, f"{t.row + 1}, {len(rows)}"))


def _value(value: str) -> Mutation:
    def mutate(t: Table, folder: Path, name: str) -> Damaged:
        rows = with_cell(t.rows, t.row, t.number, value)
        return Damaged(_file(folder, name, rows), (t.number, f"line {t.row + 1}"))

    return mutate


#: name -> mutation; ``swapped`` only where the table declares a pair to swap.
MUTATIONS: dict[str, Mutation] = {
    "empty": _empty,
    "header_only": _header_only,
    "truncated": _truncated,
    "flipped": _flipped,
    "latin1": _latin1,
    "utf16": _utf16,
    "garbage": _garbage,
    "semicolon": _semicolon,
    "renamed": _renamed,
    "dropped": _dropped,
    "swapped": _swapped,
    "duplicated": _duplicated,
    "negative": _value("-5"),
    "huge": _value("1e308"),
    "nan": _value("NaN"),
    "text": _value("many"),
}


def good_table(path: Path, *, keep: Callable[[list[str]], bool] | None = None) -> list[list[str]]:
    """Rows of a real CSV, optionally only the data rows ``keep`` accepts."""
    rows = read_rows(path)
    if keep is None:
        return rows
    return [rows[0], *(r for r in rows[1:] if keep(r))]
