"""Every dialogue route through the API, on SQLite and on PostgreSQL + PostGIS."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient

from jamlik.web.app import create_app

from .conftest import INSIDE, create_dialogue, login, make_settings, point


@pytest.fixture
def app_client(db_url: str, web_cache: Path):
    with TestClient(create_app(make_settings(db_url, web_cache))) as c:
        yield c


def test_resident_to_export_flow(app_client: TestClient, tmp_path: Path) -> None:
    admin = login(app_client)
    did = create_dialogue(admin, questions=[{"key": "why", "sv": "Varför?", "en": "Why?"}])

    listed = app_client.get("/api/dialogues").json()
    assert [d["id"] for d in listed] == [did]
    detail = app_client.get(f"/api/dialogues/{did}").json()
    assert [c["key"] for c in detail["categories"]] == [
        "trivs_har", "otryggt", "saknas", "motesplats",
    ]  # fmt: skip
    assert [a["key"] for a in detail["age_bands"]] == [
        "age_0_5", "age_6_15", "age_16_64", "age_65_plus",
    ]  # fmt: skip
    assert detail["age_bands"][3]["label"] == "65+"
    assert len(detail["home_areas"]) == 20

    home = detail["home_areas"][0]["key"]
    body = point(answers={"why": "Ingen belysning"}, age_band="age_65_plus", home_area=home)
    body["consent"] = True
    r = app_client.post(f"/api/dialogues/{did}/contributions", json=body)
    assert r.status_code == 201, r.text
    cid, code = r.json()["id"], r.json()["code"]
    assert len(code) == 12

    # Pending: not on the public map, in the queue.
    public = app_client.get(f"/api/dialogues/{did}/contributions.geojson")
    assert public.headers["content-type"].startswith("application/geo+json")
    assert public.json()["features"] == []
    queue = app_client.get(f"/api/admin/dialogues/{did}/queue").json()
    assert [f["id"] for f in queue] == [cid]
    assert queue[0]["properties"]["age_band"] == "age_65_plus"

    r = app_client.post(
        f"/api/admin/contributions/{cid}/moderate", json={"status": "published"},
        headers=admin.headers,
    )  # fmt: skip
    assert r.json() == {"id": cid, "status": "published"}
    assert app_client.get(f"/api/admin/dialogues/{did}/queue").json() == []
    published = app_client.get(f"/api/admin/dialogues/{did}/queue?status=published").json()
    assert [f["id"] for f in published] == [cid]

    features = app_client.get(f"/api/dialogues/{did}/contributions.geojson").json()["features"]
    assert len(features) == 1
    props = features[0]["properties"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": INSIDE}
    assert props["comment"] == "Mörkt vid busshållplatsen"
    assert props["created_at"].endswith("+00:00")
    assert props["answers"] == {"why": "Ingen belysning"}
    # Personal facts never reach the public map.
    assert "age_band" not in props and "home_area" not in props

    # The exports hold it.
    r = app_client.get(f"/api/admin/dialogues/{did}/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == [cid]
    assert rows[0]["aspect"] == "halsa_och_sakerhet"
    assert rows[0]["geometry_wkt"] == f"POINT ({INSIDE[0]} {INSIDE[1]})"
    r = app_client.get(f"/api/admin/dialogues/{did}/export.gpkg")
    gpkg = tmp_path / "export.gpkg"
    gpkg.write_bytes(r.content)
    frame = pyogrio.read_dataframe(gpkg, layer="contributions")
    assert frame["id"].tolist() == [cid]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].x == pytest.approx(INSIDE[0])

    summary = app_client.get(f"/api/admin/dialogues/{did}/summary?lang=en").json()
    assert summary["contributions"] == 1 and summary["participants"] == 1
    aspects = {row["aspect"]: row["contributions"] for row in summary["per_aspect"]}
    assert aspects["halsa_och_sakerhet"] == 1 and sum(aspects.values()) == 1
    assert sum(row["total"] for row in summary["per_area"]) == 1
    assert any("too uncertain" in n for n in summary["notes"])

    # The resident sees and deletes their own contribution with the code.
    r = app_client.get(f"/api/contributions/{cid}", headers={"X-Contribution-Code": code})
    assert r.status_code == 200 and r.json()["properties"]["status"] == "published"
    wrong = {"X-Contribution-Code": "AAAAAAAAAAAA"}
    assert app_client.get(f"/api/contributions/{cid}", headers=wrong).status_code == 404
    assert app_client.delete(f"/api/contributions/{cid}", headers=wrong).status_code == 404
    lower = {"X-Contribution-Code": code.lower()}
    assert app_client.delete(f"/api/contributions/{cid}", headers=lower).status_code == 204
    assert app_client.get(f"/api/contributions/{cid}", headers=lower).status_code == 404
    features = app_client.get(f"/api/dialogues/{did}/contributions.geojson").json()["features"]
    assert features == []


def test_repeated_submission_key_is_stored_once(app_client: TestClient) -> None:
    did = create_dialogue(login(app_client))
    body = point(submission_key="k" * 20)
    first = app_client.post(f"/api/dialogues/{did}/contributions", json=body)
    again = app_client.post(f"/api/dialogues/{did}/contributions", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    admin = login(app_client)
    assert len(admin.client.get(f"/api/admin/dialogues/{did}/queue").json()) == 1


def test_lines_and_areas_and_rejection(app_client: TestClient) -> None:
    admin = login(app_client)
    did = create_dialogue(admin)
    line = {"type": "LineString", "coordinates": [[11.9, 57.85], [11.91, 57.86]]}
    area = {
        "type": "Polygon",
        "coordinates": [[[11.9, 57.85], [11.91, 57.85], [11.91, 57.86], [11.9, 57.85]]],
    }
    ids = []
    for geometry in (line, area):
        r = app_client.post(
            f"/api/dialogues/{did}/contributions",
            json={"geometry": geometry, "category": "saknas", "comment": ""},
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    kinds = [f["properties"]["kind"] for f in app_client.get(
        f"/api/admin/dialogues/{did}/queue").json()]  # fmt: skip
    assert kinds == ["line", "area"]
    r = app_client.post(
        f"/api/admin/contributions/{ids[0]}/moderate", json={"status": "rejected"},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 200
    rejected = app_client.get(f"/api/admin/dialogues/{did}/queue?status=rejected").json()
    assert [f["id"] for f in rejected] == [ids[0]]
    assert app_client.get(f"/api/admin/dialogues/{did}/queue?status=x").status_code == 422
    r = app_client.post(
        "/api/admin/contributions/nope/moderate", json={"status": "published"},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 404


def test_session_logout_and_unknowns(client: TestClient) -> None:
    assert client.get("/api/admin/session").json() == {"admin": False, "csrf": None}
    admin = login(client)
    assert client.get("/api/admin/session").json() == {"admin": True, "csrf": admin.csrf}
    assert client.post("/api/admin/logout", headers=admin.headers).status_code == 204
    assert client.get("/api/admin/session").json()["admin"] is False
    bad = client.post("/api/admin/login", json={"username": "admin", "password": "wrong"})
    assert bad.status_code == 401
    assert client.get("/api/dialogues/99").status_code == 404
    assert client.get("/api/dialogues/99/contributions.geojson").status_code == 404
    assert client.post("/api/dialogues/99/contributions", json=point()).status_code == 404


def test_dialogue_rules(client: TestClient) -> None:
    client.cookies.set("jamlik_lang", "en")  # the checks read the English messages
    admin = login(client)
    categories = [{"key": "buller", "sv": "Buller", "en": "Noise", "aspect": "nowhere"}]
    r = client.post(
        "/api/dialogues",
        json={"title": "x", "area": {"type": "Point", "coordinates": [1, 2]}},
        headers=admin.headers,
    )
    assert r.status_code == 422
    r = client.post(
        "/api/dialogues",
        json={"title": "x", "area": point()["geometry"] | {"type": "Polygon"}},
        headers=admin.headers,
    )
    assert r.status_code == 422
    from .conftest import TOWN_AREA

    r = client.post(
        "/api/dialogues",
        json={"title": "x", "area": TOWN_AREA, "categories": categories},
        headers=admin.headers,
    )
    assert r.status_code == 422 and "unknown SKA aspect" in r.text
    categories[0]["aspect"] = "halsa_och_sakerhet"
    did = create_dialogue(admin, categories=categories)
    r = client.post(f"/api/dialogues/{did}/contributions", json=point())
    assert r.status_code == 422 and "unknown category" in r.text
    r = client.post(f"/api/dialogues/{did}/contributions", json=point(category="buller"))
    assert r.status_code == 201


def test_personal_facts_need_consent_and_known_values(client: TestClient) -> None:
    client.cookies.set("jamlik_lang", "en")  # the checks read the English messages
    did = create_dialogue(login(client))
    url = f"/api/dialogues/{did}/contributions"
    assert client.post(url, json=point(age_band="age_6_15")).status_code == 422
    r = client.post(url, json=point(age_band="age_7_99", consent=True))
    assert r.status_code == 422 and "age band" in r.text
    r = client.post(url, json=point(home_area="nowhere", consent=True))
    assert r.status_code == 422 and "home area" in r.text
    r = client.post(url, json=point(answers={"nope": "x"}))
    assert r.status_code == 422 and "unknown questions" in r.text


def test_pages_render_in_both_languages(client: TestClient) -> None:
    did = create_dialogue(login(client), title="Trygghet <i>i</i> Älvvik")
    for lang, word in (("sv", "Lämna ett bidrag"), ("en", "Add a contribution")):
        r = client.get(f"/dialogue/{did}?lang={lang}")
        assert r.status_code == 200
        assert f'<html lang="{lang}">' in r.text and word in r.text
        assert "Trygghet &lt;i&gt;i&lt;/i&gt; Älvvik" in r.text
    # The cookie remembers English.
    assert 'lang="en"' in client.get("/dialogue").text
    assert "Dialogue administration" in client.get("/admin").text
    assert "Administration av dialoger" in client.get("/admin?lang=sv").text
    assert client.get("/dialogue/12345").status_code == 404


def test_pack_areas_for_the_background(client: TestClient) -> None:
    r = client.get("/api/areas.geojson")
    assert r.status_code == 200
    features = r.json()["features"]
    assert len(features) == 20
    assert {f["properties"]["name"] for f in features} >= {"Kyrkholmen", "Rönnsjö"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_csv_export_cells_never_run_as_formulas(app_client: TestClient) -> None:
    admin = login(app_client)
    did = create_dialogue(admin)
    sent = {}
    for comment in ('=HYPERLINK("http://x","klicka")', "+1+1", "@SUM(A1)", "-2", "Trivs här"):
        r = app_client.post(f"/api/dialogues/{did}/contributions", json=point(comment=comment))
        assert r.status_code == 201, r.text
        sent[r.json()["id"]] = comment
        app_client.post(
            f"/api/admin/contributions/{r.json()['id']}/moderate",
            json={"status": "published"},
            headers=admin.headers,
        )
    rows = list(csv.DictReader(io.StringIO(app_client.get(
        f"/api/admin/dialogues/{did}/export.csv").text)))  # fmt: skip
    for row in rows:
        comment = sent[row["id"]]
        expected = comment if comment == "Trivs här" else "'" + comment
        assert row["comment"] == expected
    # The map and the GeoPackage keep the text as written.
    features = app_client.get(f"/api/dialogues/{did}/contributions.geojson").json()["features"]
    assert sorted(f["properties"]["comment"] for f in features) == sorted(sent.values())
