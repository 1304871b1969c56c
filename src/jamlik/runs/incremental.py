"""Scenario access by updating today's run: recompute only what a plan touches.

A lab iterates on one plan many times against the same pack. :func:`access_baseline` runs
access for today once and keeps what a plan run needs (the street networks and graphs of each
travel profile, the residents, the opportunities with their seeds, and each profile's engine
result); :func:`incremental_access` then gives, for any scenario, the same
:class:`~jamlik.runs.access.PackAccess` as
``compute_pack_access(pack, options=..., scenario=placed)``:

* the plan's streets are today's with its closures and links
  (:func:`jamlik.runs.scenario.edit_streets`); a profile's graph is rebuilt only when its
  network changed;
* residents and opportunities are edited as a full run edits them; every opportunity is
  snapped again only on a changed graph (an unchanged graph keeps today's seeds and snaps only
  the new places);
* the engine result of each profile is updated by
  :func:`jamlik.routing.incremental.update_accessibility`: a new or closed place costs its own
  search, a link or closure the searches that reach its ends, new homes only their own rows;
* with today's homes, the per-resident table is today's with only the rows whose results
  changed written again, and only the areas and grid squares of those residents are
  aggregated again (plus the whole pack, from everyone); the other rows of the summary, area
  and grid tables are today's, since the same values give the same sums. A plan that moves
  residents is aggregated whole.

The rules the numbers follow are those of :mod:`jamlik.runs.access` and
:mod:`jamlik.runs.scenario`; the tests hold both runs equal on the sample town and a real pack.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from jamlik.config import TravelProfile, profile
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import is_time_indicator
from jamlik.ingest import Pack, read_osm
from jamlik.networks import Graph, Residents, Seeds, StreetNetwork, build_street_network
from jamlik.routing import AccessResult, ExponentialDecay, accessibility
from jamlik.routing.incremental import OpportunitySet, update_accessibility
from jamlik.runs._long_tables import Blocks, expand, table_blocks, update_table
from jamlik.runs.access import (
    AccessOptions,
    PackAccess,
    _fmt,
    _map_origins,
    _only_categories,
    _opportunities,
    _profile,
    _seeds,
    assemble_pack_access,
    few_places,
    pack_summary,
    profile_columns,
    residents_in_cells,
    with_snap_distance,
)
from jamlik.runs.access_layers import CategoryColumns, tidy_values
from jamlik.runs.inputs import destination_seeds, pack_residents
from jamlik.runs.scenario import PlacedScenario, edit_opportunities, edit_residents, edit_streets

__all__ = ["AccessBaseline", "IncrementalStats", "access_baseline", "incremental_access"]

Progress = Callable[[str, int, int], None]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _ProfileRun:
    """One profile's inputs and engine result."""

    profile: TravelProfile
    network: StreetNetwork
    graph: Graph
    origin_nodes: IntArray
    seeds: dict[str, Seeds]
    weights: dict[str, FloatArray]
    snap: FloatArray
    result: AccessResult
    snapped: Seeds  # the seeds of every opportunity row, as ``destination_seeds`` gives them


@dataclass(frozen=True)
class IncrementalStats:
    """What a plan run searched.

    ``table`` has one row per profile: ``profile, changed_edges, changed_opportunities,
    recomputed_rows, searches``. ``changed_origins`` counts the resident nodes whose values
    changed when only their areas were aggregated again, ``None`` when everything was (the
    plan moved residents, or changed which columns there are).
    """

    table: pd.DataFrame
    changed_origins: int | None = None


@dataclass(frozen=True)
class _Aggregated:
    """What a plan on today's residents reuses of today's aggregation."""

    notes: tuple[str, ...]  # the notes the aggregation adds (groups, grid, homes)
    in_cells: pd.DataFrame | None  # residents by grid square
    blocks: dict[str, Blocks]  # of the summary, area_values and grid_values


@dataclass(frozen=True)
class AccessBaseline:
    """Today's run of a pack with everything a plan run reuses (see the module docstring)."""

    pack: Pack
    options: AccessOptions
    networks: dict[str, StreetNetwork]
    residents: Residents
    home_nodes: IntArray
    opportunities: gpd.GeoDataFrame
    notes: tuple[str, ...]
    runs: tuple[_ProfileRun, ...]
    today: PackAccess
    columns: _Columns
    aggregated: _Aggregated


