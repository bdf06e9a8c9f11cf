"""Telegram's webhook calls, served by our own aiohttp application.

An update is answered 200 only after the inbox stored it; any other answer makes Telegram
deliver it again, which is what we want while storage or the service is not available.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any

from aiohttp import web

from handlers.channels.telegram.dispatch import NotAccepting, TurnDispatcher

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What Telegram allows for secret_token in setWebhook.
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


# Telegram's updates nest a handful of levels (a reply to a message in a topic…); the raw
# update is stored as JSON and read back at replay, which must not hit Python's stack limit.
MAX_DEPTH = 32


def _depth(value: Any) -> int:
    """How deeply `value` nests, without recursion (the input chose the depth)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_secret(secret: str | None) -> str:
    if not secret or not _SECRET_SHAPE.fullmatch(secret):
        raise ValueError("the webhook secret must be 1-256 of A-Z, a-z, 0-9, _ and -")
    return secret


def webhook_routes(path: str, secret: str, dispatcher: TurnDispatcher) -> list[web.RouteDef]:
    """The POST route Telegram calls; mount with `app.add_routes(...)`."""
    expected = check_secret(secret).encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        try:
            payload: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):
            return web.Response(status=400, text="malformed JSON")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400, text="not a Telegram update")
        if _depth(payload) > MAX_DEPTH:
            return web.Response(status=400, text="nested too deeply")
        try:
            update = dispatcher.parse(payload)
        except Exception:
            log.warning("webhook update %s cannot be parsed", payload.get("update_id"))
            return web.Response(status=400, text="not a Telegram update")
        try:
            await dispatcher.accept(update, payload)
        except NotAccepting:
            return web.Response(status=503, text="not running")
        except Exception:
            log.exception("storing telegram update %s failed", update.update_id)
            return web.Response(status=500, text="not stored")
        # The turn runs in the background; Telegram only needs to know the update is safe.
        return web.Response(status=200)

    return [web.post(path, receive)]
