"""The SKA report's inventory includes what residents said: a dialogue's published contributions
per SKA aspect reach `write_report` through the report download."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from .conftest import create_dialogue, login, point


def test_report_download_carries_the_dialogue(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured: list[pd.DataFrame | None] = []

    def write_report(pack: Path, *, out_dir: Path, dialogue=None, **_: object) -> dict[str, Path]:  # noqa: ANN001
        captured.append(dialogue)
        written = {}
        for key in ("html", "pdf", "xlsx", "gpkg"):
            written[key] = out_dir / f"report.{key}"
            written[key].write_bytes(key.encode())
        return written

    fake = types.ModuleType("jamlik.report")
    fake.write_report = write_report  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jamlik.report", fake)

    admin = login(client)
    did = create_dialogue(admin)
    categories = client.get(f"/api/dialogues/{did}").json()["categories"]
    unsafe = next(c for c in categories if c["key"] == "otryggt")
    sent = []
    for category in ("otryggt", "otryggt", "trivs_har"):
        r = client.post(f"/api/dialogues/{did}/contributions", json=point(category=category))
        assert r.status_code == 201, r.text
        sent.append(r.json()["id"])
    for cid in sent[:2]:  # the third stays unpublished and must not count
        client.post(
            f"/api/admin/contributions/{cid}/moderate",
            json={"status": "published"},
            headers=admin.headers,
        )

    first = client.get(f"/api/analyst/report?format=html&dialogue={did}")
    if first.status_code == 202:
        client.app.state.analyst.runner.wait(first.json()["key"])
    assert client.get(f"/api/analyst/report?format=html&dialogue={did}").status_code == 200
    (table,) = captured
    assert table is not None and int(table["contributions"].sum()) == 2
    row = table[table["otryggt"] > 0].iloc[0]
    assert row["otryggt"] == 2 and row["contributions"] == 2
    assert unsafe["aspect"] and row["Aspekt"]  # the aspect's Swedish name is the first column
    assert client.get("/api/analyst/report?format=html&dialogue=999").status_code == 404
