"""A careful HTTP client for public data services: retries, rate limits and a resumable cache.

Every connector of :mod:`jamlik.ingest.connectors` talks to the network through
:class:`HttpClient`, which adds what httpx leaves to the caller (httpx is the well-kept
transport; these rules are the services' own and small enough to state here):

* **Timeouts** on connect and read (``timeout_s``); no call waits forever.
* **Retries with backoff** on 429 and 5xx answers and on dropped connections: the wait is the
  server's ``Retry-After`` (seconds or an HTTP date) when it sends one, else
  ``backoff_s * 2**attempt``; at most ``retries`` retries, and never a wait longer than
  ``max_wait_s`` (a longer ``Retry-After`` ends the fetch with a clear error instead).
  A host that cannot be reached at all (DNS failure, refused connection) fails after
  ``connect_retries`` short retries, so an offline fetch stops within seconds.
* **Rate limits**: a sliding window of at most ``calls_per_window`` calls in any
  ``window_s`` seconds (SCB's PxWebApi documents 30 calls per 10 s per IP address).
* **A content-hashed cache** (``cache_dir``): a response is stored under the SHA-256 of its
  request (method, URL, body) together with the SHA-256 of its content, and is used again only
  when the stored content still has that hash and is younger than ``max_age_s`` (per call, or
  the client's; ``refresh=True`` ignores every entry). Downloads go to a ``.part`` file first; a
  connection dropped mid-way is resumed with an HTTP ``Range`` request from the bytes already
  received, and a download shorter than its ``Content-Length`` is never accepted.

Errors are :class:`FetchError` (a :class:`~jamlik.errors.JamlikError` and a
:class:`ConnectionError`) naming the URL and what to do.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from jamlik.errors import JamlikError
from jamlik.i18n import format_number, t

__all__ = ["FetchError", "HttpClient", "RateLimit", "Retrieved", "redact"]

logger = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_SECRET_PARAMS = frozenset({"key", "apikey", "api_key", "token", "access_token"})
_CHUNK = 1 << 16

#: ``progress(done_bytes, total_bytes_or_None)`` while a download runs.
Progress = Callable[[int, int | None], None]


class FetchError(ConnectionError, JamlikError):
    """A public data service could not be reached or gave an unusable answer."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``calls`` calls in any window of ``window_s`` seconds."""

    calls: int
    window_s: float


@dataclass(frozen=True)
class Retrieved:
    """A response body on disk with where and when it came from."""

    path: Path
    url: str
    sha256: str
    retrieved: str  # ISO date (UTC) of the download
    from_cache: bool

    def read_bytes(self) -> bytes:
        """Return the body."""
        return self.path.read_bytes()

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchError(t("ingest.fetch.not_json", url=self.url, reason=exc)) from None


