"""Compiled kernel of :func:`jamlik.indicators.access.aggregate_access`: sums per area.

One pass over the (indicators × origins) block, no weighted copies of it: for area ``a`` and
indicator ``j``, ``num[a, j] = sum p_i x_ij`` and ``reach[a, j] = sum p_i`` over the rows ``i``
of area ``a`` whose value is defined (not NaN).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["area_sums"]


@numba.njit(cache=True)
def area_sums(columns, weight, codes, n_areas):  # type: ignore[no-untyped-def]  # noqa: D103
    n_ind, n_rows = columns.shape
    num = np.zeros((n_areas, n_ind))
    reach = np.zeros((n_areas, n_ind))
    for j in range(n_ind):  # ``columns`` holds one indicator per row: contiguous passes
        for i in range(n_rows):
            x = columns[j, i]
            if not np.isnan(x):
                a = codes[i]
                num[a, j] += weight[i] * x
                reach[a, j] += weight[i]
    return num, reach
