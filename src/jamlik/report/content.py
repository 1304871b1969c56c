"""What a report holds: today's access, transit by hour, and each plan's comparison and SKA.

:func:`build_content` runs what the report shows, once: access today for everyone, children
and seniors (:func:`jamlik.runs.access.compute_pack_access`), transit access by hour and day
type when the pack has a GTFS feed (:func:`jamlik.runs.transit_access.compute_transit_access`),
and for each scenario the comparison with today and its SKA
(:func:`jamlik.scenarios.compare.compare_scenario`, :func:`jamlik.ska.assess.assess_scenario`).

Rules the content follows
-------------------------
* A scenario is checked against the pack first (:func:`jamlik.scenarios.check.check_scenario`);
  any error stops the report with every problem named (file, line, key).
* The comparison counts walking and cycling, and a scenario's public-transport changes (new
  lines, headway changes, closed stops) through transit runs today and with the plan
  (:func:`jamlik.scenarios.transit.compare_transit`) for everyone, children and seniors at the
  report's hours: the time-of-day table, winners and losers by transit, and the SKA matrix's
  transit cells. When they cannot run (no feed, no date with service) the report says so in
  its notes, never silently. The stops of a new line also count as new ``transit_stop`` places
  (walking time to the nearest stop), since a stop is a place a resident walks to whatever its
  timetable.
* Transit access is computed for a representative weekday, Saturday and Sunday from the first
  date the feed's calendar covers (or ``transit_date``), every second hour 06-22; when no day
  type has service the report says so and goes on without the time-of-day chart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jamlik.errors import DataError, JamlikError, ProblemWarning
from jamlik.i18n import t
from jamlik.ingest import Pack
from jamlik.ingest.scenario import Scenario, Service, entry_crs, entry_names, load_scenario
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access
from jamlik.runs.inputs import vulnerable_areas
from jamlik.runs.transit_access import TransitAccess, TransitAccessOptions, compute_transit_access
from jamlik.scenarios.check import check_scenario
from jamlik.scenarios.compare import ScenarioComparison, compare_scenario, resident_groups
from jamlik.scenarios.transit import TransitComparison, compare_transit
from jamlik.ska.assess import SKAAssessment, assess_scenario
from jamlik.ska.matrix import SKARules, complexity_level, load_ska_rules

__all__ = [
    "REPORT_PROFILES",
    "ReportContent",
    "ScenarioPart",
    "build_content",
    "feed_start_date",
]

log = logging.getLogger(__name__)

#: Travel profiles of the report: everyone (adults), children (BKA) and seniors.
REPORT_PROFILES = ("adult", "child", "senior")
#: Hours of the time-of-day transit profile.
TRANSIT_HOURS = (6, 8, 10, 12, 14, 16, 18, 20, 22)
#: Categories of the time-of-day transit profile (those the pack has).
TRANSIT_CATEGORIES = ("grocery", "school", "health_centre")
_TRANSIT_KINDS = ("transit_lines", "headway_changes", "closed_stops")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScenarioPart:
    """One plan in the report.

    Attributes
    ----------
    path
        The scenario file.
    scenario
        The scenario as written (with its public-transport changes).
    comparison
        Today and the plan (walking and cycling; see the module docstring).
    assessment
        The SKA steps and matrix.
    measures
        Every entry of the plan: ``kind, name``.
    complexity
        Suggested social complexity level (1-3) and why, counting every entry.
    notes
        What the comparison left out or assumed.
    """

    path: Path
    scenario: Scenario
    comparison: ScenarioComparison
    assessment: SKAAssessment
    measures: pd.DataFrame
    complexity: tuple[int, str]
    notes: tuple[str, ...]
    transit_change: pd.DataFrame | None = None


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, computed once."""

    pack: Pack
    language: str
    today: PackAccess
    transit: TransitAccess | None
    scenarios: tuple[ScenarioPart, ...]
    vulnerable_areas: tuple[str, ...]
    rules: SKARules
    notes: tuple[str, ...] = field(default=())
    dialogue: pd.DataFrame | None = None


