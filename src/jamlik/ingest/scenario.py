"""Scenario files: a detailed plan (or a lab iteration) as changes to a data pack.

A scenario is a TOML file that a planner writes, or the web app builds from the same pydantic
models.
It lists changes; applying them to a pack and comparing with today is the work of
:mod:`jamlik.runs` and :mod:`jamlik.scenarios`. Coordinates are WGS84 ``[lon, lat]`` unless the
scenario (``[scenario] crs``) or the entry (``crs``) names another CRS::

    [scenario]
    name = "kvillestaden-v2"
    title = "Kvillestaden, alternativ 2"
    based_on = "kvillestaden-v1.toml"      # optional: builds on another scenario

    [[homes]]                               # new homes: a point or a polygon
    name = "Kvarter A"
    polygon = [[11.95, 57.72], [11.96, 57.72], [11.96, 57.73], [11.95, 57.72]]
    dwellings = 800
    tenure = { rental = 0.5, tenant_owned = 0.3, owner_occupied = 0.2 }
    persons_per_dwelling = 2.1              # optional; default from the area's statistics

    [[removed_homes]]                       # renovation or demolition: residents displaced
    name = "Hus 3"
    point = [11.952, 57.721]
    dwellings = 60

    [[services]]                            # a new place of a category (parks as polygons)
    name = "Ny skola"
    category = "school"
    point = [11.955, 57.725]

    [[closed_services]]                     # a place that closes: by OSM id or near a point
    name = "Gamla skolan"
    category = "school"
    point = [11.97, 57.73]

    [[links]]                               # a new street link (a footbridge)
    name = "Gångbro"
    coordinates = [[11.95, 57.72], [11.955, 57.722]]
    modes = ["walk", "bike"]

    [[closures]]                            # streets that close: OSM way ids or a polygon
    name = "Stängd gata"
    osm_way_ids = [123456]

    [[transit_lines]]                       # a new line without writing GTFS
    name = "Buss 99"
    stops = [[11.95, 57.72], [11.96, 57.73], [11.97, 57.74]]
    speed_kmh = 20                          # or run_times_min = [3, 4]
    headways = [{ day_type = "weekday", hours = "6-9", minutes = 10 }]

    [[headway_changes]]                     # existing routes run more (or less) often
    route_id = "9011014500200000"
    headways = [{ day_type = "weekday", hours = "6-19", minutes = 7.5 }]

    [[closed_stops]]
    stop_ids = ["9022014001760001"]

Each entry has a ``name`` so that errors, comparisons and the SKA report can refer to it. Errors
name the file, the line of the entry and the key (:func:`load_scenario`); a chain of scenarios
(``based_on``) is resolved parent first, a cycle is an error.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jamlik.errors import ConfigError, CRSError, MissingFileError
from jamlik.geo import transform_xy
from jamlik.i18n import format_number, t
from jamlik.ingest._lines import at_line
from jamlik.ingest._validation_text import validation_text

__all__ = [
    "CHANGE_KINDS",
    "ClosedServices",
    "ClosedStops",
    "HeadwayChange",
    "Headway",
    "Homes",
    "Link",
    "LinkMode",
    "Scenario",
    "ScenarioMeta",
    "RemovedHomes",
    "Service",
    "StreetClosure",
    "TransitLine",
    "entries",
    "entry_crs",
    "entry_geometry",
    "entry_lines",
    "entry_names",
    "load_scenario",
    "scenario_chain",
    "to_crs",
]

FloatArray = npt.NDArray[np.float64]

Coordinate = Annotated[list[float], Field(min_length=2, max_length=2)]
DayType = Literal["weekday", "saturday", "sunday"]
LinkMode = Literal["walk", "bike"]
TENURES = ("rental", "tenant_owned", "owner_occupied")
#: A scenario may nest this many ``based_on`` steps (a lab iterates; it does not recurse forever).
MAX_CHAIN = 50


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_coordinate(value: list[float]) -> list[float]:
    x, y = value
    if not all(abs(v) < 1e8 for v in (x, y)):
        raise ValueError(t("ingest.scenario.bad_coordinate", value=value))
    return value


class _Placed(_Model):
    """An entry placed by a point or a polygon (in ``crs``, default the scenario's)."""

    name: str = Field(min_length=1, max_length=200)
    point: Coordinate | None = None
    polygon: list[Coordinate] | None = None
    crs: str | None = None

    @field_validator("point")
    @classmethod
    def _point(cls, value: list[float] | None) -> list[float] | None:
        return None if value is None else _check_coordinate(value)

    @field_validator("polygon")
    @classmethod
    def _polygon(cls, value: list[list[float]] | None) -> list[list[float]] | None:
        if value is None:
            return None
        if len(value) < 3:
            raise ValueError(t("ingest.scenario.polygon_corners"))
        if len(value) > 10_000:
            raise ValueError(t("ingest.scenario.polygon_too_many", n=format_number(10_000)))
        return [_check_coordinate(c) for c in value]

    @model_validator(mode="after")
    def _one_geometry(self) -> Self:
        if (self.point is None) == (self.polygon is None):
            raise ValueError(t("ingest.scenario.point_or_polygon"))
        return self


class Homes(_Placed):
    """New homes: ``dwellings`` at a point or spread over a polygon."""

    dwellings: int = Field(gt=0, le=1_000_000)
    tenure: dict[str, float] | None = None
    persons_per_dwelling: float | None = Field(default=None, gt=0, le=20)
    area_id: str | None = None

    @field_validator("tenure")
    @classmethod
    def _tenure(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - set(TENURES))
        if unknown:
            raise ValueError(
                t("ingest.scenario.unknown_tenure", unknown=unknown, known=list(TENURES))
            )
        if any(v < 0 for v in value.values()) or abs(sum(value.values()) - 1.0) > 1e-6:
            total = format_number(sum(value.values()), 3)
            raise ValueError(t("ingest.scenario.tenure_shares", total=total))
        return value


class RemovedHomes(_Placed):
    """Homes removed by renovation or demolition: their residents are displaced."""

    dwellings: int = Field(gt=0, le=1_000_000)
    area_id: str | None = None


class Service(_Placed):
    """A new place of a category (``category`` as in the categories file; parks as polygons)."""

    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    weight: float = Field(default=1.0, gt=0)


class ClosedServices(_Model):
    """Places that close: by OSM id, or those of ``category`` within ``radius_m`` of a point."""

    name: str = Field(min_length=1, max_length=200)
    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    osm_ids: list[int] | None = None
    point: Coordinate | None = None
    radius_m: float = Field(default=50.0, gt=0, le=1000)
    crs: str | None = None

    @model_validator(mode="after")
    def _how(self) -> Self:
        if (self.osm_ids is None) == (self.point is None):
            raise ValueError(t("ingest.scenario.osm_ids_or_point"))
        return self


class Link(_Model):
    """A new street link, joined at each end to the nearest street node (within 50 m)."""

    name: str = Field(min_length=1, max_length=200)
    coordinates: list[Coordinate] = Field(min_length=2, max_length=10_000)
    modes: list[LinkMode] = Field(default_factory=lambda: list[LinkMode](["walk"]), min_length=1)
    crs: str | None = None

    @field_validator("coordinates")
    @classmethod
    def _coordinates(cls, value: list[list[float]]) -> list[list[float]]:
        return [_check_coordinate(c) for c in value]


class StreetClosure(_Model):
    """Streets that close for every mode: OSM way ids, or every street inside a polygon."""

    name: str = Field(min_length=1, max_length=200)
    osm_way_ids: list[int] | None = None
    polygon: list[Coordinate] | None = None
    crs: str | None = None

    @model_validator(mode="after")
    def _how(self) -> Self:
        if (self.osm_way_ids is None) == (self.polygon is None):
            raise ValueError(t("ingest.scenario.way_ids_or_polygon"))
        if self.polygon is not None and len(self.polygon) < 3:
            raise ValueError(t("ingest.scenario.polygon_corners"))
        return self


_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(\w+)\s*\]\]")
_SCENARIO_HEADER = re.compile(r"^\s*\[\s*(scenario)\s*\]")
_HOURS = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$")


