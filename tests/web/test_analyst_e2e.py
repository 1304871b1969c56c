"""The analyst pages in headless Chromium: the indicator map renders, the language switch works.

A real server (uvicorn on loopback) serves the sample town; the access and comparison jobs are
run before the browser opens so the test waits for drawing, not computing.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from fastapi import Request, Response
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

from jamlik.web.analyst.data import access_work, basemap_work, compare_work
from jamlik.web.analyst.state import AnalystState
from jamlik.web.app import create_app
from jamlik.web.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
#: The strict policy the platform sends (no inline script or style, same-origin requests only);
#: a page that breaks it logs "Refused to ..." console errors, which fail the test.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        cache_dir=tmp_path_factory.mktemp("cache"),
        db_url=f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}",
    )
    app = create_app(settings)

    @app.middleware("http")
    async def strict_csp(request: Request, call_next: Callable[[Request], Awaitable[Response]]):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        return response

    state = AnalystState(settings.pack, settings.cache_dir, settings.tile_url)
    app.state.analyst = state
    source = state.source
    plan = source.scenarios()[0]
    for key, work in (
        (source.key("access"), access_work(source)),
        (source.key("basemap"), basemap_work(source)),
        (source.key("compare", scenario=str(plan.resolve()), mtime=plan.stat().st_mtime_ns),
         compare_work(source, plan)),
    ):  # fmt: skip
        state.runner.submit(key, work)
        assert state.runner.wait(key).state == "done"
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)
    state.runner.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # Failed requests are named by the response handler (the browser's own /favicon.ico
    # request is not the page's and has no response event).
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error"
           and not m.text.startswith("Failed to load resource") else None)  # fmt: skip
    tab.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield tab
    context.close()
    assert errors == []  # no script error, no refused resource (CSP or missing file)


def _colours(png: bytes) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels, axis=0))


def test_indicator_map_renders_with_legend(server: str, page: Page, tmp_path: Path) -> None:
    response = page.goto(server + "/analyst")
    assert response is not None and response.headers["content-security-policy"] == CSP
    page.wait_for_selector("#an-map[data-ready='1']", timeout=60_000)
    page.wait_for_load_state("networkidle")
    legend = page.locator(".an-legend-list li")
    assert legend.count() >= 3  # classes plus "no residents"
    assert page.locator("#an-histogram svg rect").count() >= 2
    assert page.locator("#an-hours svg polyline").count() == 1
    shot = page.locator("#an-map").screenshot(path=str(tmp_path / "map.png"))
    assert _colours(shot) > 20  # a blank or single-colour map has a handful
    # Choropleth polygons and base-map tiles are both drawn.
    assert page.locator("#an-map canvas.leaflet-tile").count() > 0
    page.select_option("#an-layer", "grid")
    page.select_option("#an-measure", "in15")
    page.wait_for_load_state("networkidle")
    assert page.locator("#an-group option").count() == 1  # the grid is for everyone
    after = page.locator("#an-map").screenshot()
    assert after != shot and _colours(after) > 20


def test_language_switch(server: str, page: Page) -> None:
    page.goto(server + "/analyst")
    page.wait_for_selector("#an-map[data-ready='1']", timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").inner_text() == "Tillgång på kartan: vem når vad"
    page.click("#an-lang")
    page.wait_for_selector("#an-map[data-ready='1']", timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Access on the map: who reaches what"
    assert (
        "Grocery" in page.locator("#an-category").inner_text()
        or page.locator("#an-category option").count() > 3
    )
    page.click("text=Compare a plan")  # the choice follows the navigation (cookie)
    page.wait_for_selector("#an-map[data-ready='1']", timeout=60_000)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#an-winners tbody tr").count() > 0
    page.click("#an-lang")
    page.wait_for_selector("#an-map[data-ready='1']", timeout=60_000)
    assert page.locator("#an-winners thead").inner_text().split()[:1] == ["Indikator"]


def test_ska_page_shows_the_matrix(server: str, page: Page) -> None:
    page.goto(server + "/analyst/ska?lang=en")
    page.wait_for_selector("table.an-ska", timeout=60_000)
    assert page.locator("table.an-ska").count() >= 2  # one per perspective
    assert page.locator("#an-level").inner_text().startswith("Social complexity level")
    assert page.locator(".an-report-link").count() == 4
