"""The output side of a channel: where the engine's replies go after their turn is committed."""

from __future__ import annotations

from typing import Any, Protocol

from dialogs.messages import ConversationKey, HistoryItem, Inbound, Reply

__all__ = ["CollectingOutputChannel", "HistoryItem", "OutputChannel", "TranscriptReader",
           "TurnHandler", "UpdateInbox"]


class OutputChannel(Protocol):
    """Sends replies to one platform. Channels without buttons degrade them to numbered text."""

    name: str

    async def send(self, key: ConversationKey, reply: Reply) -> None: ...


class CollectingOutputChannel:
    """Keeps every reply in memory. Used by the terminal and as the tests' sink."""

    def __init__(self, name: str = "collect") -> None:
        self.name = name
        self.sent: list[tuple[ConversationKey, Reply]] = []

    async def send(self, key: ConversationKey, reply: Reply) -> None:
        self.sent.append((key, reply))

    def texts(self, key: ConversationKey | None = None) -> list[str]:
        return [r.text for k, r in self.sent if key is None or k == key]

    def clear(self) -> None:
        self.sent.clear()


class TurnHandler(Protocol):
    """Runs one customer turn: dedupe, lock, load, dialog, save, commit, then send the replies.

    Returns once the replies were handed to `out`. A redelivered update (same `update_id`) sends
    nothing and changes nothing.
    """

    async def handle(self, inbound: Inbound, out: OutputChannel) -> None: ...


class UpdateInbox(Protocol):
    """Durable store of raw platform updates, written before the platform is told we have them."""

    async def store(self, channel: str, update_id: str, payload: dict[str, Any]) -> bool:
        """Keep the update; False when it was already stored (a redelivery)."""
        ...

    async def unprocessed(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        """Updates stored but not yet processed (after a crash), oldest first."""
        ...


class TranscriptReader(Protocol):
    async def history(self, key: ConversationKey, limit: int = 100) -> list[HistoryItem]: ...
