"""Search seeds in CSR form: graph nodes and the cost between each point and its nodes.

Apart from :mod:`jamlik.networks.snapping` (which makes them from geometries) so that the
engine can take seeds without importing the geometry stack (geopandas, shapely).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Seeds"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Seeds:
    """Search seeds of many points (or polygons) in CSR form.

    Attributes
    ----------
    indptr
        ``int64`` of length ``n_points + 1``.
    node
        ``int64`` GRAPH node number of each seed.
    cost
        ``float64`` cost between the point and the node (seconds, or metres without profile).
    """

    indptr: IntArray
    node: IntArray
    cost: FloatArray

    @property
    def n_points(self) -> int:
        """Number of points (or polygons)."""
        return int(self.indptr.size - 1)

    def of(self, i: int) -> tuple[IntArray, FloatArray]:
        """Return ``(node, cost)`` of point ``i``."""
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.node[lo:hi], self.cost[lo:hi]

    def counts(self) -> IntArray:
        """Return the number of seeds of each point."""
        out: IntArray = np.diff(self.indptr)
        return out
