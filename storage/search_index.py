"""Keeping the search index: a document per message and per ticket, written in the transaction
that writes the message or files the ticket.

A document's id is its message's id, or minus its ticket's id (the ticket's number, customer
name, phone, order number and story), so a found id leads straight back to what to show.
`search_docs.ticket_number` says which ticket a message is part of: the conversation's latest
ticket once filed; a message of a draft waits with none and is given the ticket when it is
filed (`link`), as attachments are. The terms themselves are dialogs.search_text's: on SQLite
a contentless FTS5 table (`search_fts`, rowid = the document's id), on PostgreSQL a tsvector
column with a GIN index; migration 0018 makes both and indexes what was there before.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.machine import DRAFT_STATES
from dialogs.search_text import index_terms, number_term, phone_terms
from storage.driver import DriverSql

_DRAFTS = frozenset(DRAFT_STATES)

SQLITE_DOC = "INSERT INTO search_docs (id, conversation_id, ticket_number) VALUES (?, ?, ?)"
SQLITE_TERMS = "INSERT INTO search_fts (rowid, terms) VALUES (?, ?)"
SQLITE_TICKET_DOC = (
    "INSERT INTO search_docs (id, conversation_id, ticket_number) "
    "SELECT -id, conversation_id, number FROM tickets WHERE number = ?")
SQLITE_TICKET_TERMS = (
    "INSERT INTO search_fts (rowid, terms) SELECT -id, ? FROM tickets WHERE number = ?")
SQLITE_LINK = ("UPDATE search_docs SET ticket_number = ? "
               "WHERE conversation_id = ? AND ticket_number IS NULL")

PG_DOC = sa.text(
    "INSERT INTO search_docs (id, conversation_id, ticket_number, terms) "
    "VALUES (:id, :conversation_id, :ticket_number, CAST(:terms AS tsvector))")
PG_TICKET_DOC = sa.text(
    "INSERT INTO search_docs (id, conversation_id, ticket_number, terms) "
    "SELECT -id, conversation_id, number, CAST(:terms AS tsvector) FROM tickets "
    "WHERE number = :number")
PG_LINK = sa.text("UPDATE search_docs SET ticket_number = :number "
                  "WHERE conversation_id = :conversation_id AND ticket_number IS NULL")


@dataclass(frozen=True, slots=True)
class Doc:
    id: int
    conversation_id: int
    ticket_number: str | None
    terms: str


def message_ticket(state: str | None, context: Mapping[str, Any]) -> str | None:
    """Which ticket a message written in `state` belongs to: a draft's message waits for
    the ticket the draft becomes; any other is the conversation's latest ticket's."""
    if state is None or state in _DRAFTS:
        return None
    number = context.get("last_ticket")
    return str(number) if number else None


def ticket_terms(ticket: Mapping[str, Any], customer_name: str | None) -> str:
    """The terms of a ticket's own document."""
    slots = ticket.get("slots") or {}
    return " ".join(t for t in (
        index_terms(ticket.get("number"), customer_name, ticket.get("order_no"),
                    ticket.get("description"), str(slots.get("product") or "")),
        number_term(str(ticket.get("number") or "")), phone_terms(ticket.get("phone"))) if t)


def tsvector_text(terms: str) -> str:
    """Terms as a tsvector literal: each quoted, so PostgreSQL stores them as they are."""
    return " ".join(f"'{t}'" for t in terms.split())


class SearchIndex(ABC):
    """The index's writes on one database; `Store` picks the class once, from its URL."""

    @abstractmethod
    async def add_messages(self, docs: list[Doc]) -> None: ...

    @abstractmethod
    async def add_tickets(self, tickets: Iterable[tuple[str, str]]) -> None:
        """(number, terms) of tickets just inserted."""

    @abstractmethod
    async def link(self, filed: Iterable[tuple[int, str]]) -> None:
        """(conversation id, number): the draft's messages are the new ticket's."""


class SqliteSearchIndex(SearchIndex):
    def __init__(self, driver: DriverSql) -> None:
        self.driver = driver

    async def add_messages(self, docs: list[Doc]) -> None:
        if docs:
            await self.driver.many(SQLITE_DOC, [(d.id, d.conversation_id, d.ticket_number)
                                                for d in docs])
            await self.driver.many(SQLITE_TERMS, [(d.id, d.terms) for d in docs])

    async def add_tickets(self, tickets: Iterable[tuple[str, str]]) -> None:
        rows = list(tickets)
        if rows:
            await self.driver.many(SQLITE_TICKET_DOC, [(n,) for n, _ in rows])
            await self.driver.many(SQLITE_TICKET_TERMS, [(t, n) for n, t in rows])

    async def link(self, filed: Iterable[tuple[int, str]]) -> None:
        rows = [(n, c) for c, n in filed]
        if rows:
            await self.driver.many(SQLITE_LINK, rows)


class PostgresSearchIndex(SearchIndex):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add_messages(self, docs: list[Doc]) -> None:
        if docs:
            await self.conn.execute(PG_DOC, [
                {"id": d.id, "conversation_id": d.conversation_id,
                 "ticket_number": d.ticket_number, "terms": tsvector_text(d.terms)}
                for d in docs])

    async def add_tickets(self, tickets: Iterable[tuple[str, str]]) -> None:
        rows = [{"number": n, "terms": tsvector_text(t)} for n, t in tickets]
        if rows:
            await self.conn.execute(PG_TICKET_DOC, rows)

    async def link(self, filed: Iterable[tuple[int, str]]) -> None:
        rows = [{"conversation_id": c, "number": n} for c, n in filed]
        if rows:
            await self.conn.execute(PG_LINK, rows)
