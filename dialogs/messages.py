"""The envelopes every channel speaks: one inbound type, one reply type.

Channels turn platform updates into `Inbound` and send `Reply` back; nothing in here knows
which platform a message came from beyond the `channel` name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialogs.text_clean import clean_text

# Fields of an inbound that come from outside and end up stored.
_CLEANED_FIELDS = ("text", "display_name", "callback_data", "message_id", "user_id",
                   "language_code")


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Identifies one customer conversation on one channel (a Telegram chat, a web visitor)."""

    channel: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A non-text part of a message. `kind` is photo, document, voice, sticker, video, audio…"""

    kind: str
    file_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None

    @property
    def keepable(self) -> bool:
        """Photos and files are evidence for the complaint; stickers and voice are not kept."""
        return self.kind in {"photo", "document", "video"}


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing the customer did: wrote text, pressed a button or sent an attachment."""

    key: ConversationKey
    text: str = ""
    # The platform's delivery id, used to process a redelivered update only once.
    update_id: str | None = None
    message_id: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    language_code: str | None = None
    # Payload of a pressed button; `text` then holds the button's label if known.
    callback_data: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # True where the channel itself identifies the customer (Telegram), so a phone is optional.
    identified: bool = False
    # The customer opened the chat (the web chat's page) and has said nothing: a conversation
    # that has not started is greeted, any other is left as it was. Not a message, so it is
    # kept out of the transcript.
    opened: bool = False
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # What was removed from the fields above because storage cannot hold it (see
    # dialogs.text_clean), by kind; done here so that no channel can forget it.
    cleaned: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        removed = dict(self.cleaned)
        for name in _CLEANED_FIELDS:
            value = getattr(self, name)
            if not value:
                continue
            result = clean_text(value)
            if result.removed:
                object.__setattr__(self, name, result.text)
                for kind, n in result.removed.items():
                    removed[kind] = removed.get(kind, 0) + n
        if removed and dict(self.cleaned) != removed:
            object.__setattr__(self, "cleaned", tuple(sorted(removed.items())))

    def to_data(self) -> dict[str, Any]:
        """Plain JSON data, to keep a turn that failed and run it again later."""
        data = asdict(self)
        data["key"] = {"channel": self.key.channel, "chat_id": self.key.chat_id}
        data["received_at"] = self.received_at.isoformat()
        data["cleaned"] = [list(c) for c in self.cleaned]
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Inbound:
        fields = dict(data)
        fields["key"] = ConversationKey(data["key"]["channel"], data["key"]["chat_id"])
        fields["attachments"] = tuple(Attachment(**a) for a in data.get("attachments", ()))
        fields["received_at"] = datetime.fromisoformat(data["received_at"])
        fields["cleaned"] = tuple((str(k), int(n)) for k, n in data.get("cleaned", ()))
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


# An agent's own words are recorded under the template "agent:<name>" (dialogs.engine).
AGENT_TEMPLATE_PREFIX = "agent:"


def agent_of(template: str | None) -> str | None:
    """The agent who wrote a message recorded under `template`; None when the bot did."""
    if template and template.startswith(AGENT_TEMPLATE_PREFIX):
        return template[len(AGENT_TEMPLATE_PREFIX):] or None
    return None


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the bot sends, with the template that produced it (for the transcript)."""

    text: str
    buttons: tuple[Button, ...] = ()
    template: str = ""
    locale: str = "en"
    tone: str = "neutral"
    template_version: int = 0
    # An agent's message: their display name, which the customer reads (the template keeps
    # the login name, which is who wrote it). Empty: the login name is all there is.
    shown_name: str = ""

    @property
    def agent(self) -> str | None:
        """Who is talking, as the customer knows them, when a person wrote this (channels show
        it); None for the bot's own messages."""
        login = agent_of(self.template)
        return (self.shown_name or login) if login else None

    def as_plain_text(self) -> str:
        """The reply for a channel without buttons: choices become numbered lines to type."""
        if not self.buttons:
            return self.text
        lines = [self.text, ""]
        lines += [f"{n}. {b.label}" for n, b in enumerate(self.buttons, start=1)]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One transcript line as a chat window shows it."""

    direction: str  # "in" or "out"
    text: str
    buttons: tuple[Button, ...] = ()
    # Who wrote an "out" line, as the customer was shown it, when an agent and not the bot.
    agent: str | None = None
