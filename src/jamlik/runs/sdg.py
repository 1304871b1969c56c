r"""UN SDG indicator 11.2.1: share of the population with convenient access to public transport.

Rule (UN-Habitat 2021, section 2.a)
-----------------------------------
A resident has **convenient access** when, along the walk network,

.. math:: d_{\text{any}} \le 500\,\text{m} \quad\text{or}\quad d_{\text{high}} \le 1000\,\text{m}

where :math:`d_{\text{any}}` is the walk distance to the nearest stop with a departure of a
low- or high-capacity mode on the date and :math:`d_{\text{high}}` the distance to the nearest
stop with a high-capacity departure (rail, metro, ferry; classes in
:mod:`jamlik.indicators.access.transit_service`). The indicator is

.. math:: S_g = \frac{\sum_i p_{i,g}\,[\text{convenient}_i]}{\sum_i p_{i,g}}

for every population group :math:`g` (the total included), with :math:`p_{i,g}` the residents of
group :math:`g` placed on node :math:`i`. **Frequency bands** repeat the rule counting only stops
frequent at ``b`` minutes in the daytime window (default 06:00-20:00 of the date; rule
``average``: at least ``(end - start) / b`` departures of counted modes in the window, all routes
and directions of the stop together; see
:func:`~jamlik.indicators.access.transit_service.stop_service`).
UN-Habitat lists frequent service at peak times among the additional criteria but fixes no
threshold; the bands here are this library's stated choice.

Distances
---------
Residents stand at the nodes of the walk network's distance graph (largest connected component)
where :func:`jamlik.networks.place_population` put them; the straight distance from homes (cell
points, buildings) to their node is stated (its population-weighted mean in the notes), not
added. Stops are snapped to the nearest usable street piece (at most ``max_snap_m`` away) and
reached along it; the straight leg from the street to the stop is added. Searches are bounded
at the larger distance and run by the engine (:func:`jamlik.routing.accessibility`), never over
all pairs.

References
----------
UN-Habitat (2021). *SDG indicator metadata, indicator 11.2.1: Proportion of population that has
convenient access to public transport, by sex, age and persons with disabilities* (harmonized
metadata template, last updated September 2021).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.errors import DataError, MissingColumnError
from jamlik.geo import project
from jamlik.i18n import format_number, t
from jamlik.indicators.access.transit_service import FrequencyRule, stop_service
from jamlik.ingest import Pack, read_osm
from jamlik.ingest.gtfs import read_gtfs
from jamlik.networks import (
    Seeds,
    StreetNetwork,
    build_street_network,
    point_seeds,
    snap_points,
)
from jamlik.routing import accessibility
from jamlik.runs.inputs import pack_residents

__all__ = [
    "SDGResult",
    "StopAccess",
    "convenient_access",
    "result_summary",
    "sdg_11_2_1",
    "sdg_shares",
]

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SDGResult:
    """Result of :func:`sdg_11_2_1`.

    Attributes
    ----------
    date, window_s, bands_min, rule
        The service date, the daytime window ``(start_s, end_s)``, the frequency bands and rule.
    overall
        Shares of all residents: ``share_convenient`` and ``share_convenient_<b>min``, plus
        ``population``.
    groups
        One row per group (``pop_total`` first): ``population`` and the shares.
    areas
        Long table ``area_id, group, population`` and the shares.
    stops
        Every stop of the feed(s) (:func:`~jamlik.indicators.access.transit_service.stop_service`)
        with ``x``, ``y`` (pack CRS) and ``snap_distance_m`` (``NaN``: not on the network).
    origins
        One row per resident node: ``node``, ``distance_any_m``, ``distance_high_m`` (``NaN``
        beyond the search bound), the ``convenient*`` flags, ``pop_total`` and the groups.
    notes
        What was left out or assumed.
    thresholds_m
        Walk distance thresholds to low- and high-capacity stops, metres.
    """

    date: dt.date
    window_s: tuple[int, int]
    bands_min: tuple[float, ...]
    rule: str
    overall: dict[str, float]
    groups: pd.DataFrame
    areas: pd.DataFrame
    stops: pd.DataFrame
    origins: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    thresholds_m: tuple[float, float] = (500.0, 1000.0)


@dataclass(frozen=True)
class StopAccess:
    """Result of :func:`convenient_access`.

    Attributes
    ----------
    origins
        One row per distinct origin node (index ``node``): ``distance_any_m``,
        ``distance_high_m``, ``convenient`` and per band ``b`` ``distance_any_<b>min_m``,
        ``distance_high_<b>min_m``, ``convenient_<b>min``. Distances beyond the search bound
        (the larger threshold) are ``NaN``.
    snap_distance_m
        Straight distance from each stop (row of the ``stops`` table) to its street, ``NaN``
        when no usable street lies within ``max_snap_m``.
    """

    origins: pd.DataFrame
    snap_distance_m: npt.NDArray[np.float64]


def _label(band: float) -> str:
    return f"{band:g}min"


def convenient_access(
    network: StreetNetwork,
    origins: npt.ArrayLike,
    stops: pd.DataFrame,
    *,
    bands_min: Sequence[float] = (),
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    max_snap_m: float = 200.0,
) -> StopAccess:
    """Return walk distances from origins to the nearest stops and the SDG 11.2.1 flags.

    Parameters
    ----------
    network
        Walk network (metric CRS); searches run on ``network.to_distance_graph()``.
    origins
        Network node numbers (e.g. ``Residents.table["node"]``); repeats allowed.
    stops
        ``x``, ``y`` (network CRS), ``capacity`` (``low``, ``high`` or ``none``: ignored) and,
        per band ``b``, a boolean ``frequent_<b>min`` column.
    bands_min
        Frequency bands to evaluate.
    low_capacity_m, high_capacity_m
        Walk distance thresholds (500 m and 1 km in the UN metadata).
    max_snap_m
        Stops farther than this from every usable street piece are not reached.

    Returns
    -------
    StopAccess
        Per-origin distances and flags; a node outside the graph's component has no access.

    Raises
    ------
    MissingColumnError
        If ``stops`` lacks a column named above.
    DataError
        For thresholds that are not positive.
    """
    if not (low_capacity_m > 0 and high_capacity_m > 0):
        raise DataError(t("runs.sdg_distances_positive"))
    needed = ["x", "y", "capacity", *(f"frequent_{_label(b)}" for b in bands_min)]
    missing = [c for c in needed if c not in stops.columns]
    if missing:
        raise MissingColumnError(
            t("runs.stops_missing_columns", missing=missing, value=list(stops))
        )
    graph = network.to_distance_graph()
    snapped = snap_points(
        network,
        stops["x"].to_numpy(dtype=np.float64),
        stops["y"].to_numpy(dtype=np.float64),
        max_distance_m=max_snap_m,
        graph=graph,
    )
    seeds = point_seeds(network, graph, snapped, towards=True)
    owner = np.repeat(np.arange(len(stops)), np.diff(seeds.indptr))
    leg = np.nan_to_num(snapped.snap_distance_m)[owner]
    seeds = Seeds(seeds.indptr, seeds.node, seeds.cost + leg)
    capacity = stops["capacity"].to_numpy()
    served = capacity != "none"
    sets: dict[str, npt.NDArray[np.bool_]] = {"any": served, "high": capacity == "high"}
    for b in bands_min:
        frequent = stops[f"frequent_{_label(b)}"].to_numpy(dtype=bool)
        sets[f"any_{_label(b)}"] = served & frequent
        sets[f"high_{_label(b)}"] = (capacity == "high") & frequent
    has_seed = np.diff(seeds.indptr) > 0
    categories = {name: _subset(seeds, mask & has_seed) for name, mask in sets.items()}
    nodes = np.unique(np.asarray(origins, dtype=np.int64))
    position = np.full(network.n_nodes, -1, dtype=np.int64)
    position[graph.node_index] = np.arange(graph.node_index.size)
    pos = position[nodes]
    present = pos >= 0
    usable = {k: v for k, v in categories.items() if v.n_points > 0}
    distances = {name: np.full(nodes.size, np.inf) for name in categories}
    if usable and present.any():
        cutoffs = sorted({float(low_capacity_m), float(high_capacity_m)})
        result = accessibility(graph, usable, k=1, cutoffs=cutoffs, origins=pos[present])
        for i, name in enumerate(result.categories):
            distances[name][present] = result.nearest[:, i, 0]
    out = pd.DataFrame(index=pd.Index(nodes, name="node"))
    for suffix in ["", *(f"_{_label(b)}" for b in bands_min)]:
        d_any, d_high = distances[f"any{suffix}"], distances[f"high{suffix}"]
        out[f"distance_any{suffix}_m"] = np.where(np.isinf(d_any), np.nan, d_any)
        out[f"distance_high{suffix}_m"] = np.where(np.isinf(d_high), np.nan, d_high)
        out[f"convenient{suffix}"] = (d_any <= low_capacity_m) | (d_high <= high_capacity_m)
    return StopAccess(origins=out, snap_distance_m=snapped.snap_distance_m.copy())


def _subset(seeds: Seeds, keep: npt.NDArray[np.bool_]) -> Seeds:
    counts = np.diff(seeds.indptr)
    mask = np.repeat(keep, counts)
    indptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[keep], out=indptr[1:])
    return Seeds(indptr, seeds.node[mask], seeds.cost[mask])


def sdg_shares(
    flags: pd.DataFrame, residents: pd.DataFrame, *, groups: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the population shares with each ``convenient*`` flag, per group and per area.

    Parameters
    ----------
    flags
        Index ``node``; boolean ``convenient*`` columns (from :func:`convenient_access`).
    residents
        ``node``, ``area_id``, ``pop_total`` and the group columns (``Residents.table``).
    groups
        Group columns, ``pop_total`` first.

    Returns
    -------
    (groups_table, areas_table)
        ``S_g = sum_i p_ig [flag_i] / sum_i p_ig``; ``NaN`` where a group has nobody.
    """
    columns = [c for c in flags.columns if c.startswith("convenient")]
    nodes = residents["node"].to_numpy()
    flag_values = flags[columns].reindex(nodes, fill_value=False).to_numpy(dtype=bool)
    rows = []
    for group in groups:
        pop = residents[group].to_numpy(dtype=np.float64)
        frame = pd.DataFrame(flag_values * pop[:, None], columns=columns)
        frame["population"] = pop
        frame["area_id"] = residents["area_id"].to_numpy()
        frame["group"] = group
        rows.append(frame)
    long = pd.concat(rows, ignore_index=True)
    shares = [f"share_{c}" for c in columns]

    def ratios(summed: pd.DataFrame) -> pd.DataFrame:
        population = summed["population"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            values = summed[columns].to_numpy() / population[:, None]
        out = pd.DataFrame(values, columns=shares, index=summed.index)
        out.insert(0, "population", population)
        return out

    per_group = ratios(long.groupby("group", sort=False)[[*columns, "population"]].sum())
    per_area = ratios(long.groupby(["area_id", "group"], sort=True)[[*columns, "population"]].sum())
    return per_group, per_area.reset_index()


def sdg_11_2_1(
    pack: Pack,
    *,
    date: dt.date,
    window: tuple[float, float] = (6 * 3600, 20 * 3600),
    bands_min: Sequence[float] = (20, 30),
    rule: FrequencyRule = "average",
    low_capacity_m: float = 500.0,
    high_capacity_m: float = 1000.0,
    max_snap_m: float = 200.0,
    progress: Progress | None = None,
) -> SDGResult:
    """Compute SDG 11.2.1 for a pack on a service date (rules in the module docstring).

    Parameters
    ----------
    pack
        A pack with ``[[gtfs]]`` feeds, an ``[osm]`` extract and a population.
    date
        Service date of the timetable.
    window, bands_min, rule
        Daytime window (seconds since midnight), frequency bands (minutes) and rule.
    low_capacity_m, high_capacity_m
        Walk distance thresholds, metres.
    max_snap_m
        Largest stop-to-street distance for a stop to count.
    progress
        Called as ``progress(step_label, done, total)``.

    Raises
    ------
    DataError
        No GTFS feed, no OSM extract or no population in the pack.
    GTFSError
        No trip runs on ``date`` (the message gives the feed's dates).
    """
    if not pack.gtfs_paths:
        raise DataError(t("runs.sdg_needs_gtfs", name=pack.name))
    if pack.osm_path is None:
        raise DataError(t("runs.sdg_needs_osm", name=pack.name))

    def step(key: str, done: int) -> None:
        label = t(key)
        log.info("%s", label)
        if progress is not None:
            progress(label, done, 4)

    step("transit_service.step_gtfs", 0)
    feed = read_gtfs(pack.gtfs_paths, service_date=date)
    stops = stop_service(feed, window=window, bands_min=bands_min, rule=rule)
    stops["x"], stops["y"] = project(stops["lon"], stops["lat"], pack.crs.to_string())

    step("transit_service.step_network", 1)
    osm = read_osm(pack.osm_path)
    walk = build_street_network(osm, mode="walk", crs=pack.crs.to_string())
    kept = walk.to_distance_graph().node_index

    step("transit_service.step_residents", 2)
    residents = pack_residents(pack, walk, kept, osm=osm, if_missing="error")
    assert residents is not None

    step("transit_service.step_search", 3)
    access = convenient_access(
        walk,
        residents.table["node"].to_numpy(),
        stops,
        bands_min=bands_min,
        low_capacity_m=low_capacity_m,
        high_capacity_m=high_capacity_m,
        max_snap_m=max_snap_m,
    )
    flags = access.origins
    stops["snap_distance_m"] = access.snap_distance_m
    groups = ["pop_total", *residents.groups]
    per_group, per_area = sdg_shares(flags, residents.table, groups=groups)
    notes = list(residents.warnings) + list(feed.report.notes)
    served = stops["capacity"] != "none"
    off = int((served & stops["snap_distance_m"].isna()).sum())
    if off:
        notes.append(t("transit_service.note_unsnapped", n=off, max=f"{max_snap_m:g}"))
    notes.append(t("transit_service.note_no_service", n=int((~served).sum())))
    pop = residents.table["pop_total"].to_numpy(dtype=np.float64)
    home = residents.table["snap_distance_m"].to_numpy(dtype=np.float64)
    if pop.sum() > 0:
        mean_home = float(np.average(home, weights=pop))
        notes.append(t("transit_service.note_home_leg", mean=format_number(mean_home)))
    overall = {k: float(v) for k, v in per_group.loc["pop_total"].items()}
    start, end = (int(round(w)) for w in window)
    return SDGResult(
        date=date,
        window_s=(start, end),
        bands_min=tuple(float(b) for b in bands_min),
        rule=rule,
        overall=overall,
        groups=per_group.rename_axis("group").reset_index(),
        areas=per_area,
        stops=stops,
        origins=flags.join(residents.per_node(), how="left").reset_index(),
        notes=tuple(notes),
        thresholds_m=(float(low_capacity_m), float(high_capacity_m)),
    )


def result_summary(result: SDGResult) -> Mapping[str, object]:
    """Return a JSON-ready summary of ``result`` (date, window, rule, shares, notes)."""
    return {
        "indicator": "SDG 11.2.1",
        "date": result.date.isoformat(),
        "window_s": list(result.window_s),
        "bands_min": list(result.bands_min),
        "frequency_rule": result.rule,
        "low_capacity_m": result.thresholds_m[0],
        "high_capacity_m": result.thresholds_m[1],
        "overall": result.overall,
        "groups": result.groups.to_dict(orient="records"),
        "notes": list(result.notes),
    }
