"""Data packs: a folder with ``pack.toml`` naming the areas, statistics, OSM, GTFS and extra layers.

A pack is checked as a whole: :func:`check_pack` collects **every** problem (missing files, wrong
CRS, duplicated ids, bad numbers, unreadable OSM/GTFS files, ...) as
:class:`~jamlik.errors.Problem` objects, and :func:`load_pack` raises one
:class:`~jamlik.errors.PackError` listing them all when any is an error. Warnings
(:class:`~jamlik.errors.ProblemWarning`, e.g. an area with no residents) are kept on the pack.

Every ``path`` in ``pack.toml`` is relative to the folder of ``pack.toml``. The schema is the
pydantic model :class:`PackConfig`; unknown keys are errors (with a "did you mean" hint).
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import pyproj
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jamlik.errors import DataError, MissingFileError, PackError, Problem, ProblemWarning
from jamlik.i18n import t
from jamlik.ingest import _pack_deep, _pack_files
from jamlik.ingest._pack_build import PackData, build_pack_data
from jamlik.ingest._validation_text import validation_text

__all__ = [
    "AreasConfig",
    "CellsConfig",
    "OpportunitiesConfig",
    "Pack",
    "PackConfig",
    "StatisticsConfig",
    "check_pack",
    "is_error",
    "load_pack",
    "pack_files",
]

logger = logging.getLogger(__name__)

FilterValue = str | int | float | bool
_GROUP_NAME = r"^[a-z][a-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackMeta(_Model):
    """``[pack]``: name, title and the metric CRS every computation uses."""

    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    title: str = ""
    crs: str
    description: str = ""


class AreasConfig(_Model):
    """``[areas]``: statistical area polygons with a unique id column."""

    path: str
    layer: str | None = None
    id: str
    name: str | None = None
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    crs: str | None = None  # only for files that carry no CRS


class StatisticsConfig(_Model):
    """``[[statistics]]``: a table of counts per area (and year)."""

    path: str
    area_id: str
    year: str | None = None
    total: str | None = None
    groups: dict[str, str] = Field(default_factory=dict)
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    attributes: list[str] | None = None  # numeric columns to keep (default: all numeric ones)

    @field_validator("groups")
    @classmethod
    def _group_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_group_names(value)


class OsmConfig(_Model):
    """``[osm]``: one OpenStreetMap extract (``.osm.pbf`` or ``.osm``)."""

    path: str


class GtfsConfig(_Model):
    """``[[gtfs]]``: one GTFS feed (zip)."""

    path: str
    name: str | None = None


class PopulationConfig(_Model):
    """``[population]``: how and for which year residents are placed on the network."""

    method: Literal["auto", "buildings", "nodes", "cells"] = "auto"
    year: int | None = None


class _PointsConfig(_Model):
    path: str
    id: str | None = None
    x: str
    y: str
    crs: str | None = None  # default: the pack CRS
    filter: dict[str, FilterValue] = Field(default_factory=dict)
    empty_as_zero: bool = False  # read empty count cells as 0 (with a warning) instead of failing


class CellsConfig(_PointsConfig):
    """``[[cells]]``: population on grid/hexagon cells, given as points."""

    total: str
    groups: dict[str, str] = Field(default_factory=dict)

    @field_validator("groups")
    @classmethod
    def _group_names(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_group_names(value)


class OpportunitiesConfig(_PointsConfig):
    """``[[opportunities]]``: an extra opportunity layer (points) of one category."""

    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    count: str | None = None  # number of opportunities per row (default 1)


class CategoriesConfig(_Model):
    """``[categories]``: overrides of the default OSM tag -> category mapping."""

    path: str


class SourceConfig(_Model):
    """``[[sources]]``: a data source and its licence, printed in every output."""

    name: str
    licence: str
    attribution: str = ""
    url: str | None = None
    retrieved: str | None = None  # date the data was downloaded (ISO, e.g. "2026-11-29")


class PackConfig(_Model):
    """The whole ``pack.toml``."""

    pack: PackMeta
    areas: AreasConfig | None = None
    statistics: list[StatisticsConfig] = Field(default_factory=list)
    osm: OsmConfig | None = None
    gtfs: list[GtfsConfig] = Field(default_factory=list)
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    cells: list[CellsConfig] = Field(default_factory=list)
    opportunities: list[OpportunitiesConfig] = Field(default_factory=list)
    categories: CategoriesConfig | None = None
    sources: list[SourceConfig] = Field(default_factory=list)


def _check_group_names(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not re.match(_GROUP_NAME, name) or name in {"area_id", "year", "pop_total", "id"}:
            raise ValueError(t("ingest.pack.bad_group_name", name=name))
    return value


def is_error(problem: Problem) -> bool:
    """Return True when ``problem`` is an error (not a :class:`ProblemWarning`)."""
    return not isinstance(problem, ProblemWarning)


class Pack:
    """A loaded, checked data pack. Create it with :func:`load_pack`.

    Attributes
    ----------
    root
        Folder of ``pack.toml``.
    config
        The parsed :class:`PackConfig`.
    crs
        The pack's metric CRS.
    warnings
        Problems found that do not stop the work.
    """

    def __init__(self, *, root: Path, config: PackConfig, data: PackData) -> None:
        self.root = root
        self.config = config
        self.crs: pyproj.CRS = data.crs
        self._data = data
        self.warnings: list[Problem] = [p for p in data.problems if not is_error(p)]

    def __repr__(self) -> str:
        return f"Pack(name={self.name!r}, root={str(self.root)!r})"

    @property
    def name(self) -> str:
        """The pack's short name (``[pack].name``)."""
        return self.config.pack.name

    @property
    def title(self) -> str:
        """The pack's title, or its name when it has none."""
        return self.config.pack.title or self.config.pack.name

    @property
    def has_areas(self) -> bool:
        """Whether the pack has statistical areas."""
        return self._data.areas is not None

    def areas(self) -> gpd.GeoDataFrame:
        """Return the areas: index ``area_id`` (text), column ``name``, polygons in the pack CRS.

        Raises
        ------
        MissingFileError
            If the pack has no ``[areas]`` section.
        """
        if self._data.areas is None:
            raise MissingFileError(
                t("ingest.pack.no_areas", pack=self.name, toml=str(self.root / "pack.toml"))
            )
        return self._data.areas.copy()

    def statistics(self) -> pd.DataFrame:
        """Return the statistics in long form.

        Columns ``area_id``, ``year`` (nullable integer), ``pop_total``, one column per group
        name, then the other numeric columns. Snapshot tables (no year) are repeated on every
        year. Empty (with these columns) when the pack has no statistics.
        """
        return self._data.statistics.copy()

    @property
    def groups(self) -> tuple[str, ...]:
        """Population group names from the statistics (or the cells when there are none)."""
        return self._data.groups

    @property
    def years(self) -> tuple[int, ...]:
        """Years present in the statistics, ascending."""
        years = self._data.statistics["year"].dropna().unique()
        return tuple(sorted(int(y) for y in years))

    @property
    def population_year(self) -> int | None:
        """``[population].year``, else the latest statistics year (None without years)."""
        if self.config.population.year is not None:
            return self.config.population.year
        return self.years[-1] if self.years else None

    def population(self, year: int | None = None) -> pd.DataFrame:
        """Return residents per area for one year: index ``area_id``, ``pop_total`` + groups.

        Parameters
        ----------
        year
            Statistics year; default :attr:`population_year`. Areas without a row get 0.
        """
        stats = self._data.statistics
        year = self.population_year if year is None else year
        if year is not None and stats["year"].notna().any():
            if year not in self.years:
                years = ", ".join(map(str, self.years))
                raise DataError(t("ingest.pack.no_year", pack=self.name, year=year, years=years))
            stats = stats.loc[stats["year"] == year]
        columns = ["pop_total", *self.groups]
        table = stats.set_index("area_id")[columns] if "pop_total" in stats else None
        areas = self.areas()
        if table is None:
            return pd.DataFrame(0.0, index=areas.index, columns=columns)
        return table.reindex(areas.index, fill_value=0.0)

    @property
    def osm_path(self) -> Path | None:
        """Absolute path of the OSM extract, if any."""
        return (self.root / self.config.osm.path).resolve() if self.config.osm else None

    @property
    def gtfs_paths(self) -> list[Path]:
        """Absolute paths of the GTFS feeds."""
        return [(self.root / feed.path).resolve() for feed in self.config.gtfs]

    @property
    def categories_path(self) -> Path | None:
        """Absolute path of the category overrides file, if any."""
        if self.config.categories is None:
            return None
        return (self.root / self.config.categories.path).resolve()

    def cells(self) -> pd.DataFrame | None:
        """Return population cells: ``id``, ``x``, ``y`` (pack CRS), ``pop_total`` + groups."""
        return None if self._data.cells is None else self._data.cells.copy()

    def opportunity_layers(self) -> gpd.GeoDataFrame | None:
        """Return the extra opportunity points: ``id``, ``category``, ``count``, geometry."""
        layers = self._data.opportunities
        return None if layers is None else layers.copy()

    @property
    def sources(self) -> list[SourceConfig]:
        """Data sources and licences."""
        return list(self.config.sources)


