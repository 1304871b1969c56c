"""Edits of a street network for plans: new links joined to existing nodes, closed streets.

Node numbers never change (links join existing nodes, closures drop pieces only), so residents,
seeds and results of a plan line up with today's node by node.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from jamlik.errors import DataError
from jamlik.i18n import t
from jamlik.networks.streets import StreetNetwork

__all__ = ["LINK_HIGHWAY", "NewLink", "close_streets", "nearest_nodes", "with_links"]

#: ``street_highway`` of a link that a plan adds (it has no OSM way: way id -1).
LINK_HIGHWAY = "planned_link"


@dataclasses.dataclass(frozen=True)
class NewLink:
    """A planned link in the network's CRS: its line and whether each direction is open."""

    name: str
    line: shapely.LineString
    forward: bool = True
    backward: bool = True


def nearest_nodes(
    network: StreetNetwork, x: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Nearest node of the network to each point, and the distance to it (metres)."""
    tree = cKDTree(np.column_stack([network.node_x, network.node_y]))
    distance, index = tree.query(np.column_stack([np.asarray(x), np.asarray(y)]))
    return np.asarray(index, dtype=np.int64), np.asarray(distance, dtype=np.float64)


def with_links(
    network: StreetNetwork, links: Sequence[NewLink], *, max_snap_m: float = 50.0
) -> StreetNetwork:
    """Return ``network`` with each link as a street piece between the nodes nearest its ends.

    The piece's length is the line's length in the network's CRS (the short joins from the
    line's ends to the nodes are not added: they are the snapping tolerance).

    Raises
    ------
    DataError
        If an end lies farther than ``max_snap_m`` from every node (the message names the link),
        or both ends join the same node.
    """
    if not links:
        return network
    n = len(links)
    # First points, then last points, in one query of one tree.
    ends = np.array([link.line.coords[i][:2] for i in (0, -1) for link in links])
    node, distance = nearest_nodes(network, ends[:, 0], ends[:, 1])
    u, v, du, dv = node[:n], node[n:], distance[:n], distance[n:]
    for i, link in enumerate(links):
        for which, distance in ((t("networks.first"), du[i]), (t("networks.last"), dv[i])):
            if distance > max_snap_m:
                raise DataError(
                    t(
                        "networks.link_far_from_street",
                        name=link.name,
                        which=which,
                        distance=f"{distance:.0f}",
                        mode=network.mode,
                        max_snap_m=f"{max_snap_m:.0f}",
                    )
                )
        if u[i] == v[i]:
            raise DataError(t("networks.link_same_node", name=link.name))
    extra: dict[str, Any] = {
        "street_u": u,
        "street_v": v,
        "street_length_m": np.array([link.line.length for link in links]),
        "street_forward": np.array([link.forward for link in links]),
        "street_backward": np.array([link.backward for link in links]),
        "street_steps": np.zeros(n, dtype=bool),
        "street_highway": np.array([LINK_HIGHWAY] * n, dtype=object),
        "street_osm_way_id": np.full(n, -1, dtype=np.int64),
        "street_geometry": np.array([link.line for link in links], dtype=object),
    }
    changes = {
        name: np.concatenate([getattr(network, name), values]) for name, values in extra.items()
    }
    if network.street_across_area is not None:
        changes["street_across_area"] = np.concatenate(
            [network.street_across_area, np.zeros(n, dtype=bool)]
        )
    return dataclasses.replace(network, **changes)


def close_streets(network: StreetNetwork, closed: npt.ArrayLike) -> StreetNetwork:
    """Return ``network`` without the street pieces where ``closed`` is true."""
    drop = np.asarray(closed, dtype=bool)
    if drop.shape != (network.n_streets,):
        raise DataError(t("networks.closed_flags", n_streets=network.n_streets))
    if not drop.any():
        return network
    keep = ~drop
    names = [f.name for f in dataclasses.fields(network) if f.name.startswith("street_")]
    changes = {
        name: getattr(network, name)[keep] for name in names if getattr(network, name) is not None
    }
    return dataclasses.replace(network, **changes)