def _decay(opts: AccessOptions) -> ExponentialDecay:
    return ExponentialDecay(
        beta=math.log(2) / (60.0 * opts.half_life_min),
        max_cost=60.0 * max(opts.cutoffs_min),
        label=f"exp_half{_fmt(opts.half_life_min)}min",
    )


def access_baseline(
    pack: Pack, *, options: AccessOptions | None = None, progress: Progress | None = None
) -> AccessBaseline:
    """Run access for today and keep what :func:`incremental_access` needs.

    ``baseline.today`` equals ``compute_pack_access(pack, options=options)``.

    Raises
    ------
    DataError
        As :func:`jamlik.runs.access.compute_pack_access`.
    """
    opts = options or AccessOptions()
    if pack.osm_path is None:
        raise DataError(t("runs.access_needs_osm", name=pack.name))
    profiles = [_profile(name) for name in opts.profiles]
    total = 3 + len(profiles)

    def step(label: str, done: int) -> None:
        if progress is not None:
            progress(label, done, total)

    step(t("access.step_read"), 0)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    networks = {"walk": build_street_network(osm, mode="walk", crs=crs)}
    if any(p.mode == "bike" for p in profiles):
        networks["bike"] = build_street_network(osm, mode="bike", crs=crs)
    step(t("access.step_residents"), 1)
    walk_graph = networks["walk"].to_graph(profile("adult"))
    home_nodes = walk_graph.node_index
    residents = pack_residents(pack, networks["walk"], home_nodes, osm=osm, year=opts.year)
    assert residents is not None  # if_missing="uniform" always places someone
    step(t("access.step_opportunities"), 2)
    every = _opportunities(pack, osm, opts, scenario_next=True)
    del osm
    opportunities = _only_categories(every, opts)
    notes = [*residents.warnings]
    notes.extend(few_places(pack, opportunities))
    resident_nodes = np.unique(residents.table["node"].to_numpy())
    graphs = {("walk", "adult"): walk_graph}
    runs = _profile_runs(
        opts, networks, resident_nodes, opportunities, graphs, notes, None, {}, None
    )
    columns, _ = _columns(runs, opts, resident_nodes, step, None)
    walk = networks["walk"]
    before = len(notes)
    snaps = {r.profile.name: r.snap for r in runs}
    today = _assemble(pack, walk, residents, columns, opportunities, snaps, notes, opts)
    in_cells = None
    if opts.grid_m:
        in_cells, _ = residents_in_cells(
            residents.table, (walk.node_x, walk.node_y), cell_m=opts.grid_m, crs=pack.crs
        )
    blocks = {
        "summary": table_blocks(today.summary, "area_id"),
        "area_values": table_blocks(today.area_values, "area_id"),
    }
    if today.grid_values is not None:
        blocks["grid_values"] = table_blocks(today.grid_values, "cell_id")
    return AccessBaseline(
        pack=pack,
        options=opts,
        networks=networks,
        residents=residents,
        home_nodes=home_nodes,
        opportunities=every,
        notes=tuple(residents.warnings),
        runs=tuple(runs),
        today=today,
        columns=columns,
        aggregated=_Aggregated(tuple(today.notes[before:]), in_cells, blocks),
    )