def _read_config(path: Path) -> tuple[Path, PackConfig | None, list[Problem]]:
    toml_path = path / "pack.toml" if path.is_dir() else path
    label = str(toml_path)
    if not toml_path.is_file():
        msg = t("ingest.pack.no_toml", path=str(toml_path))
        return toml_path, None, [Problem(label, msg)]
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return toml_path, None, [Problem(label, t("ingest.pack.not_toml", reason=exc))]
    except UnicodeDecodeError:
        return toml_path, None, [Problem(label, t("ingest.pack.not_utf8"))]
    try:
        return toml_path, PackConfig.model_validate(raw), []
    except ValidationError as exc:
        return toml_path, None, [_validation_problem(label, err, raw) for err in exc.errors()]


def pack_files(path: str | Path) -> list[Path]:
    """Every file of a pack: those in its folder and each ``path`` its ``pack.toml`` names.

    Cheap (no data is read), so a command can refuse an output that would overwrite one of them
    before it computes anything; a pack that does not parse gives the files of its folder.
    """
    toml_path, config, _ = _read_config(Path(path))
    folder = toml_path.parent
    files = [f.resolve() for f in folder.iterdir() if f.is_file()] if folder.is_dir() else []
    if config is None:
        return files

    def walk(node: Any) -> None:
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                value = getattr(node, name)
                if name == "path" and isinstance(value, str):
                    files.append((toml_path.parent / value).resolve())
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(config)
    return files


