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
* the per-area tables are aggregated anew from the updated per-resident values (cheap next to
  the searches).

The rules the numbers follow are those of :mod:`jamlik.runs.access` and
:mod:`jamlik.runs.scenario`; the tests hold both runs equal on the sample town and a real pack.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.config import TravelProfile, profile
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import is_time_indicator
from jamlik.ingest import Pack, read_osm
from jamlik.networks import Graph, Residents, Seeds, StreetNetwork, build_street_network
from jamlik.routing import AccessResult, ExponentialDecay, accessibility
from jamlik.routing.incremental import OpportunitySet, update_accessibility
from jamlik.runs.access import (
    MIN_PLACES,
    AccessOptions,
    PackAccess,
    _fmt,
    _map_origins,
    _only_categories,
    _opportunities,
    _profile,
    _seeds,
    assemble_pack_access,
)
from jamlik.runs.access_layers import CategoryColumns
from jamlik.runs.inputs import pack_residents
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


@dataclass(frozen=True)
class IncrementalStats:
    """What a plan run searched.

    ``table`` has one row per profile: ``profile, changed_edges, changed_opportunities,
    recomputed_rows, searches``.
    """

    table: pd.DataFrame


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
        raise DataError(f"pack {pack.name!r} has no [osm] extract; access needs a street network")
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
    graphs = {("walk", "adult"): walk_graph}
    runs, today = _run(
        pack,
        opts,
        networks,
        residents,
        _only_categories(every, opts),
        graphs,
        [*residents.warnings],
        step,
        update=None,
    )
    return AccessBaseline(
        pack=pack,
        options=opts,
        networks=networks,
        residents=residents,
        home_nodes=home_nodes,
        opportunities=every,
        notes=tuple(residents.warnings),
        runs=runs,
        today=today,
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

    _, plan = _run(
        pack, opts, networks, residents, opportunities, graphs, notes, step, update=update
    )
    plan = dataclasses.replace(plan, resident_changes=moved, residents_staying=staying)
    return plan, IncrementalStats(pd.DataFrame(stats))


Update = Callable[[str, Graph, dict[str, Seeds], dict[str, FloatArray], IntArray], AccessResult]


def _run(
    pack: Pack,
    opts: AccessOptions,
    networks: dict[str, StreetNetwork],
    residents: Residents,
    opportunities: gpd.GeoDataFrame,
    graphs: dict[tuple[str, str], Graph],
    notes: list[str],
    step: Callable[[str, int], None],
    *,
    update: Update | None,
) -> tuple[tuple[_ProfileRun, ...], PackAccess]:
    """Run the profile loop of :func:`jamlik.runs.access.compute_pack_access`, fully or updating.

    ``graphs`` holds the graphs already built, by (mode, profile); the adult walk graph is
    the one residents live on. ``update(profile, graph, seeds, weights, origins)`` gives a
    profile's engine result in place of a full search when given.
    """
    counts = opportunities["category"].value_counts()
    for category, n in counts[counts < MIN_PLACES].items():
        notes.append(t("access.note_few_places", category=category, n=int(n), min=MIN_PLACES))
    if opportunities.empty:
        raise DataError(f"pack {pack.name!r}: no opportunities of the requested categories")
    walk = networks["walk"]
    resident_nodes = np.unique(residents.table["node"].to_numpy())
    cutoffs_s = tuple(60.0 * c for c in opts.cutoffs_min)
    decay = _decay(opts)
    width = opts.k + len(cutoffs_s) + 1
    runs: list[_ProfileRun] = []
    for prof in (_profile(name) for name in opts.profiles):
        network = networks[prof.mode]
        graph = graphs.get((prof.mode, prof.name)) or network.to_graph(prof)
        origin_nodes = _map_origins(walk, network, graph.node_index, resident_nodes, notes, prof)
        seeds, weights, snap = _seeds(network, graph, prof, opportunities, opts, notes)
        present = origin_nodes >= 0
        if update is None:
            result = accessibility(
                graph,
                seeds,
                weights=weights,
                k=opts.k,
                cutoffs=cutoffs_s,
                decay=[decay],
                origins=origin_nodes[present],
            )
        else:
            result = update(prof.name, graph, seeds, weights, origin_nodes[present])
        runs.append(_ProfileRun(prof, network, graph, origin_nodes, seeds, weights, snap, result))
    n_columns = sum(width * len(r.result.categories) for r in runs)
    values = np.empty((resident_nodes.size, n_columns))
    names: list[str] = []
    descriptions: dict[str, tuple[str, str]] = {}
    main: list[CategoryColumns] = []
    standard = opts.cutoffs_min.index(opts.standard_min)
    for i, run in enumerate(runs):
        step(t("access.step_profile", profile=run.profile.name), 3 + i)
        name, result, present = run.profile.name, run.result, run.origin_nodes >= 0
        block = values[:, len(names) : len(names) + width * len(result.categories)]
        block[present] = result.to_frame(unit="min").to_numpy()
        own = [f"{c}_{name}" for c in result.column_names(unit="min")]
        block[~present] = np.where([is_time_indicator(c) for c in own], np.nan, 0.0)
        for column, text in zip(own, result.describe_columns(unit="min").values(), strict=True):
            descriptions[column] = (
                t("access.col_profile", language="sv", text=text, profile=name),
                t("access.col_profile", language="en", text=text, profile=name),
            )
        for j, category in enumerate(result.categories):
            cols = own[j * width : (j + 1) * width]
            main.append(
                CategoryColumns(
                    name, category, nearest=cols[0], count=cols[opts.k + standard], decay=cols[-1]
                )
            )
        names.extend(own)
    per_origin = pd.DataFrame(values, index=pd.Index(resident_nodes, name="node"), columns=names)
    snaps = {r.profile.name: r.snap for r in runs}
    packed = assemble_pack_access(
        pack,
        (walk.node_x, walk.node_y),
        residents,
        per_origin,
        main,
        opportunities,
        snaps,
        descriptions,
        notes,
        opts,
    )
    return tuple(runs), packed
