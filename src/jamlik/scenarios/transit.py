"""A plan's public-transport changes per resident: who gains and who loses, by group and hour.

:func:`compare_transit` runs transit access today and with the plan's new lines, headway changes
and closed stops (:func:`jamlik.runs.scenario_transit.scenario_transit`, the same runs as the
time-of-day table), keeping each routed origin's values, and turns them into per-resident
evidence for the same residents and groups the walk comparison counts.

Rules the numbers follow
------------------------
* **Residents** are the walk comparison's (today's residents who stay, with their groups). Each
  lives on a street node; the transit run routes one origin per cell of ``origin_cell_m``
  (:mod:`jamlik.runs.transit_access`) and every resident takes the values of its node's routed
  origin (:attr:`~jamlik.runs.transit_access.TransitAccess.origin_of_node`). Residents on a node
  the transit run did not place are left out, with a note giving their number.
* **Values** per origin, travel profile, day type and hour are those of the transit run: the
  ``percentile``-th travel time over the hour's departures, open on arrival, walking included
  (``<category>_nearest_min_transit``; NaN: none reachable) and the places within each cut-off
  (``<category>_count_<T>min_transit``). An hour without any departure is compared as it is
  (walking alone), not masked as in the summary, so a line that brings the first service of an
  hour counts as the gain it is.
* **What changes** is the timetable alone: both runs count today's residents and today's
  places (the plan's new homes and services are counted by the walk comparison), so a
  difference is the plan's lines, headways and closed stops.
* **Winners and losers** follow :func:`jamlik.indicators.access.change.winners_losers` with the
  walk comparison's tolerances (``tolerance_min`` for times, ``tolerance_count`` for counts), per
  profile, day type, hour, indicator and group; ``gain`` and ``loss`` are people.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from jamlik.i18n import format_number, t
from jamlik.indicators.access.change import before_after, winners_losers
from jamlik.ingest import Pack
from jamlik.ingest.scenario import Scenario
from jamlik.runs.scenario_transit import scenario_transit
from jamlik.runs.transit_access import TransitAccess, TransitAccessOptions

__all__ = [
    "TOLERANCE_COUNT",
    "TOLERANCE_MIN",
    "TransitComparison",
    "compare_transit",
    "entry_label",
    "transit_change",
    "transit_entries",
    "transit_winners",
]

#: A resident's transit time must change by more than this (minutes) to gain or lose, as in the
#: walk comparison (:func:`jamlik.indicators.access.change.winners_losers`).
TOLERANCE_MIN = 0.5
#: The same for the number of places within a cut-off.
TOLERANCE_COUNT = 0.5
_KEY = ["profile", "day_type", "hour"]
_TRANSIT_KEYS = ["profile", "day_type", "date", "hour", "area_id", "group", "indicator"]


Key = tuple[str, str, int]


@dataclass(frozen=True)
class TransitComparison:
    """Transit access today and with a plan, per resident and summarised.

    Attributes
    ----------
    before, after
        Per ``(profile, day_type, hour)``: the indicators of every routed origin (index
        ``origin``), today and with the plan.
    origin_of_node
        The routed origin of every street node with residents (index ``node``).
    change
        Per hour, area, group and indicator (:func:`transit_change`).
    winners
        ``profile, day_type, date, hour, indicator, group, gain, loss, same, gained_access,
        lost_access, people`` among the residents compared (people, module docstring).
    stops
        The stops the plan touches
        (:func:`jamlik.runs.scenario_transit.changed_stops`): ``stop_id, stop_name, lon, lat,
        change, entry``.
    entries
        The plan's transit entries, ``(kind, name)`` (:func:`transit_entries`).
    dates
        The date of each day type.
    today, plan
        The two transit runs (``None`` when the comparison was built from values alone).
    tolerance_min, tolerance_count
        The tolerances of ``winners``.
    notes
        What was assumed or left out.
    """

    before: Mapping[Key, pd.DataFrame]
    after: Mapping[Key, pd.DataFrame]
    origin_of_node: pd.Series
    change: pd.DataFrame
    winners: pd.DataFrame
    stops: pd.DataFrame
    entries: tuple[tuple[str, str], ...]
    dates: Mapping[str, str] = field(default_factory=dict)
    today: TransitAccess | None = None
    plan: TransitAccess | None = None
    tolerance_min: float = TOLERANCE_MIN
    tolerance_count: float = TOLERANCE_COUNT
    notes: tuple[str, ...] = ()

    @property
    def keys(self) -> list[Key]:
        """The ``(profile, day_type, hour)`` compared, in the run's order."""
        return list(self.before)

    @property
    def profiles(self) -> tuple[str, ...]:
        """The travel profiles compared."""
        return tuple(dict.fromkeys(k[0] for k in self.before))

    def origins_of(self, nodes: np.ndarray) -> np.ndarray:
        """Routed origin of each node (``-1``: a node the transit run did not place)."""
        return self.origin_of_node.reindex(nodes).fillna(-1).to_numpy(dtype=np.int64)


