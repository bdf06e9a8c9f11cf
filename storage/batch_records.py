"""What a batch of turns reads and writes, whichever database path carries it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dialogs.conversation import Conversation
from dialogs.machine import DRAFT_STATES
from dialogs.messages import Attachment, ConversationKey, Inbound, Reply


class ConcurrentUpdate(Exception):
    """A conversation changed under us: the batch is rolled back, never half-applied."""


def lock_key(key: ConversationKey) -> int:
    digest = hashlib.blake2b(str(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class Loaded:
    conv: Conversation
    conversation_id: int
    customer_id: int
    idle_since: datetime | None = None
    reminded: bool = False
    # The version read from the database; the save checks nobody moved it meanwhile.
    stored_version: int = 0
    dirty: bool = False
    # Customer text stored on `text_day` (an ISO date in the service's zone).
    text_day: str | None = None
    text_chars: int = 0

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> Loaded:
        key = ConversationKey(r["channel"], r["chat_id"])
        conv = Conversation(key=key, state=r["state"], slots=dict(r["slots"]),
                            context=dict(r["context"]), locale=r["locale"],
                            version=r["version"])
        return cls(conv, r["id"], r["customer_id"], r["idle_since"],
                   r["reminded_at"] is not None, stored_version=r["version"],
                   text_day=r["text_day"], text_chars=r["text_chars"] or 0)

    def text_used(self, day: str) -> int:
        return self.text_chars if self.text_day == day else 0

    def add_text(self, day: str, chars: int) -> None:
        self.text_chars = self.text_used(day) + chars
        self.text_day = day

    def saved_state(self, now: datetime) -> dict[str, Any]:
        """The conversation row's new values (the id and the version checked are apart)."""
        conv = self.conv
        open_draft = conv.state in DRAFT_STATES and conv.state != "new"
        return {"state": conv.state, "slots": conv.slots, "context": conv.context,
                "locale": conv.locale, "version": conv.version, "updated_at": now,
                # Drives reminders and expiry: set while a draft waits for the customer.
                "idle_since": self.idle_since if open_draft else None,
                "reminded_at": now if self.reminded else None,
                "text_day": self.text_day, "text_chars": self.text_chars}

    def saved(self) -> None:
        self.stored_version = self.conv.version
        self.dirty = False


@dataclass
class TurnRecord:
    """What one successful turn writes: its inbound message, the replies, the attachments."""

    loaded: Loaded
    inbound: Inbound
    state_before: str
    emotion: dict[str, Any] | None
    replies: list[Reply]
    state_after: str
    kept: tuple[Attachment, ...] = ()
    now: datetime | None = None

    def inbound_row(self, now: datetime) -> dict[str, Any]:
        i = self.inbound
        text = i.text
        if not text and i.attachments:
            text = "[" + ", ".join(a.kind for a in i.attachments) + "]"
        return {"conversation_id": self.loaded.conversation_id, "direction": "in",
                "channel": i.key.channel, "chat_id": i.key.chat_id,
                "channel_message_id": i.message_id, "update_id": i.update_id, "text": text,
                "buttons": None, "callback_data": i.callback_data, "template": None,
                "locale": None, "tone": None, "template_version": None,
                "state": self.state_before, "emotion": self.emotion,
                "cleaned": dict(i.cleaned) or None, "created_at": self.now or now,
                "shown_name": None}

    def outbound_rows(self, now: datetime) -> list[dict[str, Any]]:
        key = self.loaded.conv.key
        return [{"conversation_id": self.loaded.conversation_id, "direction": "out",
                 "channel": key.channel, "chat_id": key.chat_id, "channel_message_id": None,
                 "update_id": None, "text": r.text,
                 "buttons": [{"label": b.label, "payload": b.payload}
                             for b in r.buttons] or None,
                 "callback_data": None, "template": r.template, "locale": r.locale,
                 "tone": r.tone, "template_version": r.template_version,
                 "state": self.state_after, "emotion": None, "cleaned": None,
                 "created_at": self.now or now,
                 "shown_name": r.shown_name[:64] if r.agent else None}
                for r in self.replies]
