"""The web visitor's identity: a random id in a signed, HttpOnly cookie.

The id is the conversation key, so it must not be forgeable: anyone who could pick another
visitor's id would read that visitor's transcript.
"""

from __future__ import annotations

import secrets

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "heard_visitor"
SALT = "heard.webchat.visitor"
# Chrome caps cookie lifetimes at 400 days; the page re-issues the cookie on every visit, so
# a returning customer keeps the conversation as long as they come back within that window.
COOKIE_MAX_AGE = 400 * 24 * 3600


class VisitorCookie:
    """Issues and reads the cookie once its key is loaded (`use_key`, at start-up: the key
    may live in the database, which is only ready then)."""

    def __init__(self, *, secure: bool = False) -> None:
        # Behind a proxy that ends TLS the request looks like plain HTTP: the setting says so.
        self._secure = secure
        self._serializer: URLSafeTimedSerializer | None = None

    def use_key(self, secret: str) -> None:
        if not secret:
            raise ValueError("the web chat needs a non-empty secret to sign visitor cookies")
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)

    @property
    def _signer(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            raise RuntimeError("the visitor cookie's key is not loaded: the app has not started")
        return self._serializer

    def read(self, request: web.Request) -> str | None:
        """The visitor id from a valid cookie, else None (missing, tampered or expired)."""
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return None
        try:
            value = self._signer.loads(raw, max_age=COOKIE_MAX_AGE)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None

    def issue(self, request: web.Request, response: web.StreamResponse) -> str:
        """Keeps the existing visitor id (refreshing its lifetime) or makes a new one."""
        visitor_id = self.read(request) or secrets.token_urlsafe(18)
        response.set_cookie(
            COOKIE_NAME,
            self._signer.dumps(visitor_id),
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.secure or self._secure,
        )
        return visitor_id
