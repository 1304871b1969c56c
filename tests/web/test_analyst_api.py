"""Analyst routes on the sample town: the numbers equal what the CLI writes for the same pack.

The app computes in its background worker; the tests wait for the job and then compare every
value it serves with ``jamlik access`` (GeoPackage ``area_values`` and ``grid_<profile>``) and
``jamlik scenario compare`` (``winners_losers.csv``, ``area_change.csv``) run on the same pack.
The pack is the sample town with two plans in its folder ``scenarios/``: the sample plan's
walking and cycling changes (``plan``), and the same with a bus line (``with_bus``), whose
comparison must leave the bus line out, say so, and equal ``plan``'s.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
from typer.testing import CliRunner

from jamlik.cli.main import app as cli_app
from jamlik.datasets import generate_town, write_town_pack, write_town_scenario
from jamlik.i18n import t
from jamlik.ingest import Pack, read_osm
from jamlik.ingest.scenario import load_scenario
from jamlik.web.analyst.state import AnalystState
from jamlik.web.app import create_app
from jamlik.web.basemap import tile_bounds
from jamlik.web.settings import Settings

with warnings.catch_warnings():
    # Starlette's test client warns at import about its httpx backend: not our code.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


BUS = """
[[transit_lines]]
name = "Buss 99"
stops = [{stops}]
speed_kmh = 20
headways = [{{ day_type = "weekday", hours = "6-19", minutes = 10 }}]
"""


def _walk_only(text: str) -> str:
    """The plan's text without its ``[[transit_lines]]`` tables (if the sample plan has any)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.strip() == "[[transit_lines]]"
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    town = generate_town(n_nodes=2500, seed=7)
    folder = tmp_path_factory.mktemp("pack")
    path = write_town_pack(town, folder)
    plans = folder / "scenarios"
    plans.mkdir()
    sample = write_town_scenario(town, tmp_path_factory.mktemp("plan") / "sample.toml")
    walk = _walk_only(sample.read_text(encoding="utf-8"))
    (plans / "plan.toml").write_text(walk, encoding="utf-8")
    assert not load_scenario(plans / "plan.toml").transit_lines
    stops = ", ".join(f"[{town.node_x[i]:.1f}, {town.node_y[i]:.1f}]" for i in (0, 200, 400))
    (plans / "with_bus.toml").write_text(walk + BUS.format(stops=stops), encoding="utf-8")
    assert len(load_scenario(plans / "with_bus.toml").transit_lines) == 1
    return path


@pytest.fixture(scope="module")
def client(pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(
        Settings(
            pack=pack,
            cache_dir=tmp_path_factory.mktemp("cache"),
            db_url=f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}",
        )
    )
    with TestClient(app) as test_client:
        yield test_client
    app.state.analyst.runner.shutdown()


def _state(client: TestClient) -> AnalystState:
    state: AnalystState = client.app.state.analyst  # type: ignore[attr-defined]
    return state


def _ready(client: TestClient, url: str) -> dict:
    """GET ``url``; when the answer is 202, wait for its job and ask again."""
    first = client.get(url)
    if first.status_code == 202:
        body = first.json()
        assert body["state"] in ("queued", "running", "done") and body["message"]
        _state(client).runner.wait(body["key"])
        first = client.get(url)
    assert first.status_code == 200, first.text
    return first.json()