def _split(run: TransitAccess) -> dict[Key, pd.DataFrame]:
    """Split a run's ``per_origin`` by profile, day type and hour (index ``origin``)."""
    frame = run.per_origin
    assert frame is not None, "transit run without per-origin values (keep_origins)"
    columns = [c for c in frame.columns if c.endswith("_transit")]
    return {
        (str(p), str(d), int(h)): part.set_index("origin")[columns]
        for (p, d, h), part in frame.groupby(_KEY, sort=False)
    }


def transit_entries(scenario: Scenario) -> tuple[tuple[str, str], ...]:
    """List the plan's transit entries as ``(kind, name)``: ``line``, ``headway``, ``closed``."""
    out = [("line", line.name) for line in scenario.transit_lines]
    out += [("headway", c.name or c.route_id) for c in scenario.headway_changes]
    out += [("closed", c.name or ", ".join(c.stop_ids)) for c in scenario.closed_stops]
    return tuple(out)


def entry_label(kind: str, name: str, language: str | None = None) -> str:
    """Name a transit entry of :func:`transit_entries` in ``language`` (a line by its name)."""
    if kind == "line":
        return name
    return t(f"scenario.transit_{kind}_entry", language, name=name)


def transit_change(today: TransitAccess, plan: TransitAccess) -> pd.DataFrame:
    """Return transit access before and after per profile, hour, area, group and indicator.

    Columns ``profile, day_type, date, hour, area_id, group, indicator, before, after, delta,
    population_before, population_after, no_access_before, no_access_after``; an indicator
    present on one side only (a category no place of which is reached) has NaN on the other.
    """
    out = before_after(today.summary, plan.summary, keys=_TRANSIT_KEYS)
    return out.sort_values(_TRANSIT_KEYS, kind="stable").reset_index(drop=True)


def transit_winners(
    comparison: TransitComparison, residents: pd.DataFrame, groups: Sequence[str]
) -> pd.DataFrame:
    """Count winners and losers per profile, day type and hour (module docstring).

    Each resident row is moved to its routed origin (its values are the origin's), so the
    count runs over origins' values with the residents' own weights.
    """
    at_origin = residents.assign(node=comparison.origins_of(residents["node"].to_numpy()))
    at_origin = at_origin[at_origin["node"] >= 0]
    dates = comparison.dates
    parts = []
    for profile, day_type, hour in comparison.keys:
        before = comparison.before[(profile, day_type, hour)]
        after = comparison.after[(profile, day_type, hour)]
        table = winners_losers(
            before,
            after.reindex(before.index),
            at_origin,
            groups=groups,
            tolerance_min=comparison.tolerance_min,
            tolerance_count=comparison.tolerance_count,
        )
        parts.append(
            table.assign(profile=profile, day_type=day_type, date=dates.get(day_type), hour=hour)
        )
    columns = ["profile", "day_type", "date", "hour", "indicator", "group", "gain", "loss",
               "same", "gained_access", "lost_access", "people"]  # fmt: skip
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def compare_transit(
    pack: Pack,
    scenario: Scenario,
    residents: pd.DataFrame,
    *,
    options: TransitAccessOptions,
    groups: Sequence[str] = ("pop_total",),
    language: str | None = None,
) -> TransitComparison:
    """Compare transit access today and with ``scenario`` per resident (module docstring).

    Parameters
    ----------
    pack
        The pack whose feeds the scenario changes.
    scenario
        The plan (its ``transit_lines``, ``headway_changes`` and ``closed_stops`` count).
    residents
        The residents compared: ``node`` (street node of the walk network) and ``groups``.
    options
        Options of both transit runs (``keep_origins`` is set here).

    Raises
    ------
    DataError
        If the pack has no GTFS feed or no day type has service.
    """
    opts = options.model_copy(update={"keep_origins": True})
    with tempfile.TemporaryDirectory(prefix="jamlik-transit-") as folder:
        runs = scenario_transit(pack, scenario, options=opts, folder=Path(folder))
    assert runs.today.origin_of_node is not None
    comparison = TransitComparison(
        before=_split(runs.today),
        after=_split(runs.plan),
        origin_of_node=runs.today.origin_of_node,
        change=transit_change(runs.today, runs.plan),
        winners=pd.DataFrame(),
        stops=runs.stops,
        entries=transit_entries(scenario),
        dates={k: v.isoformat() for k, v in runs.today.dates.items()},
        today=runs.today,
        plan=runs.plan,
    )
    notes = list(dict.fromkeys([*runs.today.notes, *runs.plan.notes]))
    unplaced = comparison.origins_of(residents["node"].to_numpy()) < 0
    if unplaced.any():
        people = float(residents.loc[unplaced, "pop_total"].sum())
        notes.append(
            t(
                "scenario.transit_unplaced",
                language,
                people=format_number(people, language=language),
            )
        )
    return dataclasses.replace(
        comparison, winners=transit_winners(comparison, residents, groups), notes=tuple(notes)
    )
