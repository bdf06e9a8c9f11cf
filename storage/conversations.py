"""Loading and saving a conversation inside a turn, and writing its transcript."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.conversation import Conversation
from dialogs.machine import DRAFT_STATES
from dialogs.messages import Attachment, ConversationKey, Inbound, Reply
from storage.desk import SqlDesk
from storage.schema import attachments, conversations, customers, inbound_updates, messages
from storage.upsert import insert_for


class ConcurrentUpdate(Exception):
    """The conversation changed under us: the turn must be retried, never half-applied."""


def lock_key(key: ConversationKey) -> int:
    digest = hashlib.blake2b(str(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass
class Loaded:
    conv: Conversation
    conversation_id: int
    customer_id: int
    idle_since: datetime | None = None
    reminded: bool = False


class TurnTx:
    """One turn's reads and writes, on the batch's connection, inside the turn's savepoint."""

    def __init__(self, conn: AsyncConnection, *, prefix: str, tz: ZoneInfo,
                 default_locale: str) -> None:
        self.conn = conn
        self.prefix = prefix
        self.tz = tz
        self.default_locale = default_locale

    async def lock(self, key: ConversationKey) -> None:
        """Serialise turns of one conversation across processes before anything is read.
        SQLite needs nothing: BEGIN IMMEDIATE already holds the only write lock."""
        if self.conn.dialect.name == "postgresql":
            await self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(key))))

    async def claim_update(self, channel: str, update_id: str, now: datetime) -> bool:
        """Mark the update processed; False when it already was (a redelivery)."""
        stmt = insert_for(self.conn, inbound_updates).values(
            channel=channel, update_id=update_id, received_at=now, processed_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "update_id"],
            set_={"processed_at": now},
            where=inbound_updates.c.processed_at.is_(None),
        ).returning(inbound_updates.c.update_id)
        return (await self.conn.execute(stmt)).first() is not None

    async def load(self, inbound: Inbound, now: datetime) -> Loaded:
        key = inbound.key
        found = await self.existing(key)
        if found is not None:
            return found
        customer_id = await self._customer(inbound, now)
        conv = Conversation(key=key, locale=self.default_locale)
        conv_id = (await self.conn.execute(
            sa.insert(conversations).values(
                channel=key.channel, chat_id=key.chat_id, customer_id=customer_id,
                state=conv.state, slots={}, context={}, locale=conv.locale, version=0,
                created_at=now, updated_at=now)
            .returning(conversations.c.id))).scalar_one()
        return Loaded(conv, conv_id, customer_id)

    async def existing(self, key: ConversationKey) -> Loaded | None:
        row = (await self.conn.execute(
            sa.select(conversations).where(conversations.c.channel == key.channel,
                                           conversations.c.chat_id == key.chat_id)
        )).first()
        if row is None:
            return None
        conv = Conversation(key=key, state=row.state, slots=dict(row.slots),
                            context=dict(row.context), locale=row.locale, version=row.version)
        return Loaded(conv, row.id, row.customer_id, row.idle_since, row.reminded_at is not None)

    @staticmethod
    def is_open_draft(loaded: Loaded) -> bool:
        return loaded.idle_since is not None

    async def claim_reminder(self, loaded: Loaded, now: datetime) -> bool:
        result = await self.conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == loaded.conversation_id,
                   conversations.c.reminded_at.is_(None))
            .values(reminded_at=now))
        return bool(result.rowcount == 1)

    async def _customer(self, inbound: Inbound, now: datetime) -> int:
        external = inbound.user_id or inbound.key.chat_id
        ins = insert_for(self.conn, customers).values(
            channel=inbound.key.channel, external_id=external,
            display_name=inbound.display_name, created_at=now)
        stmt = ins.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={"display_name": ins.excluded.display_name},
        ).returning(customers.c.id)
        return int((await self.conn.execute(stmt)).scalar_one())

    async def save(self, loaded: Loaded, now: datetime) -> None:
        conv = loaded.conv
        draft_open = conv.state in DRAFT_STATES and conv.state != "new"
        result = await self.conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == loaded.conversation_id,
                   conversations.c.version == conv.version)
            .values(state=conv.state, slots=conv.slots, context=conv.context,
                    locale=conv.locale, version=conv.version + 1, updated_at=now,
                    idle_since=now if draft_open else None, reminded_at=None)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(str(conv.key))
        conv.version += 1

    async def record_inbound(self, loaded: Loaded, inbound: Inbound, state: str,
                             emotion: dict[str, Any] | None, now: datetime) -> int:
        text = inbound.text
        if not text and inbound.attachments:
            text = "[" + ", ".join(a.kind for a in inbound.attachments) + "]"
        return int((await self.conn.execute(
            sa.insert(messages).values(
                conversation_id=loaded.conversation_id, direction="in",
                channel=inbound.key.channel, chat_id=inbound.key.chat_id,
                channel_message_id=inbound.message_id, update_id=inbound.update_id,
                text=text, callback_data=inbound.callback_data, state=state,
                emotion=emotion, created_at=now)
            .returning(messages.c.id))).scalar_one())

    async def record_attachments(self, loaded: Loaded, message_id: int,
                                 kept: tuple[Attachment, ...], now: datetime) -> None:
        if kept:
            await self.conn.execute(sa.insert(attachments), [
                {"conversation_id": loaded.conversation_id, "message_id": message_id,
                 "kind": a.kind, "file_id": a.file_id, "file_name": a.file_name,
                 "mime_type": a.mime_type, "size": a.size, "created_at": now} for a in kept])

    async def record_outbound(self, loaded: Loaded, replies: list[Reply], state: str,
                              now: datetime) -> None:
        if not replies:
            return
        key = loaded.conv.key
        await self.conn.execute(sa.insert(messages), [
            {"conversation_id": loaded.conversation_id, "direction": "out",
             "channel": key.channel, "chat_id": key.chat_id, "text": r.text,
             "buttons": [{"label": b.label, "payload": b.payload} for b in r.buttons] or None,
             "template": r.template, "locale": r.locale, "tone": r.tone,
             "template_version": r.template_version, "state": state, "created_at": now}
            for r in replies])

    def desk(self, loaded: Loaded) -> SqlDesk:
        return SqlDesk(self.conn, conversation_id=loaded.conversation_id,
                       customer_id=loaded.customer_id, prefix=self.prefix, tz=self.tz)
