"""Network measures of cohesion: local centrality, reach of places, detours between areas.

Connecting pathways (sammanlänkande stråk) are measured by local centrality and by detours
between areas; meeting places by the residents within reach of each place (:func:`place_reach`,
whose sums :mod:`jamlik.indicators.cohesion` turns into co-accessibility shares). These are
compiled graph searches, so they live with the other searches in :mod:`jamlik.routing`.

Local centrality (:func:`local_centrality`)
    For a radius ``r`` (metres along the network) only pairs of nodes at most ``r`` apart count,
    as in cityseer and momepy's local measures (Sevtsuk & Mekonnen 2012; Porta et al. 2006):

    * betweenness ``B_r(v) = sum_{s != v != t, d(s,t) <= r} sigma_st(v) / sigma_st`` over
      **ordered** pairs (``sigma_st`` = number of shortest paths, ``sigma_st(v)`` = those through
      ``v``; Brandes 2001). Not normalised: it counts pairs. On a two-way (walk) network each
      unordered pair is counted twice, i.e. it is twice networkx's undirected
      ``betweenness_centrality(normalized=False)`` when ``r`` exceeds every distance;
    * reach ``N_r(s) = #{t != s : d(s,t) <= r}``, farness ``F_r(s) = sum d(s,t)`` over those
      ``t``, closeness ``C_r(s) = N_r(s) / F_r(s)`` (1 / mean distance, in 1/m; NaN when
      nothing is in reach) and harmonic closeness ``H_r(s) = sum 1 / d(s,t)`` (1/m);
      distances are measured *from* ``s``.

    All radii come from one bounded Dijkstra search per source (the largest radius), with a
    dependency accumulation per radius.

Detour between neighbouring areas (:func:`area_detour`)
    For each pair of queen-adjacent areas (polygons sharing at least a point), the detour
    index is ``network distance / straight-line distance`` between the areas' representative
    nodes (the graph node inside the area nearest to its ``point_on_surface``; the nearest node
    anywhere when no node lies inside); on a directed graph the network distance is the mean of
    both directions. The **barrier index** of an area is the mean detour to its neighbours: a
    river or railway crossed only at a few places shows up as a high value.

Reach of places (:func:`place_reach`)
    Residents (or any node weight) within each cut-off of every place, from one bounded
    search per place on the reversed graph.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. *Journal of Mathematical
Sociology* 25(2), 163-177.
Porta, S., Crucitti, P. & Latora, V. (2006). The network analysis of urban streets: a primal
approach. *Environment and Planning B* 33(5), 705-725.
Sevtsuk, A. & Mekonnen, M. (2012). Urban network analysis. *Revue internationale de
géomatique* 22(2), 287-305.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from jamlik.errors import DataError, EmptyNetworkError
from jamlik.i18n import format_number, t
from jamlik.networks import Graph, Seeds, StreetNetwork
from jamlik.routing import _network_kernels as kernels

__all__ = [
    "AreaDetour",
    "area_detour",
    "local_centrality",
    "place_reach",
    "street_centrality",
]

log = logging.getLogger(__name__)
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

DEFAULT_RADII_M: tuple[float, ...] = (400.0, 800.0, 1600.0)
MEASURES = ("betweenness", "closeness", "harmonic", "reach")
#: Path lengths closer than this (metres) are equally short: float rounding, not geometry.
TIE_M = 1e-9
_CHUNK = 2048


def _radii(radii_m: Sequence[float]) -> FloatArray:
    radii = np.asarray(sorted({float(r) for r in radii_m}), dtype=np.float64)
    if radii.size == 0 or not np.all(np.isfinite(radii)) or radii[0] <= 0:
        raise DataError(t("routing.radii_positive", value=list(radii_m)))
    return radii


def _label(radius: float) -> str:
    return f"{radius:g}".replace(".", "_") + "m"


def local_centrality(
    graph: Graph, *, radii_m: Sequence[float] = DEFAULT_RADII_M, progress: Progress | None = None
) -> pd.DataFrame:
    """Betweenness, closeness, harmonic closeness and reach within each radius.

    ``B_r(v) = sum_{s != v != t, d(s,t) <= r} sigma_st(v) / sigma_st`` (ordered pairs, not
    normalised), ``C_r(s) = N_r(s) / sum_{t: d(s,t) <= r} d(s,t)``,
    ``H_r(s) = sum_{t: 0 < d(s,t) <= r} 1 / d(s,t)``, ``N_r(s) = #{t != s: d(s,t) <= r}``
    (Brandes 2001; Sevtsuk & Mekonnen 2012); see the module docstring.

    Two paths whose lengths differ by at most :data:`TIE_M` (1e-9 m) are equally short: on
    real networks routes round a block sum the same lengths in another order and differ by
    rounding only.

    Parameters
    ----------
    graph
        Street graph; distances are its edge **lengths** (``Graph.length_m``), whatever its
        cost is, and must be positive.
    radii_m
        Radii in metres along the network.
    progress
        Called as ``progress(done_sources, total_sources)``.

    Returns
    -------
    pandas.DataFrame
        Index ``node`` (graph node), column ``network_node`` (``Graph.node_index``) and
        ``<measure>_<r>m`` for each measure of :data:`MEASURES` and radius.

    Raises
    ------
    DataError
        If a radius is not positive or an edge length is not positive.
    """
    radii = _radii(radii_m)
    length = np.ascontiguousarray(graph.length_m, dtype=np.float64)
    bad = np.flatnonzero(~(length > TIE_M) | ~np.isfinite(length))
    if bad.size:
        src = graph.edge_sources()[bad[0]]
        raise DataError(
            t(
                "routing.edge_length_not_positive",
                name=graph.name,
                size=format_number(bad.size),
                src=src,
                indices=graph.indices[bad[0]],
            )
        )
    n, n_r, m = graph.n_nodes, radii.size, graph.n_edges
    out = {name: np.zeros((n, n_r)) for name in ("b", "f", "h", "n")}
    sums = kernels.Centrality(out["b"], out["f"], out["h"], out["n"])
    space = kernels.search_space(n, m + 1)
    brandes = kernels.Brandes(
        np.zeros(n),
        np.zeros((n, n_r)),
        np.full(n, -1, dtype=np.int64),
        np.empty(m + 1, dtype=np.int64),
        np.empty(m + 1, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )
    csr = kernels.Csr(graph.indptr, graph.indices, length)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        kernels.local_centrality(csr, radii, TIE_M, start, stop, sums, space, brandes)
        if progress is not None:
            progress(stop, n)
    columns: dict[str, object] = {"network_node": graph.node_index}
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(out["n"] > 0, out["n"] / out["f"], np.nan)
    for q, radius in enumerate(radii):
        label = _label(radius)
        columns[f"betweenness_{label}"] = out["b"][:, q]
        columns[f"closeness_{label}"] = closeness[:, q]
        columns[f"harmonic_{label}"] = out["h"][:, q]
        columns[f"reach_{label}"] = out["n"][:, q].astype(np.int64)
    log.info(t("routing.centrality_progress", n=format_number(n), value=list(radii)))
    return pd.DataFrame(columns, index=pd.RangeIndex(n, name="node"))


def street_centrality(network: StreetNetwork, centrality: pd.DataFrame) -> gpd.GeoDataFrame:
    """Centrality per street piece: the **mean of its two end nodes'** values.

    Parameters
    ----------
    network
        The street network the graph was built from.
    centrality
        Output of :func:`local_centrality` (with ``network_node``).

    Returns
    -------
    geopandas.GeoDataFrame
        :meth:`StreetNetwork.streets_frame` with every centrality column added; NaN for pieces
        with an end outside the graph.
    """
    if "network_node" not in centrality.columns:
        raise DataError(t("routing.centrality_no_node_column"))
    streets = network.streets_frame()
    values = centrality.drop(columns="network_node")
    full = np.full((network.n_nodes, values.shape[1]), np.nan)
    full[centrality["network_node"].to_numpy()] = values.to_numpy(dtype=np.float64)
    mean = (full[network.street_u] + full[network.street_v]) / 2.0
    for i, column in enumerate(values.columns):
        streets[column] = mean[:, i]
    return streets


def place_reach(
    graph: Graph,
    seeds: Seeds,
    node_weight: npt.ArrayLike,
    *,
    cutoffs: Sequence[float],
) -> tuple[FloatArray, FloatArray]:
    """Weights within each cut-off of every place, and each node's cost to the nearest place.

    ``reach[j, q, c] = sum_u w[u, c] * [cost(u -> j) <= T_q]`` where ``cost(u -> j)`` is the
    least cost from node ``u`` over the graph and then from a seed node of place ``j`` to the
    place (the seed cost, e.g. the walk from the street to the door).

    Parameters
    ----------
    graph
        Routing graph (cost in seconds for a profile).
    seeds
        Seeds of the places, costs node -> place (``point_seeds(..., towards=True)``).
    node_weight
        ``(n_nodes, n_columns)`` weights per graph node (residents, node counts, ...).
    cutoffs
        Cut-offs in the graph's cost unit.

    Returns
    -------
    reach, nearest
        ``(n_places, n_cutoffs, n_columns)`` sums (cut-offs ascending) and ``(n_nodes,)``
        least cost to any place (``inf`` beyond the largest cut-off).
    """
    weight = np.ascontiguousarray(node_weight, dtype=np.float64)
    if weight.ndim != 2 or weight.shape[0] != graph.n_nodes:
        raise DataError(t("routing.node_weight_shape", n_nodes=graph.n_nodes, shape=weight.shape))
    if np.any(~np.isfinite(weight)) or np.any(weight < 0):
        raise DataError(t("routing.node_weights_finite"))
    cuts = np.asarray(sorted(float(c) for c in cutoffs), dtype=np.float64)
    if cuts.size == 0 or cuts[0] <= 0:
        raise DataError(t("routing.cutoffs_positive_only", value=list(cutoffs)))
    if seeds.node.size and (seeds.node.min() < 0 or seeds.node.max() >= graph.n_nodes):
        raise DataError(t("routing.seed_outside"))
    rev = graph.reversed()
    n = graph.n_nodes
    reach = np.zeros((seeds.n_points, cuts.size, weight.shape[1]))
    nearest = np.full(n, np.inf)
    size = graph.n_edges + max(int(seeds.node.size), 1)
    kernels.place_reach(
        kernels.Csr(rev.indptr, rev.indices, np.ascontiguousarray(rev.cost)),
        kernels.SeedSet(
            seeds.indptr, seeds.node, np.ascontiguousarray(seeds.cost, dtype=np.float64)
        ),
        weight,
        cuts,
        reach,
        nearest,
        kernels.search_space(n, size),
    )
    return reach, nearest


@dataclass(frozen=True)
class AreaDetour:
    """Detours between queen-adjacent areas.

    Attributes
    ----------
    pairs
        ``area_a, area_b, straight_m, network_m, detour`` (``inf`` detour: not connected
        within the search limit; NaN when both areas share their representative node).
    areas
        Index ``area_id``: ``node`` (network node), ``node_inside``, ``n_neighbours``,
        ``barrier_index`` (mean finite detour to the neighbours), ``max_detour``.
    """

    pairs: pd.DataFrame
    areas: pd.DataFrame


def area_detour(
    network: StreetNetwork,
    areas: gpd.GeoDataFrame,
    *,
    graph: Graph | None = None,
    max_detour: float = 10.0,
) -> AreaDetour:
    """Detour index between neighbouring areas and the barrier index of each area.

    ``detour(a, b) = d_net(n_a, n_b) / |n_a - n_b|`` for queen-adjacent areas ``a, b`` with
    representative nodes ``n_a, n_b``; ``barrier(a) = mean_b detour(a, b)`` (module docstring).

    Parameters
    ----------
    network
        Street network (its node coordinates).
    areas
        Area polygons in the network's CRS; the index is the area id.
    graph
        Graph to measure on (default ``network.to_distance_graph()``); distances are its
        edge lengths.
    max_detour
        Each pair's search stops at ``max_detour`` times its straight distance; a pair not
        connected within it gets an infinite detour.

    Raises
    ------
    DataError
        If there are fewer than two areas, the CRS differs or an area has no polygon.
    """
    if len(areas) < 2:
        raise DataError(t("routing.area_detour_two_areas", n=format_number(len(areas))))
    if areas.crs is None or not areas.crs.equals(network.crs):
        raise DataError(t("routing.areas_crs", crs=areas.crs, crs2=network.crs))
    geoms = areas.geometry.to_numpy()
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    if empty.any():
        raise DataError(
            t("routing.area_no_geometry", index=areas.index[int(np.flatnonzero(empty)[0])])
        )
    g = graph if graph is not None else network.to_distance_graph()
    x, y = network.node_x[g.node_index], network.node_y[g.node_index]
    node, inside = _representative_nodes(geoms, x, y)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    straight = np.hypot(x[node[a]] - x[node[b]], y[node[a]] - y[node[b]])
    ab, ba = _pair_distances(g, node, a, b, max_detour * straight)
    network_m = (ab + ba) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        detour = np.where(straight > 0, network_m / straight, np.nan)
    ids = areas.index.astype(str).to_numpy()
    pairs = pd.DataFrame(
        {
            "area_a": ids[a],
            "area_b": ids[b],
            "straight_m": straight,
            "network_m": network_m,
            "detour": detour,
        }
    )
    both = pd.DataFrame(
        {"area_id": np.concatenate([ids[a], ids[b]]), "detour": np.concatenate([detour, detour])}
    )
    finite = both[np.isfinite(both["detour"])]
    per_area = pd.DataFrame(
        {"node": g.node_index[node], "node_inside": inside}, index=pd.Index(ids, name="area_id")
    )
    per_area["n_neighbours"] = both.groupby("area_id").size().reindex(ids, fill_value=0)
    per_area["barrier_index"] = finite.groupby("area_id")["detour"].mean().reindex(ids)
    per_area["max_detour"] = finite.groupby("area_id")["detour"].max().reindex(ids)
    return AreaDetour(pairs=pairs, areas=per_area)


def _pair_distances(
    g: Graph, node: IntArray, a: IntArray, b: IntArray, limit: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Network distances ``node[a] -> node[b]`` and back, ``inf`` beyond each pair's limit.

    One bounded search per area, up to the largest limit of its pairs.
    """
    m = a.size
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    lim = np.concatenate([limit, limit])
    order = np.argsort(src, kind="stable")
    src, dst, lim = src[order], dst[order], lim[order]
    areas, first = np.unique(src, return_index=True)
    group_indptr = np.append(first, src.size).astype(np.int64)
    max_cost = np.maximum.reduceat(lim, first) if src.size else np.zeros(0)
    size = g.n_edges + 1
    found = np.empty(src.size)
    kernels.group_distances(
        kernels.Csr(g.indptr, g.indices, np.ascontiguousarray(g.length_m)),
        node[areas],
        group_indptr,
        node[dst],
        max_cost,
        found,
        kernels.search_space(g.n_nodes, size),
    )
    out = np.empty(src.size)
    out[order] = np.where(found <= lim, found, np.inf)
    return out[:m], out[m:]


def _representative_nodes(
    geoms: npt.NDArray[np.object_], x: FloatArray, y: FloatArray
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Graph node inside each polygon nearest to its ``point_on_surface`` (else nearest)."""
    if x.size == 0:
        raise EmptyNetworkError(t("routing.graph_no_nodes"))
    rep = shapely.point_on_surface(geoms)
    rx, ry = shapely.get_x(rep), shapely.get_y(rep)
    _, nearest = cKDTree(np.column_stack([x, y])).query(np.column_stack([rx, ry]))
    node = np.asarray(nearest, dtype=np.int64)
    inside = np.zeros(len(geoms), dtype=bool)
    points = shapely.points(x, y)
    area_i, node_i = shapely.STRtree(points).query(geoms, predicate="contains")
    if area_i.size:
        d = np.hypot(x[node_i] - rx[area_i], y[node_i] - ry[area_i])
        order = np.lexsort((d, area_i))
        first = np.ones(order.size, dtype=bool)
        first[1:] = area_i[order][1:] != area_i[order][:-1]
        best = order[first]
        node[area_i[best]] = node_i[best]
        inside[area_i[best]] = True
    return node, inside
