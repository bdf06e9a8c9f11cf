"""Promises kept: the first-response timer of every waiting ticket, from the database.

Due times live on the tickets, so the watch survives restarts and clock jumps; each alert is
claimed in the database before it is acted on, so none fires twice, also with two processes.
A warning goes to the agents before a promise is missed; when it is missed the agents and
supervisors hear of it and the customer gets a progress note instead of silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from handlers.channel import OutputChannel
from handlers.pipeline import Clock, TurnPipeline
from storage.queue import SlaAlert, TicketQueue

Notify = Callable[[list[SlaAlert]], Awaitable[None]]


class SlaWatch:
    def __init__(self, queue: TicketQueue, pipeline: TurnPipeline,
                 outputs: Mapping[str, OutputChannel], clock: Clock,
                 warn_before: timedelta = timedelta(minutes=5)) -> None:
        self.queue = queue
        self.pipeline = pipeline
        self.outputs = outputs
        self.clock = clock
        self.warn_before = warn_before
        self.notify: list[Notify] = []

    async def tick(self) -> list[SlaAlert]:
        alerts = await self.queue.sla_alerts(self.clock(), self.warn_before)
        if alerts:
            for notify in self.notify:
                await notify(alerts)
        for alert in alerts:
            if alert.kind == "breach":
                await self.pipeline.system_turn(
                    alert.key, "progress", self.outputs.get(alert.key.channel),
                    {"number": alert.number})
        return alerts


class FollowUps:
    """The playbook's call-back after a fix: days later, did it hold? The answer goes onto
    the ticket, and "it came back" reopens it to its agent."""

    def __init__(self, queue: TicketQueue, pipeline: TurnPipeline,
                 outputs: Mapping[str, OutputChannel], clock: Clock) -> None:
        self.queue = queue
        self.pipeline = pipeline
        self.outputs = outputs
        self.clock = clock

    async def tick(self) -> int:
        due = await self.queue.due_follow_ups(self.clock())
        for number, key in due:
            await self.pipeline.system_turn(key, "follow_up", self.outputs.get(key.channel),
                                            {"number": number})
        return len(due)
