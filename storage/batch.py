"""A batch of turns in one write transaction, with a few statements per batch, not per turn.

Each statement costs a round trip to the database, so the batch claims its updates, locks and
loads its conversations, and writes transcripts and states in bulk. The dialog runs in memory
in between; what it files through the ticket desk is written with the batch too, and a turn
that raises leaves nothing: its state is restored and its filings dropped.

`BatchTx` is what both databases share; the statements that differ live in one subclass per
backend (storage.batch_sqlite, storage.batch_postgres), and `Store` picks which once, from its
URL. Both are held to one contract by tests/test_storage_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.messages import ConversationKey, Inbound
from dialogs.search_text import index_terms
from storage.batch_records import ConcurrentUpdate, Loaded, TurnRecord
from storage.desk import SqlDesk, TicketLedger, TurnWrites
from storage.schema import attachments, conversations, inbound_updates
from storage.search_index import Doc, message_ticket

__all__ = ["BatchTx", "ConcurrentUpdate", "Loaded", "TurnRecord"]

# A customer, keyed (channel, external id), with the inbound that introduces them.
People = dict[tuple[str, str], Inbound]


class BatchTx(ABC):
    def __init__(self, conn: AsyncConnection, *, prefix: str, tz: ZoneInfo,
                 default_locale: str) -> None:
        self.conn = conn
        self.default_locale = default_locale
        self.ledger = self._ledger(prefix, tz)

    # --- what each backend says its own way -----------------------------------------------
    @abstractmethod
    def _ledger(self, prefix: str, tz: ZoneInfo) -> TicketLedger: ...

    @abstractmethod
    async def lock(self, keys: list[ConversationKey]) -> None:
        """Serialise turns of a conversation across processes before anything is read, in
        one global order so two processes never deadlock."""

    @abstractmethod
    async def _claim(self, unique: list[tuple[str, str]],
                     now: datetime) -> set[tuple[str, str]]: ...

    @abstractmethod
    async def _find(self, keys: list[ConversationKey]) -> dict[ConversationKey, Loaded]: ...

    @abstractmethod
    async def _create(self, inbounds: list[Inbound], people: People,
                      now: datetime) -> dict[ConversationKey, Loaded]: ...

    @abstractmethod
    async def _insert_messages(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert transcript rows; their ids, in row order."""

    @abstractmethod
    async def _save(self, dirty: list[Loaded], now: datetime) -> None:
        """Write the new state of `dirty`; raise ConcurrentUpdate, and save none, when any
        of them moved since it was read."""

    # --- before the turns ------------------------------------------------------------------
    async def claim(self, ids: list[tuple[str, str]], now: datetime) -> set[tuple[str, str]]:
        """Mark updates processed; returns those that were not already (first deliveries)."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return set()
        return await self._claim(unique, now)

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
        found = await self._find(wanted)
        missing = [creating[k] for k in wanted if k not in found and creating and k in creating]
        if missing:
            assert now is not None
            people = {(i.key.channel, i.user_id or i.key.chat_id): i for i in missing}
            found.update(await self._create(missing, people, now))
        await self.ledger.prefetch_orders({
            str(ld.conv.slots["order_no"]) for ld in found.values()
            if ld.conv.slots.get("order_no")
            and ld.conv.context.get("order_checked") != ld.conv.slots["order_no"]})
        return found

    # --- during a turn ----------------------------------------------------------------------
    def desk(self, loaded: Loaded) -> SqlDesk:
        """The ticket desk for one turn; `commit_turn` or `abandon_turn` it afterwards."""
        return SqlDesk(self.ledger, TurnWrites(), conversation_id=loaded.conversation_id,
                       customer_id=loaded.customer_id)

    def commit_turn(self, desk: SqlDesk) -> None:
        self.ledger.commit_turn(desk.turn)

    def abandon_turn(self, desk: SqlDesk) -> None:
        self.ledger.abandon_turn(desk.turn)

    def changed(self, loaded: Loaded, now: datetime, *, customer_spoke: bool = False) -> None:
        """This turn changed the conversation: `write` saves it under its next version (and
        refuses if someone else moved it meanwhile). When the customer spoke, a new idle
        spell starts `now`, which reminders and expiry count from, and earns a new reminder."""
        loaded.conv.version += 1
        loaded.dirty = True
        if customer_spoke:
            loaded.idle_since = now
            loaded.reminded = False

    async def claim_reminder(self, loaded: Loaded, now: datetime) -> bool:
        """Whether this process may send the conversation's reminder for its idle spell: one
        per spell, whichever process asks first. Recorded at once, not with `write`, since
        sending one is not a change of the conversation."""
        result = await self.conn.execute(
            sa.update(conversations)
            .where(conversations.c.id == loaded.conversation_id,
                   conversations.c.reminded_at.is_(None))
            .values(reminded_at=now))
        claimed = bool(result.rowcount == 1)
        if claimed:
            loaded.reminded = True
        return claimed

    # --- after the turns --------------------------------------------------------------------
    def filed(self) -> list[dict[str, Any]]:
        """The tickets this batch files, as they will be written (for the operator's log)."""
        return [dict(t) for t in self.ledger.tickets]

    async def write(self, records: list[TurnRecord], extra_out: list[TurnRecord],
                    touched: list[Loaded], now: datetime) -> None:
        """The transcript of every turn (in order) and the new state of every conversation
        that `changed`."""
        rows: list[dict[str, Any]] = []
        inbound_at: dict[int, TurnRecord] = {}
        # Which conversation's context each row was written in (the ticket it belongs to).
        contexts: list[dict[str, Any]] = []
        for rec in records:
            # Opening the chat is not a message: only its greeting, if any, is transcript.
            if not rec.inbound.opened:
                inbound_at[len(rows)] = rec
                rows.append(rec.inbound_row(now))
            rows.extend(rec.outbound_rows(now))
            contexts.extend([rec.loaded.conv.context] * (len(rows) - len(contexts)))
        for rec in extra_out:
            rows.extend(rec.outbound_rows(now))
            contexts.extend([rec.loaded.conv.context] * (len(rows) - len(contexts)))
        if rows:
            ids = await self._insert_messages(rows)
            if any(rec.kept for rec in records):
                await self.conn.execute(sa.insert(attachments), [
                    {"conversation_id": rec.loaded.conversation_id, "message_id": ids[i],
                     "kind": a.kind, "file_id": a.file_id, "file_name": a.file_name,
                     "mime_type": a.mime_type, "size": a.size, "created_at": now}
                    for i, rec in inbound_at.items() for a in rec.kept])
            await self.ledger.search.add_messages([
                Doc(mid, row["conversation_id"], message_ticket(row["state"], ctx),
                    index_terms(row["text"]))
                for mid, row, ctx in zip(ids, rows, contexts, strict=True)])
        dirty = [ld for ld in touched if ld.dirty]
        if dirty:
            await self._save(dirty, now)
        await self.ledger.write()
