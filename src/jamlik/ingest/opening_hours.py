"""Opening hours of opportunities: "is this place open at (date, time)?" for many places at once.

OSM ``opening_hours`` strings (https://wiki.openstreetmap.org/wiki/Key:opening_hours) are parsed
with ``opening-hours-py`` (the Rust ``opening-hours`` crate). Each distinct string is parsed
once and turned into the **open intervals of one service day**: seconds since the day's midnight
over ``[0, 48 h)``, so that transit times past 24:00 (GTFS service-day times) are answered too.
:meth:`OpeningSchedule.is_open` then answers any number of (place, time) pairs with one sorted
search, without Python loops over places.

Rules
-----
* Which string applies to a place, first match wins: a per-place override (``[pois]`` of the
  overrides file), a per-category override (``[categories]``), the OSM tag, a per-category
  default for places *without* a tag (``[defaults]``). With none of these a place is **always
  open**, and :attr:`OpeningSchedule.n_without_hours` says how many places that is.
* A string that does not parse makes the place always open as well, and
  :attr:`OpeningSchedule.warnings` names the place, its category and the string.
* The state ``unknown`` (e.g. ``"Mo-Fr 08:00-17:00 unknown"``, or an ``open end``) counts as
  open by default (``unknown_is_open=False`` to count it as closed).
* Public holidays (``PH``) are only known when a country code is given (``country="SE"``);
  without one no day is a public holiday.

Overrides file (TOML, every key optional, strings validated when the file is read)::

    # hours for places without an opening_hours tag, by category
    [defaults]
    school = "Mo-Fr 08:00-16:00; PH off"

    # hours that replace the tag of every place of a category
    [categories]
    health_centre = "Mo-Fr 08:00-16:00"

    # hours of single places, by id: "node/123", "way/45", or the id of a pack layer row
    [pois]
    "way/4521" = "Mo-Fr 07:00-18:00"

A pack uses the file ``opening_hours.toml`` beside its ``pack.toml`` when there is one (see
:func:`pack_overrides_path`), so the pack format itself is unchanged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import opening_hours as oh
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jamlik._toml import read_toml_file
from jamlik.errors import ConfigError, DataError
from jamlik.i18n import t
from jamlik.ingest._validation_text import validation_text

__all__ = [
    "OVERRIDES_FILE",
    "HoursOverrides",
    "OpeningSchedule",
    "load_hours_overrides",
    "opening_schedule",
    "pack_overrides_path",
]

log = logging.getLogger(__name__)

OVERRIDES_FILE = "opening_hours.toml"
_DAY_S = 86_400
_SPAN_DAYS = 2  # intervals cover [0, 48 h) of the service day
_KEY_SHIFT = 1 << 18  # > 2 days in seconds; composite key = place * shift + second
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")

I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _check_hours(value: dict[str, str], what: str) -> dict[str, str]:
    """Refuse hours that do not parse; ``what`` is the key of the table (``categories``)."""
    bad = [f"{k!r}: {v!r}" for k, v in value.items() if not oh.validate(v)]
    if bad:
        raise ValueError(t("ingest.hours.unparsable", table=what, bad="; ".join(bad)))
    return value


class HoursOverrides(BaseModel):
    """Opening hours set by the user: defaults and replacements per category, per place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: dict[str, str] = Field(default_factory=dict)
    categories: dict[str, str] = Field(default_factory=dict)
    pois: dict[str, str] = Field(default_factory=dict)

    @field_validator("defaults", "categories")
    @classmethod
    def _category_keys(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not _CATEGORY.match(k)]
        if bad:
            raise ValueError(t("ingest.hours.bad_category", names=bad))
        return _check_hours(value, "defaults/categories")

    @field_validator("pois")
    @classmethod
    def _poi_hours(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_hours(value, "pois")


def load_hours_overrides(path: str | Path) -> HoursOverrides:
    """Read and validate an opening-hours overrides file (schema in the module docstring).

    Raises
    ------
    MissingFileError
        If the file does not exist.
    ConfigError
        If it is not valid TOML, has an unknown key or an hours string that does not parse.
    """
    path = Path(path)
    raw = read_toml_file(path, what=t("ingest.hours.file_kind"))
    try:
        return HoursOverrides.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = validation_text(first)
        raise ConfigError(
            t("ingest.hours.invalid", path=str(path), where=where, message=message)
        ) from None


def pack_overrides_path(pack_root: str | Path) -> Path | None:
    """Return ``<pack folder>/opening_hours.toml`` when it exists, else ``None``."""
    candidate = Path(pack_root) / OVERRIDES_FILE
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class OpeningSchedule:
    """Open intervals of ``n`` places on one service day, in CSR form.

    Attributes
    ----------
    date
        The service day; seconds count from its midnight.
    ptr
        ``int64`` (n + 1): the intervals of place ``i`` are ``ptr[i]:ptr[i+1]``.
    start_s, end_s
        ``int64`` open intervals ``[start, end)`` in seconds, sorted and disjoint per place.
    always_open
        Places with no usable hours (no string, or one that does not parse): open at any time.
    hours
        The string used for each place (``None`` when always open).
    warnings
        One sentence per place whose string does not parse.
    """

    date: dt.date
    ptr: I64
    start_s: I64
    end_s: I64
    always_open: BoolArray
    hours: npt.NDArray[np.object_]
    warnings: tuple[str, ...] = field(default=())

    @property
    def n_places(self) -> int:
        """Number of places."""
        return int(self.always_open.size)

    @property
    def n_without_hours(self) -> int:
        """Places counted as always open because they have no (usable) hours."""
        return int(self.always_open.sum())

    def is_open(self, place: npt.ArrayLike, seconds: npt.ArrayLike) -> BoolArray:
        """Whether place ``place[i]`` is open at ``seconds[i]`` (broadcast), vectorised.

        ``seconds`` count from the service day's midnight; values outside ``[0, 48 h)`` are
        closed unless the place is always open.
        """
        p, s = np.broadcast_arrays(np.asarray(place, np.int64), np.asarray(seconds, np.int64))
        owner = np.repeat(np.arange(self.n_places, dtype=np.int64), np.diff(self.ptr))
        keys = owner * _KEY_SHIFT + self.start_s
        inside = (s >= 0) & (s < _SPAN_DAYS * _DAY_S)
        query = p * _KEY_SHIFT + np.clip(s, 0, _SPAN_DAYS * _DAY_S - 1)
        pos = np.searchsorted(keys, query, side="right") - 1
        safe = np.clip(pos, 0, max(keys.size - 1, 0))
        hit = (pos >= 0) & inside
        if keys.size:
            hit &= (owner[safe] == p) & (self.end_s[safe] > s)
        else:
            hit &= False
        out: BoolArray = hit | self.always_open[p]
        return out

    def open_at(self, seconds: float) -> BoolArray:
        """Whether each place is open at one time (seconds since the day's midnight)."""
        return self.is_open(np.arange(self.n_places), int(seconds))


def _day_intervals(
    text: str, date: dt.date, country: str | None, unknown_is_open: bool
) -> list[tuple[int, int]]:
    hours = oh.OpeningHours(text, country=country) if country else oh.OpeningHours(text)
    start = dt.datetime.combine(date, dt.time())
    end = start + dt.timedelta(days=_SPAN_DAYS)
    out: list[tuple[int, int]] = []
    for lo, hi, state, _comment in hours.intervals(start, end):
        if state == oh.State.OPEN or (unknown_is_open and state == oh.State.UNKNOWN):
            a = int((lo - start).total_seconds())
            b = int(((hi or end) - start).total_seconds())
            if out and out[-1][1] == a:  # merge touching intervals
                out[-1] = (out[-1][0], b)
            elif b > a:
                out.append((a, b))
    return out


def opening_schedule(
    hours: Sequence[str | None],
    *,
    date: dt.date,
    ids: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    overrides: HoursOverrides | None = None,
    country: str | None = None,
    unknown_is_open: bool = True,
) -> OpeningSchedule:
    """Build the open intervals of every place on ``date``.

    Parameters
    ----------
    hours
        The OSM ``opening_hours`` string of each place (``None`` or empty when untagged).
    date
        Service day.
    ids
        Place ids (``"node/123"``, pack layer ids), used for ``[pois]`` overrides and warnings.
    categories
        Category of each place, used for ``[categories]`` and ``[defaults]`` overrides.
    overrides
        User hours (:class:`HoursOverrides`); the precedence is in the module docstring.
    country
        ISO country code for public holidays (``PH``); ``None``: no public holidays.
    unknown_is_open
        Whether the ``unknown`` state counts as open.

    Raises
    ------
    DataError
        If ``ids`` or ``categories`` differ in length from ``hours``, or the country is unknown.
    """
    n = len(hours)
    ids_list = [str(i) for i in ids] if ids is not None else [f"#{i}" for i in range(n)]
    cats = list(categories) if categories is not None else [""] * n
    if len(ids_list) != n or len(cats) != n:
        raise DataError(t("ingest.hours.lengths", n=n, ids=len(ids_list), categories=len(cats)))
    ov = overrides or HoursOverrides()
    chosen: list[str | None] = []
    for text, pid, cat in zip(hours, ids_list, cats, strict=True):
        tag = text.strip() if isinstance(text, str) and text.strip() else None
        chosen.append(
            ov.pois.get(pid) or ov.categories.get(cat) or tag or ov.defaults.get(cat) or None
        )
    parsed: dict[str, list[tuple[int, int]] | None] = {}
    for text in {c for c in chosen if c is not None}:
        try:
            parsed[text] = _day_intervals(text, date, country, unknown_is_open)
        except oh.ParserError:  # type: ignore[attr-defined]  # not in the stub
            parsed[text] = None
        except oh.UnknownCountryError:  # type: ignore[attr-defined]
            raise DataError(t("ingest.hours.unknown_country", country=country)) from None
    warnings: list[str] = []
    always = np.zeros(n, dtype=bool)
    counts = np.zeros(n, dtype=np.int64)
    starts: list[int] = []
    ends: list[int] = []
    for i, text in enumerate(chosen):
        runs = parsed.get(text) if text is not None else None
        if runs is None:
            always[i] = True
            if text is not None:
                label = f" ({cats[i]})" if cats[i] else ""
                warnings.append(t("ingest.hours.place_unparsable", place=ids_list[i] + label,
                                  hours=text))  # fmt: skip
            continue
        counts[i] = len(runs)
        starts.extend(a for a, _ in runs)
        ends.extend(b for _, b in runs)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    for w in warnings:
        log.info("%s", w)
    return OpeningSchedule(
        date=date,
        ptr=ptr,
        start_s=np.asarray(starts, dtype=np.int64),
        end_s=np.asarray(ends, dtype=np.int64),
        always_open=always,
        hours=np.asarray([None if a else c for a, c in zip(always, chosen, strict=True)], object),
        warnings=tuple(warnings),
    )
