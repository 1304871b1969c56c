"""Compare a plan with today: who gains, who loses, does the gap narrow, and the SKA matrix.

One call, :func:`compare_scenario`, runs access today and with the scenario
(:func:`jamlik.runs.access.compute_pack_access`), then for every travel profile:

* the change per area and group (:func:`jamlik.indicators.access.change.area_change`);
* winners and losers among today's residents, in people per group
  (:func:`~jamlik.indicators.access.change.winners_losers`);
* the gap between vulnerable and other areas before and after
  (:func:`~jamlik.indicators.access.change.gap_change`), and between children's or seniors'
  access and adults' (the ``profile_gaps`` table);

With ``transit`` options, transit access by hour and day type runs today and with the plan's
new lines, headway changes and closed stops
(:func:`jamlik.scenarios.transit.compare_transit`): ``transit_change`` holds ``profile,
day_type, date, hour, area_id, group, indicator, before, after, delta`` (and the population
and share without access before and after), and ``transit`` the per-resident comparison (winners
and losers in people per group and hour) that the SKA matrix judges. A scenario that changes
transit needs them.

With a ``baseline`` (:func:`jamlik.runs.incremental.access_baseline`) the plan's access is an
update of today's run (:func:`jamlik.runs.incremental.incremental_access`): the same numbers,
searching only what the plan touches, so alternatives and lab iterations cost little.

The SKA matrix is filled from a comparison by :func:`jamlik.ska.assess.assess_scenario`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.change import area_change, gap_change, winners_losers
from jamlik.ingest import Pack
from jamlik.ingest.scenario import Scenario, entry_names
from jamlik.runs.access import AccessOptions, PackAccess, compute_pack_access
from jamlik.runs.incremental import AccessBaseline, incremental_access
from jamlik.runs.inputs import vulnerable_areas
from jamlik.runs.scenario import PlacedScenario, place_scenario
from jamlik.runs.transit_access import TransitAccess, TransitAccessOptions
from jamlik.scenarios.transit import TransitComparison, compare_transit, transit_change

__all__ = [
    "ScenarioComparison",
    "alternatives_table",
    "compare_scenario",
    "iteration_changes",
    "per_origin_values",
    "resident_groups",
    "transit_change",
]

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScenarioComparison:
    """Today and a plan, side by side.

    Attributes
    ----------
    scenario
        The (merged) scenario.
    today, plan
        The two access runs.
    area_change
        ``profile, area_id, group, indicator, before, after, delta, ...``.
    winners
        ``profile, indicator, group, gain, loss, same, gained_access, lost_access, people`` among
        the residents who stay.
    gaps
        Vulnerable vs other areas: ``profile, indicator, gap_before, gap_after, narrows, ...``.
    profile_gaps
        Children and seniors vs adults, for everyone: ``profile, indicator, gap_before,
        gap_after, narrows`` (the adult value minus... see :func:`compare_scenario`).
    placed
        The scenario in the pack's CRS (for the scales of the SKA).
    staying
        Today's residents who live there with the plan too: the people ``winners`` counts
        (the displaced and the newcomers are in ``plan.resident_changes``).
    vulnerable_areas
        The areas on the vulnerable side of ``gaps``.
    notes
        What was assumed or left out.
    transit_change, transit_today, transit_plan
        Transit access by hour before and after and its change (with ``transit`` options).
    transit
        The per-resident transit comparison (with ``transit`` options).
    """

    scenario: Scenario
    today: PackAccess
    plan: PackAccess
    area_change: pd.DataFrame
    winners: pd.DataFrame
    gaps: pd.DataFrame
    profile_gaps: pd.DataFrame
    placed: PlacedScenario
    staying: pd.DataFrame
    vulnerable_areas: tuple[str, ...]
    notes: tuple[str, ...]
    transit_change: pd.DataFrame | None = None
    transit_today: TransitAccess | None = None
    transit_plan: TransitAccess | None = None
    transit: TransitComparison | None = None


def per_origin_values(result: PackAccess) -> pd.DataFrame:
    """Return the per-origin indicators of an access run (index = node)."""
    described = set(result.descriptions["column"])
    columns = [c for c in result.origins.columns if c in described and c != "geometry"]
    columns = [c for c in columns if any(c.endswith(f"_{p}") for p in result.profiles)]
    frame = pd.DataFrame(result.origins[columns].to_numpy(dtype=np.float64), columns=columns)
    frame.index = pd.Index(result.origins["node"].to_numpy(), name="node")
    return frame


def _profile_gaps(change: pd.DataFrame) -> pd.DataFrame:
    """Children's and seniors' mean minus adults', for everyone in the pack, before and after."""
    whole = change[(change["area_id"] == "*") & (change["group"] == "pop_total")]
    rows = []
    adult = whole[whole["profile"] == "adult"].set_index("indicator")
    for profile in ("child", "senior", "wheelchair"):
        own = whole[whole["profile"] == profile]
        for _, row in own.iterrows():
            base = row["indicator"].removesuffix(f"_{profile}") + "_adult"
            if base not in adult.index:
                continue
            gap_before = row["before"] - adult.loc[base, "before"]
            gap_after = row["after"] - adult.loc[base, "after"]
            rows.append(
                {
                    "profile": profile,
                    "indicator": row["indicator"],
                    "gap_before": gap_before,
                    "gap_after": gap_after,
                    "narrows": bool(abs(gap_after) < abs(gap_before)),
                }
            )
    return pd.DataFrame(
        rows, columns=["profile", "indicator", "gap_before", "gap_after", "narrows"]
    )


