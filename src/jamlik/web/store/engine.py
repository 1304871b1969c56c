"""Connect to the store and bring its schema up to date with the bundled Alembic migrations.

SQLite is opened in write-ahead-log mode with ``synchronous=FULL`` (a transaction is on disk
before the commit returns, so an acknowledged contribution survives a crash of the process or
of the machine) and every write transaction starts with ``BEGIN IMMEDIATE`` so concurrent
writers queue on the busy timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from jamlik.errors import ConfigError
from jamlik.i18n import t

__all__ = ["connect", "migrate", "read_session", "write_session"]

_BUSY_TIMEOUT_MS = 30_000


def connect(url: str) -> Engine:
    """Return an engine for ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://…``).

    Raises
    ------
    ConfigError
        If the URL is not one of the supported databases.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the URL in it
        raise ConfigError(t("web_dialogue.database_url_unreadable", url=url, exc=exc)) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_size=20, max_overflow=20, pool_pre_ping=True)
    raise ConfigError(t("web_dialogue.database_url_unsupported", url=url))


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off; "begin" below issues BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("jamlik_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """Yield a session for one write transaction, committed on success, rolled back on error."""
    writer = engine.execution_options(jamlik_write=True)
    with Session(writer, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """Yield a session for reading (its transaction is rolled back at the end)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def migrate(engine: Engine) -> None:
    """Upgrade the store's schema to the newest migration (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "jamlik.web.store:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
