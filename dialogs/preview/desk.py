"""A ticket desk that keeps nothing: what a preview files stays in memory and is gone with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialogs.messages import ConversationKey
from dialogs.ports import ReopenedTicket, TicketDraft, TicketInfo


class PreviewDesk:
    """The `Desk` port for previews. `earlier_tickets` stands for the customer's history (that
    many tickets within the repeat window); `order_seen_before` for an order already on a
    ticket."""

    def __init__(self, *, earlier_tickets: int = 0, order_seen_before: str | None = None) -> None:
        self.earlier_tickets = earlier_tickets
        self.order_seen_before = order_seen_before
        self.filed: list[TicketDraft] = []
        self._tickets: dict[str, TicketInfo] = {}

    async def file_ticket(self, draft: TicketDraft, now: datetime) -> TicketInfo:
        self.filed.append(draft)
        number = f"C-{now:%Y%m%d}-{len(self.filed):04d}"
        info = TicketInfo(number, draft.status, draft.category, now, draft.first_response_due,
                          draft.resolution_due, draft.priority)
        self._tickets[number] = info
        return info

    async def ticket(self, number: str, key: ConversationKey) -> TicketInfo | None:
        return self._tickets.get(number)

    async def recent_tickets(self, key: ConversationKey, limit: int = 5) -> list[TicketInfo]:
        return list(reversed(self._tickets.values()))[:limit]

    async def add_event(self, number: str, kind: str, data: dict[str, Any], now: datetime,
                        actor: str = "customer") -> None:
        return None

    async def reopen(self, number: str, now: datetime, *, why: str,
                     reasons: list[dict[str, Any]], priority: str,
                     first_response_due: datetime, text: str) -> ReopenedTicket | None:
        return None

    async def schedule_follow_up(self, number: str, due: datetime) -> None:
        return None

    async def queue_position(self, number: str) -> int | None:
        return 1

    async def tickets_since(self, key: ConversationKey, since: datetime) -> int:
        return self.earlier_tickets

    async def ticket_for_order(self, order_no: str) -> str | None:
        return self.order_seen_before