def compare_scenario(
    pack: Pack,
    scenario: Scenario,
    *,
    options: AccessOptions | None = None,
    vulnerable: Sequence[str] | None = None,
    progress: Progress | None = None,
    today: PackAccess | None = None,
    baseline: AccessBaseline | None = None,
    transit: TransitAccessOptions | None = None,
) -> ScenarioComparison:
    """Run access today and with ``scenario``, and compare them (see the module docstring).

    Parameters
    ----------
    pack
        The pack the scenario changes.
    scenario
        The scenario (:func:`jamlik.ingest.scenario.load_scenario`).
    options
        Access options of both runs.
    vulnerable
        Vulnerable area ids (default: the three most vulnerable by the pack's index).
    today
        Today's run with the same ``options``, when it is already computed (alternatives).
    baseline
        Today's run kept for updates (:func:`jamlik.runs.incremental.access_baseline` with
        the same ``options``): the plan's run updates it instead of starting afresh.
    transit
        Options of the transit access runs (date, day types, hours); needed when the scenario
        changes transit, optional otherwise.

    Raises
    ------
    DataError
        If the scenario changes transit and no ``transit`` options are given.
    """
    changes_transit = bool(
        scenario.transit_lines or scenario.headway_changes or scenario.closed_stops
    )
    if changes_transit and transit is None:
        raise DataError(t("scenario.transit_needs_date", name=scenario.scenario.name))
    opts = options or AccessOptions()
    placed = place_scenario(scenario, pack)
    if baseline is not None:
        today = baseline.today
        plan, _ = incremental_access(baseline, placed, progress=progress)
    else:
        if today is None:
            today = compute_pack_access(pack, options=opts, progress=progress)
        plan = compute_pack_access(pack, options=opts, progress=progress, scenario=placed)
    assert today.residents is not None and plan.residents is not None
    before, after = per_origin_values(today), per_origin_values(plan)
    staying = plan.residents_staying if plan.residents_staying is not None else today.residents
    groups = resident_groups(today.residents)
    notes = list(dict.fromkeys([*today.notes, *plan.notes]))
    areas: tuple[str, ...] = ()
    if pack.has_areas:
        areas, found = vulnerable_areas(pack, year=opts.year, given=vulnerable)
        notes.extend(found)
    changes, winners, gaps = [], [], []
    for profile in opts.profiles:
        cols = [c for c in before.columns if c.endswith(f"_{profile}")]
        change = area_change(
            before[cols], after[cols], today.residents, plan.residents, groups=groups
        )
        changes.append(change.assign(profile=profile))
        winners.append(
            winners_losers(before[cols], after[cols], staying, groups=groups).assign(
                profile=profile
            )
        )
        if areas:
            gaps.append(gap_change(change, areas).assign(profile=profile))
    area_table = pd.concat(changes, ignore_index=True)
    moved = None
    if transit is not None:
        moved = compare_transit(pack, scenario, staying, options=transit, groups=groups)
        notes.extend(moved.notes)
    return ScenarioComparison(
        scenario=scenario,
        today=today,
        plan=plan,
        area_change=_front(area_table, "profile"),
        winners=_front(pd.concat(winners, ignore_index=True), "profile"),
        gaps=_front(pd.concat(gaps, ignore_index=True), "profile") if gaps else pd.DataFrame(),
        profile_gaps=_profile_gaps(area_table),
        placed=placed,
        staying=staying,
        vulnerable_areas=areas,
        notes=tuple(dict.fromkeys(notes)),
        transit_change=moved.change if moved is not None else None,
        transit_today=moved.today if moved is not None else None,
        transit_plan=moved.plan if moved is not None else None,
        transit=moved,
    )


_NOT_GROUPS = {"node", "area_id", "pop_total", "snap_distance_m"}


def resident_groups(residents: pd.DataFrame) -> list[str]:
    """Return the population groups of a residents table: ``pop_total`` and every group column."""
    return ["pop_total", *[g for g in residents.columns if g not in _NOT_GROUPS]]


def _front(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[[column, *[c for c in frame.columns if c != column]]]


def alternatives_table(comparisons: Sequence[ScenarioComparison]) -> pd.DataFrame:
    """Scenarios side by side: people who gain and lose per indicator and group.

    Returns one row per ``profile, indicator, group`` and, per scenario ``name``, the columns
    ``<name>_gain`` and ``<name>_loss`` (today's residents; time to the nearest place).
    """
    parts = []
    for comparison in comparisons:
        name = comparison.scenario.scenario.name
        winners = comparison.winners
        rows = winners[winners["indicator"].str.contains("_nearest_1_")]
        table = rows.set_index(["profile", "indicator", "group"])[["gain", "loss"]]
        parts.append(table.rename(columns={"gain": f"{name}_gain", "loss": f"{name}_loss"}))
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, axis=1).reset_index()


def iteration_changes(chain: Sequence[Scenario]) -> pd.DataFrame:
    """List what each iteration of a ``based_on`` chain changed from the one before.

    ``chain`` is parent first (:func:`jamlik.ingest.scenario.scenario_chain`); each row is
    ``version, kind, name, change`` with ``change`` one of ``added`` or ``replaced``.
    """
    rows = []
    seen: dict[tuple[str, str], object] = {}
    for version in chain:
        for kind, names in entry_names(version).items():
            for entry, name in zip(getattr(version, kind), names, strict=True):
                key = (kind, name)
                change = "replaced" if key in seen else "added"
                if key not in seen or seen[key] != entry:
                    rows.append(
                        {
                            "version": version.scenario.name,
                            "kind": kind,
                            "name": name,
                            "change": change,
                        }
                    )
                seen[key] = entry
    return pd.DataFrame(rows, columns=["version", "kind", "name", "change"])
