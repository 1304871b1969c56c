"""Shared fixtures: where the real data lives (read-only, never copied into the repo)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Folder of the real data packs beside the checkout (``../shared/data``)."""
    if not SHARED_DATA.is_dir():
        raise RuntimeError(f"real data not found at {SHARED_DATA}; it must sit beside the repo")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """Put ``JAMLIK_LANG`` back after each test.

    The CLI's ``--lang`` sets it in the process (so that messages raised deep in the library
    follow it); a test that runs the CLI in-process with ``--lang en`` would otherwise switch
    every later test of the same worker to English.
    """
    before = os.environ.get("JAMLIK_LANG")
    yield
    if before is None:
        os.environ.pop("JAMLIK_LANG", None)
    else:
        os.environ["JAMLIK_LANG"] = before
