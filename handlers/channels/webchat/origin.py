"""Cross-site WebSocket hijacking guard: only our own pages may open the chat socket.

Browsers send cookies with a cross-site WebSocket handshake (SameSite=Lax does not cover
it), so without this check any site could talk to the bot as the visitor.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web


def normalize_origin(origin: str) -> str:
    parts = urlsplit(origin.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def origin_allowed(request: web.Request, allowed_origins: Iterable[str]) -> bool:
    origin = request.headers.get("Origin")
    # Non-browser clients may omit Origin, but so can odd embeddings; refusing is the safe side.
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return False
    if parts.netloc.lower() == request.host.lower():
        return True
    return normalize_origin(origin) in {normalize_origin(o) for o in allowed_origins}
