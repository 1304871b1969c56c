"""Cohesion indicators of a whole data pack (``jamlik cohesion PACK``).

Steps: read the pack's OSM extract, build the walk network, place the residents on the nodes of
the adult walking graph (as :mod:`jamlik.runs.access` does), extract the meeting
places (:data:`DEFAULT_CATEGORIES` of :func:`jamlik.ingest.extract_pois`), then

* **meeting places**: residents (total and per group) within each threshold of every meeting
  place, and per area the share of each group with a meeting place within each threshold
  (:func:`jamlik.routing.network_measures.place_reach`, adult walking speed);
* **connecting pathways**: local betweenness and closeness of every node and street piece
  (:func:`~jamlik.routing.network_measures.local_centrality`, street value = mean of its end nodes),
  detour and barrier index between queen-adjacent areas (when the pack has areas);
* **co-accessibility** at the first threshold between the vulnerable areas (the top-k by the
  vulnerability index of the population year, or a given list) and the other areas.

Rules: travel time runs from the home's node to the meeting place's door (the snap distance
from the street to the door is walked, as in pack access); the distance from homes to their node
is not added. A meeting place mapped as an area (a park) is reached at its edge
(:func:`jamlik.networks.area_seeds`) and drawn at its ``point_on_surface``. Meeting
places farther than ``max_snap_m`` from a usable street are left out (counted in the notes).
A pack without population (no statistics, no cells) gets centrality only (and detours when it
has areas); the notes say so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jamlik.config import profile
from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.indicators.access.aggregate import ALL_AREAS
from jamlik.indicators.cohesion import CoAccess, co_access_shares, co_access_weights
from jamlik.ingest import Pack, extract_pois, read_osm
from jamlik.networks import (
    Graph,
    Residents,
    Seeds,
    build_street_network,
)
from jamlik.routing.network_measures import (
    AreaDetour,
    area_detour,
    local_centrality,
    place_reach,
    street_centrality,
)
from jamlik.runs.inputs import destination_seeds, pack_residents, vulnerable_areas

__all__ = ["CohesionOptions", "PackCohesion", "co_accessibility", "compute_pack_cohesion"]

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
#: Destinations that count as meeting places: community centres, places of worship,
#: marketplaces and commons (``meeting_place``), libraries, parks and playgrounds.
DEFAULT_CATEGORIES: tuple[str, ...] = ("meeting_place", "library", "park", "playground")


def co_accessibility(
    graph: Graph,
    seeds: Seeds,
    *,
    vulnerable_pop: npt.ArrayLike,
    other_pop: npt.ArrayLike,
    threshold: float,
) -> CoAccess:
    """Share of places within ``threshold`` of residents of both sides.

    Sums the residents of each side within reach of every place with
    :func:`~jamlik.routing.network_measures.place_reach` and turns them into shares with
    :func:`~jamlik.indicators.cohesion.co_access_shares` (rules in that module).

    Parameters
    ----------
    graph, seeds
        Routing graph and the places' seeds (costs node -> place); places without seeds are
        left out of every share.
    vulnerable_pop, other_pop
        Residents of each side per graph node.
    threshold
        Cut-off in the graph's cost unit.

    Raises
    ------
    DataError
        If a side has no residents, or the arrays do not match the graph.
    """
    weight = co_access_weights(vulnerable_pop, other_pop)
    if weight.shape[0] != graph.n_nodes:
        raise DataError(t("runs.cohesion_pop_per_node", n_nodes=graph.n_nodes))
    reach, _ = place_reach(graph, seeds, weight, cutoffs=[threshold])
    return co_access_shares(
        reach[:, 0, :],
        snapped=np.diff(seeds.indptr) > 0,
        vulnerable_total=float(weight[:, 2].sum()),
        other_total=float(weight[:, 3].sum()),
        threshold=threshold,
    )


class CohesionOptions(BaseModel):
    """Options of a pack cohesion run (validated, also used by the CLI)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    thresholds_min: tuple[float, ...] = (10.0, 15.0)
    radii_m: tuple[float, ...] = (400.0, 800.0, 1600.0)
    vulnerable_top_k: int = Field(default=3, ge=1)
    vulnerable_areas: tuple[str, ...] | None = None
    profile: str = "adult"
    max_snap_m: float = Field(default=500.0, gt=0)
    year: int | None = None

    @field_validator("thresholds_min", "radii_m")
    @classmethod
    def _positive(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or min(value) <= 0:
            raise ValueError(t("runs.values_positive", value=list(value)))
        return value


@dataclass(frozen=True)
class PackCohesion:
    """Result of :func:`compute_pack_cohesion`.

    Attributes
    ----------
    meeting_places
        One point per meeting place: ``name``, ``area_id``, ``snap_distance_m``,
        ``<group>_<T>min`` residents within ``T`` minutes, and the co-accessibility columns.
    area_access
        Long table ``area_id, group, threshold_min, share, population`` (``area_id == "*"``
        is the whole pack): share of the group's residents with a meeting place within ``T``.
    nodes
        Local centrality per graph node with ``x, y`` (network CRS).
    streets
        Street pieces with the mean centrality of their end nodes.
    detour
        Detours between neighbouring areas, or ``None`` without areas.
    co_access
        Co-accessibility, or ``None`` when it cannot be computed (see ``notes``).
    vulnerable_areas
        The areas taken as vulnerable.
    notes
        Plain-language notes on what was left out or assumed.
    """

    meeting_places: gpd.GeoDataFrame
    area_access: pd.DataFrame
    nodes: pd.DataFrame
    streets: gpd.GeoDataFrame
    detour: AreaDetour | None
    co_access: CoAccess | None
    vulnerable_areas: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def describe_columns(self) -> pd.DataFrame:
        """Return ``column, sv, en``: a description of every indicator column of the outputs."""
        rows: dict[str, tuple[str, str]] = {}

        def add(column: str, key: str, **values: str) -> None:
            rows[column] = (t(key, language="sv", **values), t(key, language="en", **values))

        for column in self.meeting_places.columns:
            within = re.fullmatch(r"(.+)_(\d+(?:_\d+)?)min", column)
            if within:
                minutes = within.group(2).replace("_", ".")
                add(column, "cohesion.col_pop_within", group=within.group(1), minutes=minutes)
            elif column in ("reached_vulnerable", "reached_other", "shared"):
                add(column, f"cohesion.col_{column}")
        for column in self.nodes.columns:
            measure = re.fullmatch(r"(betweenness|closeness|harmonic|reach)_(.+)", column)
            if measure:
                radius = measure.group(2).replace("_", ".").replace("m", " m")
                add(column, f"cohesion.col_{measure.group(1)}", radius=radius)
        for column, (sv, en) in list(rows.items()):
            if column in self.streets.columns:
                rows[f"streets.{column}"] = (
                    t("cohesion.col_street", language="sv", text=sv),
                    t("cohesion.col_street", language="en", text=en),
                )
        add("share", "cohesion.col_share")
        if self.detour is not None:
            add("detour", "cohesion.col_detour")
            add("barrier_index", "cohesion.col_barrier")
        return pd.DataFrame(
            [(c, sv, en) for c, (sv, en) in rows.items()], columns=["column", "sv", "en"]
        )

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary of the run."""
        whole = self.area_access[self.area_access["area_id"] == ALL_AREAS]
        out: dict[str, Any] = {
            "meeting_places": int(len(self.meeting_places)),
            "share_within": {
                f"{row.group}_{row.threshold_min:g}min": float(row.share)
                for row in whole.itertuples()
            },
            "vulnerable_areas": list(self.vulnerable_areas),
            "co_accessibility": None if self.co_access is None else self.co_access.summary,
            "notes": list(self.notes),
        }
        if self.detour is not None:
            top = self.detour.areas.sort_values("barrier_index", ascending=False).head(5)
            out["highest_barrier_index"] = {
                str(k): float(v) for k, v in top["barrier_index"].items()
            }
        return out


def compute_pack_cohesion(
    pack: Pack, *, options: CohesionOptions | None = None, progress: Progress | None = None
) -> PackCohesion:
    """Compute the cohesion indicators of ``pack`` (see the module docstring).

    Parameters
    ----------
    pack
        A loaded pack with an ``[osm]`` extract.
    options
        Thresholds, radii and the vulnerable areas; defaults to :class:`CohesionOptions`.
    progress
        Called as ``progress(step_label, done, total)`` between steps.

    Raises
    ------
    DataError
        If the pack has no OSM extract or the profile is not a walking profile.
    UnknownIdError
        If a given vulnerable area id is not an area of the pack.
    """
    opts = options or CohesionOptions()
    if pack.osm_path is None:
        raise DataError(t("runs.cohesion_needs_osm", name=pack.name))
    prof = profile(opts.profile)
    if prof.mode != "walk":
        raise DataError(t("runs.not_walking_profile", profile=opts.profile))

    def step(label: str, done: int) -> None:
        log.info("%s", label)
        if progress is not None:
            progress(label, done, 4)

    notes: list[str] = []
    step(t("cohesion.step_network"), 0)
    osm = read_osm(pack.osm_path)
    crs = pack.crs.to_string()
    walk = build_street_network(osm, mode="walk", crs=crs)
    graph = walk.to_graph(prof)
    residents = pack_residents(
        pack, walk, graph.node_index, osm=osm, year=opts.year, if_missing="none"
    )
    if residents is not None:
        notes.extend(residents.warnings)
        # The kernels below number nodes as the graph does.
        position = np.full(walk.n_nodes, -1, dtype=np.int64)
        position[graph.node_index] = np.arange(graph.n_nodes)
        table = residents.table.assign(node=position[residents.table["node"].to_numpy()])
        residents = Residents(table, residents.groups, residents.method_by_area, residents.warnings)

    step(t("cohesion.step_meeting_places"), 1)
    places = extract_pois(osm, crs=crs, categories=pack.categories_path)
    places = places[places["category"].isin(opts.categories)].reset_index(drop=True)
    places = gpd.GeoDataFrame(places, geometry="geometry", crs=pack.crs)
    if places.empty:
        notes.append(t("cohesion.note_no_places", categories=", ".join(opts.categories)))
    seeds, snap_m = destination_seeds(walk, graph, places, profile=prof, max_snap_m=opts.max_snap_m)
    unsnapped = int((np.diff(seeds.indptr) == 0).sum())
    if unsnapped:
        notes.append(t("cohesion.note_unsnapped", n=unsnapped, max=f"{opts.max_snap_m:g}"))
    point = shapely.point_on_surface(places.geometry.to_numpy())
    out_places = gpd.GeoDataFrame(
        {
            "category": places["category"],
            "name": places["name"],
            "osm_id": places["osm_id"],
            "snap_distance_m": snap_m,
        },
        geometry=gpd.GeoSeries(point, crs=pack.crs),
        crs=pack.crs,
    )
    if pack.has_areas and not places.empty:
        joined = gpd.sjoin(
            out_places[["geometry"]], pack.areas()[["geometry"]], how="left", predicate="within"
        )
        area_col = joined.columns.difference(["geometry"])[0]
        first = joined[~joined.index.duplicated()]
        out_places["area_id"] = first[area_col].reindex(out_places.index).astype(object)
    area_access = pd.DataFrame(columns=["area_id", "group", "threshold_min", "share", "population"])
    if residents is not None:
        out_places, area_access = _meeting_places(graph, seeds, residents, out_places, opts)

    step(t("cohesion.step_centrality"), 2)
    distance_graph = walk.to_distance_graph()
    nodes = local_centrality(distance_graph, radii_m=opts.radii_m)
    network_node = nodes["network_node"].to_numpy()
    nodes.insert(1, "x", walk.node_x[network_node])
    nodes.insert(2, "y", walk.node_y[network_node])
    streets = street_centrality(walk, nodes.drop(columns=["x", "y"]))
    detour = None
    if pack.has_areas:
        detour = area_detour(walk, pack.areas(), graph=distance_graph)
    else:
        notes.append(t("cohesion.note_no_areas"))

    step(t("cohesion.step_co_access"), 3)
    vulnerable: tuple[str, ...] = ()
    co_access = None
    if residents is not None and pack.has_areas:
        vulnerable = _vulnerable_areas(pack, opts, notes)
    elif residents is None:
        notes.append(t("cohesion.note_no_population"))
    if vulnerable and not places.empty and residents is not None:
        table = residents.table
        side = table["area_id"].astype(str).isin(vulnerable).to_numpy()
        pop = table["pop_total"].to_numpy(dtype=np.float64)
        pos = table["node"].to_numpy()
        v = np.bincount(pos, weights=np.where(side, pop, 0.0), minlength=graph.n_nodes)
        o = np.bincount(pos, weights=np.where(side, 0.0, pop), minlength=graph.n_nodes)
        threshold_s = 60.0 * opts.thresholds_min[0]
        co_access = co_accessibility(
            graph, seeds, vulnerable_pop=v, other_pop=o, threshold=threshold_s
        )
        co_access.summary["threshold_min"] = opts.thresholds_min[0]
        for column in ("reached_vulnerable", "reached_other", "shared"):
            out_places[column] = co_access.places[column].to_numpy()
    return PackCohesion(
        out_places, area_access, nodes, streets, detour, co_access, vulnerable, tuple(notes)
    )


def _meeting_places(
    graph: Graph,
    seeds: Any,
    residents: Residents,
    places: gpd.GeoDataFrame,
    opts: CohesionOptions,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Residents within reach of each place; per-area share with a place within reach."""
    groups = ["pop_total", *residents.groups]
    table = residents.table
    weight = np.zeros((graph.n_nodes, len(groups)))
    np.add.at(weight, table["node"].to_numpy(), table[groups].to_numpy(dtype=np.float64))
    thresholds = sorted(opts.thresholds_min)
    reach, nearest_s = place_reach(graph, seeds, weight, cutoffs=[60.0 * m for m in thresholds])
    places = places.copy()
    for q, minutes in enumerate(thresholds):
        for c, group in enumerate(groups):
            places[f"{group}_{minutes:g}min"] = reach[:, q, c]
    nearest_min = nearest_s[table["node"].to_numpy()] / 60.0
    rows = []
    for area_id, part in _with_whole(table):
        near = nearest_min[part.index.to_numpy()]
        for group in groups:
            pop = part[group].to_numpy(dtype=np.float64)
            total = float(pop.sum())
            for minutes in thresholds:
                within = float(pop[near <= minutes].sum())
                share = within / total if total > 0 else float("nan")
                rows.append((area_id, group, float(minutes), share, total))
    area_access = pd.DataFrame(
        rows, columns=["area_id", "group", "threshold_min", "share", "population"]
    )
    return places, area_access


def _with_whole(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    frame = table.reset_index(drop=True)
    parts = [(ALL_AREAS, frame)]
    parts.extend((str(k), v) for k, v in frame.groupby("area_id", sort=True))
    return parts


def _vulnerable_areas(pack: Pack, opts: CohesionOptions, notes: list[str]) -> tuple[str, ...]:
    ids, found = vulnerable_areas(
        pack, year=opts.year, top_k=opts.vulnerable_top_k, given=opts.vulnerable_areas
    )
    notes.extend(found)
    return ids
