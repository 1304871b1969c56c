"""The translation catalogue: every user-facing text, in Swedish (default) and English.

Texts live in TOML files under ``messages/``, one file per domain (``cli.toml``,
``columns.toml``, …). They are merged into one catalogue; a key defined twice is an error, so
domains cannot silently override each other. Each entry is a table with one string per
language::

    [access.done]
    sv = "Klart: {n} områden"
    en = "Done: {n} areas"

Use :func:`t` to fetch and format a text. The language comes from the ``language`` argument, else
from the ``JAMLIK_LANG`` environment variable, else Swedish.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LANGUAGES", "catalogue", "current_language", "format_general", "format_number", "t"]

LANGUAGES: tuple[str, ...] = ("sv", "en")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Return the merged catalogue ``{key: {language: text}}``."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files(__package__).joinpath("messages")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, texts in _flatten(data):
            if key in merged:
                raise RuntimeError(f"translation key {key!r} is defined twice ({entry.name})")
            missing = [lang for lang in LANGUAGES if lang not in texts]
            if missing:
                raise RuntimeError(f"translation key {key!r} in {entry.name} lacks {missing}")
            merged[key] = texts
    return merged


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            out.append((key, value))
        elif isinstance(value, dict):
            out.extend(_flatten(value, prefix=f"{key}."))
    return out


def current_language(language: str | None = None) -> str:
    """Resolve the language to use: argument, then ``JAMLIK_LANG``, then Swedish."""
    lang = (language or os.environ.get("JAMLIK_LANG") or "sv").lower()[:2]
    return lang if lang in LANGUAGES else "sv"


def t(key: str, /, language: str | None = None, **values: object) -> str:
    """Return the text for ``key`` in the chosen language, formatted with ``values``.

    Raises
    ------
    KeyError
        If ``key`` is not in the catalogue (a programming error, caught by the tests).
    """
    texts = catalogue()[key]
    return texts[current_language(language)].format(**values)


def format_number(value: float, decimals: int = 0, *, language: str | None = None) -> str:
    """Format a number for people: sv ``132 889`` and ``0,83``; en ``132,889`` and ``0.83``.

    Swedish groups thousands with a narrow no-break space (so a number never breaks across
    lines) and writes a decimal comma.
    """
    text = f"{value:,.{decimals}f}"
    if current_language(language) == "sv":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def format_general(value: float, digits: int = 4, *, language: str | None = None) -> str:
    """Format a number to ``digits`` significant digits for people: sv ``0,0012``, en ``0.0012``.

    For values whose size varies (p-values, target values); no thousands grouping.
    """
    text = f"{value:.{digits}g}"
    return text.replace(".", ",") if current_language(language) == "sv" else text
