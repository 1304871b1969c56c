"""Vectorised generator of a connected street grid split by a river.

The grid is the backbone of the sample town and of the engine benchmark graphs. Every step is
vectorised numpy (no per-node Python loops), so a million nodes take about a second or two.

How the graph is made
---------------------
1. **Grid.** Integer cells ``(i, j)`` (``i`` grows southwards) inside a superellipse whose four
   half-axes differ per quadrant. The cells are *warped* radially so that blocks are small in the
   centre (``centre_spacing_m``) and larger in the suburbs (``outer_spacing_m``), then jittered.
2. **River.** A meandering band ``|y - y_c(x)| < width/2`` crosses the town from west to east.
   Nodes too close to it are removed; each node gets a ``side`` (+1 north, -1 south).
3. **Spanning tree.** Each cell links to the neighbour one step towards the centre (horizontal or
   vertical, at random). Because the superellipse is monotone in ``|i|`` and ``|j|`` within every
   quadrant, that neighbour always exists, so these links form a spanning tree of the grid.
   Tree links that touch removed nodes or cross the river are dropped.
4. **Bridges.** In a few chosen columns the nodes nearest the river on both banks are joined.
5. **Repair.** The pieces left after step 3 are joined again with the cheapest set of further
   grid links that connects them: a minimum spanning tree (random weights) over the graph whose
   vertices are the pieces and whose edges are the candidate same-bank links. Tree, bridge and
   repair links are the *essential* links: they alone connect every node.
6. **Extras.** Other same-bank grid links are added with a probability that falls from the
   centre (an almost full grid) to the suburbs (tree-like, with dead ends), plus a few diagonals.

Only essential links must stay two-way, step-free streets for the graph to remain strongly
connected for every travel profile; callers may turn extras into one-way streets, footways or
steps freely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Edge kinds stored in :attr:`StreetGrid.kind`.
KIND_TREE = 0
KIND_REPAIR = 1
KIND_BRIDGE = 2
KIND_FOOTBRIDGE = 3
KIND_EXTRA = 4
KIND_DIAGONAL = 5

_SUPERELLIPSE_P = 2.6
_JITTER = 0.2  # share of the local spacing, each axis


@dataclass(frozen=True)
class River:
    """A meandering river band ``|y - centre_y(x)| < width_m / 2`` (local metres)."""

    offset_m: float
    amplitudes_m: tuple[float, float]
    wavelengths_m: tuple[float, float]
    phases: tuple[float, float]
    width_m: float

    def centre_y(self, x: FloatArray) -> FloatArray:
        """Return the y of the centre line at each ``x``."""
        y = np.full_like(x, self.offset_m, dtype=np.float64)
        for amp, wave, phase in zip(
            self.amplitudes_m, self.wavelengths_m, self.phases, strict=True
        ):
            y += amp * np.sin(2.0 * np.pi * x / wave + phase)
        return y


@dataclass(frozen=True)
class StreetGrid:
    """A generated street graph in local metres (origin at the town centre).

    Attributes
    ----------
    x, y
        Node coordinates, metres east and north of the centre.
    row, col
        Grid cell of each node (``row`` grows southwards).
    side
        +1 for nodes north of the river, -1 for nodes south of it.
    rho
        Distance of the node's cell from the centre cell, in cells.
    u, v
        End nodes of each undirected edge (each street segment once).
    kind
        ``KIND_*`` code of each edge.
    river
        The river that splits the grid.
    half_size
        Half the side of the square grid, in cells.
    """

    x: FloatArray
    y: FloatArray
    row: IntArray
    col: IntArray
    side: npt.NDArray[np.int8]
    rho: FloatArray
    u: IntArray
    v: IntArray
    kind: npt.NDArray[np.int8]
    river: River
    half_size: int


def _radius_m(rho: FloatArray, h0: float, h1: float, rho0: float) -> FloatArray:
    """Physical radius of a cell ``rho`` cells from the centre (local spacing h0 -> h1)."""
    return np.asarray(h0 * rho + (h1 - h0) * (rho - rho0 * (1.0 - np.exp(-rho / rho0))))


def local_spacing_m(rho: FloatArray, h0: float, h1: float, rho0: float) -> FloatArray:
    """Radial block size at ``rho`` cells from the centre."""
    return np.asarray(h0 + (h1 - h0) * (1.0 - np.exp(-rho / rho0)))


def _grid_mask(axes: FloatArray, step: int = 1) -> tuple[int, IntArray, IntArray, BoolArray]:
    """Square grid around a superellipse with half-axes ``axes`` (cells; E, W, N, S) and mask.

    ``step > 1`` keeps every ``step``-th row and column only (a sample, for calibration).
    """
    m = int(np.ceil(axes.max())) + 1
    ii, jj = np.meshgrid(np.arange(-m, m + 1, step), np.arange(-m, m + 1, step), indexing="ij")
    ax_east, ax_west, ax_north, ax_south = axes
    ax = np.where(jj >= 0, ax_east, ax_west)
    ay = np.where(ii <= 0, ax_north, ax_south)
    inside = (np.abs(jj) / ax) ** _SUPERELLIPSE_P + (np.abs(ii) / ay) ** _SUPERELLIPSE_P <= 1.0
    return m, ii.ravel().astype(np.int64), jj.ravel().astype(np.int64), inside.ravel()


def _positions(
    ii: IntArray, jj: IntArray, h0: float, h1: float, rho0: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Warped (not jittered) positions of cells and their distance from the centre in cells."""
    gx = jj.astype(np.float64)
    gy = -ii.astype(np.float64)
    rho = np.hypot(gx, gy)
    scale = np.where(rho > 0, _radius_m(rho, h0, h1, rho0) / np.maximum(rho, 1e-12), h0)
    return gx * scale, gy * scale, rho


