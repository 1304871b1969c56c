"""Compiled kernel of :func:`jamlik.indicators.access.aggregate_access`: sums per area.

One pass over the (origins × indicators) block as it lies in memory, no weighted copies of it:
for area ``a`` and indicator ``j``, ``num[a, j] = sum p_i x_ij`` and ``reach[a, j] = sum p_i``
over the rows ``i`` of area ``a`` (``codes[i] == a``) whose value is defined (not NaN). Rows
are added in their order; a column-major block (a pandas frame's own layout) is read down each
column into one short array of the areas' sums, a row-major block along each row.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["area_sums"]


@numba.njit(cache=True)
def area_sums(values, weight, codes, n_areas, by_column):  # type: ignore[no-untyped-def]  # noqa: D103
    n_rows, n_ind = values.shape
    num = np.zeros((n_areas, n_ind))
    reach = np.zeros((n_areas, n_ind))
    if by_column:
        column_num = np.zeros(n_areas)
        column_reach = np.zeros(n_areas)
        for j in range(n_ind):
            column_num[:] = 0.0
            column_reach[:] = 0.0
            for i in range(n_rows):
                x = values[i, j]
                if not np.isnan(x):
                    column_num[codes[i]] += weight[i] * x
                    column_reach[codes[i]] += weight[i]
            num[:, j] = column_num
            reach[:, j] = column_reach
    else:
        for i in range(n_rows):
            row_num = num[codes[i]]
            row_reach = reach[codes[i]]
            w = weight[i]
            for j in range(n_ind):
                x = values[i, j]
                if not np.isnan(x):
                    row_num[j] += w * x
                    row_reach[j] += w
    return num, reach
