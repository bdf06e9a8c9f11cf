"""The web visitor's identity: a random id in a signed, HttpOnly cookie.

The id is the conversation key, so it must not be forgeable: anyone who could pick another
visitor's id would read that visitor's transcript.
"""

from __future__ import annotations

import secrets

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "heard_visitor"
# Chrome caps cookie lifetimes at 400 days; the page re-issues the cookie on every visit, so
# a returning customer keeps the conversation as long as they come back within that window.
COOKIE_MAX_AGE = 400 * 24 * 3600


class VisitorCookie:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the web chat needs a non-empty secret to sign visitor cookies")
        self._serializer = URLSafeTimedSerializer(secret, salt="heard.webchat.visitor")

    def read(self, request: web.Request) -> str | None:
        """The visitor id from a valid cookie, else None (missing, tampered or expired)."""
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw, max_age=COOKIE_MAX_AGE)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None

    def issue(self, request: web.Request, response: web.StreamResponse) -> str:
        """Keeps the existing visitor id (refreshing its lifetime) or makes a new one."""
        visitor_id = self.read(request) or secrets.token_urlsafe(18)
        response.set_cookie(
            COOKIE_NAME,
            self._serializer.dumps(visitor_id),
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.secure,
        )
        return visitor_id
