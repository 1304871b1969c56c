"""Statistics per DeSO/RegSO from SCB, driven by the data file ``scb_tables.toml``.

Each ``[[statistics]]`` entry of the data file names a table, the codes to ask for and how the
cells become columns (:class:`ColumnRule`). :func:`fetch_statistic` checks the codes against the
table's metadata, fetches the cells for the areas' codes (split to SCB's cell limit by
:mod:`~jamlik.ingest.connectors.pxweb`) and returns one row per area and year.

Rules the numbers follow
------------------------
* A ``count`` column is the sum of its matching cells; an area whose matching cells are all
  missing (SCB's ``..``) gets NaN, never 0.
* A ``value`` column (a share, mean or class) must match exactly one cell per area and year;
  the data file is wrong otherwise and the fetch stops.
* Area codes carry the division's suffix in Statistikdatabasen (``0114R001_RegSO2025``); the
  output uses the plain code of the boundaries (``0114R001``).
* A table without the requested year gives its latest earlier year, and says so
  (:attr:`StatisticResult.year`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jamlik.i18n import t
from jamlik.ingest.connectors.http import FetchError
from jamlik.ingest.connectors.pxweb import PxWebApi, TableMeta

__all__ = [
    "DATA_FILE",
    "ColumnRule",
    "Division",
    "StatisticResult",
    "StatisticSpec",
    "TablesFile",
    "columns_from_cells",
    "fetch_statistic",
    "load_tables_file",
]

DATA_FILE = "src/jamlik/ingest/connectors/scb_tables.toml"
Level = Literal["deso", "regso", "kommun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnRule(_Model):
    """Which cells make a column: per variable, codes or label prefixes to keep or leave out."""

    kind: Literal["count", "value"] = "count"
    match: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ColumnRule:
        """Build a rule from its data-file form ``{variable = ..., kind = ...}``."""
        kind = raw.get("kind", "count")
        return cls(kind=kind, match={k: v for k, v in raw.items() if k != "kind"})


class StatisticSpec(_Model):
    """One ``[[statistics]]`` entry of the data file."""

    name: str
    title: str
    table: str
    levels: list[Level]
    checked: Literal["live", "assumed"]
    select: dict[str, list[str] | Literal["*", "first"]]
    columns: dict[str, dict[str, Any]]
    years: str | None = None
    total: str | None = None
    groups: list[str] = Field(default_factory=list)

    def rules(self) -> dict[str, ColumnRule]:
        """Return the column rules by column name."""
        return {name: ColumnRule.parse(raw) for name, raw in self.columns.items()}

    def covers(self, year: int) -> bool:
        """Whether the table publishes ``year`` (its ``years`` range, open at either end)."""
        if self.years is None:
            return True
        start, _, end = self.years.partition("-")
        return (not start or year >= int(start)) and (not end or year <= int(end))


class Division(_Model):
    """A version of the DeSO/RegSO division and the years it is used for."""

    name: str
    first_year: int | None = None
    last_year: int | None = None
    deso_layer: str
    regso_layer: str
    deso_suffix: str
    regso_suffix: str

    def covers(self, year: int) -> bool:
        """Whether statistics of ``year`` are published on this division."""
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


class TablesFile(_Model):
    """The whole data file."""

    api: dict[str, Any]
    geodata: dict[str, Any]
    divisions: list[Division]
    statistics: list[StatisticSpec]
    gtfs: dict[str, Any]
    osm: dict[str, Any]

    def division(self, year: int) -> Division:
        """Return the division statistics of ``year`` are published on."""
        for division in self.divisions:
            if division.covers(year):
                return division
        raise FetchError(t("ingest.scb.no_division", year=year, file=DATA_FILE))


def load_tables_file(path: Path | None = None) -> TablesFile:
    """Read and validate the data file (default: the one shipped with jamlik)."""
    if path is None:
        text = resources.files(__package__).joinpath("scb_tables.toml").read_text("utf-8")
        label = DATA_FILE
    else:
        text, label = path.read_text(encoding="utf-8"), str(path)
    try:
        return TablesFile.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise FetchError(t("ingest.scb.bad_tables_file", file=label, reason=exc)) from None


@dataclass(frozen=True)
class StatisticResult:
    """Columns of one statistic per area and year, with provenance."""

    spec: StatisticSpec
    table: pd.DataFrame  # area_id, year, one column per rule
    year: int  # the year the figures are for
    updated: str  # the table's "updated" stamp
    retrieved: str  # ISO date of the download
    notes: tuple[str, ...]


def _resolve(meta: TableMeta, variable: str, wanted: list[str] | str) -> list[str]:
    meta.check_codes(variable, [] if isinstance(wanted, str) else wanted, where=DATA_FILE)
    if wanted == "*":
        return list(meta.codes[variable])
    if wanted == "first":
        return list(meta.codes[variable][:1])
    return list(wanted)


def _matching(meta: TableMeta, variable: str, rule: Any, codes: Sequence[str]) -> list[str]:
    """Codes of ``variable`` (among ``codes``) that ``rule`` keeps."""
    labels = meta.labels.get(variable, {})

    def label_of(code: str) -> str:
        return labels.get(code, code).strip().lower()

    if isinstance(rule, list):
        meta.check_codes(variable, rule, where=DATA_FILE)
        return [c for c in codes if c in set(rule)]
    if isinstance(rule, Mapping) and len(rule) == 1:
        ((how, values),) = rule.items()
        prefixes = tuple(str(v).lower() for v in values)
        if how == "not":
            meta.check_codes(variable, list(values), where=DATA_FILE)
            return [c for c in codes if c not in set(values)]
        if how == "labels":
            return [c for c in codes if label_of(c).startswith(prefixes)]
        if how == "not_labels":
            return [c for c in codes if not label_of(c).startswith(prefixes)]
    raise FetchError(t("ingest.scb.bad_rule", file=DATA_FILE, rule=rule, variable=variable))


def columns_from_cells(
    cells: pd.DataFrame,
    *,
    meta: TableMeta,
    rules: Mapping[str, ColumnRule],
    selection: Mapping[str, Sequence[str]],
    region: str,
    time: str,
    name: str,
) -> pd.DataFrame:
    """Turn the long cells of a table into one row per (region, time) and one column per rule."""
    keys = cells[[region, time]].drop_duplicates().reset_index(drop=True)
    index = pd.MultiIndex.from_frame(keys)
    out = pd.DataFrame(index=index)
    for column, rule in rules.items():
        keep = np.ones(len(cells), dtype=bool)
        for variable, how in rule.match.items():
            codes = _matching(meta, variable, how, selection.get(variable, meta.codes[variable]))
            if not codes:
                raise FetchError(
                    t("ingest.scb.no_code", file=DATA_FILE, name=name, column=column,
                      variable=variable, how=how, table=meta.table_id)
                )  # fmt: skip
            keep &= cells[variable].isin(codes).to_numpy()
        chosen = cells.loc[keep]
        grouped = chosen.groupby([region, time], sort=False)["value"]
        if rule.kind == "value":
            counts = grouped.size()
            if (counts != 1).any():
                raise FetchError(
                    t(
                        "ingest.scb.not_single",
                        file=DATA_FILE,
                        name=name,
                        column=column,
                        n=int(counts.max()),
                        table=meta.table_id,
                    )
                )
            values = grouped.first()
        else:
            values = grouped.sum(min_count=1)
        out[column] = values.reindex(index).to_numpy(dtype=float)
    return out.reset_index()


def fetch_statistic(
    api: PxWebApi,
    spec: StatisticSpec,
    *,
    area_codes: Sequence[str],
    suffix: str,
    year: int,
) -> StatisticResult:
    """Fetch one statistic for ``area_codes`` (plain codes) and ``year``.

    Parameters
    ----------
    api
        The PxWebApi client.
    spec
        The data-file entry.
    area_codes
        Plain area codes (as in the boundaries), or kommun codes for a kommun-level table.
    suffix
        The division's code suffix in Statistikdatabasen (``_RegSO2025`` or ``""``).
    year
        The year wanted; the table's latest earlier year when it lacks it.
    """
    meta = api.metadata(spec.table)
    notes: list[str] = []
    time = meta.time_variable or "Tid"
    region = "Region"
    meta.check_codes(time, [], where=DATA_FILE)
    meta.check_codes(region, [], where=DATA_FILE)
    years = sorted(int(y) for y in meta.codes[time] if y.isdigit())
    usable = [y for y in years if y <= year]
    if not usable:
        raise FetchError(
            t("ingest.scb.starts_later", table=spec.table, title=spec.title,
              first=years[0] if years else "?", year=year)
        )  # fmt: skip
    used = usable[-1]
    if used != year:
        notes.append(
            t("ingest.scb.note_other_year", table=spec.table, title=spec.title, year=year,
              used=used)
        )  # fmt: skip
    wanted = [f"{code}{suffix}" for code in area_codes]
    known = set(meta.codes[region])
    present = [c for c in wanted if c in known]
    if len(present) < len(wanted):
        missing = [c for c in wanted if c not in known]
        notes.append(
            t("ingest.scb.note_areas_missing", table=spec.table, n=len(missing),
              example=missing[0])
        )  # fmt: skip
    if not present:
        raise FetchError(
            t("ingest.scb.no_area_codes", table=spec.table, n=len(wanted), example=wanted[0])
        )
    selection = {var: _resolve(meta, var, how) for var, how in spec.select.items()}
    selection[region] = present
    selection[time] = [str(used)]
    cells = api.data(spec.table, selection)
    table = columns_from_cells(
        cells, meta=meta, rules=spec.rules(), selection=selection,
        region=region, time=time, name=spec.name,
    )  # fmt: skip
    table = table.rename(columns={region: "area_id", time: "year"})
    if suffix:
        table["area_id"] = table["area_id"].str.removesuffix(suffix)
    table["year"] = year  # the pack's year; `used` is reported in notes and sources
    for column in spec.groups + ([spec.total] if spec.total else []):
        empty = int(table[column].isna().sum())
        if empty:
            notes.append(t("ingest.scb.note_suppressed", table=spec.table, column=column, n=empty))
            table[column] = table[column].fillna(0.0)
    return StatisticResult(
        spec=spec,
        table=table,
        year=used,
        updated=meta.updated,
        retrieved=api.retrieved or "",
        notes=tuple(notes),
    )
