"""Accessibility of a whole data pack: every resident, profile and category in one run.

This module chains the stages for ``jamlik access PACK``: it reads the pack's OSM extract, builds
the walk (and, for the bike profile, bike) network, places the residents of every area on the
network, snaps the opportunities (OSM destinations plus the pack's own opportunity layers), runs
the engine once per travel profile and aggregates per area and population group.

Rules the numbers follow
------------------------
* Residents are placed on the nodes of the adult walking graph (its largest strongly connected
  component). A profile whose graph lacks a node (e.g. a wheelchair user whose street is reached
  only by steps) has *no access* from there: no travel time, zero counts.
* Bike profiles run on the bike network; residents are moved to the nearest bike-graph node and
  that distance is reported in the notes.
* Opportunities snapped beyond ``max_snap_m`` of a usable street are left out and counted in the
  notes. The snap distance at the destination end (street to the door) is travelled at the
  profile's speed and is part of the travel time; parks are reached at their edge. At the origin
  end, the distance from homes to their node is stated (column ``home_to_node_m`` and a note),
  not added, since many homes share one node.
* The search is bounded by the largest cut-off (and the decay support); nothing beyond it counts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy.spatial import cKDTree

from jamlik.config import DEFAULT_PROFILES, TravelProfile, profile
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import ALL_AREAS, aggregate_access, is_time_indicator
from jamlik.ingest import OSMData, Pack, extract_pois, read_osm
from jamlik.networks import (
    Graph,
    Residents,
    Seeds,
    StreetNetwork,
    build_street_network,
)
from jamlik.routing import ExponentialDecay, accessibility
from jamlik.runs.inputs import destination_seeds, pack_residents

__all__ = ["AccessOptions", "PackAccess", "compute_pack_access"]

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


class AccessOptions(BaseModel):
    """Options of a pack accessibility run (validated, also used by the CLI)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profiles: tuple[str, ...] = ("adult", "child", "senior", "wheelchair", "bike")
    categories: tuple[str, ...] | None = None
    cutoffs_min: tuple[float, ...] = (5, 10, 15, 20, 30)
    k: int = Field(default=3, ge=1, le=10)
    half_life_min: float = Field(default=10.0, gt=0)
    max_snap_m: float = Field(default=500.0, gt=0)
    year: int | None = None

    @field_validator("profiles")
    @classmethod
    def _known_profiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in DEFAULT_PROFILES]
        if unknown or not value:
            raise ValueError(
                f"unknown travel profile(s) {unknown}; choose from {', '.join(DEFAULT_PROFILES)}"
            )
        return value

    @field_validator("cutoffs_min")
    @classmethod
    def _positive_cutoffs(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0 or len(set(value)) != len(value):
            raise ValueError(f"cut-offs must be distinct positive minutes, got {list(value)}")
        return tuple(sorted(value))


@dataclass(frozen=True)
class PackAccess:
    """Result of :func:`compute_pack_access`.

    Attributes
    ----------
    origins
        One point per resident node: ``node``, residents per group, and for each profile the
        indicator columns ``<category>_<measure>_<profile>``.
    summary
        Long table ``profile, area_id, group, indicator, value, population, no_access_share``
        (``area_id == "*"`` is the whole pack).
    areas
        Area polygons with the main indicators for everyone (nearest time, 15-minute count and
        decayed sum, share without access), or ``None`` when the pack has no areas.
    opportunities
        The opportunities used: ``category``, ``weight``, ``snap_distance_m``, geometry.
    descriptions
        ``column, sv, en`` for every indicator column.
    notes
        Plain-language notes on what was left out or assumed.
    """

    origins: gpd.GeoDataFrame
    summary: pd.DataFrame
    areas: gpd.GeoDataFrame | None
    opportunities: gpd.GeoDataFrame
    descriptions: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def output_layers(
        self, sources: pd.DataFrame
    ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
        """Layers of the output GeoPackage and the CSV tables written beside it.

        Layers: ``areas`` (when the pack has areas), ``origins``, ``opportunities``, and the
        tables ``column_descriptions`` (Swedish and English), ``summary``, ``notes`` and
        ``sources``. CSV tables: ``summary``, ``column_descriptions``, ``sources``.
        """
        layers: dict[str, pd.DataFrame] = {}
        if self.areas is not None:
            layers["areas"] = self.areas
        layers["origins"] = self.origins
        layers["opportunities"] = self.opportunities
        layers["column_descriptions"] = self.descriptions
        layers["summary"] = self.summary
        layers["sources"] = sources
        if self.notes:
            layers["notes"] = pd.DataFrame({"note": list(self.notes)}, dtype=str)
        tables = {
            "summary": self.summary,
            "column_descriptions": self.descriptions,
            "sources": sources,
        }
        return layers, tables


def compute_pack_access(
    pack: Pack, *, options: AccessOptions | None = None, progress: Progress | None = None
) -> PackAccess:
    """Compute accessibility for every resident of ``pack``.

    Parameters
    ----------
    pack
        A loaded pack with an ``[osm]`` extract (see :func:`jamlik.ingest.load_pack`).
    options
        Profiles, categories, cut-offs; defaults to :class:`AccessOptions`.
    progress
        Called as ``progress(step_label, done, total)`` between steps.

    Raises
    ------
    DataError
        If the pack has no OSM extract or an option names an unknown profile or category.
    """
    opts = options or AccessOptions()
    if pack.osm_path is None:
        raise DataError(f"pack {pack.name!r} has no [osm] extract; access needs a street network")
    profiles = [_profile(name) for name in opts.profiles]
    total_steps = 3 + len(profiles)

    def step(label: str, done: int) -> None:
        log.info("%s", label)
        if progress is not None:
            progress(label, done, total_steps)

    step(t("access.step_read"), 0)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    walk = build_street_network(osm, mode="walk", crs=crs)
    networks: dict[str, StreetNetwork] = {"walk": walk}
    if any(p.mode == "bike" for p in profiles):
        networks["bike"] = build_street_network(osm, mode="bike", crs=crs)

    step(t("access.step_residents"), 1)
    notes: list[str] = []
    base_graph = walk.to_graph(profile("adult"))
    residents = pack_residents(pack, walk, base_graph.node_index, osm=osm, year=opts.year)
    assert residents is not None  # if_missing="uniform" always places someone
    notes.extend(residents.warnings)

    step(t("access.step_opportunities"), 2)
    opportunities = _opportunities(pack, osm, opts)
    if opportunities.empty:
        raise DataError(f"pack {pack.name!r}: no opportunities of the requested categories")

    resident_nodes = np.unique(residents.table["node"].to_numpy())
    frames: list[pd.DataFrame] = []
    descriptions: dict[str, tuple[str, str]] = {}
    snap_by_profile: dict[str, npt.NDArray[np.float64]] = {}
    cutoffs_s = tuple(60.0 * c for c in opts.cutoffs_min)
    decay = ExponentialDecay(
        beta=math.log(2) / (60.0 * opts.half_life_min),
        max_cost=max(cutoffs_s),
        label=f"exp_half{_fmt(opts.half_life_min)}min",
    )
    for i, prof in enumerate(profiles):
        step(t("access.step_profile", profile=prof.name), 3 + i)
        network = networks[prof.mode]
        graph = network.to_graph(prof)
        # Residents' nodes in this profile's graph (-1: not reachable with this profile).
        origin_nodes = _map_origins(walk, network, graph.node_index, resident_nodes, notes, prof)
        seeds, weights, snap = _seeds(network, graph, prof, opportunities, opts, notes)
        snap_by_profile[prof.name] = snap
        present = origin_nodes >= 0
        result = accessibility(
            graph,
            seeds,
            weights=weights,
            k=opts.k,
            cutoffs=cutoffs_s,
            decay=[decay],
            origins=origin_nodes[present],
        )
        frame = result.to_frame(unit="min")
        names = {c: f"{c}_{prof.name}" for c in frame.columns}
        full = pd.DataFrame(
            index=pd.Index(resident_nodes, name="node"), columns=list(frame.columns)
        )
        full.loc[resident_nodes[present]] = frame.to_numpy()
        full = full.astype(np.float64)
        counts = [c for c in full.columns if not is_time_indicator(c)]
        full[counts] = full[counts].fillna(0.0)
        frames.append(full.rename(columns=names))
        for column, text in result.describe_columns(unit="min").items():
            descriptions[names[column]] = (
                t("access.col_profile", language="sv", text=text, profile=prof.name),
                t("access.col_profile", language="en", text=text, profile=prof.name),
            )
    per_origin = pd.concat(frames, axis=1)
    return _assemble(pack, walk, residents, per_origin, opportunities, snap_by_profile,
                     descriptions, notes, [p.name for p in profiles])  # fmt: skip


def _profile(name: str) -> TravelProfile:
    try:
        return profile(name)
    except KeyError as exc:
        raise DataError(str(exc.args[0])) from None


def _fmt(value: float) -> str:
    return f"{value:g}".replace(".", "_")


def _opportunities(pack: Pack, osm: OSMData, opts: AccessOptions) -> gpd.GeoDataFrame:
    pois = extract_pois(osm, crs=pack.crs.to_string(), categories=pack.categories_path)
    frame = pois[["category", "geometry"]].assign(weight=1.0, source="osm")
    extra = pack.opportunity_layers()
    if extra is not None and not extra.empty:
        # Already in the pack CRS, rows with a zero count dropped (ingest.pack).
        layer = extra[["category", "geometry"]].assign(
            weight=extra["count"].astype(float), source="pack"
        )
        frame = pd.concat([frame, layer], ignore_index=True)
    if opts.categories is not None:
        unknown = sorted(set(opts.categories) - set(frame["category"]))
        if unknown:
            known = ", ".join(sorted(set(frame["category"])))
            raise DataError(f"no opportunities of categories {unknown}; this pack has: {known}")
        frame = frame[frame["category"].isin(opts.categories)]
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=pack.crs)


def _map_origins(
    walk: StreetNetwork,
    network: StreetNetwork,
    kept: npt.NDArray[np.int64],
    resident_nodes: npt.NDArray[np.int64],
    notes: list[str],
    prof: TravelProfile,
) -> npt.NDArray[np.int64]:
    """Graph node of each resident node in ``network``'s graph, -1 where it has none."""
    if network is walk:
        position = np.full(walk.n_nodes, -1, dtype=np.int64)
        position[kept] = np.arange(kept.size)
        out = position[resident_nodes]
        missing = int((out < 0).sum())
        if missing:
            notes.append(t("access.note_unreachable_nodes", profile=prof.name, n=missing))
        return out
    tree = cKDTree(np.column_stack([network.node_x[kept], network.node_y[kept]]))
    distance, index = tree.query(np.column_stack([walk.node_x[resident_nodes],
                                                  walk.node_y[resident_nodes]]))  # fmt: skip
    notes.append(
        t("access.note_moved", profile=prof.name, mean=f"{float(np.mean(distance)):.1f}",
          max=f"{float(np.max(distance)):.0f}")
    )  # fmt: skip
    return index.astype(np.int64)


def _seeds(
    network: StreetNetwork,
    graph: Graph,
    prof: TravelProfile,
    opportunities: gpd.GeoDataFrame,
    opts: AccessOptions,
    notes: list[str],
) -> tuple[dict[str, Seeds], dict[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """Seeds and weights per category; opportunities without a usable street are left out."""
    seeds: dict[str, Seeds] = {}
    weights: dict[str, npt.NDArray[np.float64]] = {}
    snap = np.full(len(opportunities), np.nan)
    all_weights = opportunities["weight"].to_numpy(dtype=np.float64)
    for category, rows in opportunities.groupby("category", sort=True).indices.items():
        merged, snap[rows] = destination_seeds(
            network, graph, opportunities.geometry.iloc[rows], profile=prof,
            max_snap_m=opts.max_snap_m,
        )  # fmt: skip
        has_seed = np.diff(merged.indptr) > 0
        dropped = int((~has_seed).sum())
        if dropped:
            notes.append(t("access.note_unsnapped", profile=prof.name, category=category,
                           n=dropped, max=f"{opts.max_snap_m:g}"))  # fmt: skip
        if not has_seed.any():
            continue
        seeds[str(category)] = _subset_seeds(merged, has_seed)
        weights[str(category)] = all_weights[rows][has_seed]
    return seeds, weights, snap


def _subset_seeds(seeds: Seeds, keep: npt.NDArray[np.bool_]) -> Seeds:
    counts = np.diff(seeds.indptr)
    owner = np.repeat(np.arange(counts.size), counts)
    mask = keep[owner]
    indptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[keep], out=indptr[1:])
    return Seeds(indptr, seeds.node[mask], seeds.cost[mask])


def _assemble(
    pack: Pack,
    walk: StreetNetwork,
    residents: Residents,
    per_origin: pd.DataFrame,
    opportunities: gpd.GeoDataFrame,
    snap_by_profile: dict[str, npt.NDArray[np.float64]],
    descriptions: dict[str, tuple[str, str]],
    notes: list[str],
    profiles: Sequence[str],
) -> PackAccess:
    groups = ["pop_total", *residents.groups]
    summaries = []
    for prof in profiles:
        cols = [c for c in per_origin.columns if c.endswith(f"_{prof}")]
        part = aggregate_access(per_origin[cols], residents.table, groups=groups)
        summaries.append(part.assign(profile=prof))
    summary = pd.concat(summaries, ignore_index=True)
    summary = summary[["profile", "area_id", "group", "indicator", "value", "population",
                       "no_access_share"]]  # fmt: skip

    per_node = residents.table.groupby("node")[groups].sum()
    # Distance from homes to their node: stated per origin (population-weighted), not added.
    table = residents.table
    weighted = (table["snap_distance_m"] * table["pop_total"]).groupby(table["node"]).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        per_node["home_to_node_m"] = (weighted / per_node["pop_total"]).fillna(0.0)
    mean_home = float((table["snap_distance_m"] * table["pop_total"]).sum())
    mean_home /= max(float(table["pop_total"].sum()), 1.0)
    notes.append(t("access.note_home_snap", mean=f"{mean_home:.0f}"))
    nodes = per_node.index.to_numpy()
    origins = gpd.GeoDataFrame(
        per_node.join(per_origin).reset_index(),
        geometry=gpd.points_from_xy(walk.node_x[nodes], walk.node_y[nodes]),
        crs=pack.crs,
    )
    opp = opportunities.copy()
    snaps = np.vstack(list(snap_by_profile.values()))
    opp["snap_distance_m"] = np.nanmin(np.where(np.isnan(snaps), np.inf, snaps), axis=0)
    opp.loc[np.isinf(opp["snap_distance_m"]), "snap_distance_m"] = np.nan

    areas = None
    if pack.has_areas:
        main = summary[(summary["group"] == "pop_total") & (summary["area_id"] != ALL_AREAS)]
        main = main[main["indicator"].str.contains("_nearest_1_|_count_15min_|_decay_")]
        wide = main.pivot(index="area_id", columns="indicator", values="value")
        times = main[main["indicator"].map(is_time_indicator)]
        no_access = times.pivot(index="area_id", columns="indicator", values="no_access_share")
        no_access.columns = [c.replace("_nearest_1_min_", "_no_access_") for c in no_access]
        areas = pack.areas().join(wide).join(no_access)
        areas.index.name = "area_id"
        areas = areas.reset_index()
        for column in no_access.columns:
            category, prof = column.split("_no_access_")
            descriptions[column] = (
                t("access.col_no_access", language="sv", category=category, profile=prof),
                t("access.col_no_access", language="en", category=category, profile=prof),
            )
    desc = pd.DataFrame(
        [(c, sv, en) for c, (sv, en) in descriptions.items()], columns=["column", "sv", "en"]
    )
    return PackAccess(origins, summary, areas, opp, desc, tuple(notes))
