"""`jamlik fetch` end to end on recorded answers: the pack it writes passes `jamlik pack check`,
`jamlik access` runs on it and its outputs list the sources with their retrieval dates; offline
or without a Trafiklab key it stops at once with a clear message and writes nothing.

The areas are made-up RegSO over the real OSM extract of Lund C (../shared/data, read only);
the statistics come from the fake SCB of `_fetch_fake`, whose cell values the expected
figures are recomputed from.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pandas as pd
import pytest
import respx
from typer.testing import CliRunner

import _fetch_fake
from _fetch_fake import GTFS, SCB, WFS, FakeServices, cell_value, make_feed
from jamlik.cli.main import app
from jamlik.ingest.pack import check_pack, is_error, load_pack

AGES = ["-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
        "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-"]  # fmt: skip


def _fetch(tmp_path: Path, shared_data: Path, *extra: str) -> tuple[object, FakeServices, Path]:
    feed = tmp_path / "feed.zip"
    make_feed(feed)
    out = tmp_path / "lund"
    with respx.mock(assert_all_called=False) as mock:
        fake = FakeServices(mock, max_cells=100)
        fake.gtfs_route.mock(return_value=httpx.Response(200, content=feed.read_bytes()))
        result = CliRunner().invoke(
            app,
            [
                "--lang", "en", "fetch", "--kommun", "1281", "--out", str(out),
                "--osm", str(shared_data / "osm_lund_station" / "lund_station.osm.pbf"),
                "--scb-api-url", SCB, "--geodata-url", WFS, "--gtfs-url", GTFS,
                "--cache", str(tmp_path / "cache"), "--buffer-m", "300", *extra,
            ],
        )  # fmt: skip
        key_sent = [call.request.url.params.get("key") for call in fake.gtfs_route.calls]
    assert key_sent == ["test-key"]
    return result, fake, out


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAFIKLAB_API_KEY", "test-key")


@pytest.mark.slow
def test_fetched_pack_passes_check_and_access_runs(
    tmp_path: Path, shared_data: Path, key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_fetch_fake, "SUPPRESSED", set())  # every cell published
    result, fake, out = _fetch(tmp_path, shared_data)
    assert result.exit_code == 0, result.output
    assert "3 areas" in result.output and "2023" in result.output  # the education fallback
    assert all(cells <= 100 for _, cells in fake.data_calls)  # split to the stated limit

    problems = check_pack(out)
    assert not [p for p in problems if is_error(p)], problems
    pack = load_pack(out)
    assert len(pack.areas()) == 3 and pack.years == (2024,) and pack.title == "Lund"
    assert {"age_0_14", "age_65_plus", "women", "men", "born_abroad"} <= set(pack.groups)
    population = pack.population()
    for area in ("1281R001", "1281R002", "1281R003"):
        cells = [
            cell_value(
                "TAB6574",
                {
                    "Region": f"{area}_RegSO2025",
                    "Alder": a,
                    "Kon": k,
                    "ContentsCode": "000007Y7",
                    "Tid": "2024",
                },
            )  # fmt: skip
            for a in AGES
            for k in ("1", "2")
        ]
        assert population.loc[area, "pop_total"] == sum(cells)
    stats = pack.statistics().set_index("area_id")
    rent = cell_value(
        "TAB4590",
        {"Region": "1281", "Hyresuppg": "Ah_kvm", "ContentsCode": "000000J4", "Tid": "2024"},
    )
    assert (stats["kommun_rent_median_sek_m2"] == rent).all()  # the kommun's value per area
    assert pack.osm_path is not None and len(pack.gtfs_paths) == 1

    config = tomllib.loads((out / "pack.toml").read_text("utf-8"))
    for source in config["sources"]:
        assert source["licence"] and source["retrieved"] and source["url"]
        assert "test-key" not in source["url"]  # the key never lands in the pack
    assert not any("test-key" in p.read_text("utf-8", errors="ignore") for p in out.glob("*.toml"))

    runner = CliRunner()
    checked = runner.invoke(app, ["--lang", "en", "pack", "check", str(out)])
    assert checked.exit_code == 0, checked.output
    res = tmp_path / "res"
    access = runner.invoke(app, ["--lang", "en", "access", str(out), "--out", str(res)])
    assert access.exit_code == 0, access.output
    sources = pd.read_csv(res / "sources.csv", dtype=str)
    assert list(sources.columns) == ["name", "licence", "attribution", "url", "retrieved"]
    assert sources["retrieved"].notna().all()
    assert sources["name"].str.contains("TAB6574").any()
    assert sources["name"].str.contains("OpenStreetMap").any()
    vulnerability = runner.invoke(
        app,
        ["--lang", "en", "vulnerability", str(out), "--config", str(out / "vulnerability.toml"),
         "--out", str(tmp_path / "vuln")],
    )  # fmt: skip
    assert vulnerability.exit_code == 0, vulnerability.output


def test_refuses_a_non_empty_folder_and_bad_codes(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "keep.txt").write_text("mine")
    runner = CliRunner()
    for args, text in (
        (["--kommun", "1482", "--out", str(tmp_path / "old"), "--no-gtfs"], "not empty"),
        (["--kommun", "148", "--out", str(tmp_path / "new"), "--no-gtfs"], "4-digit"),
        (["--out", str(tmp_path / "new"), "--no-gtfs"], "--kommun"),
        (["--kommun", "1482", "--lan", "14", "--out", str(tmp_path / "new")], "--lan"),
    ):
        result = runner.invoke(app, ["--lang", "en", "fetch", *args])
        assert result.exit_code == 2, result.output
        assert text in result.output and "Traceback" not in result.output
    assert (tmp_path / "old" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "new").exists()


def _jamlik(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "jamlik"
    return subprocess.run(
        [str(exe), "--lang", "en", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_offline_fetch_stops_within_seconds_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    _jamlik("version")  # Python and jamlik starting, slow on a loaded machine
    startup_s = time.monotonic() - start
    start = time.monotonic()
    done = _jamlik(
        "fetch", "--kommun", "1482", "--out", str(tmp_path / "kungalv"), "--no-gtfs",
        "--scb-api-url", f"http://127.0.0.1:{port}/api/v2", "--cache", str(tmp_path / "c"),
    )  # fmt: skip
    assert time.monotonic() - start - startup_s < 10.0
    assert done.returncode == 2
    assert "cannot reach 127.0.0.1" in done.stderr and "network" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "kungalv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kungalv")]


def test_missing_trafiklab_key_is_named_before_any_download(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TRAFIKLAB_API_KEY"}
    done = _jamlik(
        "fetch", "--kommun", "1482", "--out", str(tmp_path / "k"),
        "--scb-api-url", "http://127.0.0.1:9/never-called", env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert "TRAFIKLAB_API_KEY" in done.stderr and "--no-gtfs" in done.stderr
    assert "Traceback" not in done.stderr


def _build(tmp_path: Path, **changes: object) -> tuple[object, respx.MockRouter]:
    from jamlik.ingest.connectors import FetchOptions

    options = FetchOptions(
        out=tmp_path / "pack", kommuner=("1281",), gtfs=False, scb_api_url=SCB,
        geodata_url=WFS, buffer_m=200.0,
    )  # fmt: skip
    options = dataclasses.replace(options, **changes)  # type: ignore[arg-type]
    mock = respx.mock(assert_all_called=False)
    return options, mock


def test_regional_extract_is_downloaded_and_clipped(tmp_path: Path, shared_data: Path) -> None:
    from jamlik.ingest.connectors import HttpClient, build_pack

    extract = (shared_data / "osm_lund_station" / "lund_station.osm.pbf").read_bytes()
    url = "https://download.example.test/europe/sweden-latest.osm.pbf"
    options, mock = _build(tmp_path, osm="extract", osm_url=url)
    with mock:
        FakeServices(mock)
        route = mock.get(url).mock(return_value=httpx.Response(200, content=extract))
        with HttpClient(cache_dir=tmp_path / "cache") as client:
            result = build_pack(options, client=client)
    assert route.call_count == 1
    assert not [p for p in check_pack(result.pack_dir) if is_error(p)]
    config = tomllib.loads((result.pack_dir / "pack.toml").read_text("utf-8"))
    assert config["osm"]["path"] == "osm.osm.pbf"
    assert any(s["url"] == url and s["licence"] == "ODbL 1.0" for s in config["sources"])
    assert "gtfs" not in config


def test_overpass_for_a_small_area(tmp_path: Path, shared_data: Path) -> None:
    import osmium

    from jamlik.ingest.connectors import HttpClient, build_pack

    xml = tmp_path / "lund.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(
            str(shared_data / "osm_lund_station" / "lund_station.osm.pbf")
        ):
            writer.add(obj)
    url = "https://overpass.example.test/api/interpreter"
    options, mock = _build(tmp_path, osm="overpass", overpass_url=url)
    with mock:
        FakeServices(mock)
        route = mock.get(url__startswith=url).mock(
            return_value=httpx.Response(200, content=xml.read_bytes())
        )
        with HttpClient(cache_dir=tmp_path / "cache") as client:
            result = build_pack(options, client=client)
    query = route.calls[0].request.url.params["data"]
    assert query.startswith("[out:xml]") and "nwr(55.6" in query  # south,west,north,east
    assert not [p for p in check_pack(result.pack_dir) if is_error(p)]


def test_county_at_deso_level(tmp_path: Path) -> None:
    from jamlik.ingest.connectors import HttpClient, build_pack

    options, mock = _build(tmp_path, kommuner=(), lan="12", level="deso", osm="none")
    with mock:
        FakeServices(mock)
        with HttpClient(cache_dir=tmp_path / "cache") as client:
            result = build_pack(options, client=client)
    pack = load_pack(result.pack_dir)
    assert len(pack.areas()) == 6 and pack.areas().index[0].startswith("1281C")
    assert any("TAB6586" in n and "deso" in n for n in result.notes)  # area type: RegSO only
    assert "area_type" not in pack.statistics().columns
    assert not [p for p in check_pack(result.pack_dir) if is_error(p)]
