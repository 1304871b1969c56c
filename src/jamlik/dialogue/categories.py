"""The categories a new dialogue starts with, and the SKA aspect each one informs."""

from __future__ import annotations

__all__ = ["DEFAULT_CATEGORIES"]

#: Key, Swedish and English names, and the SKA aspect (``aspects.toml``) of each category.
DEFAULT_CATEGORIES: tuple[dict[str, str], ...] = (
    {"key": "trivs_har", "sv": "Trivs här", "en": "I like it here", "aspect": "identitet"},
    {"key": "otryggt", "sv": "Otryggt", "en": "Feels unsafe", "aspect": "halsa_och_sakerhet"},
    {"key": "saknas", "sv": "Något saknas", "en": "Something is missing", "aspect": "vardagsliv"},
    {"key": "motesplats", "sv": "Mötesplats", "en": "Meeting place", "aspect": "samspel"},
)
