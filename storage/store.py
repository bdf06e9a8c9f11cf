"""The storage service: batches of turns in one transaction, the update inbox, transcripts,
the configuration bundle's versions and the drafts the scheduler looks after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from dialogs.conversation import Conversation
from dialogs.messages import Button, ConversationKey, HistoryItem, agent_of
from storage.batch import BatchTx
from storage.batch_postgres import PostgresBatchTx
from storage.batch_sqlite import SqliteBatchTx
from storage.bundles import BundleStore
from storage.checkpoint import checkpoint
from storage.clock import utc_required
from storage.database import create_engine, is_sqlite
from storage.failed_turns import FailedTurns
from storage.live_news import LiveNews
from storage.news import NoListener, PgListener, no_notify, pg_notify
from storage.schema import (
    attachments,
    conversations,
    inbound_updates,
    messages,
    ticket_events,
    tickets,
)
from storage.search import PostgresTicketSearch, SqliteTicketSearch, TicketSearch
from storage.upsert import insert_for


@dataclass(frozen=True, slots=True)
class IdleDraft:
    key: ConversationKey
    idle_since: datetime
    reminded: bool


class Store:
    def __init__(self, url: str, *, ticket_prefix: str = "C", timezone: str = "UTC",
                 default_locale: str = "en") -> None:
        self.url = url
        self.engine = create_engine(url)
        # On SQLite, reads need no write lock: WAL lets them run beside the writer.
        self.is_sqlite = is_sqlite(url)
        self.read_engine = create_engine(url, immediate=False) if self.is_sqlite else self.engine
        self.ticket_prefix = ticket_prefix
        self.tz = ZoneInfo(timezone)
        self.default_locale = default_locale
        self.failed = FailedTurns(self.engine, self.read_engine)
        # The backend is chosen here, once: no method of storage asks which it is.
        self._batch_tx: type[BatchTx] = SqliteBatchTx if self.is_sqlite else PostgresBatchTx
        self._fold_log: Callable[[], Awaitable[tuple[int, int, int] | None]] = (
            partial(checkpoint, self.read_engine) if self.is_sqlite else _no_log_to_fold)
        # A publish, or a ticket's change, is news to other processes through NOTIFY on
        # PostgreSQL, heard on one listening connection per process; on SQLite they look at
        # the newest version number and the newest live news (storage/news.py).
        notify = no_notify if self.is_sqlite else pg_notify
        self.bundles = BundleStore(self.engine, self.read_engine, notify=notify)
        self.live_news = LiveNews(self.engine, self.read_engine, notify=notify)
        self.news: NoListener | PgListener = NoListener() if self.is_sqlite else PgListener(url)
        self.search: TicketSearch = (SqliteTicketSearch(self.read_engine) if self.is_sqlite
                                     else PostgresTicketSearch(self.engine))

    async def checkpoint(self) -> tuple[int, int, int] | None:
        """Fold SQLite's write-ahead log into the database; None on PostgreSQL."""
        return await self._fold_log()

    async def close(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[BatchTx]:
        """One write transaction for a batch of turns; committed when the block ends."""
        async with self.engine.begin() as conn:
            yield self._batch_tx(conn, prefix=self.ticket_prefix, tz=self.tz,
                                 default_locale=self.default_locale)

    # --- the update inbox (handlers.channels.base.UpdateInbox) ---------------------------------
    async def store(self, channel: str, update_id: str, payload: dict[str, Any]) -> bool:
        async with self.engine.begin() as conn:
            stmt = insert_for(conn, inbound_updates).values(
                channel=channel, update_id=update_id, payload=payload,
                received_at=sa.func.now())
            stmt = stmt.on_conflict_do_nothing().returning(inbound_updates.c.update_id)
            return (await conn.execute(stmt)).first() is not None

    async def unprocessed(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        """Stored but never processed (a crash in between). Updates whose turn failed are
        not among them: those are retried or quarantined (storage.failed_turns)."""
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(inbound_updates.c.update_id, inbound_updates.c.payload)
                .where(inbound_updates.c.channel == channel,
                       inbound_updates.c.processed_at.is_(None),
                       inbound_updates.c.failed_at.is_(None))
                .order_by(inbound_updates.c.received_at)
            )).all()
        # Telegram's ids are numbers stored as text: order them as numbers.
        ordered = sorted(rows, key=lambda r: (len(r.update_id), r.update_id))
        return [(r.update_id, dict(r.payload or {})) for r in ordered]

    # --- transcripts (handlers.channels.base.TranscriptReader) -----------------------------------
    async def history(self, key: ConversationKey, limit: int = 100) -> list[HistoryItem]:
        conv_id = _conversation_id(key)
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(messages.c.direction, messages.c.text, messages.c.buttons,
                          messages.c.template, messages.c.shown_name)
                .where(messages.c.conversation_id == conv_id)
                .order_by(messages.c.id.desc()).limit(limit)
            )).all()
        # An agent's line is signed as the customer saw it when it was sent.
        return [HistoryItem(r.direction, r.text,
                            tuple(Button(b["label"], b["payload"]) for b in r.buttons or ()),
                            (r.shown_name or agent_of(r.template)) if agent_of(r.template)
                            else None)
                for r in reversed(rows)]

    async def transcript(self, key: ConversationKey) -> list[dict[str, Any]]:
        """Every stored message of a conversation with the template that produced it."""
        conv_id = _conversation_id(key)
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(messages).where(messages.c.conversation_id == conv_id)
                .order_by(messages.c.id))).mappings().all()
        return [dict(r) for r in rows]

    async def attachments(self, key: ConversationKey) -> list[tuple[str, str | None, int]]:
        """(kind, file id, message id) of every attachment kept for a conversation."""
        conv_id = _conversation_id(key)
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(attachments.c.kind, attachments.c.file_id, attachments.c.message_id)
                .where(attachments.c.conversation_id == conv_id)
                .order_by(attachments.c.id))).all()
        return [(r.kind, r.file_id, r.message_id) for r in rows]

    async def ticket_events(self, number: str) -> list[dict[str, Any]]:
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(ticket_events.c.kind, ticket_events.c.actor, ticket_events.c.at,
                          ticket_events.c.data)
                .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
                .where(tickets.c.number == number).order_by(ticket_events.c.id))).mappings().all()
        return [dict(r) for r in rows]

    async def conversation(self, key: ConversationKey) -> Conversation | None:
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(sa.select(conversations).where(
                conversations.c.channel == key.channel,
                conversations.c.chat_id == key.chat_id))).first()
        if row is None:
            return None
        return Conversation(key=key, state=row.state, slots=dict(row.slots),
                            context=dict(row.context), locale=row.locale, version=row.version)

    # --- the scheduler's view ---------------------------------------------------------------
    async def idle_drafts(self, idle_before: datetime, limit: int = 200) -> list[IdleDraft]:
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(
                sa.select(conversations.c.channel, conversations.c.chat_id,
                          conversations.c.idle_since, conversations.c.reminded_at)
                .where(conversations.c.idle_since.is_not(None),
                       conversations.c.idle_since < idle_before)
                .order_by(conversations.c.idle_since).limit(limit))).all()
        return [IdleDraft(ConversationKey(r.channel, r.chat_id), utc_required(r.idle_since),
                          r.reminded_at is not None) for r in rows]


async def _no_log_to_fold() -> None:
    return None


def _conversation_id(key: ConversationKey) -> Any:
    return (sa.select(conversations.c.id)
            .where(conversations.c.channel == key.channel,
                   conversations.c.chat_id == key.chat_id).scalar_subquery())
