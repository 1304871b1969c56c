"""Schemathesis fuzzes every operation of the OpenAPI schema: no request gives a 5xx.

Each operation is fuzzed twice: anonymously and as a logged-in admin (session cookie and
CSRF header), so the admin routes are explored past the login too. A dialogue exists, so
generated ids reach the real code paths when they hit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from jamlik.web.app import create_app

from .conftest import create_dialogue, login, make_settings, point


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, web_cache: Path) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app(make_settings(f"sqlite:///{folder / 'fuzz.db'}", web_cache))
    with TestClient(app) as client:
        admin = login(client)
        did = create_dialogue(admin)
        client.post(f"/api/dialogues/{did}/contributions", json=point())
        cookie = f"jamlik_admin={client.cookies['jamlik_admin']}"
        yield {"app": app, "headers": {"Cookie": cookie, "X-CSRF-Token": admin.csrf}}


@pytest.fixture(scope="module")
def api_schema(fuzz_app: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app["app"])


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, fuzz_app: dict[str, Any]) -> None:
    for headers in (None, fuzz_app["headers"]):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
