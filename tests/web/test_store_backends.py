"""The store on SQLite and PostgreSQL + PostGIS: migrations, geometry, concurrent writers."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select, text

from jamlik.errors import ConfigError
from jamlik.web.dialogue import service
from jamlik.web.dialogue.schemas import ContributionIn, DialogueIn
from jamlik.web.store import Contribution, connect, migrate
from jamlik.web.store.engine import read_session

from .conftest import SECRET, TOWN_AREA

ASPECTS = {"halsa_och_sakerhet", "identitet", "samspel", "vardagsliv", "sammanhallen_stad"}


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the messages (the default language is Swedish)."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


def _contribution(i: int, key: str | None = None) -> ContributionIn:
    lon = 11.9 + 0.001 * (i % 50)
    return ContributionIn(
        geometry={"type": "Point", "coordinates": [lon, 57.85]},
        category="saknas",
        comment=f"nr {i}",
        submission_key=key or f"key-{i:06d}",
    )


def test_migrations_run_twice_and_create_tables(db_url: str) -> None:
    engine = connect(db_url)
    migrate(engine)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"admins", "dialogues", "contributions", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()


def test_postgis_geometry_columns(pg_base_url: str) -> None:
    engine = connect(pg_base_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE contributions, dialogues RESTART IDENTITY CASCADE"))
    did = service.create_dialogue(engine, DialogueIn(title="t", area=TOWN_AREA), ASPECTS)
    dialogue = service.get_dialogue(engine, did)
    assert dialogue is not None
    line = ContributionIn(
        geometry={"type": "LineString", "coordinates": [[11.9, 57.85], [11.95, 57.86]]},
        category="otryggt",
    )
    service.add_contribution(
        engine, dialogue, line, secret=SECRET, client_hash="c", age_bands=None, home_areas=None
    )
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_SRID(c.geom), GeometryType(c.geom), ST_AsText(c.geom), "
                "ST_Within(c.geom, d.geom), ST_Length(c.geom::geography) "
                "FROM contributions c JOIN dialogues d ON d.id = c.dialogue_id"
            )
        ).one()
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contributions_geom'")
        ).scalar()
    assert row[0] == 4326 and row[1] == "LINESTRING"
    assert row[2] == "LINESTRING(11.9 57.85,11.95 57.86)"
    assert row[3] is True
    # Independent check of the stored coordinates: the geodesic length by pyproj.
    from pyproj import Geod

    length = Geod(ellps="WGS84").line_length([11.9, 11.95], [57.85, 57.86])
    assert row[4] == pytest.approx(length, rel=1e-3)
    assert "gist" in index.lower()
    engine.dispose()


def test_concurrent_writers_lose_nothing_and_store_nothing_twice(db_url: str) -> None:
    engine = connect(db_url)
    migrate(engine)
    did = service.create_dialogue(engine, DialogueIn(title="t", area=TOWN_AREA), ASPECTS)
    dialogue = service.get_dialogue(engine, did)
    assert dialogue is not None

    def send(i: int, key: str | None = None) -> service.Submitted:
        return service.add_contribution(
            engine, dialogue, _contribution(i, key), secret=SECRET, client_hash="c",
            age_bands=None, home_areas=None,
        )  # fmt: skip

    with ThreadPoolExecutor(16) as pool:
        done = list(pool.map(send, range(200)))
        # The same submission from 16 threads at once: one row, one answer.
        repeats = list(pool.map(lambda i: send(999, "same-key-123"), range(16)))
    assert all(d.created for d in done)
    assert len({d.id for d in done}) == 200
    assert len({(r.id, r.code) for r in repeats}) == 1
    assert sum(r.created for r in repeats) == 1
    with read_session(engine) as session:
        ids = set(session.scalars(select(Contribution.public_id)))
        comments = list(session.scalars(select(Contribution.comment)))
        n = session.scalar(select(func.count()).select_from(Contribution))
    assert {d.id for d in done} | {repeats[0].id} == ids
    assert n == 201 and len(set(comments)) == 201
    engine.dispose()


def test_unknown_database_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="sqlite:///FILE.db"):
        connect("mysql://x@y/z")
    with pytest.raises(ConfigError, match="cannot be read"):
        connect("not a url")


def test_dialogue_fields_round_trip(db_url: str) -> None:
    engine = connect(db_url)
    migrate(engine)
    data = DialogueIn(
        title="Åäö – \"quotes\" 'and' \\ backslash",
        description="rad 1\nrad 2",
        area=TOWN_AREA,
        questions=[{"key": "why", "sv": "Varför?", "en": "Why?"}],
    )
    did = service.create_dialogue(engine, data, ASPECTS)
    stored = service.dialogue_dict(service.get_dialogue(engine, did))  # type: ignore[arg-type]
    assert stored["title"] == data.title and stored["description"] == data.description
    assert stored["area"] == json.loads(json.dumps(TOWN_AREA))
    assert stored["questions"] == [{"key": "why", "sv": "Varför?", "en": "Why?"}]
    engine.dispose()