class Headway(_Model):
    """A departure every ``minutes`` during ``hours`` (``"6-9"``: 06:00 to 09:00) on a day type."""

    day_type: DayType
    hours: str
    minutes: float = Field(gt=0, le=24 * 60)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = _HOURS.match(value)
        if not match or not 0 <= int(match[1]) < int(match[2]) <= 30:
            raise ValueError(t("ingest.scenario.bad_hours", value=value))
        return value

    @property
    def window_s(self) -> tuple[int, int]:
        """Start and end of the window in seconds after midnight."""
        match = _HOURS.match(self.hours)
        assert match is not None  # validated
        return int(match[1]) * 3600, int(match[2]) * 3600


class TransitLine(_Model):
    """A new line: stops in order, run times (or a speed) and headways; both directions."""

    name: str = Field(min_length=1, max_length=200)
    mode: Literal["bus", "tram", "rail", "ferry", "metro"] = "bus"
    stops: list[Coordinate] = Field(min_length=2, max_length=500)
    stop_names: list[str] | None = None
    run_times_min: list[float] | None = None
    speed_kmh: float | None = Field(default=None, gt=0, le=300)
    dwell_s: float = Field(default=20.0, ge=0, le=600)
    headways: list[Headway] = Field(min_length=1)
    both_directions: bool = True
    crs: str | None = None

    @model_validator(mode="after")
    def _timing(self) -> Self:
        if (self.run_times_min is None) == (self.speed_kmh is None):
            raise ValueError(t("ingest.scenario.run_times_or_speed"))
        if self.run_times_min is not None:
            if len(self.run_times_min) != len(self.stops) - 1:
                legs, got = len(self.stops) - 1, len(self.run_times_min)
                raise ValueError(t("ingest.scenario.run_times_per_leg", legs=legs, got=got))
            if any(v <= 0 for v in self.run_times_min):
                raise ValueError(t("ingest.scenario.run_times_positive"))
        if self.stop_names is not None and len(self.stop_names) != len(self.stops):
            raise ValueError(t("ingest.scenario.stop_names"))
        return self


