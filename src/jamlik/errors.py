"""The jamlik error tree.

Every error jamlik raises on bad input derives from :class:`JamlikError` *and* from the builtin
exception a Python user would expect (``ValueError``, ``KeyError``, ``FileNotFoundError``), so
``except ValueError`` keeps working. Messages name the file, row, feature or column at fault and
say how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from jamlik.i18n import t

__all__ = [
    "about_parameter",
    "CRSError",
    "ConfigError",
    "DataError",
    "DuplicateIdError",
    "EmptyNetworkError",
    "GTFSError",
    "JamlikError",
    "MissingColumnError",
    "MissingFileError",
    "NegativeValueError",
    "OSMReadError",
    "OutputExistsError",
    "PackError",
    "Problem",
    "ProblemWarning",
    "UnknownIdError",
]


class JamlikError(Exception):
    """Root of every error jamlik raises on purpose.

    ``parameter`` names the run parameter whose value caused the error (``"categories"``,
    ``"vulnerable_areas"``) when the value is only found wrong once the data are read; a command
    line then names the option the value came from (see :func:`about_parameter`).
    """

    parameter: str | None = None


_E = TypeVar("_E", bound=JamlikError)


def about_parameter(parameter: str, exc: _E) -> _E:
    """Return ``exc`` marked as caused by the value given for the run parameter ``parameter``."""
    exc.parameter = parameter
    return exc


class DataError(ValueError, JamlikError):
    """Input data that cannot be used as it is (wrong values, wrong shape)."""


class MissingFileError(FileNotFoundError, JamlikError):
    """A file that a pack or a command needs does not exist."""


class MissingColumnError(KeyError, JamlikError):
    """A table lacks a column that the operation needs."""

    def __str__(self) -> str:
        # KeyError.__str__ wraps the message in quotes; keep the plain sentence.
        return str(self.args[0]) if self.args else ""


class OutputExistsError(FileExistsError, JamlikError):
    """An output path holds something a run may not replace (without ``--overwrite``, or never)."""


class UnknownIdError(KeyError, JamlikError):
    """A row refers to an id (area, stop, trip) that does not exist."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DuplicateIdError(DataError):
    """Ids that must be unique are repeated."""


class NegativeValueError(DataError):
    """A count that cannot be negative (population, capacity) is negative."""


class CRSError(DataError):
    """A coordinate reference system is missing, unknown or not the expected one."""


class OSMReadError(DataError):
    """An OpenStreetMap file cannot be read (missing, truncated, not OSM)."""


class EmptyNetworkError(DataError):
    """No usable street network is left after filtering."""


class GTFSError(DataError):
    """A GTFS feed cannot be used for routing."""


#: What :attr:`Problem.row` counts: the lines of a text file (header = line 1), the records of
#: a Parquet table or the features of a vector layer (both from 1).
ROW_UNITS = ("line", "record", "feature")


@dataclass(frozen=True)
class Problem:
    """One problem found while checking input: where it is and what is wrong.

    ``row`` names the place in ``file`` as people look it up: in a text file (CSV, GTFS,
    TOML) its *line*, the header being line 1 so the first data row is line 2 (sv "rad 2",
    en "line 2"); in a Parquet table its record and in a vector layer its feature, from 1
    (``unit`` says which). A text lists several ("2, 5, 9 (+3 more)").
    """

    file: str
    message: str
    row: int | str | None = None
    column: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            many = isinstance(self.row, str) and not self.row.isdigit()
            unit = self.unit if self.unit in ROW_UNITS else "line"
            where += ", " + t(f"problem.{unit}{'s' if many else ''}", n=self.row)
        if self.column is not None:
            where += ", " + t("problem.column", column=self.column)
        return f"{where}: {self.message}"


class PackError(DataError):
    """A data pack has one or more problems; ``problems`` lists every one of them."""

    def __init__(self, pack: str, problems: Sequence[Problem]) -> None:
        self.pack = pack
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(t("problem.pack", pack=pack, n=len(self.problems), lines=lines))


class ConfigError(DataError):
    """A settings file (targets, indicator themes) has a missing, unknown or invalid key."""


@dataclass(frozen=True)
class ProblemWarning(Problem):
    """A problem that is reported but does not make the input unusable (e.g. zero population)."""

    def __str__(self) -> str:
        return t("problem.warning", problem=super().__str__())
