"""Hostile input: XSS, SQL injection, oversized bodies and geometries, missing auth, floods."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from jamlik.web.app import create_app
from jamlik.web.security import RateLimiter, keyed_hash
from jamlik.web.settings import Settings

from .conftest import SECRET, TOWN_AREA, create_dialogue, login, make_settings, point

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
SQLI = "'; DROP TABLE contributions; -- \" OR 1=1 /*"


def test_xss_is_shown_as_text(client: TestClient) -> None:
    admin = login(client)
    did = create_dialogue(admin, title=XSS, description=XSS)
    page = client.get(f"/dialogue/{did}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    listing = client.get("/dialogue").text
    assert "<img src=x" not in listing and "&lt;img src=x" in listing
    # The comment travels as JSON data; the page script puts it in with textContent.
    r = client.post(f"/api/dialogues/{did}/contributions", json=point(comment=XSS))
    assert r.status_code == 201
    script = client.get("/static/dialogue.js").text
    assert "innerHTML" not in script and "textContent = feature.properties.comment" in script
    assert "innerHTML" not in client.get("/static/dialogue_admin.js").text


def test_csp_forbids_inline_scripts_and_pages_have_none(client: TestClient) -> None:
    did = create_dialogue(login(client))
    for path in ("/dialogue", f"/dialogue/{did}", "/admin", "/api/dialogues"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        # Every <script> either loads a file or is a JSON data block (not executed).
        for chunk in r.text.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, tag


def test_sql_injection_strings_are_stored_verbatim(tmp_path: Path, web_cache: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(make_settings(url, web_cache))) as client:
        admin = login(client)
        did = create_dialogue(admin, title=SQLI)
        r = client.post(f"/api/dialogues/{did}/contributions", json=point(comment=SQLI))
        assert r.status_code == 201
        cid = r.json()["id"]
        queue = client.get(f"/api/admin/dialogues/{did}/queue").json()
        assert queue[0]["properties"]["comment"] == SQLI
        assert client.get("/api/dialogues").json()[0]["title"] == SQLI
        r = client.get(f"/api/contributions/{SQLI}", headers={"X-Contribution-Code": SQLI})
        assert r.status_code == 404
    with sqlite3.connect(tmp_path / "web.db") as db:
        assert db.execute("SELECT comment FROM contributions").fetchall() == [(SQLI,)]
        assert db.execute("SELECT public_id FROM contributions").fetchall() == [(cid,)]


def test_oversized_bodies_and_geometries_are_refused(client: TestClient) -> None:
    client.cookies.set("jamlik_lang", "en")  # the checks read the English messages
    did = create_dialogue(login(client))
    url = f"/api/dialogues/{did}/contributions"
    huge = point(comment="x" * 100_000)
    assert client.post(url, json=huge).status_code == 413
    # Streamed without a length: refused as well.
    chunks = (b'{"comment": "' + b"x" * 40_000 for _ in range(3))
    r = client.post(url, content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.post(url, json=point(comment="x" * 2001)).status_code == 422
    ring = [[11.9 + 0.0001 * i, 57.85 + 0.0001 * (i % 2)] for i in range(600)]
    line = {"type": "LineString", "coordinates": ring}
    r = client.post(url, json={"geometry": line, "category": "saknas"})
    assert r.status_code == 422 and "too many vertices" in r.text
    deep = {"type": "Point", "coordinates": [[[[[1]]]]]}
    assert client.post(url, json={"geometry": deep, "category": "saknas"}).status_code == 422
    for bad in ([float("nan"), 57.8], [200, 57.8], ["a", "b"], [11.9]):
        body = json.dumps({"geometry": {"type": "Point", "coordinates": bad}, "category": "saknas"})
        r = client.post(url, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, bad
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[11.9, 57.85], [11.91, 57.86], [11.91, 57.85], [11.9, 57.86], [11.9, 57.85]]
        ],
    }
    r = client.post(url, json={"geometry": bowtie, "category": "saknas"})
    assert r.status_code == 422 and "not valid" in r.text
    r = client.post(url, json=point(lon=18.07, lat=59.33))  # Stockholm: outside the dialogue
    assert r.status_code == 422 and "outside" in r.text
    crossing = {"type": "LineString", "coordinates": [[11.9, 57.85], [13.0, 57.85]]}
    r = client.post(url, json={"geometry": crossing, "category": "saknas"})
    assert r.status_code == 422 and "outside" in r.text
    assert (
        client.post(
            url, content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_admin_routes_need_login_and_csrf(client: TestClient) -> None:
    admin = login(client)
    did = create_dialogue(admin)
    cid = client.post(f"/api/dialogues/{did}/contributions", json=point()).json()["id"]
    client.post("/api/admin/logout", headers=admin.headers)
    protected = [
        ("POST", "/api/dialogues", {"title": "x", "area": TOWN_AREA}),
        ("GET", f"/api/admin/dialogues/{did}/queue", None),
        ("POST", f"/api/admin/contributions/{cid}/moderate", {"status": "published"}),
        ("GET", f"/api/admin/dialogues/{did}/export.csv", None),
        ("GET", f"/api/admin/dialogues/{did}/export.gpkg", None),
        ("GET", f"/api/admin/dialogues/{did}/summary", None),
        ("POST", "/api/admin/logout", None),
    ]
    for method, path, body in protected:
        assert client.request(method, path, json=body).status_code == 401, path
    client.cookies.set("jamlik_admin", "forged.value.here")
    assert client.get(f"/api/admin/dialogues/{did}/queue").status_code == 401
    client.cookies.clear()
    admin = login(client)
    # Logged in, but a write without (or with a wrong) CSRF token: 403.
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        for method, path, body in protected:
            if method == "POST":
                r = client.request(method, path, json=body, headers=headers)
                assert r.status_code == 403, path
    # A session signed with another secret is not accepted.
    other = Settings(
        secret_key="another-secret-0123456789", cache_dir=Path("."), db_url="sqlite://"
    )
    from fastapi import Response

    from jamlik.web.security import start_session

    response = Response()
    start_session(response, other, 1)
    forged = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    client.cookies.clear()
    client.cookies.set("jamlik_admin", forged)
    assert client.get(f"/api/admin/dialogues/{did}/queue").status_code == 401


def test_rate_limit_trips(sqlite_url: str, web_cache: Path) -> None:
    settings = make_settings(sqlite_url, web_cache, rate_limit_per_min=5)
    with TestClient(create_app(settings)) as client:
        did = create_dialogue(login(client))
        codes = [
            client.post(f"/api/dialogues/{did}/contributions", json=point()).status_code
            for _ in range(7)
        ]
        assert codes == [201] * 5 + [429, 429]
        wrong = {"username": "admin", "password": "nope"}
        logins = [client.post("/api/admin/login", json=wrong).status_code for _ in range(11)]
        assert logins[:9] == [401] * 9 and logins[-1] == 429


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(2, window_s=0.2)
    assert [limiter.allow("a"), limiter.allow("a"), limiter.allow("a")] == [True, True, False]
    assert limiter.allow("b")
    import time

    time.sleep(0.25)
    assert limiter.allow("a")
    assert all(RateLimiter(0).allow("a") for _ in range(100))


def test_honeypot_and_no_raw_address_stored(tmp_path: Path, web_cache: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(make_settings(url, web_cache))) as client:
        did = create_dialogue(login(client))
        r = client.post(f"/api/dialogues/{did}/contributions", json=point(website="http://spam"))
        assert r.status_code == 422
        r = client.post(f"/api/dialogues/{did}/contributions", json=point(participant="p" * 16))
        assert r.status_code == 201
        code = r.json()["code"]
    with sqlite3.connect(tmp_path / "web.db") as db:
        rows = db.execute("SELECT * FROM contributions").fetchall()
        assert len(rows) == 1
        dump = "\n".join(db.iterdump())
    # TestClient's address is "testclient": only its keyed hash is in the database.
    assert "testclient" not in dump and code not in dump and "p" * 16 not in dump
    assert keyed_hash(SECRET, "client", "testclient") in dump


def test_default_secret_refused_outside_local_mode() -> None:
    with pytest.raises(ValidationError, match="JAMLIK_SECRET_KEY"):
        Settings(local=False)
    with pytest.raises(ValidationError, match="JAMLIK_SECRET_KEY"):
        Settings(local=False, secret_key="short")
    assert Settings(local=False, secret_key="x" * 32).secret_key == "x" * 32


def test_session_cookie_flags(client: TestClient) -> None:
    r = client.post(
        "/api/admin/login", json={"username": "admin", "password": "correct horse battery staple"}
    )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