def incremental_access(
    baseline: AccessBaseline, placed: PlacedScenario, *, progress: Progress | None = None
) -> tuple[PackAccess, IncrementalStats]:
    """Return access with the scenario, updating ``baseline`` (module docstring).

    The result equals ``compute_pack_access(baseline.pack, options=baseline.options,
    scenario=placed)``: nearest times and counts exactly, decayed sums to rounding.
    """
    opts, pack = baseline.options, baseline.pack
    total = 3 + len(opts.profiles)

    def step(label: str, done: int) -> None:
        if progress is not None:
            progress(label, done, total)

    step(t("access.step_read"), 0)
    networks = {
        mode: edit_streets(net, placed) if placed.changes_streets else net
        for mode, net in baseline.networks.items()
    }
    step(t("access.step_residents"), 1)
    notes = list(baseline.notes)
    table, staying, moved, moved_notes = edit_residents(
        baseline.residents.table,
        groups=baseline.residents.groups,
        network=baseline.networks["walk"],
        nodes=baseline.home_nodes,
        placed=placed,
        pack=pack,
        year=opts.year,
    )
    residents = dataclasses.replace(baseline.residents, table=table)
    notes.extend(moved_notes)
    step(t("access.step_opportunities"), 2)
    opportunities = _only_categories(edit_opportunities(baseline.opportunities, placed), opts)
    notes.extend(few_places(pack, opportunities))
    graphs = {(r.network.mode, r.profile.name): r.graph for r in baseline.runs}
    graphs = {key: g for key, g in graphs.items() if networks[key[0]] is baseline.networks[key[0]]}
    stats: list[dict[str, object]] = []

    before = {r.profile.name: r for r in baseline.runs}

    def update(
        name: str,
        graph: Graph,
        seeds: dict[str, Seeds],
        weights: dict[str, FloatArray],
        origins: IntArray,
    ) -> AccessResult:
        run = before[name]
        out = update_accessibility(
            run.result,
            graph_before=run.graph,
            opportunities_before=OpportunitySet(run.seeds, run.weights),
            graph_after=graph,
            opportunities_after=OpportunitySet(seeds, weights),
            origins=origins,
            decay=[_decay(opts)],
        )
        stats.append(
            {
                "profile": name,
                "changed_edges": out.changed_edges,
                "changed_opportunities": out.changed_opportunities,
                "recomputed_rows": out.recomputed_rows,
                "searches": out.searches,
            }
        )
        return out.result

    resident_nodes = np.unique(table["node"].to_numpy())
    places = _only_categories(baseline.opportunities, opts).geometry
    runs = _profile_runs(
        opts, networks, resident_nodes, opportunities, graphs, notes, update, before, places
    )
    # Today's residents on today's nodes: only the rows and areas the plan touches change.
    same_homes = table.equals(baseline.residents.table)
    columns, changed = _columns(runs, opts, resident_nodes, step, baseline if same_homes else None)
    snaps = {r.profile.name: r.snap for r in runs}
    plan = None
    if changed is not None:
        opp = with_snap_distance(opportunities, snaps)
        plan = _updated(baseline, columns, changed, opp, notes)
    if plan is None:
        changed = None
        plan = _assemble(pack, networks["walk"], residents, columns, opportunities, snaps, notes,
                         opts)  # fmt: skip
    plan = dataclasses.replace(plan, resident_changes=moved, residents_staying=staying)
    touched = None if changed is None else int(changed.size)
    return plan, IncrementalStats(pd.DataFrame(stats), touched)


def _assemble(
    pack: Pack,
    walk: StreetNetwork,
    residents: Residents,
    columns: _Columns,
    opportunities: gpd.GeoDataFrame,
    snaps: dict[str, FloatArray],
    notes: list[str],
    opts: AccessOptions,
) -> PackAccess:
    """Aggregate a run whole (:func:`jamlik.runs.access.assemble_pack_access`)."""
    return assemble_pack_access(
        pack,
        (walk.node_x, walk.node_y),
        residents,
        columns.per_origin,
        list(columns.main),
        opportunities,
        snaps,
        dict(columns.descriptions),
        notes,
        opts,
    )


