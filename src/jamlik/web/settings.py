"""Web app settings, from arguments, environment variables (``JAMLIK_…``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """What ``jamlik serve`` runs with.

    ``pack`` is the data pack the analyst pages show (``None``: the generated sample town);
    ``db_url`` the store (SQLite by default, PostgreSQL + PostGIS by URL); ``cache_dir`` where
    computed layers are kept between restarts; ``tile_url`` an optional online background map.
    """

    model_config = SettingsConfigDict(env_prefix="JAMLIK_", env_file=".env", extra="ignore")

    pack: Path | None = None
    db_url: str = "sqlite:///jamlik-web.db"
    secret_key: str = "change-me"
    local: bool = True
    cache_dir: Path = Path(".jamlik-cache")
    tile_url: str | None = None
