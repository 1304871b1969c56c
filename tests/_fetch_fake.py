"""A fake SCB (PxWebApi 2 + WFS) and Trafiklab for the fetch tests, on respx.

Metadata and geodata answers are the recorded files in ``fixtures/recorded``; a data answer is
built from the POSTed selection as SCB builds it (JSON-stat 2.0, dimensions in the table's
order, row-major values) with the deterministic cell values of :func:`cell_value`, so a test
can compute every expected figure independently from the same function.
"""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path
from typing import Any

import httpx
import respx

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
SCB = "https://scb.example.test/api/v2"
WFS = "https://geodata.example.test/geoserver/stat/wfs"
GTFS = "https://gtfs.example.test/gtfs/{operator}/{operator}.zip"
#: Cells SCB shows as ".." in the fake (table, region) pairs.
SUPPRESSED = {("TAB6685", "1281R003_RegSO2025")}


def metadata(table: str) -> dict[str, Any]:
    return json.loads((RECORDED / "scb" / f"{table}.metadata.json").read_text("utf-8"))


def cell_value(table: str, codes: dict[str, str]) -> float | None:
    """The value of one cell: a hash of its codes, scaled by the kind of content."""
    if (table, codes.get("Region", "")) in SUPPRESSED:
        return None
    key = "|".join(f"{k}={codes[k]}" for k in sorted(codes))
    h = zlib.crc32(f"{table}|{key}".encode())
    contents = codes.get("ContentsCode", "")
    if contents == "000008IU":
        return float(1 + h % 5)  # områdestyp 1-5
    if contents in {"000008AC", "000008AD", "000008IT"}:
        return (h % 400) / 10.0  # percent / index
    if table == "TAB4590":
        return float(900 + h % 900)  # SEK per m² and year
    return float(1 + h % 400)


def data_answer(table: str, selection: dict[str, list[str]]) -> dict[str, Any]:
    meta = metadata(table)
    ids = list(meta["id"])
    chosen = []
    for dim in ids:
        codes = selection.get(dim)
        if codes is None:
            raise AssertionError(f"{table}: {dim} not selected (the fake does not eliminate)")
        known = meta["dimension"][dim]["category"]["index"]
        assert all(c in known for c in codes), (dim, codes)
        chosen.append(sorted(codes, key=known.__getitem__))
    values: list[float | None] = []
    status: dict[str, str] = {}
    size = [len(c) for c in chosen]
    for flat in range(math.prod(size)):
        rest, picked = flat, {}
        for axis in range(len(ids) - 1, -1, -1):
            rest, position = divmod(rest, size[axis])
            picked[ids[axis]] = chosen[axis][position]
        value = cell_value(table, picked)
        if value is None:
            status[str(flat)] = ".."
        values.append(value)
    dimension = {}
    for dim, codes in zip(ids, chosen, strict=True):
        labels = meta["dimension"][dim]["category"]["label"]
        dimension[dim] = {
            "label": meta["dimension"][dim]["label"],
            "category": {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {c: labels[c] for c in codes},
            },
        }
    return {
        "version": "2.0",
        "class": "dataset",
        "label": meta["label"],
        "updated": meta["updated"],
        "role": meta["role"],
        "id": ids,
        "size": size,
        "dimension": dimension,
        "value": values,
        "status": status,
    }


class FakeServices:
    """Routes of the fake services; counts the data calls and their cells."""

    def __init__(self, mock: respx.MockRouter, *, max_cells: int = 150_000) -> None:
        self.data_calls: list[tuple[str, int]] = []
        config = json.loads((RECORDED / "scb" / "config.json").read_text("utf-8"))
        config["maxDataCells"] = max_cells
        self.max_cells = max_cells
        mock.get(f"{SCB}/config").mock(return_value=httpx.Response(200, json=config))
        mock.get(url__regex=rf"{SCB}/tables/\w+/metadata.*").mock(side_effect=self._metadata)
        mock.post(url__regex=rf"{SCB}/tables/\w+/data.*").mock(side_effect=self._data)
        mock.get(url__startswith=WFS).mock(side_effect=self._wfs)
        self.gtfs_route = mock.get(url__startswith="https://gtfs.example.test/")

    def _table(self, request: httpx.Request) -> str:
        return request.url.path.split("/tables/")[1].split("/")[0]

    def _metadata(self, request: httpx.Request) -> httpx.Response:
        path = RECORDED / "scb" / f"{self._table(request)}.metadata.json"
        if not path.is_file():
            return httpx.Response(404, json={"title": "Not found"})
        return httpx.Response(200, content=path.read_bytes())

    def _data(self, request: httpx.Request) -> httpx.Response:
        table = self._table(request)
        assert request.url.params["outputFormat"] == "json-stat2"
        body = json.loads(request.content)
        selection = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
        cells = math.prod(len(v) for v in selection.values())
        self.data_calls.append((table, cells))
        if cells > self.max_cells:
            return httpx.Response(403, text="too many cells")
        return httpx.Response(200, json=data_answer(table, selection))

    def _wfs(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        assert params["request"] == "GetFeature" and params["srsName"] == "EPSG:3006"
        layer = params["typeName"].removeprefix("stat:")
        doc = json.loads((RECORDED / "geodata" / f"{layer}_1281.json").read_text("utf-8"))
        if "'1281'" not in params["CQL_FILTER"] and "'12'" not in params["CQL_FILTER"]:
            doc["features"] = []
        start, count = int(params["startIndex"]), int(params["maxFeatures"])
        doc["features"] = doc["features"][start : start + count]
        return httpx.Response(200, json=doc)
