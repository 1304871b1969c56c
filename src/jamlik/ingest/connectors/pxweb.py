"""SCB's Statistikdatabasen through PxWebApi 2: table metadata, split queries, JSON-stat 2.0.

The API (``https://statistikdatabasen.scb.se/api/v2``, documented by SCB and the PxTools
project) answers

* ``GET /config``: the limits of the installation, ``maxDataCells`` (cells per call; 150,000 at
  SCB) and ``maxCallsPerTimeWindow`` per ``timeWindow`` seconds (30 per 10 s at SCB);
* ``GET /tables/{id}/metadata``: the table's variables and value codes, as JSON-stat 2.0;
* ``POST /tables/{id}/data?outputFormat=json-stat2`` with
  ``{"selection": [{"variableCode": ..., "valueCodes": [...]}, ...]}``: the data cube.
  Variables left out of the selection are eliminated (summed) by SCB where the table allows it.

A query larger than ``maxDataCells`` is split (:func:`plan_queries`) into calls that each stay
within it, and the calls go through :class:`~jamlik.ingest.connectors.http.HttpClient` with the
window of calls the installation states. :func:`parse_jsonstat2` turns a JSON-stat 2.0 dataset
(row-major flat ``value`` array, or the sparse object form) into a long table: one column per
dimension (value codes) and ``value`` (NaN where SCB shows ``..`` or null).

Hand-written because no maintained Python package speaks PxWebApi 2 with SCB's limits
(``pyscbwrapper`` and ``pxweb`` target API v1); the JSON-stat decoding is a few lines of numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pandas as pd

from jamlik.i18n import t
from jamlik.ingest.connectors.http import FetchError, HttpClient, RateLimit

__all__ = [
    "ApiLimits",
    "PxWebApi",
    "TableMeta",
    "parse_jsonstat2",
    "plan_queries",
]

Selection = dict[str, list[str]]


@dataclass(frozen=True)
class ApiLimits:
    """Limits an installation states in ``/config``."""

    max_cells: int
    calls: int
    window_s: float


@dataclass(frozen=True)
class TableMeta:
    """Variables of a table: value codes (in table order) and labels, plus provenance."""

    table_id: str
    label: str
    updated: str
    codes: dict[str, list[str]]
    labels: dict[str, dict[str, str]]
    time_variable: str | None

    def check_codes(self, variable: str, wanted: Sequence[str], *, where: str) -> None:
        """Raise a :class:`FetchError` naming ``where`` when a code is not in the table."""
        if variable not in self.codes:
            have = ", ".join(self.codes)
            raise FetchError(
                t("ingest.pxweb.no_variable", table=self.table_id, variable=variable, have=have,
                  where=where)
            )  # fmt: skip
        known = set(self.codes[variable])
        missing = [c for c in wanted if c not in known]
        if missing:
            sample = ", ".join(self.codes[variable][:12])
            raise FetchError(
                t("ingest.pxweb.unknown_codes", table=self.table_id, variable=variable,
                  codes=", ".join(missing), sample=sample, where=where)
            )  # fmt: skip


#: Metadata and data answers are asked again after a day (new years, revisions).
CACHE_AGE_S = 24 * 3600.0
#: SCB's documented limits (``/config``, 2025-2026): used when an installation states none.
SCB_LIMITS = ApiLimits(max_cells=150_000, calls=30, window_s=10.0)


def _categories(dimension: Mapping[str, Any]) -> list[str]:
    index = dimension["category"].get("index")
    if index is None:  # a single category may come with labels only
        return list(dimension["category"]["label"])
    if isinstance(index, list):
        return [str(c) for c in index]
    return [code for code, _ in sorted(index.items(), key=lambda item: item[1])]


def parse_jsonstat2(doc: Mapping[str, Any]) -> pd.DataFrame:
    """Decode a JSON-stat 2.0 dataset into a long table.

    Parameters
    ----------
    doc
        The parsed JSON: ``id`` (dimension ids), ``size``, ``dimension`` (with
        ``category.index`` as object or list) and ``value`` (flat list in row-major order, the
        last dimension varying fastest, or an object ``{"position": value}``).

    Returns
    -------
    pandas.DataFrame
        One row per cell: one text column per dimension holding its value code, ``value``
        (float, NaN for missing) and ``status`` (the cell's symbol, e.g. ``".."``, or empty).
    """
    try:
        ids = [str(i) for i in doc["id"]]
        size = [int(s) for s in doc["size"]]
        dims = [_categories(doc["dimension"][i]) for i in ids]
        raw_values = doc.get("value", [])
    except (KeyError, TypeError, ValueError) as exc:
        raise FetchError(t("ingest.pxweb.not_jsonstat", missing=exc)) from None
    if [len(d) for d in dims] != size:
        raise FetchError(t("ingest.pxweb.sizes", size=size))
    n = math.prod(size)
    values = np.full(n, np.nan)
    if isinstance(raw_values, Mapping):
        for position, value in raw_values.items():
            values[int(position)] = np.nan if value is None else float(value)
    else:
        if len(raw_values) != n:
            raise FetchError(t("ingest.pxweb.values", values=len(raw_values), cells=n))
        values = np.array([np.nan if v is None else float(v) for v in raw_values], dtype=float)
    status = np.full(n, "", dtype=object)
    raw_status = doc.get("status") or {}
    if isinstance(raw_status, Mapping):
        for position, symbol in raw_status.items():
            status[int(position)] = str(symbol)
    elif isinstance(raw_status, list):
        status[:] = [str(s or "") for s in raw_status] if len(raw_status) == n else raw_status[0]
    columns: dict[str, Any] = {}
    for axis, codes in enumerate(dims):
        inner = math.prod(size[axis + 1 :])
        outer = math.prod(size[:axis])
        columns[ids[axis]] = np.tile(np.repeat(np.asarray(codes, dtype=object), inner), outer)
    columns["value"] = values
    columns["status"] = status
    return pd.DataFrame(columns)


def plan_queries(selection: Mapping[str, Sequence[str]], *, max_cells: int) -> list[Selection]:
    """Split ``selection`` into selections of at most ``max_cells`` cells each.

    The variable with the most values is cut into equal chunks, as few as needed, and the
    chunks are split further the same way until every query fits. The union of the queries is
    exactly the original selection, with no cell asked for twice.
    """
    if max_cells < 1:
        raise ValueError(t("ingest.pxweb.max_cells"))
    query: Selection = {k: list(v) for k, v in selection.items()}
    cells = math.prod(len(v) for v in query.values())
    if cells <= max_cells:
        return [query]
    variable = max(query, key=lambda k: len(query[k]))
    values = query[variable]
    rest = cells // len(values)
    per_chunk = 1 if rest > max_cells else max(1, max_cells // rest)
    plans: list[Selection] = []
    for start in range(0, len(values), per_chunk):
        part = {**query, variable: values[start : start + per_chunk]}
        plans += plan_queries(part, max_cells=max_cells)
    return plans


class PxWebApi:
    """Client of one PxWebApi 2 installation (SCB's by default).

    Parameters
    ----------
    client
        The HTTP client (cache, retries, rate limit).
    base_url
        The API root, e.g. ``https://statistikdatabasen.scb.se/api/v2``.
    language
        ``sv`` or ``en`` (labels only; codes are the same).
    fallback
        Limits to respect when ``/config`` does not state them.
    """

    def __init__(
        self,
        client: HttpClient,
        *,
        base_url: str,
        language: str = "sv",
        fallback: ApiLimits = SCB_LIMITS,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.language = language
        self._fallback = fallback
        self._limits: ApiLimits | None = None
        self.retrieved: str | None = None
        self._meta: dict[str, TableMeta] = {}

    def limits(self) -> ApiLimits:
        """Read ``/config`` once and apply its rate limit to the client."""
        if self._limits is None:
            host = httpx.URL(self.base_url).host
            # Respect the documented window from the very first call, /config included.
            fb = self._fallback
            self.client.set_rate_limit(host, RateLimit(fb.calls, fb.window_s))
            doc = self.client.get(f"{self.base_url}/config", use_cache=False).json()
            limits = ApiLimits(
                max_cells=int(doc.get("maxDataCells") or fb.max_cells),
                calls=int(doc.get("maxCallsPerTimeWindow") or fb.calls),
                window_s=float(doc.get("timeWindow") or fb.window_s),
            )
            self.client.set_rate_limit(host, RateLimit(limits.calls, limits.window_s))
            self._limits = limits
        return self._limits

    def metadata(self, table_id: str) -> TableMeta:
        """Return the variables and value codes of ``table_id``."""
        if table_id not in self._meta:
            self.limits()
            got = self.client.get(
                f"{self.base_url}/tables/{table_id}/metadata",
                params={"lang": self.language, "outputFormat": "json-stat2"},
                max_age_s=CACHE_AGE_S,
            )
            self.retrieved = got.retrieved
            doc = got.json()
            try:
                ids = [str(i) for i in doc["id"]]
                codes = {i: _categories(doc["dimension"][i]) for i in ids}
                labels = {
                    i: {str(k): str(v) for k, v in doc["dimension"][i]["category"]["label"].items()}
                    for i in ids
                }
            except (KeyError, TypeError) as exc:
                raise FetchError(t("ingest.pxweb.bad_meta", table=table_id, missing=exc)) from None
            time_ids = (doc.get("role") or {}).get("time") or []
            self._meta[table_id] = TableMeta(
                table_id=table_id,
                label=str(doc.get("label", "")),
                updated=str(doc.get("updated", "")),
                codes=codes,
                labels=labels,
                time_variable=str(time_ids[0]) if time_ids else None,
            )
        return self._meta[table_id]

    def data(self, table_id: str, selection: Mapping[str, Sequence[str]]) -> pd.DataFrame:
        """Fetch ``selection`` of ``table_id`` in as many calls as the cell limit needs.

        Returns the long table of :func:`parse_jsonstat2`, the parts concatenated.
        """
        limits = self.limits()
        frames = []
        for query in plan_queries(selection, max_cells=limits.max_cells):
            payload = {
                "selection": [
                    {"variableCode": variable, "valueCodes": codes}
                    for variable, codes in query.items()
                ]
            }
            got = self.client.post_json(
                f"{self.base_url}/tables/{table_id}/data",
                payload,
                params={"lang": self.language, "outputFormat": "json-stat2"},
                max_age_s=CACHE_AGE_S,
            )
            self.retrieved = got.retrieved
            try:
                frames.append(parse_jsonstat2(got.json()))
            except FetchError as exc:
                raise FetchError(t("ingest.pxweb.table_error", table=table_id, error=exc)) from None
        return pd.concat(frames, ignore_index=True)
