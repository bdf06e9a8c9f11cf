"""The operator's log as a subscriber of the outbox: one structured line (handlers.ops.lines)
per thing that happens to a ticket."""

from __future__ import annotations

from dialogs.events import Change, Event, Reopened, SlaAlert, TicketChanged
from handlers.ops.lines import ops

# What agents do that an operator wants a line for (a reply or a note is not).
_CHANGES = frozenset({Change.TAKEN, Change.RELEASED, Change.TRANSFERRED, Change.CLOSED,
                      Change.CALLBACK_PROMISED})


class OpsLog:
    async def on_events(self, events: list[Event]) -> None:
        for event in events:
            match event:
                case Reopened(number, why):
                    ops("ticket.reopened", number=number, why=why)
                case TicketChanged(number, change) if change in _CHANGES:
                    ops(f"ticket.{change}", number=number)
                case SlaAlert():
                    ops(f"sla.{event.kind}", number=event.number, priority=event.priority,
                        promise=event.target)
