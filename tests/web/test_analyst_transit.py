"""Transit by hour on Tampere: values and day profile equal `jamlik access --mode transit`.

Hours 8-9 and origins clustered in 2.5 km cells keep the test short; the page uses 6-23 and
250 m (the CLI's defaults), the same code path.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app as cli_app
from jamlik.web.analyst import data
from jamlik.web.app import create_app
from jamlik.web.settings import Settings

with warnings.catch_warnings():
    # Starlette's test client warns at import about its httpx backend: not our code.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TAMPERE = Path(__file__).resolve().parents[2] / "packs" / "tampere"
OPTIONS = {"day_types": ("weekday",), "hours": (8, 9), "origin_cell_m": 2500.0}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[TestClient]:
    patch = pytest.MonkeyPatch()
    patch.setattr(data, "TRANSIT_OPTIONS", OPTIONS)
    app = create_app(
        Settings(
            pack=TAMPERE,
            cache_dir=tmp_path_factory.mktemp("cache"),
            db_url=f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}",
        )
    )
    with TestClient(app) as test_client:
        yield test_client
    app.state.analyst.runner.shutdown()
    patch.undo()


def _ready(client: TestClient, url: str) -> dict:
    first = client.get(url)
    if first.status_code == 202:
        client.app.state.analyst.runner.wait(first.json()["key"])  # type: ignore[attr-defined]
        first = client.get(url)
    assert first.status_code == 200, first.text
    return first.json()


def test_default_date_is_the_busiest_midweek_day(shared_data: Path, tmp_path: Path) -> None:
    feed = shared_data / "osm_gtfs_tampere" / "tampere_gtfs.zip"
    # The extract keeps the trips of 2021-12-14 (the pack says so); the calendars start in
    # September but few of their trips are in the extract before that week.
    assert data.default_transit_date([feed]) == dt.date(2021, 12, 14)
    # By hand: service A runs Tu-Th in one week (2 trips), B adds 3 trips on Wednesday.
    tiny = tmp_path / "tiny.zip"
    with zipfile.ZipFile(tiny, "w") as out:
        out.writestr(
            "trips.txt", "route_id,service_id,trip_id\nr,A,1\nr,A,2\nr,B,3\nr,B,4\nr,B,5\n"
        )
        out.writestr(
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
            "end_date\nA,1,1,1,1,1,1,1,20240101,20240107\n",
        )
        out.writestr(
            "calendar_dates.txt",
            "service_id,date,exception_type\nB,20240103,1\nA,20240102,2\n",
        )
    # Tu 2 Jan: A removed (0); We 3 Jan: 2 + 3 = 5; Th 4 Jan: 2.
    assert data.default_transit_date([tiny]) == dt.date(2024, 1, 3)


def test_transit_hours_equal_jamlik_access(client: TestClient, tmp_path: Path) -> None:
    meta = _ready(client, "/api/analyst/meta")
    assert meta["modes"] == ["walk", "bike", "transit"]
    info = _ready(client, "/api/analyst/transit/meta")
    assert info["date"] == "2021-12-14" and info["hours"] == [8, 9]
    out = tmp_path / "transit.csv"
    args = ["access", str(TAMPERE), "--mode", "transit", "--date", "2021-12-14", "--hours", "8-9",
            "--day-type", "weekday", "--origin-cell-m", "2500", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    checked = 0
    for category in info["categories"][:4]:
        for measure, indicator, column in (
            ("min", f"{category}_nearest_min_transit", "value"),
            ("noacc", f"{category}_nearest_min_transit", "no_access_share"),
            ("n30", f"{category}_count_30min_transit", "value"),
        ):
            got = _ready(
                client,
                f"/api/analyst/transit/values?category={category}&measure={measure}&hour=9",
            )
            rows = written[(written["indicator"] == indicator) & (written["group"] == "pop_total")]
            rows = rows[rows["area_id"] == "*"].sort_values("hour")
            assert got["hours"] == [8, 9] and got["ids"] == []  # Tampere has no areas
            expected = rows[column].to_numpy(dtype=float)
            values = np.array([np.nan if v is None else v for v in got["hour_values"]], float)
            np.testing.assert_allclose(values, expected, rtol=1e-12)
            assert got["pack_value"] == pytest.approx(expected[1], rel=1e-12, nan_ok=True)
            assert got["service"] == rows["service"].tolist()
            checked += 1
    assert checked == 12
    bad = client.get("/api/analyst/transit/values?hour=3&lang=en")
    assert bad.status_code == 422 and "for hour" in bad.json()["detail"]
    assert client.get("/api/analyst/transit/meta?date=14.12.2021").status_code == 422
