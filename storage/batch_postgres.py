"""The batch's statements on PostgreSQL, through SQLAlchemy (asyncpg pays no round-trip toll
for it, see storage.driver). storage.batch_sqlite says the same on SQLite; both are held to one
contract by tests/test_storage_contract.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dialogs.conversation import Conversation
from dialogs.messages import ConversationKey, Inbound
from storage.batch import BatchTx, People
from storage.batch_records import ConcurrentUpdate, Loaded, lock_key
from storage.ledger_postgres import PostgresLedger
from storage.schema import conversations, customers, inbound_updates, messages


class PostgresBatchTx(BatchTx):
    def _ledger(self, prefix: str, tz: ZoneInfo) -> PostgresLedger:
        return PostgresLedger(self.conn, prefix, tz)

    async def lock(self, keys: list[ConversationKey]) -> None:
        if not keys:
            return
        ids = sorted({lock_key(k) for k in keys})
        await self.conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": ids})

    async def _claim(self, unique: list[tuple[str, str]],
                     now: datetime) -> set[tuple[str, str]]:
        ins = postgresql.insert(inbound_updates)
        stmt = ins.on_conflict_do_update(
            index_elements=["channel", "update_id"],
            set_={"processed_at": ins.excluded.processed_at},
            where=inbound_updates.c.processed_at.is_(None),
        ).returning(inbound_updates.c.channel, inbound_updates.c.update_id)
        rows = await self.conn.execute(stmt, [
            {"channel": c, "update_id": u, "received_at": now, "processed_at": now}
            for c, u in unique])
        return {(r.channel, r.update_id) for r in rows}

    async def _find(self, keys: list[ConversationKey]) -> dict[ConversationKey, Loaded]:
        rows = await self.conn.execute(_select_by_keys(keys))
        return {ConversationKey(r.channel, r.chat_id): Loaded.from_row(r._mapping)
                for r in rows}

    async def _create(self, inbounds: list[Inbound], people: People,
                      now: datetime) -> dict[ConversationKey, Loaded]:
        ins = postgresql.insert(customers).values([
            {"channel": ch, "external_id": ext, "display_name": i.display_name,
             "created_at": now} for (ch, ext), i in people.items()])
        stmt = ins.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={"display_name": ins.excluded.display_name},
        ).returning(customers.c.id, customers.c.channel, customers.c.external_id)
        ids = {(r.channel, r.external_id): r.id for r in await self.conn.execute(stmt)}
        rows = await self.conn.execute(
            sa.insert(conversations).values([
                {"channel": i.key.channel, "chat_id": i.key.chat_id,
                 "customer_id": ids[(i.key.channel, i.user_id or i.key.chat_id)],
                 "state": "new", "slots": {}, "context": {}, "locale": self.default_locale,
                 "version": 0, "created_at": now, "updated_at": now} for i in inbounds])
            .returning(conversations.c.id, conversations.c.channel, conversations.c.chat_id,
                       conversations.c.customer_id))
        return {ConversationKey(r.channel, r.chat_id): Loaded(
                    Conversation(key=ConversationKey(r.channel, r.chat_id),
                                 locale=self.default_locale), r.id, r.customer_id)
                for r in rows}

    async def _insert_messages(self, rows: list[dict[str, Any]]) -> list[int]:
        result = await self.conn.execute(
            sa.insert(messages).returning(messages.c.id, sort_by_parameter_order=True), rows)
        return [r.id for r in result]

    async def _save(self, dirty: list[Loaded], now: datetime) -> None:
        c = conversations.c
        stmt = (sa.update(conversations)
                .where(c.id == sa.bindparam("b_id"), c.version == sa.bindparam("b_version"))
                .values({name: sa.bindparam(f"new_{name}") for name in _SAVED}))
        params = [{"b_id": ld.conversation_id, "b_version": ld.stored_version,
                   **{f"new_{k}": v for k, v in ld.saved_state(now).items()}} for ld in dirty]
        result = await self.conn.execute(stmt, params)
        if result.rowcount not in (len(params), -1):
            raise ConcurrentUpdate(f"{len(params) - result.rowcount} conversations moved")
        for ld in dirty:
            ld.saved()


_SAVED = ("state", "slots", "context", "locale", "version", "updated_at", "idle_since",
          "reminded_at", "text_day", "text_chars")


def _select_by_keys(keys: list[ConversationKey]) -> sa.Select[Any]:
    # Grouped by channel, not a row-value IN: SQLite scans the whole table for
    # (channel, chat_id) IN (...), but searches the unique index for this form.
    by_channel: dict[str, list[str]] = {}
    for k in keys:
        by_channel.setdefault(k.channel, []).append(k.chat_id)
    c = conversations.c
    return sa.select(conversations).where(sa.or_(*(
        sa.and_(c.channel == channel, c.chat_id.in_(ids))
        for channel, ids in sorted(by_channel.items()))))