def _validation_problem(label: str, err: Any, raw: dict[str, Any]) -> Problem:
    loc = [str(part) for part in err["loc"]]
    where = ".".join(loc)
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        hint = ""
        if model is not None:
            close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
            hint = t("ingest.pack.did_you_mean", key=close[0]) if close else ""
        keys = ", ".join(model.model_fields) if model is not None else ""
        msg = t("ingest.pack.unknown_key", key=where, hint=hint, keys=keys)
        return Problem(label, msg, None, where)
    if err["type"] == "missing":
        return Problem(label, t("ingest.pack.missing_key", key=where), None, where)
    message = validation_text(err)
    msg = t("ingest.pack.bad_value", key=where, message=message, value=err.get("input"))
    return Problem(label, msg, None, where)


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = PackConfig
    for part in loc:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        model = nested[0]
    return model


def check_pack(path: str | Path, *, deep: bool = False) -> list[Problem]:
    """Check a pack and return every problem found (errors and warnings); never raises on data.

    Parameters
    ----------
    path
        The pack folder or its ``pack.toml``.
    deep
        Also read everything: decode every OSM block, validate every GTFS row (with the canonical
        validator's notice codes), look for feeds listed twice and implausible incomes.
    """
    toml_path, loaded, problems = _check(Path(path))
    if deep and loaded is not None:
        config, data = loaded
        damaged = {p.file for p in problems if is_error(p)}
        problems += _pack_deep.deep_problems(config, data, root=toml_path.parent, skip=damaged)
    return problems


def _check(path: Path) -> tuple[Path, tuple[PackConfig, PackData] | None, list[Problem]]:
    toml_path, config, problems = _read_config(path)
    if config is None:
        return toml_path, None, problems
    root = toml_path.parent
    data = build_pack_data(config, root=root)
    problems += data.problems
    problems += _pack_files.check_external_files(config, root=root)
    return toml_path, (config, data), problems


def load_pack(path: str | Path) -> Pack:
    """Load and check a data pack.

    Parameters
    ----------
    path
        The pack folder or its ``pack.toml``.

    Returns
    -------
    Pack
        The loaded pack; its ``warnings`` lists the non-fatal problems.

    Raises
    ------
    PackError
        When any problem is an error; ``problems`` lists all of them (warnings included).
    """
    toml_path, loaded, problems = _check(Path(path))
    name = loaded[0].pack.name if loaded else toml_path.parent.name
    if loaded is None or any(is_error(p) for p in problems):
        raise PackError(name, problems)
    config, data = loaded
    for warning in problems:
        logger.info("%s", warning)
    return Pack(root=toml_path.parent.resolve(), config=config, data=data)
