"""Fixtures of the web tests: the sample town pack, stores on SQLite and PostgreSQL, clients.

PostgreSQL: ``JAMLIK_TEST_PG_URL`` names the server (``make test`` starts one). Each test
session works in a fresh schema of its own, dropped at the end. When the variable is set but
the server does not answer, the PostgreSQL tests fail (they never skip silently); without the
variable they are skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from jamlik.web.app import create_app
from jamlik.web.settings import Settings

ADMIN = ("admin", "correct horse battery staple")
SECRET = "test-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def web_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the sample town pack (written once per session)."""
    folder = tmp_path_factory.mktemp("web-cache")
    from jamlik.web.packs import pack_context

    pack_context(Settings(cache_dir=folder, db_url="sqlite://"))
    return folder


@pytest.fixture(scope="session")
def pg_base_url(worker_id: str) -> Iterator[str]:
    """A PostgreSQL URL of a fresh database with PostGIS (dropped after the session).

    A database of its own (not a schema of the shared one): tables another program left in
    the server's ``public`` schema can never be mistaken for this session's.
    """
    url = os.environ.get("JAMLIK_TEST_PG_URL")
    if not url:
        # `make test` (and so CI) always sets it; a bare `pytest` on a laptop may run without.
        message = "JAMLIK_TEST_PG_URL is not set (make test starts PostgreSQL and sets it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    name = f"jamlik_web_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # the server must be there when the variable says so
        pytest.fail(f"JAMLIK_TEST_PG_URL={url} is set but PostgreSQL does not answer: {exc}")
    fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(fresh)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    yield fresh
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL: a new SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'web.db'}"
    url: str = request.getfixturevalue("pg_base_url")
    engine = create_engine(url)
    with engine.begin() as conn:  # every test starts from empty tables
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in tables:
            if table not in ("alembic_version", "spatial_ref_sys"):  # the latter is PostGIS's
                conn.execute(text(f"TRUNCATE {table} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A store URL of a new SQLite file."""
    return f"sqlite:///{tmp_path / 'web.db'}"


def make_settings(db_url: str, cache: Path, **extra: Any) -> Settings:
    """Settings of a test app with the test admin."""
    values: dict[str, Any] = {
        "db_url": db_url,
        "cache_dir": cache,
        "secret_key": SECRET,
        "admin_user": ADMIN[0],
        "admin_password": ADMIN[1],
        "rate_limit_per_min": 0,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def client(sqlite_url: str, web_cache: Path) -> Iterator[TestClient]:
    """A client of an app on a new SQLite store (no rate limit)."""
    with TestClient(create_app(make_settings(sqlite_url, web_cache))) as c:
        yield c


@dataclass
class Admin:
    """A logged-in admin client and its CSRF header."""

    client: TestClient
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


def login(client: TestClient) -> Admin:
    """Log the test admin in on ``client``."""
    r = client.post("/api/admin/login", json={"username": ADMIN[0], "password": ADMIN[1]})
    assert r.status_code == 200, r.text
    return Admin(client, r.json()["csrf"])


#: The sample town's extent (WGS84) with a margin: the test dialogues cover it.
TOWN_AREA = {
    "type": "Polygon",
    "coordinates": [[[11.8, 57.79], [12.13, 57.79], [12.13, 57.94], [11.8, 57.94], [11.8, 57.79]]],
}
INSIDE = [11.95, 57.86]


def create_dialogue(admin: Admin, **extra: Any) -> int:
    """Create a dialogue over the sample town; return its id."""
    body = {"title": "Hur har du det i Älvvik?", "description": "Test", "area": TOWN_AREA}
    body.update(extra)
    r = admin.client.post("/api/dialogues", json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def point(lon: float = INSIDE[0], lat: float = INSIDE[1], **extra: Any) -> dict[str, Any]:
    """A contribution body: a point with a category and a comment."""
    body: dict[str, Any] = {
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "category": "otryggt",
        "comment": "Mörkt vid busshållplatsen",
    }
    body.update(extra)
    return body
