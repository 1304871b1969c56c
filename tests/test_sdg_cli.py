"""``jamlik sdg-11-2-1`` and ``jamlik departures``: files written, and clean errors for packs
without GTFS, without OSM or without population, and for a date outside the feed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from jamlik.cli import sdg as sdg_cli
from jamlik.cli import transit_service as departures_cli
from jamlik.errors import DataError, GTFSError
from jamlik.indicators.access.transit_service import departures_per_hour
from jamlik.ingest import load_pack
from jamlik.ingest.gtfs import read_gtfs
from jamlik.runs.sdg import sdg_11_2_1

PACKS = Path(__file__).resolve().parents[1] / "packs"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    sdg_cli.register(app)
    departures_cli.register(app)
    return app


def _invoke(app: typer.Typer, args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300", "JAMLIK_LANG": "en"})
    return result.exit_code, result.output


def test_cli_writes_csv_and_json(app: typer.Typer, tmp_path: Path, shared_data: Path) -> None:
    assert shared_data.is_dir()
    out = tmp_path / "sdg"
    code, output = _invoke(
        app, ["sdg-11-2-1", str(PACKS / "porto_alegre"), "--date", "2019-05-13", "--out", str(out)]
    )
    assert code == 0, output
    summary = json.loads((out / "sdg_11_2_1.json").read_text(encoding="utf-8"))
    groups = pd.read_csv(out / "sdg_11_2_1_groups.csv").set_index("group")
    assert summary["date"] == "2019-05-13" and summary["window_s"] == [21600, 72000]
    assert summary["low_capacity_m"] == 500 and summary["high_capacity_m"] == 1000
    share = summary["overall"]["share_convenient"]
    assert share == pytest.approx(groups.loc["pop_total", "share_convenient"])
    assert 0 <= share <= 1
    areas = pd.read_csv(out / "sdg_11_2_1_areas.csv")
    assert areas["population"].sum() == summary["overall"]["population"]
    stops = pd.read_csv(out / "sdg_11_2_1_stops.csv")
    assert {"stop_id", "capacity", "departures_window", "frequent_20min"} <= set(stops.columns)
    assert any("OpenStreetMap" in s["name"] for s in summary["sources"])


def test_departures_cli_equals_library(app: typer.Typer, tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "dep.csv"
    code, output = _invoke(
        app, ["departures", str(PACKS / "kuopio"), "--date", "2016-11-15", "--out", str(out)]
    )
    assert code == 0, output
    written = pd.read_csv(out, index_col="stop_id", dtype={"stop_id": str})
    feed = read_gtfs(shared_data / "gtfs_kuopio" / "gtfs_kuopio_2016_2017.zip",
                     service_date=dt.date(2016, 11, 15))  # fmt: skip
    expected = departures_per_hour(feed)
    hours = [str(h) for h in expected.columns]
    assert written[hours].to_numpy().tolist() == expected.to_numpy().tolist()
    # Each stop named and placed as the feed has it.
    assert list(written.columns[:3]) == ["stop_name", "lon", "lat"]
    import zipfile

    with zipfile.ZipFile(shared_data / "gtfs_kuopio" / "gtfs_kuopio_2016_2017.zip") as z:
        raw = pd.read_csv(z.open("stops.txt"), dtype={"stop_id": str}).set_index("stop_id")
    named = raw.loc[written.index]
    assert (written["stop_name"].fillna("") == named["stop_name"].fillna("")).all()
    assert written["lon"].to_numpy() == pytest.approx(named["stop_lon"].to_numpy())
    assert written["lat"].to_numpy() == pytest.approx(named["stop_lat"].to_numpy())


def test_pack_without_osm(app: typer.Typer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no \[osm\]"):
        sdg_11_2_1(load_pack(PACKS / "kuopio"), date=dt.date(2016, 11, 15))
    code, output = _invoke(
        app, ["sdg-11-2-1", str(PACKS / "kuopio"), "--date", "2016-11-15", "--out", str(tmp_path)]
    )
    assert code == 2 and "[osm]" in output and "Traceback" not in output


def test_pack_without_gtfs(app: typer.Typer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no \[\[gtfs\]\]"):
        sdg_11_2_1(load_pack(PACKS / "lund"), date=dt.date(2024, 1, 8))
    code, output = _invoke(
        app,
        [
            "departures",
            str(PACKS / "lund"),
            "--date",
            "2024-01-08",
            "--out",
            str(tmp_path / "d.csv"),
        ],
    )
    assert code == 2 and "[[gtfs]]" in output


def test_date_outside_the_feed(app: typer.Typer, tmp_path: Path) -> None:
    with pytest.raises(GTFSError, match="2030-01-07"):
        sdg_11_2_1(load_pack(PACKS / "porto_alegre"), date=dt.date(2030, 1, 7))
    target = tmp_path / "d.csv"
    code, output = _invoke(
        app, ["departures", str(PACKS / "kuopio"), "--date", "2030-01-07", "--out", str(target)]
    )
    assert code == 2 and "2030-01-07" in output and "2016-10-24" in output
    assert not target.exists()


def test_pack_without_population() -> None:
    with pytest.raises(DataError, match="no population"):
        sdg_11_2_1(load_pack(PACKS / "tampere"), date=dt.date(2021, 12, 14))


def test_bad_options(app: typer.Typer, tmp_path: Path) -> None:
    pack = str(PACKS / "porto_alegre")
    code, output = _invoke(
        app, ["sdg-11-2-1", pack, "--date", "13/05/2019", "--out", str(tmp_path)]
    )
    assert code == 2 and "13/05/2019" in output
    code, output = _invoke(
        app, ["sdg-11-2-1", pack, "--date", "2019-05-13", "--window", "20:00-06:00",
              "--out", str(tmp_path)],
    )  # fmt: skip
    assert code == 2 and "20:00-06:00" in output
    code, output = _invoke(
        app,
        ["sdg-11-2-1", pack, "--date", "2019-05-13", "--rule", "median", "--out", str(tmp_path)],
    )
    assert code == 2 and "median" in output
