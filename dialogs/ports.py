"""What the dialog needs from the outside world, as protocols; storage implements them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from dialogs.messages import ConversationKey


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """Everything the complaint record holds when it is filed."""

    key: ConversationKey
    status: str  # open | escalated
    incomplete: bool
    category: str | None
    description: str
    outcome: str | None
    phone: str | None
    slots: dict[str, Any]
    locale: str
    first_response_due: datetime
    priority: str = "P4"
    team: str | None = None
    resolution_due: datetime | None = None
    # Why a person takes over: {"reason", "priority", "evidence"} for each rule that fired.
    reasons: tuple[dict[str, Any], ...] = ()
    # The configuration bundle version the ticket was filed under (None: shipped defaults).
    bundle_version: int | None = None


@dataclass(frozen=True, slots=True)
class TicketInfo:
    number: str
    status: str
    category: str | None
    created_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None = None
    priority: str | None = None
    closed_at: datetime | None = None  # the latest close by an agent, while closed


@dataclass(frozen=True, slots=True)
class ReopenedTicket:
    """A closed ticket back in a person's hands."""

    # The agent who had it, as the customer knows them (their display name); None: they are
    # disabled, so the team's queue.
    agent: str | None


class Desk(Protocol):
    """The ticket desk, bound to the turn's transaction: what it does commits with the turn."""

    async def file_ticket(self, draft: TicketDraft, now: datetime) -> TicketInfo: ...

    async def ticket(self, number: str, key: ConversationKey) -> TicketInfo | None:
        """The ticket if it belongs to the customer of `key`; None otherwise."""
        ...

    async def recent_tickets(self, key: ConversationKey, limit: int = 5) -> list[TicketInfo]: ...

    async def add_event(self, number: str, kind: str, data: dict[str, Any], now: datetime,
                        actor: str = "customer") -> None: ...

    async def reopen(self, number: str, now: datetime, *, why: str,
                     reasons: list[dict[str, Any]], priority: str,
                     first_response_due: datetime, text: str) -> ReopenedTicket | None:
        """Put a closed ticket back with the agent who had it (or its team's queue), with a
        fresh first-response promise; None when it is not closed (reopened already)."""
        ...

    async def schedule_follow_up(self, number: str, due: datetime) -> None:
        """Ask the customer on `due` whether the fix held."""
        ...

    async def queue_position(self, number: str) -> int | None:
        """1 for the next ticket its team will take; None when no one is waiting for it."""
        ...

    async def tickets_since(self, key: ConversationKey, since: datetime) -> int:
        """How many tickets the customer of `key` filed since then."""
        ...

    async def ticket_for_order(self, order_no: str) -> str | None:
        """The number of an earlier ticket about this order, if any."""
        ...
