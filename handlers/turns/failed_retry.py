"""Failed customer turns run again, with backoff, by whichever process claims them first.

The pipeline keeps a turn that failed (storage.failed_turns) and apologises once; this runs
it again when its time comes, through the same pipeline and the channel it came from, so a
retry that succeeds answers the customer as the first try would have. After the last try the
turn is quarantined for a supervisor (`heard failed`, the console's failed messages).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from aiohttp import web

from dialogs.messages import ConversationKey, Inbound, Reply
from handlers.turns.pipeline import Clock, TurnPipeline
from handlers.util.periodic import Periodic
from storage.failed_turns import FailedTurns

log = logging.getLogger(__name__)


class _Unsent:
    """For a channel this process does not serve (a terminal chat): the replies are in the
    transcript, where that channel shows them next time."""

    name = "unsent"

    async def send(self, key: ConversationKey, reply: Reply) -> None:
        return None


class FailedTurnRetrier:
    def __init__(self, failed: FailedTurns, pipeline: TurnPipeline, clock: Clock,
                 lease: timedelta = timedelta(minutes=5), interval: float = 5.0) -> None:
        self.failed = failed
        self.pipeline = pipeline
        self.clock = clock
        # A process that dies mid-retry holds it this long; then another process may.
        self.lease = lease
        self._periodic = Periodic("failed-turns", self.tick, interval)

    async def start(self) -> None:
        await self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

    async def tick(self) -> int:
        """Run every failed turn that is due; returns how many were run."""
        ran = 0
        now = self.clock()
        for turn in await self.failed.due(now):
            if not await self.failed.claim(turn, now, now + self.lease):
                continue  # another process has it
            try:
                inbound = Inbound.from_data(turn.turn)
            except (KeyError, TypeError, ValueError) as e:
                log.exception("failed turn %s cannot be read back; quarantined", turn.ref)
                await self.failed.record(turn.channel, turn.update_id, turn.turn,
                                         f"cannot be read back: {type(e).__name__}", now,
                                         _give_up)
                continue
            out = self.pipeline.outbox.sender(turn.channel) or _Unsent()
            try:
                # A failure again is counted by the pipeline itself (retry later or quarantine).
                await self.pipeline.handle(inbound, out)
            except Exception:
                log.exception("retrying failed turn %s failed", turn.ref)
            ran += 1
        return ran


def _give_up(failed: int, now: datetime) -> datetime | None:
    return None


FAILED_RETRY: web.AppKey[FailedTurnRetrier] = web.AppKey("failed_retry")
