"""A batch of turns in one write transaction, with a few statements per batch, not per turn.

Each statement costs a round trip to the database, so the batch claims its updates, locks and
loads its conversations, and writes transcripts and states in bulk. The dialog runs in memory
in between; what it files through the ticket desk is written with the batch too, and a turn
that raises leaves nothing: its state is restored and its filings dropped. On SQLite the
statements go straight to the driver (storage.batch_sqlite); elsewhere through SQLAlchemy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.conversation import Conversation
from dialogs.messages import ConversationKey, Inbound
from storage.batch_records import ConcurrentUpdate, Loaded, TurnRecord, lock_key
from storage.batch_sqlite import SqliteBatch
from storage.desk import SqlDesk, TicketLedger, TurnWrites
from storage.driver import DriverSql
from storage.schema import attachments, conversations, customers, inbound_updates, messages
from storage.upsert import insert_for

__all__ = ["BatchTx", "ConcurrentUpdate", "Loaded", "TurnRecord"]


class BatchTx:
    def __init__(self, conn: AsyncConnection, *, prefix: str, tz: ZoneInfo,
                 default_locale: str) -> None:
        self.conn = conn
        self.default_locale = default_locale
        driver = DriverSql(conn) if conn.dialect.name == "sqlite" else None
        self.sqlite = SqliteBatch(driver, default_locale) if driver is not None else None
        self.ledger = TicketLedger(conn, prefix, tz, driver)

    # --- before the turns ------------------------------------------------------------------
    async def lock(self, keys: list[ConversationKey]) -> None:
        """Serialise turns of a conversation across processes before anything is read, in
        one global order so two processes never deadlock. SQLite needs nothing: BEGIN
        IMMEDIATE already holds its only write lock."""
        if self.conn.dialect.name != "postgresql" or not keys:
            return
        ids = sorted({lock_key(k) for k in keys})
        await self.conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"),
            {"ids": ids})

    async def claim(self, ids: list[tuple[str, str]], now: datetime) -> set[tuple[str, str]]:
        """Mark updates processed; returns those that were not already (first deliveries)."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return set()
        if self.sqlite is not None:
            return await self.sqlite.claim(unique, now)
        stmt = insert_for(self.conn, inbound_updates)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "update_id"],
            set_={"processed_at": stmt.excluded.processed_at},
            where=inbound_updates.c.processed_at.is_(None),
        ).returning(inbound_updates.c.channel, inbound_updates.c.update_id)
        rows = await self.conn.execute(stmt, [
            {"channel": c, "update_id": u, "received_at": now, "processed_at": now}
            for c, u in unique])
        return {(r.channel, r.update_id) for r in rows}

    async def unclaim(self, channel: str, update_id: str) -> None:
        """A turn that failed gives its update back, to be processed when delivered again."""
        await self.conn.execute(
            sa.update(inbound_updates)
            .where(inbound_updates.c.channel == channel,
                   inbound_updates.c.update_id == update_id)
            .values(processed_at=None))

    async def load(self, keys: list[ConversationKey],
                   creating: dict[ConversationKey, Inbound] | None = None,
                   now: datetime | None = None) -> dict[ConversationKey, Loaded]:
        """The conversations of `keys`; those missing are created from `creating`."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        if self.sqlite is not None:
            found = await self.sqlite.load(wanted)
        else:
            rows = await self.conn.execute(_select_by_keys(wanted))
            found = {ConversationKey(r.channel, r.chat_id): Loaded.from_row(r._mapping)
                     for r in rows}
        missing = [creating[k] for k in wanted if k not in found and creating and k in creating]
        if missing:
            assert now is not None
            found.update(await self._create(missing, now))
        await self.ledger.prefetch_orders({
            str(ld.conv.slots["order_no"]) for ld in found.values()
            if ld.conv.slots.get("order_no")
            and ld.conv.context.get("order_checked") != ld.conv.slots["order_no"]})
        return found

    async def _create(self, inbounds: list[Inbound], now: datetime) -> dict[
            ConversationKey, Loaded]:
        people = {(i.key.channel, i.user_id or i.key.chat_id): i for i in inbounds}
        if self.sqlite is not None:
            return await self.sqlite.create(inbounds, people, now)
        ins = insert_for(self.conn, customers)
        stmt = ins.values([
            {"channel": ch, "external_id": ext, "display_name": i.display_name,
             "created_at": now} for (ch, ext), i in people.items()])
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "external_id"],
            set_={"display_name": stmt.excluded.display_name},
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

    # --- during a turn ----------------------------------------------------------------------
    def desk(self, loaded: Loaded) -> SqlDesk:
        """The ticket desk for one turn; `commit_turn` or `abandon_turn` it afterwards."""
        return SqlDesk(self.ledger, TurnWrites(), conversation_id=loaded.conversation_id,
                       customer_id=loaded.customer_id)

    def commit_turn(self, desk: SqlDesk) -> None:
        self.ledger.commit_turn(desk.turn)

    def abandon_turn(self, desk: SqlDesk) -> None:
        self.ledger.abandon_turn(desk.turn)

    async def claim_reminder(self, loaded: Loaded, now: datetime) -> bool:
        result = await self.conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == loaded.conversation_id,
                   conversations.c.reminded_at.is_(None))
            .values(reminded_at=now))
        return bool(result.rowcount == 1)

    # --- after the turns --------------------------------------------------------------------
    async def write(self, records: list[TurnRecord], extra_out: list[TurnRecord],
                    touched: list[Loaded], now: datetime) -> None:
        """The transcript of every turn (in order) and the new state of every conversation."""
        rows: list[dict[str, Any]] = []
        inbound_at: dict[int, TurnRecord] = {}
        for rec in records:
            inbound_at[len(rows)] = rec
            rows.append(rec.inbound_row(now))
            rows.extend(rec.outbound_rows(now))
        for rec in extra_out:
            rows.extend(rec.outbound_rows(now))
        if any(rec.kept for rec in records):
            # Attachments need their message's id: through SQLAlchemy, ids in row order.
            result = await self.conn.execute(
                sa.insert(messages).returning(messages.c.id, sort_by_parameter_order=True),
                rows)
            ids = [r.id for r in result]
            await self.conn.execute(sa.insert(attachments), [
                {"conversation_id": rec.loaded.conversation_id, "message_id": ids[i],
                 "kind": a.kind, "file_id": a.file_id, "file_name": a.file_name,
                 "mime_type": a.mime_type, "size": a.size, "created_at": now}
                for i, rec in inbound_at.items() for a in rec.kept])
        elif rows and self.sqlite is not None:
            await self.sqlite.insert_messages(rows)
        elif rows:
            await self.conn.execute(sa.insert(messages), rows)
        changed = [ld for ld in touched if ld.dirty]
        if changed and self.sqlite is not None:
            await self.sqlite.save(changed, now)
        elif changed:
            await self._save(changed, now)
        await self.ledger.write()

    async def _save(self, touched: list[Loaded], now: datetime) -> None:
        c = conversations.c
        stmt = (sa.update(conversations)
                .where(c.id == sa.bindparam("b_id"), c.version == sa.bindparam("b_version"))
                .values({name: sa.bindparam(f"new_{name}") for name in _SAVED}))
        params = [{"b_id": ld.conversation_id, "b_version": ld.stored_version,
                   **{f"new_{k}": v for k, v in ld.saved_state(now).items()}} for ld in touched]
        result = await self.conn.execute(stmt, params)
        if result.rowcount not in (len(params), -1):
            raise ConcurrentUpdate(f"{len(params) - result.rowcount} conversations moved")
        for ld in touched:
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