def _draw_river_shape(rng: np.random.Generator) -> FloatArray:
    """Draw the river's shape as fractions of the town's half width and half height."""
    return np.array(
        [
            -rng.uniform(0.12, 0.22),  # offset of the centre line (south of the centre)
            rng.uniform(0.05, 0.08),  # amplitudes
            rng.uniform(0.01, 0.02),
            rng.uniform(1.4, 1.9),  # wavelengths
            rng.uniform(0.45, 0.6),
            rng.uniform(0, 2 * np.pi),  # phases
            rng.uniform(0, 2 * np.pi),
        ]
    )


def _make_river(shape: FloatArray, x: FloatArray, y: FloatArray, width_m: float) -> River:
    """Scale a river shape to a town whose nodes are at ``x``, ``y``."""
    half_w = float(np.max(np.abs(x)))
    half_h = float(np.max(np.abs(y)))
    return River(
        offset_m=float(shape[0]) * half_h,
        amplitudes_m=(float(shape[1]) * half_h, float(shape[2]) * half_h),
        wavelengths_m=(float(shape[3]) * half_w, float(shape[4]) * half_w),
        phases=(float(shape[5]), float(shape[6])),
        width_m=width_m,
    )


def _keep_probability(rho: FloatArray, rho0: float, p_centre: float, p_outer: float) -> FloatArray:
    """Probability of keeping a non-tree link: a full grid in the centre, sparse outside."""
    return np.asarray(p_outer + (p_centre - p_outer) * np.exp(-((rho / (1.2 * rho0)) ** 2)))


