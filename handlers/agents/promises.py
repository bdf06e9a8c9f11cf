"""Promises kept: the first-response timer of every waiting ticket, from the database.

Due times live on the tickets, so the watch survives restarts and clock jumps; each alert is
claimed in the database before it is acted on, so none fires twice, also with two processes.
A warning goes to the agents before a promise is missed; when it is missed the agents and
supervisors hear of it and the customer gets a progress note instead of silence.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from dialogs.commands import FollowUp, Progress
from dialogs.events import AlertKind, SlaAlert
from handlers.turns.pipeline import Clock, TurnPipeline
from handlers.util.periodic import Periodic
from storage.queue import TicketQueue


class SlaWatch:
    def __init__(self, queue: TicketQueue, pipeline: TurnPipeline, clock: Clock,
                 warn_before: timedelta = timedelta(minutes=5)) -> None:
        self.queue = queue
        self.pipeline = pipeline
        self.clock = clock
        self.warn_before = warn_before

    async def tick(self) -> list[SlaAlert]:
        alerts = await self.queue.sla_alerts(self.clock(), self.warn_before)
        await self.pipeline.outbox.publish(list(alerts))
        for alert in alerts:
            if alert.kind is AlertKind.BREACH:
                await self.pipeline.act(alert.key, Progress(alert.number))
        return alerts


class FollowUps:
    """The playbook's call-back after a fix: days later, did it hold? The answer goes onto
    the ticket, and "it came back" reopens it to its agent."""

    def __init__(self, queue: TicketQueue, pipeline: TurnPipeline, clock: Clock) -> None:
        self.queue = queue
        self.pipeline = pipeline
        self.clock = clock

    async def tick(self) -> int:
        due = await self.queue.due_follow_ups(self.clock())
        for number, key in due:
            await self.pipeline.act(key, FollowUp(number))
        return len(due)


# The promise watch and the follow-ups, on their timer.
SLA_WATCH: web.AppKey[Periodic] = web.AppKey("sla_watch")