@pytest.fixture(scope="module")
def cli_access(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    client.get("/api/analyst/meta")
    pack = _state(client).source.path
    out = tmp_path_factory.mktemp("cli") / "access.gpkg"
    result = CliRunner().invoke(cli_app, ["access", str(pack), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def cli_compare(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Path:
    client.get("/api/analyst/meta")
    source = _state(client).source
    out = tmp_path_factory.mktemp("cmp") / "comparison"
    plan = source.scenarios()[0]
    assert plan.name == "plan.toml"
    # --lang sv: an earlier in-process run with --lang en leaves JAMLIK_LANG set
    args = ["--lang", "sv", "scenario", "compare", str(source.path), str(plan), "--out", str(out)]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    return out


def _same(api: list[float | None], expected: np.ndarray) -> None:
    got = np.array([np.nan if v is None else v for v in api], dtype=np.float64)
    np.testing.assert_array_equal(got, expected.astype(np.float64))


def test_first_request_starts_a_job_and_answers_202(client: TestClient) -> None:
    meta = client.get("/api/analyst/meta").json()
    assert meta["pack"] == "alvvik" and meta["scenarios"] == ["plan", "with_bus"]
    answer = client.get("/api/analyst/access/meta")
    if answer.status_code == 202:  # never computed in the request
        job = answer.json()
        assert client.get(f"/api/analyst/jobs/{job['id']}").json()["key"] == job["key"]
    info = _ready(client, "/api/analyst/access/meta")
    assert info["profiles"] == ["adult", "child", "senior", "wheelchair", "bike"]
    assert info["measures"] == ["min", "in15", "n15", "dec", "noacc"]
    assert "low_income" in info["groups"] and "grocery" in info["categories"]
    assert client.get("/api/analyst/jobs/nope").status_code == 404
    has_gtfs = bool(_state(client).source.load().gtfs_paths)
    assert meta["modes"] == ["walk", "bike", *(["transit"] if has_gtfs else [])]


def test_a_pack_without_timetable_has_no_transit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Pack, "gtfs_paths", property(lambda self: []))
    assert client.get("/api/analyst/meta").json()["modes"] == ["walk", "bike"]
    no_gtfs = client.get("/api/analyst/transit/meta?lang=en")
    assert no_gtfs.status_code == 404 and "no timetable" in no_gtfs.json()["detail"]


def test_area_values_equal_jamlik_access(client: TestClient, cli_access: Path) -> None:
    info = _ready(client, "/api/analyst/access/meta")
    written = pyogrio.read_dataframe(cli_access, layer="area_values")
    written = written[written["area_id"] != "*"]
    checked = 0
    for profile in ("adult", "senior", "bike"):
        for group in ("pop_total", "low_income", "age_6_15"):
            for category in ("grocery", "school", "park"):
                for measure in info["measures"]:
                    url = (f"/api/analyst/access/values?layer=areas&profile={profile}"
                           f"&group={group}&category={category}&measure={measure}")  # fmt: skip
                    got = _ready(client, url)
                    code = "min" if measure == "noacc" else measure
                    rows = written[(written["profile"] == profile) & (written["group"] == group)
                                   & (written["category"] == category)
                                   & (written["measure"] == code)].set_index("area_id")  # fmt: skip
                    rows = rows.loc[got["ids"]]
                    column = "no_access_share" if measure == "noacc" else "value"
                    _same(got["values"], rows[column].to_numpy())
                    _same(got["population"], rows["population"].to_numpy())
                    assert len(got["ids"]) == 12
                    checked += 1
    assert checked == 3 * 3 * 3 * 5


def test_grid_values_equal_jamlik_access(client: TestClient, cli_access: Path) -> None:
    for profile in ("adult", "child", "wheelchair"):
        layer = pyogrio.read_dataframe(cli_access, layer=f"grid_{profile}").set_index("cell_id")
        for category in ("grocery", "health_centre", "transit_stop"):
            for measure in ("min", "noacc", "in15", "n15", "dec"):
                got = _ready(
                    client,
                    f"/api/analyst/access/values?layer=grid&profile={profile}"
                    f"&category={category}&measure={measure}",
                )
                assert sorted(got["ids"]) == sorted(layer.index)
                _same(got["values"], layer.loc[got["ids"], f"{category}_{measure}"].to_numpy())
                _same(got["population"], layer.loc[got["ids"], "population"].to_numpy())


def test_whole_pack_value_equals_the_summary(client: TestClient, cli_access: Path) -> None:
    written = pyogrio.read_dataframe(cli_access, layer="area_values")
    whole = written[
        (written["area_id"] == "*")
        & (written["profile"] == "child")
        & (written["group"] == "age_6_15")
        & (written["category"] == "school")
    ]
    got = _ready(client, "/api/analyst/access/values?profile=child&group=age_6_15&category=school")
    assert got["pack_value"] == whole.loc[whole["measure"] == "min", "value"].item()
    got = _ready(
        client, "/api/analyst/access/values?profile=child&group=age_6_15&category=school"
        "&measure=noacc",
    )  # fmt: skip
    assert got["pack_value"] == whole.loc[whole["measure"] == "min", "no_access_share"].item()


def test_geometry_is_the_pack_polygons_in_wgs84(client: TestClient, cli_access: Path) -> None:
    _ready(client, "/api/analyst/access/meta")
    answer = client.get("/api/analyst/access/geometry/areas")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/geo+json"
    served = gpd.read_file(answer.text).set_index("id")
    written = pyogrio.read_dataframe(cli_access, layer="areas_adult").set_index("area_id")
    assert sorted(served.index) == sorted(written.index)
    # Same shapes within the simplification tolerance (2 m) plus rounding (0.1 m).
    back = served.set_crs("EPSG:4326", allow_override=True).to_crs(written.crs)
    for area_id, shape in written.geometry.items():
        assert shape.hausdorff_distance(back.geometry[area_id]) < 2.5
    grid = gpd.read_file(client.get("/api/analyst/access/geometry/grid").text)
    assert len(grid) == len(pyogrio.read_dataframe(cli_access, layer="grid_adult"))
    assert client.get("/api/analyst/access/geometry/hexagons").status_code == 422


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("layer=grid&group=low_income", "group"),
        ("profile=cat", "profile"),
        ("category=castle", "category"),
        ("measure=in99", "measure"),
        ("layer=hex", "layer"),
    ],
)
def test_bad_choices_are_named(client: TestClient, query: str, name: str) -> None:
    _ready(client, "/api/analyst/access/meta")
    answer = client.get(f"/api/analyst/access/values?{query}&lang=en")
    assert answer.status_code == 422
    assert f"for {name}; choose from:" in answer.json()["detail"]


def test_winners_equal_jamlik_scenario_compare(client: TestClient, cli_compare: Path) -> None:
    written = pd.read_csv(cli_compare / "winners_losers.csv")
    got = pd.DataFrame(_ready(client, "/api/analyst/compare/plan/winners")["rows"])
    assert len(got) == len(written) > 0
    key = ["profile", "indicator", "group"]
    merged = got.merge(written, on=key, suffixes=("_api", "_cli"), validate="one_to_one")
    assert len(merged) == len(written)
    for column in ("gain", "loss", "same", "gained_access", "lost_access", "people"):
        np.testing.assert_array_equal(merged[f"{column}_api"], merged[f"{column}_cli"])
    assert merged["gain_api"].sum() > 0  # the plan makes a difference
    adult = _ready(client, "/api/analyst/compare/plan/winners?profile=adult")["rows"]
    assert {r["profile"] for r in adult} == {"adult"}
    assert client.get("/api/analyst/compare/plan/winners?profile=dog").status_code == 422


def test_deltas_equal_jamlik_scenario_compare(client: TestClient, cli_compare: Path) -> None:
    written = pd.read_csv(cli_compare / "area_change.csv", dtype={"area_id": str})
    meta = _ready(client, "/api/analyst/compare/plan/meta")
    assert meta["scenario"]["name"] == "alvvik-plan" and meta["complexity"]["sv"][0] in (1, 2, 3)
    for indicator, group in (("school_nearest_1_min_child", "age_6_15"),
                             ("grocery_nearest_1_min_adult", "pop_total"),
                             ("park_count_15min_senior", "age_65_plus")):  # fmt: skip
        got = _ready(
            client, f"/api/analyst/compare/plan/deltas?indicator={indicator}&group={group}"
        )
        rows = written[(written["indicator"] == indicator) & (written["group"] == group)]
        areas = rows[rows["area_id"] != "*"].set_index("area_id").loc[got["ids"]]
        for column in ("before", "after", "delta"):
            np.testing.assert_allclose(
                np.array([np.nan if v is None else v for v in got[column]], dtype=float),
                areas[column].to_numpy(dtype=float), rtol=1e-12, atol=1e-12,
            )  # fmt: skip
        whole = rows.loc[rows["area_id"] == "*", "delta"].item()
        # CSV keeps 16 significant digits: equal to that.
        assert (got["pack_delta"] is None and math.isnan(whole)) or got["pack_delta"] == (
            pytest.approx(whole, rel=1e-14)
        )
    bad = client.get("/api/analyst/compare/plan/deltas?indicator=nope")
    assert bad.status_code == 422
    assert client.get("/api/analyst/compare/elsewhere/meta").status_code == 404


def test_ska_matrix_equals_jamlik_scenario_compare(client: TestClient, cli_compare: Path) -> None:
    written = pd.read_csv(cli_compare / "ska_matrix.csv")
    got = _ready(client, "/api/analyst/compare/plan/ska?lang=sv")
    cells = pd.DataFrame(got["cells"]).set_index(["aspect", "scale", "perspective"])
    cli = written.set_index(["aspect", "scale", "perspective"]).loc[cells.index]
    assert (cells["verdict"] == cli["verdict"]).all()
    assert (cells["evidence"].fillna("") == cli["evidence"].fillna("")).all()
    assert [a["key"] for a in got["aspects"]][0] == "sammanhallen_stad"
    english = _ready(client, "/api/analyst/compare/plan/ska?lang=en")
    assert english["aspects"][0]["label"] == "Cohesive city"
    assert got["aspects"][0]["label"] == "Sammanhållen stad"


def test_a_plan_with_a_bus_line_is_compared_without_it(
    client: TestClient, cli_compare: Path
) -> None:
    meta = _ready(client, "/api/analyst/compare/with_bus/meta")
    assert meta["notes"][0] == t("web_analyst.transit_left_out", name="alvvik-plan")
    walk = _ready(client, "/api/analyst/compare/plan/winners")["rows"]
    bus = _ready(client, "/api/analyst/compare/with_bus/winners")["rows"]
    assert bus == walk  # the bus line is left out, nothing else differs
    assert not any(
        "kollektivtrafiken" in n for n in _ready(client, "/api/analyst/compare/plan/meta")["notes"]
    )


def test_basemap_tiles_put_streets_where_pyproj_does(client: TestClient) -> None:
    assert tile_bounds(0, 0, 0) == pytest.approx((-20037508.34, -20037508.34, 20037508.34,
                                                  20037508.34))  # fmt: skip
    west, south, east, north = tile_bounds(1, 1, 0)
    assert (west, north) == pytest.approx((0.0, 20037508.34)) and east - west == north - south
    pack = _state(client).source.load()
    osm = read_osm(pack.osm_path)
    way = next(i for i, tags in enumerate(osm.way_tags) if tags.get("highway") == "residential")
    lon, lat = osm.way_lon[osm.way_indptr[way]], osm.way_lat[osm.way_indptr[way]]
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    z = 16
    size = 2 * 20037508.342789244 / 2**z
    tx, ty = int((x + 20037508.342789244) // size), int((20037508.342789244 - y) // size)
    url = f"/api/analyst/basemap/{z}/{tx}/{ty}.json"
    tile = _ready(client, url)
    px, py = (x - (-20037508.342789244 + tx * size)) / size * 256, (
        20037508.342789244 - ty * size - y) / size * 256  # fmt: skip
    vertices = np.array([v for path in tile["layers"]["minor"] for v in path]).reshape(-1, 2)
    assert np.min(np.hypot(vertices[:, 0] - px, vertices[:, 1] - py)) <= 1.0
    assert "buildings" in tile["layers"] or "paths" in tile["layers"] or "major" in tile["layers"]
    low = client.get(f"/api/analyst/basemap/11/{tx >> 5}/{ty >> 5}.json").json()["layers"]
    assert "minor" not in low and "buildings" not in low  # detail only when zoomed in
    assert client.get("/api/analyst/basemap/3/9/0.json").status_code == 404
    assert client.get("/api/analyst/basemap/25/0/0.json").status_code == 404


def test_report_without_writer_is_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from jamlik.web.analyst import report

    monkeypatch.setattr(report, "_writer", lambda: None)
    answer = client.get("/api/analyst/report?format=pdf&lang=en")
    assert answer.status_code == 503
    assert "jamlik.report.write_report" in answer.json()["detail"]


def test_report_download_calls_write_report(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict] = []

    def write_report(
        pack: Path,
        *,
        scenarios: tuple[Path, ...],
        out_dir: Path,
        language: str,
        progress: object = None,
    ) -> dict[str, Path]:
        calls.append({"pack": pack, "scenarios": scenarios, "language": language})
        out = {}
        for key in ("html", "pdf", "xlsx", "gpkg"):
            out[key] = out_dir / f"report.{key}"
            out[key].write_bytes(f"{key}-{language}".encode())
        return out

    fake = types.ModuleType("jamlik.report")
    fake.write_report = write_report  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "jamlik.report", fake)
    first = client.get("/api/analyst/report?format=xlsx&lang=en")
    if first.status_code == 202:
        _state(client).runner.wait(first.json()["key"])
    answer = client.get("/api/analyst/report?format=xlsx&lang=en")
    assert answer.status_code == 200 and answer.content == b"xlsx-en"
    assert "alvvik-ska-en.xlsx" in answer.headers["content-disposition"]
    assert client.get("/api/analyst/report?format=pdf&lang=en").content == b"pdf-en"
    assert len(calls) == 1 and calls[0]["language"] == "en"
    assert [p.name for p in calls[0]["scenarios"]] == ["plan.toml", "with_bus.toml"]
    assert calls[0]["pack"] == _state(client).source.path
    assert client.get("/api/analyst/report?format=docx").status_code == 422


@pytest.mark.parametrize("page", ["/analyst", "/analyst/compare", "/analyst/ska"])
def test_pages_in_both_languages(client: TestClient, page: str) -> None:
    client.cookies.clear()
    swedish = client.get(page)
    assert swedish.status_code == 200 and '<html lang="sv">' in swedish.text
    assert "English" in swedish.text
    english = client.get(page + "?lang=en")
    assert '<html lang="en">' in english.text and "Svenska" in english.text
    assert english.cookies.get("jamlik_lang") == "en"
    assert '<html lang="en">' in client.get(page).text  # the cookie keeps the choice
    client.cookies.clear()
    # No inline script (CSP): every <script> has a src.
    assert "<script>" not in english.text and "<script " in english.text
    for marker in ("onclick", "javascript:"):
        assert marker not in english.text
