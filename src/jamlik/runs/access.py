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

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy.spatial import cKDTree

from jamlik.config import DEFAULT_PROFILES, TravelProfile, profile
from jamlik.errors import DataError, about_parameter
from jamlik.i18n import format_number, t
from jamlik.indicators.access.aggregate import ALL_AREAS, aggregate_access, is_time_indicator
from jamlik.ingest import OSMData, Pack, extract_pois, read_osm
from jamlik.networks import (
    Graph,
    Residents,
    Seeds,
    StreetNetwork,
    build_street_network,
)
from jamlik.routing import AccessResult, ExponentialDecay, accessibility
from jamlik.runs.access_layers import (
    ROUND_DECIMALS,
    CategoryColumns,
    grid_cells,
    layer_descriptions,
    round_origins,
    tidy_values,
    wide_layer,
)
from jamlik.runs.inputs import destination_seeds, pack_residents, population_known, profile_groups
from jamlik.runs.scenario import PlacedScenario, edit_opportunities, edit_residents, edit_streets

__all__ = ["AccessOptions", "PackAccess", "compute_pack_access"]

log = logging.getLogger(__name__)
#: Fewer places of a category than this: its access says more about the extract than the
#: service (one park in the extract gives '3 % reach a park'); the run says so in its notes.
MIN_PLACES = 5
Progress = Callable[[str, int, int], None]
Detail = Literal["tidy", "origins"]


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
    threshold_min: float | None = Field(default=None, gt=0)
    grid_m: int = Field(default=250, ge=0)

    @property
    def standard_min(self) -> float:
        """Return the standard ``T`` of the tidy outputs (share within, number within).

        ``threshold_min`` when given, else 15 minutes when it is a cut-off, else the middle
        cut-off.
        """
        if self.threshold_min is not None:
            return self.threshold_min
        return 15.0 if 15.0 in self.cutoffs_min else self.cutoffs_min[len(self.cutoffs_min) // 2]

    @field_validator("profiles")
    @classmethod
    def _known_profiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in DEFAULT_PROFILES]
        if unknown or not value:
            raise ValueError(
                t("runs.unknown_profiles", unknown=unknown, items=", ".join(DEFAULT_PROFILES))
            )
        return value

    @field_validator("cutoffs_min")
    @classmethod
    def _positive_cutoffs(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0 or len(set(value)) != len(value):
            raise ValueError(t("runs.cutoffs_distinct", value=list(value)))
        return tuple(sorted(value))

    @model_validator(mode="after")
    def _threshold_is_a_cutoff(self) -> AccessOptions:
        if self.threshold_min is not None and self.threshold_min not in self.cutoffs_min:
            raise ValueError(
                t(
                    "runs.threshold_not_cutoff",
                    threshold_min=f"{self.threshold_min:g}",
                    value=[f"{c:g}" for c in self.cutoffs_min],
                )
            )
        return self


@dataclass(frozen=True)
class PackAccess:
    """Result of :func:`compute_pack_access`.

    Attributes
    ----------
    origins
        One point per resident node: ``node``, residents per group, ``home_to_node_m`` and for
        each profile the indicator columns ``<category>_<measure>_<profile>`` (the detail).
    summary
        Long table ``profile, area_id, group, indicator, value, population, no_access_share``
        of every indicator (``area_id == "*"`` is the whole pack).
    areas
        Area polygons (``area_id``, ``name``, geometry), or ``None`` when the pack has none.
    area_values
        The main measures per area, profile and group as a long table (``area_id, profile,
        group, category, measure, value, population, no_access_share``; ``"*"`` is the whole
        pack); see :mod:`jamlik.runs.access_layers`.
    grid
        Squares of ``grid_m`` metres with residents (``cell_id``, geometry), or ``None``
        when ``grid_m`` is 0.
    grid_values
        The main measures per square and profile for everyone (``cell_id, profile, group,
        ...``), or ``None``.
    opportunities
        The opportunities used: ``category``, ``weight``, ``snap_distance_m``, geometry.
    descriptions
        ``column, sv, en`` for every indicator column and every column of the tidy layers.
    threshold_min
        The standard ``T`` of the tidy measures (``in<T>``, ``n<T>``).
    notes
        Plain-language notes on what was left out or assumed.
    residents
        Residents as placed on the street nodes: ``node, area_id, pop_total``, the groups and
        ``snap_distance_m`` (one row per node and area).
    resident_changes
        With a scenario: residents added by new homes and displaced by removed homes, one row
        per entry (:func:`jamlik.runs.scenario.edit_residents`).
    residents_staying
        With a scenario: today's residents who still live there (``residents`` without the
        newcomers and the displaced).
    method
        ``network`` (along the streets) or ``straight_line`` (the approximation of
        :mod:`jamlik.runs.straight_line`: every layer and table then ends in ``_approx`` and
        carries the columns ``method`` and ``detour_factor``).
    detour_factor
        The straight-line run's detour factor (``None`` along the network).
    profile_groups
        The residents each profile's area and grid layers stand for: ``age_6_15`` for
        ``child`` and ``age_65_plus`` for ``senior`` when the pack has them, else ``pop_total``
        (:func:`jamlik.runs.inputs.profile_groups`).
    """

    origins: gpd.GeoDataFrame
    summary: pd.DataFrame
    areas: gpd.GeoDataFrame | None
    area_values: pd.DataFrame
    grid: gpd.GeoDataFrame | None
    grid_values: pd.DataFrame | None
    opportunities: gpd.GeoDataFrame
    descriptions: pd.DataFrame
    threshold_min: float
    notes: tuple[str, ...] = field(default=())
    residents: pd.DataFrame | None = None
    resident_changes: pd.DataFrame | None = None
    residents_staying: pd.DataFrame | None = None
    method: Literal["network", "straight_line"] = "network"
    detour_factor: float | None = None
    profile_groups: Mapping[str, str] = field(default_factory=dict)
    population_known: bool = True

    @property
    def profiles(self) -> tuple[str, ...]:
        """The travel profiles of the run, in order."""
        return tuple(self.summary["profile"].drop_duplicates())

    def output_layers(
        self, sources: pd.DataFrame, *, detail: Detail = "tidy"
    ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
        """Layers of the output GeoPackage and the CSV tables written beside it.

        Layers: per profile ``areas_<profile>`` (when the pack has areas) and
        ``grid_<profile>`` (when there is a grid), polygons with five short columns per
        category (:mod:`jamlik.runs.access_layers`); ``opportunities``; the tables
        ``area_values`` (long; only the whole pack when the areas have no polygons, e.g.
        population cells: the summary has them all), ``summary``, ``column_descriptions``
        (Swedish and English), ``sources`` and ``notes``. ``detail="origins"`` adds
        ``origins``, one point per resident node with every indicator. CSV tables: ``summary``,
        ``column_descriptions``, ``sources``.
        """
        profiles = self.profiles
        layers: dict[str, pd.DataFrame] = {}
        sets = (("area_id", self.areas, self.area_values), ("cell_id", self.grid, self.grid_values))
        for id_column, polygons, values in sets:
            if polygons is None or values is None:
                continue
            kind = "areas" if id_column == "area_id" else "grid"
            for prof in profiles:
                # The grid holds everyone only; the areas hold each profile's own group.
                group = self.profile_groups.get(prof, "pop_total") if kind == "areas" else None
                layers[f"{kind}_{prof}"] = wide_layer(
                    values, polygons, id_column=id_column, profile=prof,
                    threshold_min=self.threshold_min, group=group or "pop_total",
                )  # fmt: skip
        layers["opportunities"] = self.opportunities
        values = self.area_values
        if self.areas is None:  # areas without polygons (population cells): the pack as a whole
            values = values[values["area_id"] == ALL_AREAS]
        layers["area_values"] = _for_file(values)
        layers["summary"] = self.summary
        layers["column_descriptions"] = self.descriptions
        layers["sources"] = sources
        if self.notes:
            layers["notes"] = pd.DataFrame({"note": list(self.notes)}, dtype=str)
        if detail == "origins":
            indicators = [c for c in self.origins.columns if c.endswith(profiles)]
            layers["origins"] = round_origins(self.origins, indicators)
        tables = {
            "summary": self.summary,
            "column_descriptions": self.descriptions,
            "sources": sources,
        }
        if self.method != "network":  # never mixed silently with network results
            return _labelled(layers, self), _labelled(tables, self)
        return layers, tables


def _labelled(frames: dict[str, pd.DataFrame], result: PackAccess) -> dict[str, pd.DataFrame]:
    """Name every output ``<name>_approx`` and add ``method`` and ``detour_factor`` columns."""
    out: dict[str, pd.DataFrame] = {}
    for name, frame in frames.items():
        labelled = frame.copy()
        if name not in ("sources", "column_descriptions"):
            labelled.insert(0, "method", result.method)
            labelled.insert(1, "detour_factor", result.detour_factor)
        elif name == "column_descriptions":
            extra = pd.DataFrame(
                [(c, t(f"approximate.col_{c}", language="sv"), t(f"approximate.col_{c}",
                  language="en")) for c in ("method", "detour_factor")],
                columns=["column", "sv", "en"],
            )  # fmt: skip
            labelled = pd.concat([extra, labelled], ignore_index=True)
        out[f"{name}_approx"] = labelled
    return out


def _for_file(values: pd.DataFrame) -> pd.DataFrame:
    """Return a long table for a file: text for categories (GeoPackage has none), rounded."""
    out = values.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
    out["value"] = out["value"].round(4)
    out["no_access_share"] = out["no_access_share"].round(ROUND_DECIMALS["noacc"])
    return out


def compute_pack_access(
    pack: Pack,
    *,
    options: AccessOptions | None = None,
    progress: Progress | None = None,
    scenario: PlacedScenario | None = None,
) -> PackAccess:
    """Compute accessibility for every resident of ``pack`` (today, or with a scenario).

    Parameters
    ----------
    pack
        A loaded pack with an ``[osm]`` extract (see :func:`jamlik.ingest.load_pack`).
    options
        Profiles, categories, cut-offs, grid; defaults to :class:`AccessOptions`.
    progress
        Called as ``progress(step_label, done, total)`` between steps.
    scenario
        A plan's changes (:func:`jamlik.runs.scenario.place_scenario`): its streets are routed
        on, its residents and places counted. Today's residents stay on today's street nodes
        (node numbers never change), so the result lines up with today's node by node.

    Raises
    ------
    DataError
        If the pack has no OSM extract or an option names an unknown profile or category.
    """
    opts = options or AccessOptions()
    if pack.osm_path is None:
        raise DataError(t("runs.access_needs_osm", name=pack.name))
    profiles = [_profile(name) for name in opts.profiles]
    total_steps = 3 + len(profiles)

    def step(label: str, done: int) -> None:
        log.info("%s", label)
        if progress is not None:
            progress(label, done, total_steps)

    step(t("access.step_read"), 0)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    today = build_street_network(osm, mode="walk", crs=crs)
    walk = today if scenario is None else edit_streets(today, scenario)
    networks: dict[str, StreetNetwork] = {"walk": walk}
    if any(p.mode == "bike" for p in profiles):
        bike = build_street_network(osm, mode="bike", crs=crs)
        networks["bike"] = bike if scenario is None else edit_streets(bike, scenario)

    step(t("access.step_residents"), 1)
    notes: list[str] = []
    moved = staying = None
    adult = profile("adult")
    # Residents live on today's street nodes; a plan changes the streets, not where people live.
    today_graph = today.to_graph(adult)
    base_graph = today_graph if walk is today else walk.to_graph(adult)
    home_nodes = today_graph.node_index
    residents = pack_residents(pack, today, home_nodes, osm=osm, year=opts.year)
    assert residents is not None  # if_missing="uniform" always places someone
    notes.extend(residents.warnings)
    if scenario is not None:
        table, staying, moved, moved_notes = edit_residents(
            residents.table,
            groups=residents.groups,
            network=today,
            nodes=home_nodes,
            placed=scenario,
            pack=pack,
            year=opts.year,
        )
        residents = dataclasses.replace(residents, table=table)
        notes.extend(moved_notes)

    step(t("access.step_opportunities"), 2)
    opportunities = _opportunities(pack, osm, opts, scenario_next=scenario is not None)
    if scenario is not None:
        opportunities = _only_categories(edit_opportunities(opportunities, scenario), opts)
    del osm  # the extract is the largest input; everything needed from it is built
    notes.extend(few_places(pack, opportunities))
    resident_nodes = np.unique(residents.table["node"].to_numpy())
    snap_by_profile: dict[str, npt.NDArray[np.float64]] = {}
    # Every profile's graph, origins and seeds first: their categories fix the columns, so the
    # per-origin table is allocated once and each profile's results are written into it.
    prepared = []
    for prof in profiles:
        network = networks[prof.mode]
        graph = base_graph if network is walk and prof == adult else network.to_graph(prof)
        # Residents' nodes in this profile's graph (-1: not reachable with this profile).
        origin_nodes = _map_origins(walk, network, graph.node_index, resident_nodes, notes, prof)
        seeds, weights, snap_by_profile[prof.name] = _seeds(
            network, graph, prof, opportunities, opts, notes
        )
        prepared.append((prof, graph, origin_nodes, seeds, weights))
    cutoffs_s = tuple(60.0 * c for c in opts.cutoffs_min)
    decay = ExponentialDecay(
        beta=math.log(2) / (60.0 * opts.half_life_min),
        max_cost=max(cutoffs_s),
        label=f"exp_half{_fmt(opts.half_life_min)}min",
    )
    width = opts.k + len(cutoffs_s) + 1  # measures per category: k nearest, counts, one decay
    n_columns = sum(width * len(p[3]) for p in prepared)
    values = np.empty((resident_nodes.size, n_columns))
    names: list[str] = []
    descriptions: dict[str, tuple[str, str]] = {}
    main: list[CategoryColumns] = []
    for i, (prof, graph, origin_nodes, seeds, weights) in enumerate(prepared):
        step(t("access.step_profile", profile=prof.name), 3 + i)
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
        block = values[:, len(names) : len(names) + width * len(result.categories)]
        if present.all():
            block[:] = result.to_frame(unit="min").to_numpy()
        else:
            block[present] = result.to_frame(unit="min").to_numpy()
        own, described, measures = profile_columns(result, prof.name, opts)
        # No access from outside the profile's graph: no travel time, zero counts.
        block[~present] = np.where([is_time_indicator(c) for c in own], np.nan, 0.0)
        descriptions.update(described)
        main.extend(measures)
        names.extend(own)
        del result, block
    per_origin = pd.DataFrame(values, index=pd.Index(resident_nodes, name="node"), columns=names)
    packed = assemble_pack_access(pack, (walk.node_x, walk.node_y), residents, per_origin, main,
                                  opportunities, snap_by_profile, descriptions, notes,
                                  opts)  # fmt: skip
    if moved is None:
        return packed
    return dataclasses.replace(packed, resident_changes=moved, residents_staying=staying)


def _profile(name: str) -> TravelProfile:
    try:
        return profile(name)
    except KeyError as exc:
        raise DataError(str(exc.args[0])) from None


def _fmt(value: float) -> str:
    return f"{value:g}".replace(".", "_")


def _opportunities(
    pack: Pack, osm: OSMData, opts: AccessOptions, *, scenario_next: bool = False
) -> gpd.GeoDataFrame:
    pois = extract_pois(osm, crs=pack.crs.to_string(), categories=pack.categories_path)
    frame = pois[["category", "osm_id", "geometry"]].assign(weight=1.0, source="osm")
    extra = pack.opportunity_layers()
    if extra is not None and not extra.empty:
        # Already in the pack CRS, rows with a zero count dropped (ingest.pack).
        layer = extra[["category", "geometry"]].assign(
            weight=extra["count"].astype(float), source="pack"
        )
        frame = pd.concat([frame, layer], ignore_index=True)
    frame = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry", crs=pack.crs)
    return frame if scenario_next else _only_categories(frame, opts)


def _only_categories(frame: gpd.GeoDataFrame, opts: AccessOptions) -> gpd.GeoDataFrame:
    """Keep the opportunities of the requested categories (all when none are requested)."""
    if opts.categories is None:
        return frame
    unknown = sorted(set(opts.categories) - set(frame["category"]))
    if unknown:
        known = ", ".join(sorted(set(frame["category"])))
        message = t("runs.unknown_categories", unknown=unknown, known=known)
        raise about_parameter("categories", DataError(message))
    kept = frame[frame["category"].isin(opts.categories)].reset_index(drop=True)
    return gpd.GeoDataFrame(kept, geometry="geometry", crs=frame.crs)


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
        t("access.note_moved", profile=prof.name, mean=format_number(np.mean(distance), 1),
          max=format_number(np.max(distance)))
    )  # fmt: skip
    return index.astype(np.int64)


def _seeds(
    network: StreetNetwork,
    graph: Graph,
    prof: TravelProfile,
    opportunities: gpd.GeoDataFrame,
    opts: AccessOptions,
    notes: list[str],
    *,
    snapped: tuple[Seeds, npt.NDArray[np.float64]] | None = None,
) -> tuple[dict[str, Seeds], dict[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """Seeds and weights per category; opportunities without a usable street are left out.

    ``snapped``: the rows' seeds and snap distances (``destination_seeds``) when known.
    """
    # One call for all categories: every row is snapped on its own, so splitting afterwards
    # gives the same seeds as one call per category, with one spatial index instead of many.
    merged, snap = snapped or destination_seeds(
        network, graph, opportunities.geometry, profile=prof, max_snap_m=opts.max_snap_m
    )
    has_seed = np.diff(merged.indptr) > 0
    seeds: dict[str, Seeds] = {}
    weights: dict[str, npt.NDArray[np.float64]] = {}
    all_weights = opportunities["weight"].to_numpy(dtype=np.float64)
    for category, rows in opportunities.groupby("category", sort=True).indices.items():
        dropped = int((~has_seed[rows]).sum())
        if dropped:
            notes.append(t("access.note_unsnapped", profile=prof.name, category=category,
                           n=dropped, max=f"{opts.max_snap_m:g}"))  # fmt: skip
        keep = np.zeros(has_seed.size, dtype=bool)
        keep[rows] = has_seed[rows]
        if not keep.any():
            continue
        seeds[str(category)] = _subset_seeds(merged, keep)
        weights[str(category)] = all_weights[keep]
    return seeds, weights, snap


def _subset_seeds(seeds: Seeds, keep: npt.NDArray[np.bool_]) -> Seeds:
    counts = np.diff(seeds.indptr)
    owner = np.repeat(np.arange(counts.size), counts)
    mask = keep[owner]
    indptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(counts[keep], out=indptr[1:])
    return Seeds(indptr, seeds.node[mask], seeds.cost[mask])


def assemble_pack_access(
    pack: Pack,
    node_xy: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    residents: Residents,
    per_origin: pd.DataFrame,
    main: Sequence[CategoryColumns],
    opportunities: gpd.GeoDataFrame,
    snap_by_profile: dict[str, npt.NDArray[np.float64]],
    descriptions: dict[str, tuple[str, str]],
    notes: list[str],
    opts: AccessOptions,
    *,
    home_note: bool = True,
) -> PackAccess:
    """Aggregate per-origin indicators into the result (also used by the straight-line run).

    ``node_xy`` holds the coordinates of every origin number of ``residents.table["node"]``.
    """
    node_x, node_y = node_xy
    # Without population every street node is an origin of weight 1: never call them residents.
    known = population_known(residents)
    groups = ["pop_total", *residents.groups]
    by_profile, group_notes = profile_groups([_profile(p) for p in opts.profiles], groups)
    notes.extend(group_notes)
    table = residents.table
    summary = pack_summary(per_origin, table, groups=groups, profiles=opts.profiles)
    threshold = opts.standard_min
    area_values = tidy_values(per_origin, table, main, threshold_min=threshold, groups=groups,
                              id_column="area_id")  # fmt: skip
    areas = pack.areas().reset_index() if pack.has_areas else None

    grid = grid_values = None
    if opts.grid_m:
        in_cells, grid = residents_in_cells(table, node_xy, cell_m=opts.grid_m, crs=pack.crs)
        grid_values = tidy_values(
            per_origin, in_cells, main, threshold_min=threshold, groups=["pop_total"],
            id_column="cell_id", whole=False,
        )  # fmt: skip
        grid = grid[grid["cell_id"].isin(set(grid_values["cell_id"]))].reset_index(drop=True)
        key = "access.note_grid" if known else "access.note_grid_nodes"
        notes.append(t(key, size=opts.grid_m, n=len(grid)))

    per_node = table.groupby("node")[groups].sum()
    # Distance from homes to their node: stated per origin (population-weighted), not added.
    weighted = (table["snap_distance_m"] * table["pop_total"]).groupby(table["node"]).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        per_node["home_to_node_m"] = (weighted / per_node["pop_total"]).fillna(0.0)
    mean_home = float((table["snap_distance_m"] * table["pop_total"]).sum())
    mean_home /= max(float(table["pop_total"].sum()), 1.0)
    if home_note and known:
        notes.append(t("access.note_home_snap", mean=format_number(mean_home)))
    nodes = per_node.index.to_numpy()
    # The indicator block is shared, not copied (reset_index, concat and a GeoDataFrame of a
    # mixed frame would each copy it): a frame over the same array, the few meta columns
    # inserted in front.
    frame = pd.DataFrame(per_origin.to_numpy(), columns=per_origin.columns, copy=False)
    for position, (column, series) in enumerate(per_node.reset_index().items()):
        frame.insert(position, column, series.to_numpy())
    origins = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(node_x[nodes], node_y[nodes]),
        crs=pack.crs, copy=False,
    )  # fmt: skip
    opp = with_snap_distance(opportunities, snap_by_profile)

    categories = sorted({c.category for c in main})
    descriptions.update(
        layer_descriptions(categories, threshold_min=threshold, grid_m=opts.grid_m or None)
    )
    desc = pd.DataFrame(
        [(c, sv, en) for c, (sv, en) in descriptions.items()], columns=["column", "sv", "en"]
    )
    return PackAccess(origins=origins, summary=summary, areas=areas, area_values=area_values,
                      grid=grid, grid_values=grid_values, opportunities=opp, descriptions=desc,
                      threshold_min=threshold, notes=tuple(notes), residents=table,
                      profile_groups=by_profile, population_known=known)  # fmt: skip


def pack_summary(
    per_origin: pd.DataFrame, table: pd.DataFrame, *, groups: list[str], profiles: Sequence[str]
) -> pd.DataFrame:
    """Return the long summary of every indicator: ``aggregate_access`` of each profile."""
    summaries = []
    for prof in profiles:
        mine = np.flatnonzero(per_origin.columns.str.endswith(f"_{prof}"))
        # A profile's columns stand together: a slice is a view, a list of columns a copy.
        together = mine.size and np.array_equal(mine, np.arange(mine[0], mine[-1] + 1))
        cols = slice(mine[0], mine[-1] + 1) if together else mine
        part = aggregate_access(per_origin.iloc[:, cols], table, groups=groups)
        summaries.append(part.assign(profile=prof))
    summary = pd.concat(summaries, ignore_index=True)
    return summary[["profile", "area_id", "group", "indicator", "value", "population",
                    "no_access_share"]]  # fmt: skip


def residents_in_cells(
    table: pd.DataFrame,
    node_xy: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    *,
    cell_m: int,
    crs: object,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Residents by grid square (``node, cell_id, pop_total``) and the squares (``grid_cells``)."""
    nodes = table["node"].to_numpy()
    cell_of, grid = grid_cells(node_xy[0][nodes], node_xy[1][nodes], cell_m=cell_m, crs=crs)
    in_cells = pd.DataFrame(
        {"node": nodes, "cell_id": cell_of, "pop_total": table["pop_total"].to_numpy()}
    )
    return in_cells, grid


def with_snap_distance(
    opportunities: gpd.GeoDataFrame, snap_by_profile: dict[str, npt.NDArray[np.float64]]
) -> gpd.GeoDataFrame:
    """Return the opportunities with ``snap_distance_m``, the least over the profiles."""
    opp = opportunities.copy()
    snaps = np.vstack(list(snap_by_profile.values()))
    opp["snap_distance_m"] = np.nanmin(np.where(np.isnan(snaps), np.inf, snaps), axis=0)
    opp.loc[np.isinf(opp["snap_distance_m"]), "snap_distance_m"] = np.nan
    return opp


def few_places(pack: Pack, opportunities: gpd.GeoDataFrame) -> list[str]:
    """Return notes on the categories with fewer than :data:`MIN_PLACES` places.

    Raises
    ------
    DataError
        If there are no opportunities at all.
    """
    if opportunities.empty:
        raise DataError(t("runs.no_requested_opportunities", name=pack.name))
    counts = opportunities["category"].value_counts()
    return [
        t("access.note_few_places", category=category, n=int(n), min=MIN_PLACES)
        for category, n in counts[counts < MIN_PLACES].items()
    ]


def profile_columns(
    result: AccessResult, name: str, opts: AccessOptions
) -> tuple[list[str], dict[str, tuple[str, str]], list[CategoryColumns]]:
    """Columns of one profile's result, their descriptions (sv, en) and its main measures."""
    width = opts.k + len(opts.cutoffs_min) + 1  # per category: k nearest, counts, one decay
    standard = opts.cutoffs_min.index(opts.standard_min)
    own = [f"{c}_{name}" for c in result.column_names(unit="min")]
    descriptions = {
        column: (
            t("access.col_profile", language="sv", text=text, profile=name),
            t("access.col_profile", language="en", text=text, profile=name),
        )
        for column, text in zip(own, result.describe_columns(unit="min").values(), strict=True)
    }
    main = [
        CategoryColumns(
            name, category, nearest=cols[0], count=cols[opts.k + standard], decay=cols[-1]
        )  # fmt: skip
        for j, category in enumerate(result.categories)
        for cols in [own[j * width : (j + 1) * width]]
    ]
    return own, descriptions, main
