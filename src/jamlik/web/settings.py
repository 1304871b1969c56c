"""Web app settings, from arguments, environment variables (``JAMLIK_…``) or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from jamlik.i18n import t

__all__ = ["DEFAULT_SECRET", "Settings"]

DEFAULT_SECRET = "change-me"


class Settings(BaseSettings):
    """What ``jamlik serve`` runs with.

    ``pack`` is the data pack the analyst pages show (``None``: the generated sample town);
    ``db_url`` the store (SQLite by default, PostgreSQL + PostGIS by URL); ``cache_dir`` where
    computed layers are kept between restarts; ``tile_url`` an optional online background map.

    ``secret_key`` signs admin sessions and keys the hashes of client addresses and personal
    codes; outside ``local`` mode the default is refused. ``admin_user`` with
    ``admin_password`` creates (or resets) that administrator at start-up.
    ``rate_limit_per_min`` is the number of contributions one client may send per minute
    (0: no limit); ``max_body_bytes`` the largest request body accepted.
    """

    model_config = SettingsConfigDict(env_prefix="JAMLIK_", env_file=".env", extra="ignore")

    pack: Path | None = None
    db_url: str = "sqlite:///jamlik-web.db"
    secret_key: str = DEFAULT_SECRET
    local: bool = True
    cache_dir: Path = Path(".jamlik-cache")
    tile_url: str | None = None
    admin_user: str | None = None
    admin_password: str | None = None
    rate_limit_per_min: int = 20
    max_body_bytes: int = 65_536
    session_max_age_s: int = 8 * 3600

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if not self.local and (self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 16):
            raise ValueError(t("web_dialogue.secret_key"))
        return self
