"""A fake SCB (PxWebApi 2 + WFS) and Trafiklab for the fetch tests, on respx.

Metadata and geodata answers are the recorded files in ``fixtures/recorded``; a data answer is
built from the POSTed selection as SCB builds it (JSON-stat 2.0, dimensions in the table's
order, row-major values) with the deterministic cell values of :func:`cell_value`, so a test
can compute every expected figure independently from the same function.
"""

from __future__ import annotations

import json
import math
import zipfile
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
    if contents in {"000008AC", "000008AD", "000008IT", "000008A2", "000008A4"}:
        return (h % 400) / 10.0  # percent / index
    if table == "TAB6680" and contents in {"0000089X", "0000089W"}:
        # employed and unemployed: parts of the population 20-64 (0000089Y) of the same cell
        whole = cell_value(table, {**codes, "ContentsCode": "0000089Y"})
        return None if whole is None else float(int(whole * (0.3 + (h % 40) / 100)))
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


STOPS = {  # stop_id: (lon, lat)
    "S1": (13.1866, 55.7053),  # Lund C: inside
    "S2": (13.1880, 55.7070),  # inside
    "S3": (13.2100, 55.7200),  # outside
    "S4": (13.0000, 55.6000),  # far outside
    "P1": (13.1867, 55.7054),  # parent station of S1
}


def make_feed(path: Path, *, folder: str = "feed/") -> None:
    tables = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Bus,https://x.test,Europe/Stockholm\n"
        "B,Other,https://y.test,Europe/Stockholm\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
        + "".join(
            f"{s},{s},{lat},{lon},{1 if s == 'P1' else 0},{'P1' if s == 'S1' else ''}\n"
            for s, (lon, lat) in STOPS.items()
        ),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
        "R1,A,1,3\nR2,B,2,3\nR3,A,3,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR1,W,T1\nR2,X,T2\nR3,W,T3\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S3,2\n"
        "T2,09:00:00,09:00:00,S3,1\nT2,09:20:00,09:20:00,S4,2\n"
        "T3,10:00:00,10:00:00,S2,1\nT3,10:05:00,10:05:00,S1,2\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\n"
        "W,1,1,1,1,1,0,0,20260101,20261231\nX,0,0,0,0,0,1,1,20260101,20261231\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(folder, "") if folder else None
        for name, text in tables.items():
            archive.writestr(f"{folder}{name}", text)
