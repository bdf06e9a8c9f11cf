"""The JSON frames of the web chat WebSocket, checked and built in one place.

Client → server:  {"type": "text", "text": ..., "id": "m-<uuid>"}
                  {"type": "button", "payload": ..., "label": ..., "id": "m-<uuid>"}
                  {"type": "hello", "languages": ["zh-TW", "en-US"]}  (navigator.languages;
                   sent when the socket opens: a conversation not started yet is greeted)
                  {"type": "history"}
Server → client:  {"type": "history", "items": [{"direction", "text", "buttons", "agent"?}]}
                  {"type": "reply", "text": ..., "buttons": [{"label", "payload"}],
                   "agent"?: <the agent's name, when a person wrote it>}
                  {"type": "ack", "id": ...}
                  {"type": "typing", "active": true | false}
                  {"type": "error", "code": ..., "message": ..., "id"?: ...}
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dialogs.language import locale_from_language_code
from dialogs.messages import Button, Reply
from dialogs.text_clean import REPLACEMENT, clean
from handlers.channels.base import HistoryItem

# The id makes a resend after a reconnect recognisable to the pipeline's dedupe.
# Only a real uuid is trusted as the dedupe key: another visitor cannot guess one.
_CLIENT_ID = re.compile(r"^m-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# A BCP 47-looking tag; anything else is ignored rather than passed on to the engine.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,2}$")
# Browsers list a handful; a long list is no browser's.
MAX_LANGUAGES = 32
MAX_LANGUAGE_CHARS = 64
# The transcript keeps button payloads in a 128-character column.
MAX_PAYLOAD_CHARS = 128
MAX_LABEL_CHARS = 200


@dataclass(frozen=True, slots=True)
class TextMessage:
    text: str
    client_id: str | None


@dataclass(frozen=True, slots=True)
class ButtonPress:
    payload: str
    label: str
    client_id: str | None


@dataclass(frozen=True, slots=True)
class Hello:
    """The page opened its socket. `language` is the first of the browser's languages the
    bot speaks (else its first one, for the record), in the visitor's order of preference."""

    language: str | None


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    pass


ClientMessage = TextMessage | ButtonPress | Hello | HistoryRequest


class ProtocolError(Exception):
    """A frame we refuse; `code` and `message` go back to the client as an error frame."""

    def __init__(self, code: str, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


def too_long_message(max_chars: int) -> str:
    return f"Message too long (max {max_chars} characters), please shorten it."


def parse(raw: str, *, max_chars: int) -> ClientMessage:
    try:
        data = json.loads(raw)
    except ValueError:
        raise ProtocolError("bad_json", "Could not read that message (invalid JSON).") from None
    except RecursionError:  # "[[[[…" nested deeper than Python's stack
        raise ProtocolError("bad_json", "Could not read that message (nested too deeply)."
                            ) from None
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "A message must be a JSON object.")
    kind = data.get("type")
    client_id = _client_id(data.get("id"))
    if kind == "text":
        text = data.get("text")
        if not isinstance(text, str):
            raise ProtocolError("bad_message", "A text message needs a 'text' string.", client_id)
        if len(text) > max_chars:
            raise ProtocolError("too_long", too_long_message(max_chars), client_id)
        # What the inbound envelope would drop anyway (NUL, lone surrogates): a message of
        # nothing else is empty, and is answered as such.
        if not clean(text).replace(REPLACEMENT, "").strip():
            raise ProtocolError("empty", "The message is empty.", client_id)
        return TextMessage(text=text, client_id=client_id)
    if kind == "button":
        payload = data.get("payload")
        label = data.get("label", "")
        if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
            raise ProtocolError("bad_message", "A button press needs a 'payload'.", client_id)
        if not isinstance(label, str):
            label = ""
        return ButtonPress(payload=payload, label=label[:MAX_LABEL_CHARS], client_id=client_id)
    if kind == "hello":
        return Hello(language=_browser_language(data))
    if kind == "history":
        return HistoryRequest()
    raise ProtocolError("bad_message", f"Unknown message type {str(kind)[:40]!r}.")


def _browser_language(data: dict[str, Any]) -> str | None:
    # A page loaded before "languages" existed sends navigator.language alone.
    tags = data["languages"] if "languages" in data else (
        [data["language"]] if "language" in data else [])
    if (not isinstance(tags, list) or len(tags) > MAX_LANGUAGES
            or not all(isinstance(t, str) and len(t) <= MAX_LANGUAGE_CHARS for t in tags)):
        raise ProtocolError("bad_message",
                            "A hello message needs 'languages', a list of language tags.")
    # An unknown tag is no error: the visitor's browser may speak anything.
    valid = [t.replace("_", "-") for t in tags if _LANGUAGE.match(t)]
    spoken = next((t for t in valid if locale_from_language_code(t) is not None), None)
    return spoken or next(iter(valid), None)


def _client_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _CLIENT_ID.match(value) else None


def _buttons(buttons: Iterable[Button]) -> list[dict[str, str]]:
    return [{"label": b.label, "payload": b.payload} for b in buttons]


def reply_frame(reply: Reply) -> dict[str, Any]:
    frame = {"type": "reply", "text": reply.text, "buttons": _buttons(reply.buttons)}
    if reply.agent:
        frame["agent"] = reply.agent
    return frame


def _history_item(i: HistoryItem) -> dict[str, Any]:
    item = {"direction": i.direction, "text": i.text, "buttons": _buttons(i.buttons)}
    if i.agent:
        item["agent"] = i.agent
    return item


def history_frame(items: Iterable[HistoryItem]) -> dict[str, Any]:
    return {"type": "history", "items": [_history_item(i) for i in items]}


def error_frame(code: str, message: str, client_id: str | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["id"] = client_id
    return frame


def ack_frame(client_id: str) -> dict[str, Any]:
    return {"type": "ack", "id": client_id}


def typing_frame(active: bool) -> dict[str, Any]:
    return {"type": "typing", "active": active}
