"""The bad-input corpus: mutations of real files, and the contract every command must keep.

Each mutation takes a good input (bytes or a CSV table) and writes a damaged copy into a tmp
folder: truncated, re-encoded, garbage, columns swapped, duplicated or absurd rows. A *case* is
one command line run on one damaged input; :func:`run_case` runs it in-process with typer's
``CliRunner`` and checks the contract of issue 8:

* no traceback: the command ends by ``SystemExit`` with a code other than 0 and no
  "Traceback" in its output;
* no silent accept: exit code 0 on a damaged input is a failure, unless the case is declared
  tolerated with a warning, whose text is then asserted;
* the message names the file (its name) and, where the corpus knows it, the row, line, option
  or column.

Lines: ``line N`` counts the file's lines with the header as line 1, as every message that
points into a file does (tables, pack problems, GTFS, points, scenario files).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

#: Text with Swedish letters, so that a re-encoded file really differs from UTF-8.
SWEDISH = "Åsa-Älvsjö"


@dataclass(frozen=True)
class Case:
    """One command line on a damaged input and what its message must say."""

    id: str
    argv: list[str]
    names: Sequence[str] = ()
    tolerated: str | None = None
    code: int | None = None


@dataclass
class Outcome:
    """What a case did: its exit code and the whole output."""

    exit_code: int
    output: str
    traceback: bool
    accepted: bool
    missing: list[str] = field(default_factory=list)


def run_case(case: Case, *, language: str = "en") -> Outcome:
    """Run ``case`` in-process (messages in ``language``) and classify what happened."""
    from jamlik.cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["--lang", language, *case.argv], env={"COLUMNS": "400"})
    output = " ".join(result.output.split())
    handled = isinstance(result.exception, SystemExit) or result.exception is None
    traceback = not handled or "Traceback" in output
    accepted = result.exit_code == 0 and case.tolerated is None
    wanted = [*case.names, *([case.tolerated] if case.tolerated else [])]
    missing = [text for text in wanted if text not in output]
    if not handled and result.exc_info is not None:
        import traceback as tb

        output += "\n" + "".join(tb.format_exception(*result.exc_info))
    return Outcome(result.exit_code, output, traceback, accepted, missing)


def assert_case(case: Case, *, language: str = "en") -> None:
    """The contract: handled exit, not a silent accept, the file/row/option named."""
    outcome = run_case(case, language=language)
    assert not outcome.traceback, f"{case.id}: traceback\n{outcome.output}"
    assert not outcome.accepted, f"{case.id}: silently accepted\n{outcome.output}"
    if case.tolerated is None:
        assert outcome.exit_code != 0, outcome.output
        if case.code is not None:
            assert outcome.exit_code == case.code, outcome.output
    assert not outcome.missing, f"{case.id}: message lacks {outcome.missing}\n{outcome.output}"


# --- byte-level mutations --------------------------------------------------------------------


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    """The first ``fraction`` of the bytes, cut in the middle of a row or block.

    In text, the cut falls two bytes into the first field of the line at ``fraction``, so the
    last row keeps part of one field only (never a whole row, never a line end).
    """
    cut = int(len(data) * fraction)
    line_start = data.rfind(b"\n", 0, cut) + 1
    return data[: line_start + 2]


def flipped(data: bytes, *, start_fraction: float = 0.5, n: int = 64) -> bytes:
    """``n`` bytes in the middle inverted (XOR 0xFF): corrupt blocks, invalid UTF-8."""
    start = int(len(data) * start_fraction)
    middle = bytes(b ^ 0xFF for b in data[start : start + n])
    return data[:start] + middle + data[start + n :]


def garbage(n: int = 4096, *, seed: int = 8) -> bytes:
    """Deterministic binary noise (with NUL bytes), the size of a small file."""
    import numpy as np

    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


# --- table-level mutations -------------------------------------------------------------------


def read_rows(path: Path) -> list[list[str]]:
    """The rows of a UTF-8 CSV (header first) as lists of text."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(row) for row in csv.reader(handle)]


def to_csv(rows: Sequence[Sequence[object]], *, sep: str = ",") -> str:
    """Rows back to CSV text (``\\n`` line ends)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write(folder: Path, name: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``content`` to ``folder/name`` (a fresh file) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = content if isinstance(content, bytes) else content.encode(encoding)
    path.write_bytes(data)
    return path


def column(rows: list[list[str]], name: str) -> int:
    """Index of column ``name`` in the header."""
    return rows[0].index(name)


def with_cell(rows: list[list[str]], row: int, name: str, value: str) -> list[list[str]]:
    """A copy of ``rows`` with data row ``row`` (1 = first under the header) set at ``name``."""
    out = [list(r) for r in rows]
    out[row][column(rows, name)] = value
    return out


def renamed(rows: list[list[str]], name: str, new: str) -> list[list[str]]:
    """A copy with column ``name`` renamed to ``new``."""
    out = [list(r) for r in rows]
    out[0][column(rows, name)] = new
    return out


def dropped(rows: list[list[str]], name: str) -> list[list[str]]:
    """A copy without column ``name``."""
    i = column(rows, name)
    return [r[:i] + r[i + 1 :] for r in rows]


def swapped(rows: list[list[str]], a: str, b: str) -> list[list[str]]:
    """A copy whose columns ``a`` and ``b`` swap their headers (values stay in place)."""
    out = [list(r) for r in rows]
    i, j = column(rows, a), column(rows, b)
    out[0][i], out[0][j] = out[0][j], out[0][i]
    return out


def duplicated(rows: list[list[str]], row: int) -> list[list[str]]:
    """A copy with data row ``row`` repeated at the end (so the copy is row ``len(rows)``)."""
    return [*rows, list(rows[row])]


def head(rows: list[list[str]], n: int) -> list[list[str]]:
    """The header and the first ``n`` data rows."""
    return rows[: n + 1]


def with_swedish(rows: list[list[str]], name: str) -> list[list[str]]:
    """Swedish letters in every cell of text column ``name`` (so re-encoding changes bytes)."""
    i = column(rows, name)
    return [rows[0], *([*r[:i], f"{SWEDISH} {r[i]}", *r[i + 1 :]] for r in rows[1:])]


# --- zip members ---------------------------------------------------------------------------


def rezip(source: Path, target: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy zip ``source`` to ``target``, each member through ``edit`` (``None`` drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = edit(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def member_rows(source: Path, member: str) -> list[list[str]]:
    """The rows of one CSV member of a zip."""
    with zipfile.ZipFile(source) as archive:
        text = archive.read(member).decode("utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def replace_member(source: Path, target: Path, member: str, content: bytes | None) -> Path:
    """A copy of zip ``source`` with ``member`` replaced (or dropped when ``None``)."""
    return rezip(source, target, lambda name, data: content if name == member else data)


def flip_inside_member(source: Path, target: Path, member: str) -> Path:
    """A copy of zip ``source`` whose compressed bytes of ``member`` are damaged in place."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(member)
    header = info.header_offset
    name_len = int.from_bytes(data[header + 26 : header + 28], "little")
    extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
    start = header + 30 + name_len + extra_len + info.compress_size // 2
    for i in range(start, min(start + 32, len(data))):
        data[i] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def line_of(text: str) -> str:
    """A regex-safe rendering of a message fragment (for ``re.search`` in tests)."""
    return re.escape(text)
