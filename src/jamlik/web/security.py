"""Security of the web app: passwords, admin sessions, CSRF, keyed hashes, rate limits, headers.

* Passwords: argon2id (``argon2-cffi``).
* Admin sessions: a cookie signed and time-limited with ``itsdangerous``, ``HttpOnly``,
  ``SameSite=Strict`` (``Secure`` outside local mode), holding the admin id and a CSRF token.
  State-changing admin requests must repeat that token in the ``X-CSRF-Token`` header
  (double submit); a cookie alone is never enough. No cookie: 401; wrong token: 403.
* Client addresses, personal codes and participant tokens are stored only as HMAC-SHA256
  keyed with the secret.
* Rate limits: an in-process sliding window per client hash (one server process; a deployment
  behind several workers would put this in the proxy).
* Every response carries a Content-Security-Policy without inline scripts, and request bodies
  above ``max_body_bytes`` are refused with 413 before they are read in full.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from jamlik.i18n import t
from jamlik.web.settings import Settings
from jamlik.web.templating import page_language

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "BodyLimitMiddleware",
    "RateLimiter",
    "SecurityHeadersMiddleware",
    "end_session",
    "hash_password",
    "keyed_hash",
    "new_code",
    "require_admin",
    "start_session",
    "verify_password",
]

SESSION_COOKIE = "jamlik_admin"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``stored_hash`` (False on a malformed hash)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """Return the hex HMAC-SHA256 of ``value`` under ``secret``, separated by ``purpose``."""
    key = hashlib.sha256(f"{purpose}\0{secret}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def new_code(secret: str, seed: str | None = None) -> str:
    """Return a personal code (12 characters, 60 bits); derived from ``seed`` when given."""
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1: easy to read aloud
    raw = (
        bytes.fromhex(keyed_hash(secret, "code", seed))
        if seed is not None
        else secrets.token_bytes(32)
    )
    number = int.from_bytes(raw, "big")
    chars = []
    for _ in range(12):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(chars)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="jamlik-admin-session")


def start_session(response: Response, settings: Settings, admin_id: int) -> str:
    """Set the admin session cookie on ``response``; return the session's CSRF token."""
    csrf = secrets.token_urlsafe(24)
    token = _serializer(settings).dumps({"admin": admin_id, "csrf": csrf})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_s,
        httponly=True,
        samesite="strict",
        secure=not settings.local,
        path="/",
    )
    return csrf


def end_session(response: Response) -> None:
    """Remove the admin session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def read_session(request: Request) -> dict[str, Any] | None:
    """Return the admin session of ``request`` (``{"admin", "csrf"}``) or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    settings: Settings = request.app.state.settings
    try:
        data = _serializer(settings).loads(token, max_age=settings.session_max_age_s)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "admin" in data and "csrf" in data else None


def require_admin(request: Request) -> dict[str, Any]:
    """FastAPI dependency: the admin session, else 401; a write without the CSRF token: 403."""
    session = read_session(request)
    if session is None:
        raise HTTPException(
            401,
            t("web_dialogue.login_required", page_language(request)),
            headers={"WWW-Authenticate": "Cookie"},
        )
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), str(session["csrf"]).encode()):
            raise HTTPException(403, t("web_dialogue.csrf", page_language(request)))
    return session


class RateLimiter:
    """At most ``limit`` events per client in any ``window_s`` seconds (0: unlimited)."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Record an event of ``client``; return False when it is over the limit."""
        if self.limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            if len(self._events) > 100_000:  # forget idle clients rather than grow forever
                self._events = {k: v for k, v in self._events.items() if v and v[-1] > now - 60}
            events = self._events.setdefault(client, deque())
            while events and events[0] <= now - self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


ASGIApp = Any
Scope = MutableMapping[str, Any]


def content_security_policy(tile_url: str | None) -> str:
    """Return the CSP: own scripts and styles only, images also from the tile server if set."""
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile_url else parts.netloc
        images += f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )


class SecurityHeadersMiddleware:
    """Add CSP and the usual hardening headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, tile_url: str | None = None) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_url).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
        ]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_413(send)
                    return
        # Read the whole body first (at most max_bytes), then replay it to the app: a body
        # that grows past the limit while streaming is refused before any route sees it.
        messages: list[MutableMapping[str, Any]] = []
        seen = 0
        while True:
            message: MutableMapping[str, Any] = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await _send_413(send)
                return
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replay_receive() -> MutableMapping[str, Any]:
            return next(replay, None) or await receive()

        await self.app(scope, replay_receive, send)


async def _send_413(send: Any) -> None:
    body = b'{"detail":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
