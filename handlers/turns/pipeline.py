"""The turn pipeline: lock → load → dialog → save → commit → send.

Turns from many conversations are grouped into one write transaction (a commit costs about
a millisecond on SQLite, and every statement a thread round trip, so each turn alone would
cap throughput); the dialog runs in memory between a bulk load and a bulk write, and replies
leave only after the transaction holding their turn committed. Turns of one conversation are
serialised by a per-conversation lock taken before its state is loaded and held until its
replies were sent, so they are handled one at a time, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dialogs.commands import DRAFT_COMMANDS, Command, Remind
from dialogs.engine import DialogEngine
from dialogs.events import Event, TurnEvent
from dialogs.language import locale_from_language_code, opening_locale
from dialogs.messages import ConversationKey, Inbound, Reply
from handlers.channels.base import OutputChannel
from handlers.ops.lines import ThrottledOps, filed, ops
from handlers.turns.keylocks import KeyLocks
from handlers.turns.outbox import Outbox
from storage.failed_turns import RetryPolicy
from storage.store import Store
from storage.turns import BatchTx, Loaded, TurnRecord

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def backoff(tries: int = 3, first: timedelta = timedelta(seconds=10)) -> RetryPolicy:
    """Retry a failed turn after `first`, then four times as long each time; after `tries`
    failed tries in all, give up (quarantine)."""

    def policy(failed: int, now: datetime) -> datetime | None:
        return None if failed >= tries else now + first * 4 ** (failed - 1)

    return policy


def _error_line(e: BaseException) -> str:
    """What a supervisor may read about a failure: its type and first line, which with
    SQLAlchemy's hidden parameters carry no customer text."""
    first = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {first}"[:300]


