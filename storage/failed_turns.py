"""Customer turns that failed: kept, retried with backoff, quarantined after a few tries.

A failed turn lives on its `inbound_updates` row (the Telegram inbox already keeps the raw
update there; a web chat turn gets a row when it fails), with the channel-neutral inbound to
run again. Every process and every restart sees the same bookkeeping, a retry is claimed by
one process only, and a quarantined turn waits for a supervisor instead of being replayed at
every start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.clock import utc, utc_required
from storage.schema import inbound_updates
from storage.upsert import insert_for

# Given how many tries failed so far, when to try again; None: give up (quarantine).
RetryPolicy = Callable[[int, datetime], datetime | None]

_u = inbound_updates.c
_FAILED = sa.and_(_u.processed_at.is_(None), _u.failed_at.is_not(None))


class FailedState(StrEnum):
    RETRYING = "retrying"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class FailedTurn:
    channel: str
    update_id: str
    turn: dict[str, Any]
    attempts: int
    last_error: str
    failed_at: datetime
    next_attempt_at: datetime | None
    quarantined_at: datetime | None

    @property
    def ref(self) -> str:
        """How people name it (`heard failed retry telegram:1234`)."""
        return f"{self.channel}:{self.update_id}"

    @property
    def state(self) -> FailedState:
        return FailedState.QUARANTINED if self.quarantined_at else FailedState.RETRYING

    @property
    def chat_id(self) -> str:
        return str(self.turn.get("key", {}).get("chat_id", ""))

    @property
    def text(self) -> str:
        return str(self.turn.get("text") or "")


@dataclass(frozen=True, slots=True)
class FailureMark:
    attempts: int
    quarantined: bool
    # True only for the first failure of this update: the customer hears one apology.
    apologise: bool


def parse_ref(ref: str) -> tuple[str, str] | None:
    channel, sep, update_id = ref.partition(":")
    return (channel, update_id) if sep and channel and update_id else None


class FailedTurns:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine

    async def record(self, channel: str, update_id: str, turn: dict[str, Any], error: str,
                     now: datetime, policy: RetryPolicy) -> FailureMark:
        """Count one more failed try of the update and schedule the next (or quarantine)."""
        async with self.engine.begin() as conn:
            ins = insert_for(conn, inbound_updates).values(
                channel=channel, update_id=update_id, received_at=now, turn=turn, attempts=1,
                last_error=error, failed_at=now)
            stmt = ins.on_conflict_do_update(
                index_elements=["channel", "update_id"],
                set_={"turn": ins.excluded.turn, "attempts": _u.attempts + 1,
                      "last_error": error, "failed_at": sa.func.coalesce(_u.failed_at, now)},
            ).returning(_u.attempts, _u.apologised_at)
            row = (await conn.execute(stmt)).one()
            retry_at = policy(row.attempts, now)
            await conn.execute(
                sa.update(inbound_updates)
                .where(_u.channel == channel, _u.update_id == update_id)
                .values(next_attempt_at=retry_at,
                        quarantined_at=now if retry_at is None else None,
                        apologised_at=sa.func.coalesce(_u.apologised_at, now)))
        return FailureMark(row.attempts, retry_at is None, row.apologised_at is None)

    async def due(self, now: datetime, limit: int = 50) -> list[FailedTurn]:
        """Failed turns whose next try has come, soonest first."""
        return await self._select(
            sa.and_(_FAILED, _u.quarantined_at.is_(None), _u.turn.is_not(None),
                    _u.next_attempt_at <= now),
            _u.next_attempt_at, limit)

    async def claim(self, turn: FailedTurn, now: datetime, until: datetime) -> bool:
        """Take the retry for this process: nobody else starts it before `until` (when a
        process dies mid-retry, another picks it up then)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(inbound_updates)
                .where(_u.channel == turn.channel, _u.update_id == turn.update_id, _FAILED,
                       _u.quarantined_at.is_(None), _u.next_attempt_at <= now)
                .values(next_attempt_at=until))
        return bool(result.rowcount == 1)

    async def listing(self, limit: int = 200) -> list[FailedTurn]:
        """Every failed turn not yet processed or dropped, newest failure first."""
        return await self._select(_FAILED, _u.failed_at.desc(), limit)

    async def quarantined(self) -> int:
        async with self.read_engine.connect() as conn:
            count = await conn.scalar(sa.select(sa.func.count()).select_from(inbound_updates)
                                      .where(_FAILED, _u.quarantined_at.is_not(None)))
        return int(count or 0)

    async def find(self, channel: str, update_id: str) -> FailedTurn | None:
        found = await self._select(
            sa.and_(_FAILED, _u.channel == channel, _u.update_id == update_id), _u.failed_at, 1)
        return found[0] if found else None

    async def retry(self, channel: str, update_id: str, now: datetime) -> bool:
        """Try it again soon, with a fresh count of tries (no second apology)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(inbound_updates)
                .where(_u.channel == channel, _u.update_id == update_id, _FAILED,
                       _u.turn.is_not(None))
                .values(attempts=0, quarantined_at=None, next_attempt_at=now))
        return bool(result.rowcount == 1)

    async def drop(self, channel: str, update_id: str, now: datetime) -> bool:
        """Give up on it: it is marked processed, kept on its row, and never run again."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(inbound_updates)
                .where(_u.channel == channel, _u.update_id == update_id, _FAILED)
                .values(processed_at=now, next_attempt_at=None))
        return bool(result.rowcount == 1)

    async def _select(self, where: sa.ColumnElement[bool], order: Any,
                      limit: int) -> list[FailedTurn]:
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(_u.channel, _u.update_id, _u.turn, _u.attempts, _u.last_error,
                          _u.failed_at, _u.next_attempt_at, _u.quarantined_at)
                .where(where).order_by(order).limit(limit))).all()
        return [FailedTurn(r.channel, r.update_id, dict(r.turn or {}), r.attempts,
                           r.last_error or "", utc_required(r.failed_at),
                           utc(r.next_attempt_at), utc(r.quarantined_at)) for r in rows]