def _components(n: int, u: IntArray, v: IntArray) -> tuple[int, IntArray]:
    adj = sp.coo_matrix((np.ones(u.size, dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
    count, labels = connected_components(adj, directed=False)
    return int(count), labels.astype(np.int64)


def _repair(
    n: int, u: IntArray, v: IntArray, cu: IntArray, cv: IntArray, rng: np.random.Generator
) -> BoolArray:
    """Choose candidate links ``(cu, cv)`` that join all pieces of the graph ``(u, v)``.

    Returns a mask over the candidates: a minimum spanning forest (random weights) of the graph
    whose vertices are the connected pieces of ``(u, v)``.
    """
    count, labels = _components(n, u, v)
    chosen = np.zeros(cu.size, dtype=np.bool_)
    if count == 1 or cu.size == 0:
        return chosen
    la, lb = labels[cu], labels[cv]
    between = np.flatnonzero(la != lb)
    lo = np.minimum(la[between], lb[between])
    hi = np.maximum(la[between], lb[between])
    weight = rng.random(between.size) + 1.0  # strictly positive: zero would read as no edge
    # One candidate per pair of pieces: the lightest.
    order = np.lexsort((weight, hi, lo))
    pair = lo[order] * count + hi[order]
    first = np.ones(order.size, dtype=np.bool_)
    first[1:] = pair[1:] != pair[:-1]
    keep = order[first]
    graph = sp.coo_matrix((weight[keep], (lo[keep], hi[keep])), shape=(count, count)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    tree_pair = np.asarray(tree.row, dtype=np.int64) * count + np.asarray(tree.col, dtype=np.int64)
    keep_pair = lo[keep] * count + hi[keep]
    sorter = np.argsort(keep_pair)
    pos = sorter[np.searchsorted(keep_pair, tree_pair, sorter=sorter)]
    chosen[between[keep[pos]]] = True
    return chosen


def build_street_grid(
    *,
    n_nodes: int,
    rng: np.random.Generator,
    centre_spacing_m: float = 70.0,
    outer_spacing_m: float = 115.0,
    centre_radius_cells: float = 12.0,
    river_width_m: float = 35.0,
    river_margin_m: float = 18.0,
    bridge_columns: IntArray | None = None,
    footbridge_columns: IntArray | None = None,
    bridge_every_cells: int = 0,
    p_keep_centre: float = 0.95,
    p_keep_outer: float = 0.3,
    p_diagonal: float = 0.04,
    diagonal_ring: tuple[float, float] = (1.0, 2.2),
    force_lines_every: int = 0,
) -> StreetGrid:
    """Generate a connected street grid of about ``n_nodes`` nodes.

    Parameters
    ----------
    n_nodes
        Target number of nodes; the result is within a few per cent of it.
    rng
        Random generator; the same state gives the same grid.
    centre_spacing_m, outer_spacing_m, centre_radius_cells
        Block size in the centre and in the suburbs, and how fast (in cells) it grows.
    river_width_m, river_margin_m
        Width of the river and the free strip between it and the nearest node.
    bridge_columns, footbridge_columns
        Grid columns (``j``, 0 = centre) where a road bridge / footbridge crosses the river.
    bridge_every_cells
        If > 0, add a road bridge every that many columns (random start) as well.
    p_keep_centre, p_keep_outer, p_diagonal
        Probability of keeping a non-tree link in the centre and in the suburbs, and of a
        diagonal in a block of the middle ring.
    diagonal_ring
        Diagonals are drawn only in blocks between these distances from the centre, in units
        of ``centre_radius_cells``.
    force_lines_every
        If > 0, every grid row and column ``k * force_lines_every`` (and the centre row and
        column) is kept whole: these become the main roads.
    """
    h0, h1, rho0 = centre_spacing_m, outer_spacing_m, centre_radius_cells
    axes = rng.uniform(0.78, 1.0, size=4)
    shape = _draw_river_shape(rng)
    clear = (river_width_m / 2.0 + river_margin_m) / 0.9
    # Calibrate the grid size on the cells left by the mask and the river (without jitter).
    axes *= np.sqrt(n_nodes / 3.3)
    # Large grids are calibrated on a sample of rows and columns (about 60 000 cells).
    step = max(1, int(np.sqrt(n_nodes / 60_000)))
    for _ in range(5):
        m, ii, jj, inside = _grid_mask(axes, step)
        px, py, rho = _positions(ii, jj, h0, h1, rho0)
        river = _make_river(shape, px[inside], py[inside], river_width_m)
        dry = np.abs(py - river.centre_y(px)) >= clear
        count = max(1.0, float(np.count_nonzero(inside & dry)) * step**2)
        axes *= np.sqrt(n_nodes / count)
    m, ii, jj, inside = _grid_mask(axes)
    width = 2 * m + 1
    px, py, rho = _positions(ii, jj, h0, h1, rho0)
    river = _make_river(shape, px[inside], py[inside], river_width_m)

    spacing = local_spacing_m(rho, h0, h1, rho0)
    jitter = rng.uniform(-_JITTER, _JITTER, size=(2, ii.size)) * spacing
    x = px + jitter[0]
    y = py + jitter[1]
    dy = y - river.centre_y(x)
    # ``clear`` is a vertical clearance; /0.9 makes it at least the wanted perpendicular one.
    alive = inside & (np.abs(dy) >= clear)
    side = np.where(dy > 0, 1, -1).astype(np.int8)

    # Spanning tree towards the centre cell.
    step_i = -np.sign(ii)
    step_j = -np.sign(jj)
    # Outside the centre, patches of about 5 x 5 cells lean one way (90 % of tree links run
    # horizontally, or vertically), giving long streets with side streets and dead ends, as in
    # suburbs. In the centre the choice is even, and the extra links below fill the grid.
    patch = (np.floor_divide(ii + m, 5) * 7919 + np.floor_divide(jj + m, 5)) % 1_000_003
    patch_vertical = rng.random(int(patch.max()) + 1) < 0.5
    p_vertical = np.where(rho < rho0, 0.5, np.where(patch_vertical[patch], 0.9, 0.1))
    go_vertical = np.where(
        (step_i != 0) & (step_j != 0), rng.random(ii.size) < p_vertical, step_i != 0
    )
    parent = np.where(
        go_vertical, (ii + step_i + m) * width + (jj + m), (ii + m) * width + (jj + step_j + m)
    )
    flat = np.arange(ii.size, dtype=np.int64)
    parent[(ii == 0) & (jj == 0)] = -1

    # Candidate grid links (east and south neighbours), same bank, both ends alive.
    east = flat[(jj < m)]
    south = flat[(ii < m)]
    ca = np.concatenate([east, south])
    cb = np.concatenate([east + 1, south + width])
    ok = alive[ca] & alive[cb] & (side[ca] == side[cb])
    horizontal = np.concatenate([np.ones(east.size, np.bool_), np.zeros(south.size, np.bool_)])
    ca, cb, horizontal = ca[ok], cb[ok], horizontal[ok]
    if force_lines_every > 0:
        line = np.where(horizontal, ii[ca], jj[ca])
        forced = line % force_lines_every == 0
    else:
        line = np.where(horizontal, ii[ca], jj[ca])
        forced = line == 0
    is_tree = (parent[ca] == cb) | (parent[cb] == ca)

    # Bridges: nodes nearest the river on each bank in the chosen columns.
    cols = [] if bridge_columns is None else list(np.asarray(bridge_columns))
    if bridge_every_cells > 0:
        start = int(rng.integers(0, bridge_every_cells))
        cols += list(range(-m + start, m + 1, bridge_every_cells))
    foot = [] if footbridge_columns is None else list(np.asarray(footbridge_columns))
    b_u, b_v, b_kind = [], [], []
    for col_list, kind in ((cols, KIND_BRIDGE), (foot, KIND_FOOTBRIDGE)):
        for j in sorted({int(c) for c in col_list}):
            in_col = flat[(jj == j) & alive]
            north = in_col[side[in_col] > 0]
            south_b = in_col[side[in_col] < 0]
            if north.size == 0 or south_b.size == 0:
                continue
            b_u.append(int(north[np.argmax(ii[north])]))
            b_v.append(int(south_b[np.argmin(ii[south_b])]))
            b_kind.append(kind)
    bu = np.asarray(b_u, dtype=np.int64)
    bv = np.asarray(b_v, dtype=np.int64)

    # Compact numbering of the alive nodes.
    new_id = np.full(ii.size, -1, dtype=np.int64)
    alive_idx = flat[alive]
    new_id[alive_idx] = np.arange(alive_idx.size)
    n = alive_idx.size
    ca, cb, bu, bv = new_id[ca], new_id[cb], new_id[bu], new_id[bv]

    tu, tv = ca[is_tree], cb[is_tree]
    eu = np.concatenate([tu, bu])
    ev = np.concatenate([tv, bv])
    rest_u, rest_v, rest_forced = ca[~is_tree], cb[~is_tree], forced[~is_tree]
    repaired = _repair(n, eu, ev, rest_u, rest_v, rng)

    rho_alive = rho[alive_idx]
    mid_rho = 0.5 * (rho_alive[rest_u] + rho_alive[rest_v])
    p_keep = _keep_probability(mid_rho, rho0, p_keep_centre, p_keep_outer)
    extra = ~repaired & ((rng.random(rest_u.size) < p_keep) | rest_forced)

    # Diagonals in the middle ring: one per chosen block, orientation at random.
    ia, ja = ii[alive_idx], jj[alive_idx]
    sa = side[alive_idx]
    cell = alive_idx  # flat ids of alive nodes = north-west corners of blocks
    ok_cell = (ia < m) & (ja < m)
    nw = cell[ok_cell]
    ne, sw, se = nw + 1, nw + width, nw + width + 1
    all_alive = alive[ne] & alive[sw] & alive[se]
    nw, ne, sw, se = nw[all_alive], ne[all_alive], sw[all_alive], se[all_alive]
    same = (side[nw] == side[ne]) & (side[nw] == side[sw]) & (side[nw] == side[se])
    ring = (rho[nw] > diagonal_ring[0] * rho0) & (rho[nw] < diagonal_ring[1] * rho0)
    pick = same & ring & (rng.random(nw.size) < p_diagonal)
    flip = rng.random(nw.size) < 0.5
    du = np.where(flip, ne, nw)[pick]
    dv = np.where(flip, sw, se)[pick]
    du, dv = new_id[du], new_id[dv]
    del sa, ia, ja

    u = np.concatenate([tu, bu, rest_u[repaired], rest_u[extra], du])
    v = np.concatenate([tv, bv, rest_v[repaired], rest_v[extra], dv])
    kind = np.concatenate(
        [
            np.full(tu.size, KIND_TREE, dtype=np.int8),
            np.asarray(b_kind, dtype=np.int8),
            np.full(int(repaired.sum()), KIND_REPAIR, dtype=np.int8),
            np.full(int(extra.sum()), KIND_EXTRA, dtype=np.int8),
            np.full(du.size, KIND_DIAGONAL, dtype=np.int8),
        ]
    )

    # Keep the largest connected piece (pockets cut off by the river and the town edge).
    count, labels = _components(n, u, v)
    if count > 1:
        big = int(np.argmax(np.bincount(labels)))
        keep_node = labels == big
        renum = np.cumsum(keep_node) - 1
        keep_edge = keep_node[u]
        u, v, kind = renum[u[keep_edge]], renum[v[keep_edge]], kind[keep_edge]
        alive_idx = alive_idx[keep_node]
    return StreetGrid(
        x=x[alive_idx],
        y=y[alive_idx],
        row=ii[alive_idx],
        col=jj[alive_idx],
        side=side[alive_idx],
        rho=rho[alive_idx],
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        kind=kind,
        river=river,
        half_size=m,
    )