class HeadwayChange(_Model):
    """Existing routes run at new headways in the given windows (other windows unchanged)."""

    name: str = Field(default="", max_length=200)
    route_id: str = Field(min_length=1)
    headways: list[Headway] = Field(min_length=1)


class ClosedStops(_Model):
    """Stops of the feeds that close (trips skip them)."""

    name: str = Field(default="", max_length=200)
    stop_ids: list[str] = Field(min_length=1)


class ScenarioMeta(_Model):
    """The ``[scenario]`` table."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w .\-åäöÅÄÖ]+$")
    title: str = ""
    description: str = ""
    based_on: str | None = None
    crs: str = "EPSG:4326"


class Scenario(_Model):
    """A scenario: its metadata and lists of changes (see the module docstring)."""

    scenario: ScenarioMeta
    homes: list[Homes] = Field(default_factory=list)
    removed_homes: list[RemovedHomes] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    closed_services: list[ClosedServices] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    closures: list[StreetClosure] = Field(default_factory=list)
    transit_lines: list[TransitLine] = Field(default_factory=list)
    headway_changes: list[HeadwayChange] = Field(default_factory=list)
    closed_stops: list[ClosedStops] = Field(default_factory=list)
    source: str = ""

    @property
    def is_empty(self) -> bool:
        """Whether the scenario changes nothing."""
        return not any(getattr(self, kind) for kind in CHANGE_KINDS)

    def extended_by(self, child: Scenario) -> Scenario:
        """Return this scenario with ``child``'s changes on top.

        An entry of the same kind and name replaces the parent's; other entries add to them.
        """
        merged: dict[str, Any] = {"scenario": child.scenario, "source": child.source}
        for kind in CHANGE_KINDS:
            mine: list[Any] = list(getattr(self, kind))
            for entry in getattr(child, kind):
                names = [getattr(e, "name", None) for e in mine]
                name = getattr(entry, "name", None)
                if name and name in names:
                    mine[names.index(name)] = entry
                else:
                    mine.append(entry)
            merged[kind] = mine
        return Scenario.model_validate(merged)


CHANGE_KINDS: tuple[str, ...] = (
    "homes",
    "removed_homes",
    "services",
    "closed_services",
    "links",
    "closures",
    "transit_lines",
    "headway_changes",
    "closed_stops",
)


def entry_lines(text: str) -> dict[tuple[str, int], int]:
    """Return the line (1-based) of the ``k``-th ``[[kind]]`` header; ``[scenario]`` is k = 0."""
    lines: dict[tuple[str, int], int] = {}
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*\[\[\s*([\w]+)\s*\]\]", line) or re.match(
            r"^\s*\[\s*(scenario)\s*\]", line
        )
        if match:
            kind = match[1]
            index = seen.get(kind, 0)
            seen[kind] = index + 1
            lines[(kind, index)] = number
    return lines


def _describe(path: Path, text: str, data: dict[str, Any], exc: ValidationError) -> str:
    where = entry_lines(text)
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        line = None
        label = ".".join(loc)
        if loc and loc[0] in CHANGE_KINDS and len(loc) > 1 and loc[1].isdigit():
            index = int(loc[1])
            line = where.get((loc[0], index))
            entries = data.get(loc[0]) or []
            name = (
                entries[index].get("name")
                if index < len(entries) and isinstance(entries[index], dict)
                else None
            )
            key = ".".join(loc[2:]) or t("ingest.scenario.the_entry")
            entry = f"[[{loc[0]}]] #{index + 1}" + (f" {name!r}" if name else "")
            label = t("ingest.scenario.entry_key", entry=entry, key=key)
        elif loc and loc[0] == "scenario":
            line = where.get(("scenario", 0))
            key = ".".join(loc[1:]) or t("ingest.scenario.the_table")
            label = t("ingest.scenario.entry_key", entry="[scenario]", key=key)
        message = validation_text(err)
        if err["type"] == "extra_forbidden":
            message = t("ingest.scenario.unknown_key")
        if line:
            parts.append(t("ingest.scenario.error_at", at=at_line(str(path), line), label=label,
                           message=message))  # fmt: skip
        else:
            parts.append(t("ingest.scenario.error", path=str(path), label=label, message=message))
    return "\n".join(parts)


def _read_one(path: Path) -> Scenario:
    if not path.is_file():
        raise MissingFileError(t("ingest.scenario.file_missing", path=str(path)))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(t("ingest.scenario.not_utf8", path=str(path))) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(t("ingest.toml.invalid", path=str(path), reason=exc)) from None
    if "scenario" not in data:
        raise ConfigError(t("ingest.scenario.no_table", path=str(path)))
    try:
        return Scenario.model_validate({**data, "source": str(path)})
    except ValidationError as exc:
        raise ConfigError(_describe(path, text, data, exc)) from None


def scenario_chain(path: str | Path) -> list[Scenario]:
    """Return the scenarios from the first ancestor to ``path`` itself, each as written.

    Raises
    ------
    ConfigError
        On a cycle in ``based_on`` (the message lists it), or a chain longer than 50.
    """
    chain: list[Scenario] = []
    seen: list[Path] = []
    current: Path | None = Path(path)
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            loop = " → ".join(str(p) for p in [*seen[seen.index(resolved) :], resolved])
            raise ConfigError(t("ingest.scenario.cycle", path=str(path), loop=loop))
        if len(seen) >= MAX_CHAIN:
            raise ConfigError(t("ingest.scenario.chain_too_long", path=str(path), n=MAX_CHAIN))
        seen.append(resolved)
        scenario = _read_one(current)
        chain.append(scenario)
        parent = scenario.scenario.based_on
        current = None if parent is None else (current.parent / parent)
    return chain[::-1]


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file and the scenarios it is based on; return them merged, parent first.

    Raises
    ------
    MissingFileError
        If the file (or a scenario it is based on) does not exist.
    ConfigError
        If a file is not TOML, an entry is invalid (the message names the file, the line of the
        entry, its name and the key), or ``based_on`` forms a cycle.
    """
    chain = scenario_chain(path)
    merged = chain[0]
    for child in chain[1:]:
        merged = merged.extended_by(child)
    return merged


