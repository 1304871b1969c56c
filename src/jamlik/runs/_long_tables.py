"""Long tables of a pack run updated block by block (see :mod:`jamlik.runs.incremental`).

The summary, area and grid tables of :func:`jamlik.runs.access.compute_pack_access` hold one
block of consecutive rows per (profile, group, area or square), in the same order on every
run of the same pack and options. A plan that changes some residents' values changes only the
blocks of their areas (and the whole pack's): those are aggregated again and written over
today's, the others stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from jamlik.indicators.access.aggregate import ALL_AREAS

__all__ = ["Blocks", "expand", "table_blocks", "update_table"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Blocks:
    """Where each (profile, group, area) block of rows of a long table starts, and its length."""

    start: dict[tuple[str, str, str], tuple[int, int]]


def update_table(
    long: pd.DataFrame,
    blocks: Blocks,
    aggregate: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame],
    per_origin: pd.DataFrame,
    rows: pd.DataFrame,
    touched: npt.NDArray[np.bool_],
    id_column: str,
    *,
    whole: bool = True,
) -> pd.DataFrame | None:
    """Return ``long`` with the blocks of the touched areas and the whole pack aggregated anew.

    ``aggregate(values, rows)`` gives the long table of the residents ``rows`` (by
    ``id_column``) from their per-origin ``values``; its blocks replace today's of the same
    (profile, group, area). Every resident of an area with a ``touched`` resident counts
    again; the whole pack's rows are aggregated from every resident under the one area
    ``*``. ``None`` when a block has no counterpart in ``long`` (other areas or columns).
    """
    if not touched.any():
        return long
    ids = rows[id_column].astype(str)
    parts = []
    # Every resident of an area one of whose residents changed.
    mine = rows[ids.isin(set(ids[touched])).to_numpy() & (ids != ALL_AREAS).to_numpy()]
    if len(mine):
        nodes = np.unique(mine["node"].to_numpy())
        part = aggregate(per_origin.iloc[per_origin.index.get_indexer(nodes)], mine)
        parts.append(part[part[id_column] != ALL_AREAS])
    if whole:
        parts.append(aggregate(per_origin, rows.assign(**{id_column: ALL_AREAS})))
    new = pd.concat(parts, ignore_index=True)
    keys, starts, lengths = _block_keys(new, id_column)
    where = [blocks.start.get(key, (-1, -1)) for key in keys]
    if [n for _, n in where] != lengths.tolist():
        return None  # other areas or indicators than today's: aggregated whole instead
    positions = expand(np.array([s for s, _ in where], dtype=np.int64), lengths)
    order = expand(starts, lengths)
    out = long.copy()
    for column in ("value", "population", "no_access_share"):
        values = out[column].to_numpy(copy=True)
        values[positions] = new[column].to_numpy()[order]
        out[column] = values
    return out


def table_blocks(long: pd.DataFrame, id_column: str) -> Blocks:
    """Return the blocks of a long table (``id_column`` names its areas or squares)."""
    keys, starts, lengths = _block_keys(long, id_column)
    where = zip(starts.tolist(), lengths.tolist(), strict=True)
    return Blocks(dict(zip(keys, where, strict=True)))


def _block_keys(
    long: pd.DataFrame, id_column: str
) -> tuple[list[tuple[str, str, str]], IntArray, IntArray]:
    """Return the (profile, group, area) of each block of a long table, its start and length."""
    labels = [long[c].astype(str).to_numpy() for c in ("profile", "group", id_column)]
    same = np.ones(len(long), dtype=bool)  # same block as the row before
    same[:1] = False
    for label in labels:
        same[1:] &= label[1:] == label[:-1]
    starts = np.flatnonzero(~same)
    lengths = np.diff(np.append(starts, len(long)))
    keys = list(zip(*(label[starts].tolist() for label in labels), strict=True))
    return keys, starts, lengths


def expand(starts: IntArray, lengths: IntArray) -> IntArray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without a loop."""
    offset = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out: IntArray = np.repeat(starts, lengths) + offset
    return out
