"""The turn pipeline: lock → load → dialog → save → commit → send.

Turns from many conversations are grouped into one write transaction (a commit costs about
a millisecond on SQLite, so committing each turn alone caps throughput); each turn runs in
its own savepoint, and its replies leave only after the transaction holding it committed.
Turns of one conversation are serialised by a per-conversation lock taken before its state
is loaded and held until its replies were sent, so they are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from dialogs.engine import DialogEngine
from dialogs.messages import ConversationKey, Inbound, Reply
from handlers.channel import OutputChannel
from handlers.keylocks import KeyLocks
from storage.conversations import TurnTx
from storage.store import Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Job:
    key: ConversationKey
    inbound: Inbound | None = None
    # A turn the service starts itself (a reminder, an expiry): "remind" or "expire".
    system: str | None = None
    done: asyncio.Future[list[Reply] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class TurnPipeline:
    def __init__(self, store: Store, engine: DialogEngine, *, clock: Clock = utcnow,
                 max_batch: int = 128) -> None:
        self.store = store
        self.engine = engine
        self.clock = clock
        self.max_batch = max_batch
        self.locks = KeyLocks()
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(), name="turn-writer")

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None

    async def __aenter__(self) -> TurnPipeline:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def handle(self, inbound: Inbound, out: OutputChannel) -> None:
        async with self.locks.hold(inbound.key):
            replies = await self.run(inbound)
            for reply in replies or ():
                await out.send(inbound.key, reply)

    async def run(self, inbound: Inbound) -> list[Reply] | None:
        """Run the turn and return its committed replies (None for a redelivered update)."""
        return await self._submit(_Job(inbound.key, inbound=inbound))

    async def system_turn(self, key: ConversationKey, action: str,
                          out: OutputChannel | None) -> list[Reply]:
        """A turn the service takes on its own ("remind", "expire"), under the same lock and
        in the same transaction discipline as a customer's."""
        async with self.locks.hold(key):
            replies = await self._submit(_Job(key, system=action)) or []
            if out is not None:
                for reply in replies:
                    await out.send(key, reply)
            return replies

    async def _submit(self, job: _Job) -> list[Reply] | None:
        if self._writer is None:
            raise RuntimeError("TurnPipeline.start() was not called")
        self._queue.put_nowait(job)
        return await job.done

    async def _write_loop(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            while len(jobs) < self.max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            try:
                await self._write_batch(jobs)
            except Exception as e:  # the commit itself failed: nothing of the batch was kept
                log.exception("batch of %d turns failed to commit", len(jobs))
                for job in jobs:
                    if not job.done.done():
                        job.done.set_exception(e)

    async def _write_batch(self, jobs: list[_Job]) -> None:
        results: list[tuple[_Job, list[Reply] | BaseException | None]] = []
        # A stable sort by conversation keeps each conversation's turns in order while
        # every process takes its PostgreSQL locks in the same order (no deadlocks).
        jobs = sorted(jobs, key=lambda j: (j.key.channel, j.key.chat_id))
        async with self.store.batch() as batch:
            for job in jobs:
                try:
                    async with batch.turn() as tx:
                        if job.inbound is not None:
                            results.append((job, await self._turn(tx, job.inbound)))
                        else:
                            results.append((job, await self._system(tx, job)))
                except Exception as e:
                    log.exception("turn failed for %s; its changes were rolled back", job.key)
                    results.append((job, e))
        for job, result in results:
            if isinstance(result, BaseException):
                job.done.set_exception(result)
            else:
                job.done.set_result(result)

    async def _turn(self, tx: TurnTx, inbound: Inbound) -> list[Reply] | None:
        now = self.clock()
        await tx.lock(inbound.key)
        if inbound.update_id is not None and not await tx.claim_update(
                inbound.key.channel, inbound.update_id, now):
            return None
        loaded = await tx.load(inbound, now)
        conv = loaded.conv
        conv.identified = inbound.identified
        conv.display_name = inbound.display_name
        state_before = conv.state
        outcome = await self.engine.turn(conv, inbound, tx.desk(loaded), now)
        emotion = asdict(outcome.emotion) if outcome.emotion else None
        msg_id = await tx.record_inbound(loaded, inbound, state_before, emotion, now)
        await tx.record_attachments(loaded, msg_id, outcome.kept_attachments, now)
        await tx.record_outbound(loaded, outcome.replies, conv.state, now)
        await tx.save(loaded, now)
        return outcome.replies

    async def _system(self, tx: TurnTx, job: _Job) -> list[Reply]:
        now = self.clock()
        await tx.lock(job.key)
        loaded = await tx.existing(job.key)
        if loaded is None or not tx.is_open_draft(loaded):
            return []  # the customer wrote or the draft closed meanwhile
        if job.system == "expire":
            self.engine.expire(loaded.conv)
            await tx.save(loaded, now)
            return []
        if job.system == "remind":
            if not await tx.claim_reminder(loaded, now):
                return []
            replies = [self.engine.reminder(loaded.conv)]
            await tx.record_outbound(loaded, replies, loaded.conv.state, now)
            return replies
        raise ValueError(f"unknown system turn {job.system!r}")