def _clone(d: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough for slots and context: JSON values whose containers are lists."""
    return {k: list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
            for k, v in d.items()}


@dataclass
class _Job:
    key: ConversationKey
    inbound: Inbound | None = None
    # Or what an agent, a timer or a watch does to the conversation.
    command: Command | None = None
    done: asyncio.Future[list[Reply] | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class TurnPipeline:
    def __init__(self, store: Store, engine: DialogEngine, *, clock: Clock = utcnow,
                 max_batch: int = 256, retry: RetryPolicy | None = None,
                 daily_text_quota: int = 100_000,
                 before_batch: Callable[[], Awaitable[None]] | None = None) -> None:
        self.store = store
        self.engine = engine
        self.clock = clock
        self.max_batch = max_batch
        self.retry = retry or backoff()
        # Characters of customer text one conversation may have stored per day (in the
        # service's zone): a flood of long messages must not grow the database without end.
        self.daily_text_quota = daily_text_quota
        self._cleaned_line = ThrottledOps("message.cleaned")
        self.locks = KeyLocks()
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        # Where replies to commands go, and who hears of what was committed.
        self.outbox = Outbox()
        # Run before each batch, between turns: the newest configuration bundle is switched
        # to there (handlers/config/watch.py), so no turn runs on two versions.
        self.before_batch = before_batch

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
        """Run the customer's turn and send its replies. A turn that fails is kept and
        retried later (see `keep_failed`); only when even that fails does this raise."""
        async with self.locks.hold(inbound.key):
            try:
                replies = await self.run(inbound)
            except Exception as e:
                if not await self._keep_failed(inbound, e, out):
                    await self._apologise(inbound, out, "error")
                    raise
                return
            for reply in replies or ():
                await out.send(inbound.key, reply)

    async def _keep_failed(self, inbound: Inbound, error: Exception,
                           out: OutputChannel) -> bool:
        """Count the failure against the update, schedule a retry or quarantine it, and
        apologise once; False when it could not be kept (the caller must say so)."""
        if inbound.update_id is None:
            return False
        try:
            mark = await self.store.failed.record(
                inbound.key.channel, inbound.update_id, inbound.to_data(),
                _error_line(error), self.clock(), self.retry)
        except Exception:
            log.exception("could not keep the failed turn %s:%s", inbound.key.channel,
                          inbound.update_id)
            return False
        event = "turn.quarantined" if mark.quarantined else "turn.failed"
        ops(event, channel=inbound.key.channel, update=inbound.update_id,
            attempts=mark.attempts, error=type(error).__name__)
        if mark.apologise:
            await self._apologise(inbound, out, "error.kept")
        return True

    async def _apologise(self, inbound: Inbound, out: OutputChannel, template: str) -> None:
        """A turn that failed still gets an answer, in the language the customer has been
        answered in so far: their one failed message may be only "2" or an order number."""
        try:
            conv = await self.store.conversation(inbound.key)
        except Exception:
            conv = None  # the store may be what failed; guess from the message instead
        if conv is not None and "locale_set" in conv.context:
            locale = conv.locale
        else:
            locale = opening_locale(inbound.text, locale_from_language_code(
                inbound.language_code), self.engine.settings.default_locale)
        try:
            await out.send(inbound.key, self._reply(template, locale))
        except Exception:
            log.exception("could not even apologise to %s", inbound.key)

    async def run(self, inbound: Inbound) -> list[Reply] | None:
        """Run the turn and return its committed replies (None for a redelivered update)."""
        return await self._submit(_Job(inbound.key, inbound=inbound))

    async def act(self, key: ConversationKey, command: Command, *,
                  guard: Callable[[], Awaitable[bool]] | None = None) -> list[Reply]:
        """Apply `command` to the conversation (an agent's words, a reminder…) under the same
        lock and in the same transaction discipline as a customer's turn, then send its
        replies on the customer's channel. `guard` runs first, inside the lock, and False
        skips the command: a change that must not interleave with the customer's own turns
        (taking their case) is made there."""
        async with self.locks.hold(key):
            if guard is not None and not await guard():
                return []
            replies = await self._submit(_Job(key, command=command)) or []
            await self.outbox.send(key, replies)
            return replies

    async def _submit(self, job: _Job) -> list[Reply] | None:
        if self._writer is None:
            raise RuntimeError("TurnPipeline.start() was not called")
        self._queue.put_nowait(job)
        return await job.done

    async def _write_loop(self) -> None:
        while True:
            jobs = [await self._queue.get()]
            # Let turns that are about to be submitted join this batch (group commit): yield
            # to the loop while the queue keeps growing, a few rounds at most.
            for _ in range(4):
                size = self._queue.qsize()
                await asyncio.sleep(0)
                if self._queue.qsize() == size:
                    break
            while len(jobs) < self.max_batch and not self._queue.empty():
                jobs.append(self._queue.get_nowait())
            if self.before_batch is not None:
                try:
                    await self.before_batch()
                except Exception:
                    log.exception("could not prepare the batch; its turns run as before")
            try:
                await self._commit(jobs)
            except Exception as e:
                # Nothing of the batch was kept. One bad turn must not fail the others:
                # each runs again in a batch of its own, so only the bad one fails.
                if len(jobs) == 1:
                    log.exception("turn failed for %s", jobs[0].key)
                    jobs[0].done.set_exception(e)
                    continue
                log.warning("batch of %d turns failed (%s); committing them one by one",
                            len(jobs), _error_line(e))
                for job in jobs:
                    try:
                        await self._commit([job])
                    except Exception as alone:
                        log.exception("turn failed for %s", job.key)
                        job.done.set_exception(alone)

    async def _commit(self, jobs: list[_Job]) -> None:
        """One write transaction for `jobs`; sets each job's result once it committed."""
        results, events, tickets = await self._write_batch(jobs)
        filed(tickets)
        if events:
            self.outbox.publish_soon(events)
        for job, result in results:
            if isinstance(result, BaseException):
                job.done.set_exception(result)
            else:
                job.done.set_result(result)

    async def _write_batch(self, jobs: list[_Job]) -> tuple[
            list[tuple[_Job, list[Reply] | BaseException | None]], list[Event],
            list[dict[str, Any]]]:
        now = self.clock()
        results: list[tuple[_Job, list[Reply] | BaseException | None]] = []
        records: list[TurnRecord] = []
        system_out: list[TurnRecord] = []
        events: list[Event] = []
        async with self.store.batch() as tx:
            await tx.lock([j.key for j in jobs])
            turns = [j for j in jobs if j.inbound is not None]
            fresh = await tx.claim([(j.key.channel, j.inbound.update_id) for j in turns
                                    if j.inbound and j.inbound.update_id is not None], now)
            creating = {j.key: j.inbound for j in turns if j.inbound is not None}
            loaded = await tx.load([j.key for j in jobs], creating, now)
            seen: set[tuple[str, str]] = set()
            for job in jobs:
                ld = loaded.get(job.key)
                try:
                    if job.inbound is not None:
                        uid = job.inbound.update_id
                        if uid is not None:
                            claim = (job.key.channel, uid)
                            if claim not in fresh or claim in seen:
                                results.append((job, None))  # a redelivery
                                continue
                            seen.add(claim)
                        assert ld is not None
                        rec, said = await self._turn(tx, ld, job.inbound, now)
                        records.append(rec)
                        results.append((job, rec.replies))
                        events += said
                    else:
                        out = await self._system(tx, ld, job, now)
                        if out is not None:
                            system_out.append(out)
                        results.append((job, out.replies if out else []))
                except Exception as e:
                    log.exception("turn failed for %s; its changes were rolled back", job.key)
                    if job.inbound is not None and job.inbound.update_id is not None:
                        await tx.unclaim(job.key.channel, job.inbound.update_id)
                    results.append((job, e))
            tickets = tx.filed()
            await tx.write(records, system_out, list(loaded.values()), now)
        return results, events, tickets

    async def _turn(self, tx: BatchTx, ld: Loaded, inbound: Inbound,
                    now: datetime) -> tuple[TurnRecord, list[TurnEvent]]:
        conv = ld.conv
        if inbound.cleaned:
            # What storage could not hold was taken out at the edge; the row records it too.
            self._cleaned_line(channel=inbound.key.channel, update=inbound.update_id,
                               **dict(inbound.cleaned))
        day = now.astimezone(self.store.tz).date().isoformat()
        if ld.text_used(day) + len(inbound.text) > self.daily_text_quota:
            return self._over_quota(ld, inbound, now), []
        snapshot = (conv.state, _clone(conv.slots), _clone(conv.context), conv.locale,
                    conv.version)
        conv.identified = inbound.identified
        conv.display_name = inbound.display_name
        desk = tx.desk(ld)
        try:
            outcome = await self.engine.turn(conv, inbound, desk, now)
        except BaseException:
            tx.abandon_turn(desk)
            conv.state, conv.slots, conv.context, conv.locale, conv.version = snapshot
            raise
        tx.commit_turn(desk)
        if not inbound.opened:
            tx.changed(ld, now, customer_spoke=True)
        elif conv.state != snapshot[0] or outcome.replies:
            # Greeted on open: saved, but no idle spell starts (so no reminder, no expiry)
            # for a visitor who only looked; an open that did nothing writes nothing.
            tx.changed(ld, now)
        ld.add_text(day, len(inbound.text))
        return TurnRecord(ld, inbound, snapshot[0],
                          outcome.emotion.as_record() if outcome.emotion else None,
                          outcome.replies, conv.state, outcome.kept_attachments,
                          now), outcome.events

    def _over_quota(self, ld: Loaded, inbound: Inbound, now: datetime) -> TurnRecord:
        """The conversation stored its day's worth of text: the message is answered politely
        but not kept (the transcript notes how much was left out) and the dialog waits."""
        dropped = len(inbound.text)
        marker = replace(inbound, text="…",
                         cleaned=(*inbound.cleaned, ("over_quota", dropped)))
        log.warning("conversation %d (%s) is over its daily text quota; %d characters not "
                    "kept", ld.conversation_id, inbound.key.channel, dropped)
        reply = self._reply("quota.reached", ld.conv.locale)
        return TurnRecord(ld, marker, ld.conv.state, None, [reply], ld.conv.state, (), now)

    def _reply(self, template: str, locale: str) -> Reply:
        r = self.engine.templates.render(template, locale)
        return Reply(r.text, (), r.record.name, r.record.locale, r.record.tone,
                     r.record.version)

    async def _system(self, tx: BatchTx, ld: Loaded | None, job: _Job,
                      now: datetime) -> TurnRecord | None:
        command = job.command
        assert command is not None
        if ld is None:
            return None
        if isinstance(command, DRAFT_COMMANDS) and ld.idle_since is None:
            return None  # the draft closed meanwhile
        if isinstance(command, Remind):
            # A reminder is claimed, not a change of the conversation: no new version.
            if ld.reminded or not await tx.claim_reminder(ld, now):
                return None
            replies = self.engine.apply(ld.conv, command)
            return TurnRecord(ld, Inbound(key=job.key), ld.conv.state, None, replies,
                              ld.conv.state, (), now)
        replies = self.engine.apply(ld.conv, command)
        tx.changed(ld, now)
        if not replies:
            return None
        return TurnRecord(ld, Inbound(key=job.key), ld.conv.state, None, replies,
                          ld.conv.state, (), now)