def entry_names(scenario: Scenario) -> dict[str, Sequence[str]]:
    """Names of the entries of each kind (for listings and comparisons of iterations)."""
    return {
        kind: [getattr(e, "name", "") for e in getattr(scenario, kind)] for kind in CHANGE_KINDS
    }


def entry_crs(scenario: Scenario, entry: BaseModel) -> str:
    """CRS of an entry's coordinates: its own ``crs``, else the scenario's."""
    own = getattr(entry, "crs", None)
    return str(own) if own else scenario.scenario.crs


def to_crs(coordinates: Sequence[Sequence[float]], *, from_crs: str, to: str) -> FloatArray:
    """Transform ``[[x, y], ...]`` from ``from_crs`` to ``to``; an ``(n, 2)`` array.

    Raises
    ------
    CRSError
        If either CRS is unknown.
    """
    xy = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
    try:
        x, y = transform_xy(xy[:, 0], xy[:, 1], from_crs=from_crs, to_crs=to)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            t("ingest.scenario.unknown_crs", from_crs=from_crs, to_crs=to, reason=exc)
        ) from None
    return np.column_stack([x, y])


def entry_geometry(scenario: Scenario, entry: BaseModel, *, crs: str) -> shapely.Geometry:
    """Return the entry's geometry in ``crs``: a Point, Polygon or LineString (links)."""
    source = entry_crs(scenario, entry)
    if isinstance(entry, Link):
        return shapely.LineString(to_crs(entry.coordinates, from_crs=source, to=crs))
    polygon = getattr(entry, "polygon", None)
    if polygon is not None:
        ring = to_crs(polygon, from_crs=source, to=crs)
        return shapely.make_valid(shapely.Polygon(ring))
    point = getattr(entry, "point", None)
    if point is not None:
        return shapely.Point(to_crs([point], from_crs=source, to=crs)[0])
    raise ConfigError(t("ingest.scenario.no_geometry", name=getattr(entry, "name", entry)))


def entries(scenario: Scenario) -> list[tuple[str, int, BaseModel]]:
    """Every entry as ``(kind, index, entry)``, in the order of :data:`CHANGE_KINDS`."""
    return [
        (kind, index, entry)
        for kind in CHANGE_KINDS
        for index, entry in enumerate(getattr(scenario, kind))
    ]
