"""End to end in headless Chromium (Debian's, driven by Playwright).

A resident on a phone-sized screen puts a pin with a comment on the map and sends it; the
admin logs in and publishes it; it appears on the public map (as text, markup included
literally) and in the CSV export; the Swedish/English switch works; no page logs an error or
a Content-Security-Policy violation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from jamlik.web.app import create_app

from .conftest import ADMIN, TOWN_AREA, make_settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
COMMENT = "Mörk gångtunnel <b>utan</b> lampor"


@pytest.fixture
def live_server(tmp_path: Path, web_cache: Path) -> Iterator[str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'e2e.db'}", web_cache))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.slow
def test_pin_to_publication_to_export(live_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; .ci/services installs Debian's chromium")
    from playwright.sync_api import expect, sync_playwright

    with httpx.Client(base_url=live_server) as c:
        csrf = c.post("/api/admin/login", json={"username": ADMIN[0], "password": ADMIN[1]}).json()[
            "csrf"
        ]
        r = c.post(
            "/api/dialogues",
            json={"title": "Trygghet i Älvvik", "area": TOWN_AREA},
            headers={"X-CSRF-Token": csrf},
        )
        did = r.json()["id"]

    problems: list[str] = []

    def watch(page: object) -> None:
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: problems.append(str(e)))  # type: ignore[attr-defined]
        page.on(  # type: ignore[attr-defined]
            "response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}")
        )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
            device_scale_factor=2,
        )  # fmt: skip
        page = phone.new_page()
        watch(page)
        page.goto(f"{live_server}/dialogue/{did}")
        expect(page.locator("#category option")).to_have_count(4)
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        # Keyboard: the button places a pin at the map's centre; "clear" removes it.
        page.focus("#add-at-centre")
        page.keyboard.press("Enter")
        expect(page.locator("#drawing-state")).to_have_text("Punkten är utsatt.")
        page.focus("#clear-drawing")
        page.keyboard.press("Enter")
        expect(page.locator("#drawing-state")).to_have_text("")
        # Every form field has a label.
        for field in ("category", "comment", "age-band", "home-area", "consent", "own-id"):
            assert page.locator(f"label[for='{field}'], label:has(#{field})").count() == 1, field
        # Tap the map: a pin.
        page.locator("#map").tap(position={"x": 180, "y": 200})
        expect(page.locator("#drawing-state")).to_have_text("Punkten är utsatt.")
        page.select_option("#category", "otryggt")
        page.fill("#comment", COMMENT)
        page.check("#consent")
        page.select_option("#age-band", "age_65_plus")
        page.click("#submit-contribution")
        expect(page.locator("#form-status")).to_contain_text("Tack!")
        own_id = page.input_value("#own-id")
        assert len(page.input_value("#own-code")) == 12

        # Pending: the resident sees the status with their code.
        page.click("#own-show")
        expect(page.locator("#own-status")).to_contain_text("väntar på granskning")

        # The admin publishes it.
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        admin = desk.new_page()
        watch(admin)
        admin.goto(f"{live_server}/admin")
        admin.fill("#username", ADMIN[0])
        admin.fill("#password", ADMIN[1])
        admin.click("#login-form button[type=submit]")
        item = admin.locator(f'#queue li[data-id="{own_id}"]')
        expect(item).to_contain_text(COMMENT)
        item.locator("button.moderate-published").click()
        expect(item).to_have_count(0)
        csv_text = admin.request.get(f"{live_server}/api/admin/dialogues/{did}/export.csv").text()
        assert own_id in csv_text and COMMENT in csv_text

        # On the public map, for everyone; the markup in the comment is shown as text.
        page.reload()
        marker = page.locator(".leaflet-marker-icon")
        expect(marker).to_have_count(1)
        marker.first.tap()
        popup = page.locator(".leaflet-popup-content")
        expect(popup).to_contain_text(COMMENT)
        assert popup.locator("b").count() == 0

        # The language switch.
        page.click("#lang-en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#form-heading")).to_have_text("Add a contribution")
        page.goto(f"{live_server}/dialogue")
        expect(page.locator("h1")).to_have_text("Dialogues")  # remembered by the cookie
        page.click("#lang-sv")
        expect(page.locator("h1")).to_have_text("Dialoger")
        browser.close()
    assert problems == []