@dataclass
class _Window:
    limit: RateLimit
    calls: deque[float] = field(default_factory=deque)

    def wait(self, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        now = clock()
        while self.calls and now - self.calls[0] >= self.limit.window_s:
            self.calls.popleft()
        if len(self.calls) >= self.limit.calls:
            pause = self.limit.window_s - (now - self.calls[0])
            if pause > 0:
                sleep(pause)
            now = clock()
            while self.calls and now - self.calls[0] >= self.limit.window_s:
                self.calls.popleft()
        self.calls.append(clock())


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _retry_after_s(response: httpx.Response, *, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """HTTP GET/POST with timeouts, retries, rate limits and a content-hashed cache.

    Parameters
    ----------
    cache_dir
        Folder of the cache; ``None`` keeps nothing between calls (a temporary ``.part`` file
        is still used for resuming).
    timeout_s
        Connect and read timeout per call.
    retries
        Retries after a 429/5xx answer or a dropped connection.
    connect_retries
        Retries when the host cannot be reached at all (kept small: offline must fail fast).
    backoff_s
        First wait between retries; doubled each time when the server says nothing.
    max_wait_s
        Longest single wait accepted (``Retry-After`` included).
    max_age_s
        Default age (seconds) after which a cache entry is fetched again; ``None``: never.
    refresh
        Fetch everything again (the cache is still written).
    transport
        An httpx transport (tests pass a mock); default: the network.
    sleep, clock
        Time functions (tests pass fakes so no test waits for real).
    """

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        timeout_s: float = 30.0,
        retries: int = 4,
        connect_retries: int = 1,
        backoff_s: float = 1.0,
        max_wait_s: float = 120.0,
        max_age_s: float | None = None,
        refresh: bool = False,
        user_agent: str = "jamlik-fetch (https://github.com/jamlik)",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.retries = retries
        self.connect_retries = connect_retries
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self.max_age_s = max_age_s
        self.refresh = refresh
        self._sleep = sleep
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers={"User-Agent": user_agent},
            follow_redirects=True,
            transport=transport,
        )
        self.calls = 0  # requests sent (cache hits not counted)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_rate_limit(self, host: str, limit: RateLimit) -> None:
        """Allow at most ``limit.calls`` calls to ``host`` in any ``limit.window_s`` seconds."""
        self._windows[host] = _Window(limit)

    # -- the cache ---------------------------------------------------------------------------
    def _key(self, method: str, url: str, body: bytes | None) -> str:
        digest = hashlib.sha256(f"{method} {url}\n".encode())
        digest.update(body or b"")
        return digest.hexdigest()

    def _paths(self, key: str, folder: Path) -> tuple[Path, Path, Path]:
        return folder / key, folder / f"{key}.json", folder / f"{key}.part"

    def _cached(self, key: str, url: str, max_age_s: float | None) -> Retrieved | None:
        if self.cache_dir is None or self.refresh:
            return None
        body, meta, _ = self._paths(key, self.cache_dir)
        if not (body.is_file() and meta.is_file()):
            return None
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None
        age_s = time.time() - float(info.get("fetched_at", 0.0))
        limit = max_age_s if max_age_s is not None else self.max_age_s
        if limit is not None and age_s > limit:
            return None
        if _sha256_file(body) != info.get("sha256"):
            logger.warning(t("ingest.fetch.cache_hash", url=url))
            return None
        return Retrieved(body, url, info["sha256"], info["retrieved"], from_cache=True)

    # -- requests ----------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        expected_sha256: str | None = None,
        use_cache: bool = True,
        max_age_s: float | None = None,
    ) -> Retrieved:
        """GET ``url`` (with ``params``) into the cache and return it."""
        full = str(httpx.URL(url, params=params)) if params else url
        return self._fetch(
            "GET", full, body=None, headers=headers or {}, progress=progress,
            expected_sha256=expected_sha256, use_cache=use_cache, max_age_s=max_age_s,
        )  # fmt: skip

    def post_json(
        self,
        url: str,
        payload: Any,
        *,
        params: Mapping[str, str] | None = None,
        max_age_s: float | None = None,
    ) -> Retrieved:
        """POST ``payload`` as JSON to ``url`` and return the answer."""
        full = str(httpx.URL(url, params=params)) if params else url
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        return self._fetch(
            "POST", full, body=body, headers=headers, progress=None,
            expected_sha256=None, use_cache=True, max_age_s=max_age_s,
        )  # fmt: skip

    def _fetch(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        progress: Progress | None,
        expected_sha256: str | None,
        use_cache: bool,
        max_age_s: float | None,
    ) -> Retrieved:
        key = self._key(method, url, body)
        shown = redact(url)  # messages, logs and the cache never show an API key
        if use_cache:
            hit = self._cached(key, shown, max_age_s)
            if hit is not None and (expected_sha256 in (None, hit.sha256)):
                return hit
        folder = self.cache_dir or Path(tempfile.gettempdir()) / "jamlik-fetch"
        folder.mkdir(parents=True, exist_ok=True)
        target, meta, part = self._paths(key, folder)
        attempt = 0
        unreachable = 0
        while True:
            try:
                self._send(method, url, body=body, headers=headers, part=part, progress=progress)
                break
            except _RetryError as retry:
                attempt += 1
                if attempt > self.retries:
                    raise FetchError(
                        t("ingest.fetch.gave_up", url=shown, reason=retry.reason, n=self.retries)
                    ) from None
                wait = (
                    retry.wait_s
                    if retry.wait_s is not None
                    else self.backoff_s * 2 ** (attempt - 1)
                )
                if wait > self.max_wait_s:
                    raise FetchError(
                        t("ingest.fetch.wait_too_long", url=shown, reason=retry.reason,
                          wait_s=f"{wait:.0f}", max_s=f"{self.max_wait_s:.0f}")
                    ) from None  # fmt: skip
                logger.info(
                    t("ingest.fetch.retry", url=shown, reason=retry.reason, attempt=attempt,
                      wait_s=format_number(wait, 1))
                )  # fmt: skip
                self._sleep(wait)
            except httpx.ConnectError as exc:
                unreachable += 1
                if unreachable > self.connect_retries:
                    host = httpx.URL(url).host
                    raise FetchError(t("ingest.fetch.unreachable", host=host, reason=exc)) from None
                self._sleep(self.backoff_s * unreachable)
        digest = _sha256_file(part)
        if expected_sha256 is not None and digest != expected_sha256:
            part.unlink(missing_ok=True)
            raise FetchError(
                t("ingest.fetch.bad_hash", url=shown, got=digest, expected=expected_sha256)
            )
        retrieved = datetime.now(UTC).date().isoformat()
        os.replace(part, target)
        meta.write_text(
            json.dumps(
                {"url": shown, "sha256": digest, "retrieved": retrieved, "fetched_at": time.time()}
            ),
            encoding="utf-8",
        )
        return Retrieved(target, shown, digest, retrieved, from_cache=False)

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        part: Path,
        progress: Progress | None,
    ) -> None:
        """One request into ``part`` (resumed from its length); raises _RetryError to try again."""
        host = httpx.URL(url).host
        if host in self._windows:
            self._windows[host].wait(self._sleep, self._clock)
        have = part.stat().st_size if (method == "GET" and part.is_file()) else 0
        if method != "GET":
            part.unlink(missing_ok=True)
        send_headers = dict(headers)
        if have:
            send_headers["Range"] = f"bytes={have}-"
        self.calls += 1
        try:
            with self._client.stream(method, url, content=body, headers=send_headers) as response:
                if response.status_code in _RETRY_STATUS:
                    wait = _retry_after_s(response, now=time.time())
                    raise _RetryError(
                        t("ingest.fetch.http_status", status=response.status_code), wait
                    )
                if response.status_code == 416 and have:
                    part.unlink(missing_ok=True)  # the server has no such range: start again
                    raise _RetryError(t("ingest.fetch.range_mismatch"), 0.0)
                if response.status_code in (401, 403):
                    raise FetchError(
                        t("ingest.fetch.refused", url=redact(url), status=response.status_code)
                    )
                if response.status_code >= 400:
                    text = response.read()[:300].decode("utf-8", errors="replace")
                    status = response.status_code
                    raise FetchError(
                        t(
                            "ingest.fetch.http_error",
                            url=redact(url),
                            status=status,
                            text=text.strip(),
                        )
                    )
                resumed = have and response.status_code == 206
                if not resumed:
                    have = 0
                expected = _content_length(response)
                total = have + expected if expected is not None else None
                done = have
                with part.open("ab" if resumed else "wb") as handle:
                    for block in response.iter_bytes():
                        handle.write(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
                if total is not None and done < total:
                    raise _RetryError(t("ingest.fetch.stopped", done=done, total=total), None)
        except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            raise _RetryError(t("ingest.fetch.dropped", kind=type(exc).__name__), None) from None
        except httpx.ConnectTimeout as exc:
            raise httpx.ConnectError(str(exc)) from None


def redact(url: str) -> str:
    """Return ``url`` with the values of secret query parameters (``key``, ``token``) hidden."""
    parsed = httpx.URL(url)
    if not parsed.params:
        return url
    params = [
        (name, "REDACTED" if name.lower() in _SECRET_PARAMS else value)
        for name, value in parsed.params.multi_items()
    ]
    return str(parsed.copy_with(params=params))


def _content_length(response: httpx.Response) -> int | None:
    if "Content-Encoding" in response.headers:
        return None  # the length is of the compressed body; httpx yields the decoded one
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


class _RetryError(Exception):
    def __init__(self, reason: str, wait_s: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_s = wait_s
