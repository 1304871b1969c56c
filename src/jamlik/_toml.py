"""Reading the small TOML files users write (targets, vulnerability settings, opening hours)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from jamlik.errors import ConfigError, MissingFileError
from jamlik.i18n import t

__all__ = ["read_toml_file"]


def read_toml_file(path: str | Path, *, what: str) -> dict[str, Any]:
    """Parse ``path`` as UTF-8 TOML.

    Raises
    ------
    MissingFileError
        If the file does not exist (the message says which kind of file, ``what``).
    ConfigError
        If it is not valid UTF-8 TOML; the message names the file and the parser's complaint.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(t("ingest.toml.missing", path=str(path), what=what))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(t("ingest.toml.invalid", path=str(path), reason=exc)) from None