def feed_start_date(pack: Pack) -> dt.date | None:
    """First date with service in the pack's first GTFS feed (calendar or calendar_dates)."""
    from jamlik.ingest.gtfs_tables import read_feed_files

    if not pack.gtfs_paths:
        return None
    files = read_feed_files(pack.gtfs_paths[0])
    values: list[str] = []
    calendar = files.tables.get("calendar.txt")
    if calendar is not None and "start_date" in calendar:
        values += list(calendar["start_date"])
    extra = files.tables.get("calendar_dates.txt")
    if extra is not None and {"date", "exception_type"} <= set(extra.columns):
        values += list(extra.loc[extra["exception_type"].str.strip() == "1", "date"])
    dates = []
    for value in values:
        try:
            dates.append(dt.datetime.strptime(value.strip(), "%Y%m%d").date())
        except ValueError:
            continue  # the GTFS reader names a bad date when the feed is read for routing
    return min(dates) if dates else None


def _check(path: Path, scenario: Scenario, pack: Pack) -> None:
    problems = check_scenario(scenario, pack)
    errors = [p for p in problems if not isinstance(p, ProblemWarning)]
    if errors:
        listing = "; ".join(str(p) for p in errors)
        raise DataError(t("report.scenario_errors", path=str(path), problems=listing))


def _access_part(scenario: Scenario, categories: set[str]) -> Scenario:
    """Return the scenario as walking and cycling see it (see the module docstring).

    The public-transport changes are dropped; the stops of new lines become new places of the
    category ``transit_stop`` (when the pack has that category), so the time to walk to the
    nearest stop counts them.
    """
    stops: list[Service] = []
    if "transit_stop" in categories:
        for line in scenario.transit_lines:
            names = line.stop_names or [f"{i + 1}" for i in range(len(line.stops))]
            crs = entry_crs(scenario, line)
            stops += [
                Service(name=f"{line.name}: {name}", category="transit_stop", point=xy, crs=crs)
                for xy, name in zip(line.stops, names, strict=True)
            ]
    update: dict[str, object] = {kind: [] for kind in _TRANSIT_KINDS}
    update["services"] = [*scenario.services, *stops]
    return scenario.model_copy(update=update)


def _scenario_part(
    path: Path,
    pack: Pack,
    today: PackAccess,
    options: AccessOptions,
    rules: SKARules,
    language: str,
    transit_options: TransitAccessOptions | None,
) -> ScenarioPart:
    scenario = load_scenario(path)
    _check(path, scenario, pack)
    notes: list[str] = []
    measured = scenario
    transit_table = None
    changes_transit = any(getattr(scenario, kind) for kind in _TRANSIT_KINDS)
    if changes_transit:
        categories = set(today.opportunities["category"].astype(str))
        measured = _access_part(scenario, categories)
    # Walking and cycling see the plan without its timetables; transit is compared apart and
    # joins the comparison, so that the SKA judges both for the same residents.
    comparison = compare_scenario(pack, measured, options=options, today=today)
    if changes_transit:
        transit = _transit_comparison(pack, scenario, comparison, transit_options, language, notes)
        if transit is not None:
            comparison = dataclasses.replace(
                comparison, transit=transit, transit_change=transit.change,
                transit_today=transit.today, transit_plan=transit.plan,
            )  # fmt: skip
            transit_table = transit.change
    assessment = assess_scenario(comparison, pack, rules=rules, language=language)
    measures = pd.DataFrame(
        [
            {"kind": kind, "name": name}
            for kind, names in entry_names(scenario).items()
            for name in names
        ],
        columns=["kind", "name"],
    )
    level = complexity_level(
        dwellings=sum(h.dwellings for h in scenario.homes),
        removed_dwellings=sum(h.dwellings for h in scenario.removed_homes),
        street_changes=len(scenario.links) + len(scenario.closures),
        transit_changes=len(scenario.transit_lines) + len(scenario.headway_changes),
    )
    return ScenarioPart(
        path=path,
        scenario=scenario,
        comparison=comparison,
        assessment=assessment,
        measures=measures,
        complexity=level,
        notes=tuple(dict.fromkeys([*notes, *comparison.notes])),
        transit_change=transit_table,
    )


