"""The HTTP client of `jamlik fetch`: retries, Retry-After, resumable downloads, cache, offline.

Recorded answers are served by respx (httpx's mock transport) or, where a connection must be
cut mid-body, by a tiny HTTP server on 127.0.0.1 in the test. No test waits for real: the
client's sleep and clock are fakes that record the waits asked for.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import respx

from jamlik.errors import JamlikError
from jamlik.ingest.connectors.http import FetchError, HttpClient, RateLimit


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests match the English texts of the ingest's messages."""
    monkeypatch.setenv("JAMLIK_LANG", "en")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _client(tmp_path: Path, fake: FakeTime, **kwargs: object) -> HttpClient:
    return HttpClient(cache_dir=tmp_path / "cache", sleep=fake.sleep, clock=fake.clock, **kwargs)  # type: ignore[arg-type]


URL = "https://api.example.test/data.json"


def test_429_with_retry_after_seconds_waits_as_told(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "7"}),
                httpx.Response(200, json={"ok": 1}),
            ]
        )
        with _client(tmp_path, fake) as client:
            got = client.get(URL)
    assert got.json() == {"ok": 1}
    assert route.call_count == 2
    assert fake.waits == [7.0]


def test_429_with_retry_after_http_date(tmp_path: Path) -> None:
    fake = FakeTime()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    with respx.mock() as mock:
        mock.get(URL).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": when}),
                httpx.Response(200, json=[1]),
            ]
        )
        with _client(tmp_path, fake) as client:
            client.get(URL)
    assert len(fake.waits) == 1
    assert 25.0 <= fake.waits[0] <= 30.0


def test_5xx_then_success_backs_off_exponentially(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.get(URL).mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(502),
                httpx.Response(500),
                httpx.Response(200, json={"n": 3}),
            ]
        )
        with _client(tmp_path, fake, backoff_s=0.5) as client:
            assert client.get(URL).json() == {"n": 3}
    assert route.call_count == 4
    assert fake.waits == [0.5, 1.0, 2.0]


