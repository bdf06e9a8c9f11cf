"""The operator's log as a subscriber: what the pipeline, the agent desk and the SLA watch
report, one structured line each (handlers.opsline)."""

from __future__ import annotations

from handlers.opsline import ops
from handlers.pipeline import CommitEvent, Reopened
from storage.queue import SlaAlert

# What the agent desk reports (handlers.agent_desk) that an operator wants a line for.
_DESK_EVENTS = frozenset({"taken", "released", "transferred", "closed", "callback_promised"})


class OpsLog:
    async def on_commit(self, events: list[CommitEvent]) -> None:
        for event in events:
            if isinstance(event, Reopened):
                ops("ticket.reopened", number=event.number, why=event.why)

    async def on_desk(self, number: str, kind: str) -> None:
        if kind in _DESK_EVENTS:
            ops(f"ticket.{kind}", number=number)

    async def on_sla(self, alerts: list[SlaAlert]) -> None:
        for a in alerts:
            ops(f"sla.{a.kind}", number=a.number, priority=a.priority, promise=a.target)