def _transit_comparison(
    pack: Pack,
    scenario: Scenario,
    comparison: ScenarioComparison,
    options: TransitAccessOptions | None,
    language: str,
    notes: list[str],
) -> TransitComparison | None:
    """Transit today and with the plan's lines, headways and closed stops, or a note."""
    name = scenario.scenario.name
    if options is None:
        notes.append(t("report.note_transit_changes", language, name=name))
        return None
    try:
        transit = compare_transit(
            pack,
            scenario,
            comparison.staying,
            options=options.model_copy(update={"profiles": REPORT_PROFILES}),
            groups=resident_groups(comparison.staying),
            language=language,
        )
    except JamlikError as exc:
        notes.append(t("report.note_transit_failed", language, name=name, reason=str(exc)))
        return None
    notes.append(t("report.note_transit_counted", language, name=name))
    notes.extend(transit.notes)
    return transit


def _transit_options(
    pack: Pack, date: dt.date | None, today: PackAccess
) -> TransitAccessOptions | None:
    """Options of the report's transit runs (today and each plan), ``None`` without a feed."""
    if not pack.gtfs_paths or pack.osm_path is None:
        return None
    start = date or feed_start_date(pack)
    if start is None:
        return None
    present = set(today.opportunities["category"].astype(str))
    categories = tuple(c for c in TRANSIT_CATEGORIES if c in present) or None
    return TransitAccessOptions(date=start, hours=TRANSIT_HOURS, categories=categories)


def _transit(
    pack: Pack, date: dt.date | None, language: str, today: PackAccess
) -> tuple[TransitAccess | None, list[str]]:
    if not pack.gtfs_paths or pack.osm_path is None:
        return None, []
    options = _transit_options(pack, date, today)
    if options is None:
        return None, [t("report.note_no_transit_date", language)]
    try:
        return compute_transit_access(pack, options=options), []
    except JamlikError as exc:
        # The transit part is one section of the report: say why it is missing and go on.
        return None, [t("report.note_no_transit", language, reason=str(exc))]


def build_content(
    pack: Pack,
    *,
    scenarios: Sequence[Path] = (),
    language: str = "sv",
    rules: SKARules | None = None,
    transit_date: dt.date | None = None,
    dialogue: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> ReportContent:
    """Compute everything the report of ``pack`` (and its ``scenarios``) shows.

    Raises
    ------
    DataError
        If a scenario does not fit the pack (every problem is named) or the pack has no OSM.
    """
    say = progress or (lambda _message: None)
    rules = rules or load_ska_rules()
    # Scenario files are read and checked first: a wrong file fails before the long runs.
    for path in scenarios:
        _check(Path(path), load_scenario(path), pack)
    options = AccessOptions(profiles=REPORT_PROFILES)
    say(t("report.step_access", language))
    today = compute_pack_access(pack, options=options)
    notes = list(today.notes)
    areas: tuple[str, ...] = ()
    if pack.has_areas:
        areas, found = vulnerable_areas(pack, year=options.year)
        notes += found
    say(t("report.step_transit", language))
    transit, transit_notes = _transit(pack, transit_date, language, today)
    notes += transit_notes
    if transit is not None:
        notes += transit.notes
    parts = []
    for path in scenarios:
        say(t("report.step_scenario", language, path=str(path)))
        plan_transit = _transit_options(pack, transit_date, today) if transit else None
        part = _scenario_part(Path(path), pack, today, options, rules, language, plan_transit)
        parts.append(part)
    return ReportContent(
        pack=pack,
        language=language,
        today=today,
        transit=transit,
        scenarios=tuple(parts),
        vulnerable_areas=areas,
        rules=rules,
        notes=tuple(dict.fromkeys(notes)),
        dialogue=dialogue,
    )