def _updated(
    baseline: AccessBaseline,
    columns: _Columns,
    changed: IntArray,
    opportunities: gpd.GeoDataFrame,
    notes: list[str],
) -> PackAccess | None:
    """Today's result with the plan's per-origin values; only touched areas aggregated again.

    Residents, grid squares, descriptions and the aggregation's notes are today's (the plan
    keeps today's homes). An area or square is touched when one of its residents' values
    changed; its rows of the long tables are aggregated anew and the whole pack's rows are
    aggregated again from every resident. The other rows are today's: the same values give
    the same sums. ``None`` when the plan's tables do not line up with today's.
    """
    today, opts = baseline.today, baseline.options
    assert today.residents is not None  # set by every network run
    table = today.residents
    per_origin = columns.per_origin
    touched = np.isin(table["node"].to_numpy(), changed)
    groups = ["pop_total", *baseline.residents.groups]
    main = list(columns.main)
    threshold = opts.standard_min
    blocks = baseline.aggregated.blocks

    def summary(values: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        return pack_summary(values, rows, groups=groups, profiles=opts.profiles)

    def areas(values: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        return tidy_values(values, rows, main, threshold_min=threshold, groups=groups,
                           id_column="area_id")  # fmt: skip

    def cells(values: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        return tidy_values(values, rows, main, threshold_min=threshold, groups=["pop_total"],
                           id_column="cell_id", whole=False)  # fmt: skip

    tables = {
        "summary": (today.summary, summary, table, "area_id"),
        "area_values": (today.area_values, areas, table, "area_id"),
    }
    in_cells = baseline.aggregated.in_cells
    if today.grid_values is not None and in_cells is not None:
        tables["grid_values"] = (today.grid_values, cells, in_cells, "cell_id")
    new: dict[str, pd.DataFrame] = {}
    for name, (long, aggregate, rows, id_column) in tables.items():
        done = update_table(long, blocks[name], aggregate, per_origin, rows, touched, id_column,
                             whole=name != "grid_values")  # fmt: skip
        if done is None:
            return None
        new[name] = done
    meta = [c for c in today.origins.columns if c not in per_origin.columns and c != "geometry"]
    frame = pd.DataFrame(per_origin.to_numpy(), columns=per_origin.columns, copy=False)
    for position, column in enumerate(meta):
        frame.insert(position, column, today.origins[column].to_numpy())
    origins = gpd.GeoDataFrame(
        frame, geometry=today.origins.geometry.array, crs=today.origins.crs, copy=False
    )
    return dataclasses.replace(
        today,
        origins=origins,
        summary=new["summary"],
        area_values=new["area_values"],
        grid_values=new.get("grid_values"),
        opportunities=opportunities,
        notes=(*notes, *baseline.aggregated.notes),
    )


Update = Callable[[str, Graph, dict[str, Seeds], dict[str, FloatArray], IntArray], AccessResult]


@dataclass(frozen=True)
class _Columns:
    """The per-origin table of a run and what the aggregation needs to know of its columns."""

    per_origin: pd.DataFrame
    main: tuple[CategoryColumns, ...]
    descriptions: dict[str, tuple[str, str]]


def _profile_runs(
    opts: AccessOptions,
    networks: dict[str, StreetNetwork],
    resident_nodes: IntArray,
    opportunities: gpd.GeoDataFrame,
    graphs: dict[tuple[str, str], Graph],
    notes: list[str],
    update: Update | None,
    today: dict[str, _ProfileRun],
    today_places: gpd.GeoSeries | None,
) -> list[_ProfileRun]:
    """Graph, origins, seeds and engine result of every profile (searched or updated).

    ``today`` (by profile) and ``today_places`` (the geometry of today's opportunities): on
    today's graph only the places today's run did not snap are snapped.
    """
    walk = networks["walk"]
    cutoffs_s = tuple(60.0 * c for c in opts.cutoffs_min)
    runs: list[_ProfileRun] = []
    for prof in (_profile(name) for name in opts.profiles):
        network = networks[prof.mode]
        graph = graphs.get((prof.mode, prof.name)) or network.to_graph(prof)
        origin_nodes = _map_origins(walk, network, graph.node_index, resident_nodes, notes, prof)
        old = today.get(prof.name) if today_places is not None else None
        snapped = _snapped(network, graph, prof, opportunities, opts, old, today_places)
        seeds, weights, snap = _seeds(
            network, graph, prof, opportunities, opts, notes, snapped=snapped
        )
        present = origin_nodes >= 0
        if update is None:
            result = accessibility(
                graph,
                seeds,
                weights=weights,
                k=opts.k,
                cutoffs=cutoffs_s,
                decay=[_decay(opts)],
                origins=origin_nodes[present],
            )
        else:
            result = update(prof.name, graph, seeds, weights, origin_nodes[present])
        runs.append(
            _ProfileRun(
                prof, network, graph, origin_nodes, seeds, weights, snap, result, snapped[0]
            )
        )
    return runs


def _columns(
    runs: Sequence[_ProfileRun],
    opts: AccessOptions,
    resident_nodes: IntArray,
    step: Callable[[str, int], None],
    today: AccessBaseline | None,
) -> tuple[_Columns, IntArray | None]:
    """Return the per-origin table of the profile runs and the resident nodes that changed.

    With ``today`` (a plan on today's resident nodes) the table starts as a copy of today's and
    only the rows whose engine results differ are written; the changed nodes are returned
    (``None`` when the table was written whole).
    """
    width = opts.k + len(opts.cutoffs_min) + 1
    names: list[str] = []
    descriptions: dict[str, tuple[str, str]] = {}
    main: list[CategoryColumns] = []
    for run in runs:
        own, described, measures = profile_columns(run.result, run.profile.name, opts)
        names.extend(own)
        descriptions.update(described)
        main.extend(measures)
    same = today is not None and (
        names == list(today.columns.per_origin.columns)
        and np.array_equal(resident_nodes, today.columns.per_origin.index.to_numpy())
    )
    before = {r.profile.name: r for r in today.runs} if today is not None and same else {}
    values = (
        today.columns.per_origin.to_numpy(copy=True)  # type: ignore[union-attr]
        if same
        else np.empty((resident_nodes.size, len(names)))
    )
    changed = np.zeros(resident_nodes.size, dtype=bool)
    offset = 0
    for i, run in enumerate(runs):
        step(t("access.step_profile", profile=run.profile.name), 3 + i)
        result, present = run.result, run.origin_nodes >= 0
        block = values[:, offset : offset + width * len(result.categories)]
        offset += block.shape[1]
        old = before.get(run.profile.name)
        if old is not None and np.array_equal(old.origin_nodes >= 0, present):
            rows = _changed_rows(old.result, result)
            if rows.size:
                changed[np.flatnonzero(present)[rows]] = True
                block[np.flatnonzero(present)[rows]] = _rows(result, rows)
            continue
        changed[:] = True
        block[present] = result.to_frame(unit="min").to_numpy()
        own = names[offset - block.shape[1] : offset]
        # No access from outside the profile's graph: no travel time, zero counts.
        block[~present] = np.where([is_time_indicator(c) for c in own], np.nan, 0.0)
    per_origin = pd.DataFrame(values, index=pd.Index(resident_nodes, name="node"), columns=names)
    columns = _Columns(per_origin, tuple(main), descriptions)
    return columns, resident_nodes[changed] if same else None


def _snapped(
    network: StreetNetwork,
    graph: Graph,
    prof: TravelProfile,
    opportunities: gpd.GeoDataFrame,
    opts: AccessOptions,
    today: _ProfileRun | None,
    today_places: gpd.GeoSeries | None,
) -> tuple[Seeds, FloatArray]:
    """Seeds and snap distance of every opportunity row (``destination_seeds``).

    On today's graph a place of today (the same geometry: snapping depends on nothing else)
    keeps today's seeds; only the others are snapped.
    """
    if today is None or today_places is None or graph is not today.graph:
        return destination_seeds(
            network, graph, opportunities.geometry, profile=prof, max_snap_m=opts.max_snap_m
        )
    known = pd.Index(shapely.to_wkb(today_places.array))
    first = np.flatnonzero(~known.duplicated())
    where = known[first].get_indexer(shapely.to_wkb(opportunities.geometry.array))
    source = np.where(where >= 0, first[np.maximum(where, 0)], -1)
    new = np.flatnonzero(source < 0)
    fresh, fresh_snap = Seeds(np.zeros(1, dtype=np.int64), source[:0], np.empty(0)), np.empty(0)
    if new.size:
        fresh, fresh_snap = destination_seeds(
            network, graph, opportunities.geometry.iloc[new], profile=prof,
            max_snap_m=opts.max_snap_m,
        )  # fmt: skip
    n_today = today.snap.size
    source[new] = n_today + np.arange(new.size)
    ptr = np.concatenate([today.snapped.indptr, fresh.indptr[1:] + today.snapped.indptr[-1]])
    both = Seeds(
        ptr,
        np.concatenate([today.snapped.node, fresh.node]),
        np.concatenate([today.snapped.cost, fresh.cost]),
    )
    counts = np.diff(both.indptr)[source]
    indptr = np.zeros(source.size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    take = expand(both.indptr[source], counts)
    snap = np.concatenate([today.snap, fresh_snap])[source]
    return Seeds(indptr, both.node[take], both.cost[take]), snap


def _changed_rows(old: AccessResult, new: AccessResult) -> IntArray:
    """Rows (of two results on the same origins) whose values differ."""
    differ = np.zeros(new.origins.size, dtype=bool)
    for a, b in ((old.nearest, new.nearest), (old.counts, new.counts), (old.decayed, new.decayed)):
        differ |= (a != b).reshape(differ.size, -1).any(axis=1)
    return np.flatnonzero(differ)


def _rows(result: AccessResult, rows: IntArray) -> FloatArray:
    """``result.to_frame(unit="min")`` values of the given rows only."""
    part = dataclasses.replace(
        result,
        nearest=result.nearest[rows],
        counts=result.counts[rows],
        decayed=result.decayed[rows],
        origins=result.origins[rows],
    )
    out: FloatArray = part.to_frame(unit="min").to_numpy()
    return out