def test_gives_up_with_a_clear_error_after_the_retries(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.get(URL).mock(return_value=httpx.Response(503))
        with _client(tmp_path, fake, retries=2) as client, pytest.raises(FetchError) as info:
            client.get(URL)
    assert route.call_count == 3
    assert "HTTP 503" in str(info.value) and URL in str(info.value)
    assert isinstance(info.value, JamlikError) and isinstance(info.value, ConnectionError)


def test_a_retry_after_longer_than_the_limit_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        mock.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
        with _client(tmp_path, fake, max_wait_s=60) as client, pytest.raises(FetchError) as info:
            client.get(URL)
    assert "3600" in str(info.value)
    assert fake.waits == []


def test_a_4xx_answer_is_not_retried(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.get(URL).mock(return_value=httpx.Response(404, text="no such table"))
        with _client(tmp_path, fake) as client, pytest.raises(FetchError, match="404"):
            client.get(URL)
    assert route.call_count == 1


def test_cache_answers_the_second_call_and_a_damaged_entry_is_fetched_again(
    tmp_path: Path,
) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.get(URL).mock(return_value=httpx.Response(200, json={"v": 1}))
        with _client(tmp_path, fake) as client:
            first = client.get(URL)
            second = client.get(URL)
            assert route.call_count == 1
            assert second.from_cache and second.sha256 == first.sha256
            assert first.sha256 == hashlib.sha256(first.read_bytes()).hexdigest()
            first.path.write_bytes(b'{"v": 2}')  # damaged on disk: the hash no longer fits
            third = client.get(URL)
    assert route.call_count == 2
    assert third.json() == {"v": 1}


def test_post_bodies_are_cached_apart(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.post(URL).mock(
            side_effect=lambda request: httpx.Response(200, content=request.content)
        )
        with _client(tmp_path, fake) as client:
            a = client.post_json(URL, {"q": 1})
            b = client.post_json(URL, {"q": 2})
            a2 = client.post_json(URL, {"q": 1})
    assert route.call_count == 2
    assert a.json() == {"q": 1} and b.json() == {"q": 2} and a2.from_cache


def test_rate_window_spaces_the_calls(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        mock.get(url__regex=r"https://api\.example\.test/t/\d+").mock(
            return_value=httpx.Response(200, json={})
        )
        with _client(tmp_path, fake) as client:
            client.set_rate_limit("api.example.test", RateLimit(calls=3, window_s=10.0))
            for i in range(7):
                client.get(f"https://api.example.test/t/{i}")
    # 3 calls at t=1000, the 4th must wait until 1010, the 7th until 1020.
    assert fake.waits == [10.0, 10.0]


# -- a truncated download, resumed with Range ------------------------------------------------


BODY = bytes(range(256)) * 400  # 102,400 bytes


class _Handler(http.server.BaseHTTPRequestHandler):
    ranges: list[str | None] = []
    cut_first = True

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        wanted = self.headers.get("Range")
        type(self).ranges.append(wanted)
        if wanted is None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            if type(self).cut_first:
                self.wfile.write(BODY[:40_000])  # then the connection drops
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(BODY)
            return
        start = int(wanted.removeprefix("bytes=").rstrip("-"))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        self.send_header("Content-Length", str(len(BODY) - start))
        self.end_headers()
        self.wfile.write(BODY[start:])


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.ranges = []
    _Handler.cut_first = True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/extract.osm.pbf"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_truncated_download_is_resumed_and_checked(tmp_path: Path, server: str) -> None:
    fake = FakeTime()
    expected = hashlib.sha256(BODY).hexdigest()
    seen: list[tuple[int, int | None]] = []
    with _client(tmp_path, fake) as client:
        got = client.get(
            server, expected_sha256=expected, progress=lambda d, t: seen.append((d, t))
        )
    assert got.read_bytes() == BODY
    assert got.sha256 == expected
    assert _Handler.ranges[0] is None
    assert _Handler.ranges[1] is not None
    resumed_from = int(_Handler.ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_from <= 40_000
    assert seen[-1] == (len(BODY), len(BODY))


def test_a_download_with_the_wrong_hash_is_refused(tmp_path: Path, server: str) -> None:
    _Handler.cut_first = False
    fake = FakeTime()
    with _client(tmp_path, fake) as client, pytest.raises(FetchError, match="SHA-256"):
        client.get(server, expected_sha256="0" * 64)
    assert not list((tmp_path / "cache").glob("*.part"))


def test_offline_fails_within_seconds_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    with HttpClient(cache_dir=tmp_path, backoff_s=0.2) as client, pytest.raises(FetchError) as info:
        client.get(f"http://127.0.0.1:{port}/api/v2/config")
    assert time.monotonic() - start < 5.0
    assert "cannot reach 127.0.0.1" in str(info.value)
    assert "network" in str(info.value)


def test_cache_entries_older_than_max_age_and_refresh_are_fetched_again(tmp_path: Path) -> None:
    fake = FakeTime()
    with respx.mock() as mock:
        route = mock.get(URL).mock(return_value=httpx.Response(200, json={"v": 1}))
        with _client(tmp_path, fake) as client:
            client.get(URL, max_age_s=3600)
            client.get(URL, max_age_s=3600)
            assert route.call_count == 1
            meta = next((tmp_path / "cache").glob("*.json"))
            info = json.loads(meta.read_text())
            info["fetched_at"] -= 7200  # two hours old
            meta.write_text(json.dumps(info))
            client.get(URL, max_age_s=3600)
            assert route.call_count == 2
        with _client(tmp_path, fake, refresh=True) as client:
            client.get(URL)
    assert route.call_count == 3


def test_an_api_key_never_shows_in_errors_logs_or_the_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTime()
    feed = "https://opendata.example.test/gtfs/vt/vt.zip"
    caplog.set_level("INFO", logger="jamlik")
    with respx.mock() as mock:
        mock.get(url__startswith=feed).mock(
            side_effect=[httpx.Response(503), httpx.Response(200, content=b"zip")]
        )
        with _client(tmp_path, fake) as client:
            got = client.get(feed, params={"key": "s3cret"})
    assert got.read_bytes() == b"zip" and "s3cret" not in got.url and "key=REDACTED" in got.url
    assert "s3cret" not in caplog.text and "retry 1" in caplog.text
    assert not any("s3cret" in p.read_text(errors="ignore") for p in (tmp_path / "cache").iterdir())
    with respx.mock() as mock:
        mock.get(url__startswith=feed).mock(return_value=httpx.Response(401))
        with _client(tmp_path, fake) as client, pytest.raises(FetchError) as info:
            client.get(feed, params={"key": "wrong"}, use_cache=False)
    assert "wrong" not in str(info.value) and "API key" in str(info.value)
