"""Search across tickets: a document per message and per ticket (storage/search_index.py),
their terms in an FTS5 table on SQLite and a tsvector with a GIN index on PostgreSQL, and
every message and ticket already stored indexed.

Revision ID: 0018
Revises: 0017
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from dialogs.search_text import index_terms
from storage.search_index import message_ticket, ticket_terms, tsvector_text

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("conversation_id", sa.Integer, nullable=False),
        sa.Column("ticket_number", sa.String(32)),
        sa.PrimaryKeyConstraint("id", name="pk_search_docs"),
    )
    op.create_index("ix_search_docs_conversation_id", "search_docs", ["conversation_id"])
    if sqlite:
        # detail=none: no positions, since a query is terms that must all be present (no
        # phrases); contentless: the text is in messages and tickets already.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5("
                   "terms, content='', columnsize=0, detail=none)")
    else:
        op.add_column("search_docs", sa.Column("terms", sa.Text().with_variant(
            sa.dialects.postgresql.TSVECTOR(), "postgresql"), nullable=False))
        op.execute("CREATE INDEX ix_search_docs_terms ON search_docs USING gin (terms)")
    _backfill(sqlite)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_docs")


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _write(sqlite: bool, docs: list[tuple[int, int, str | None, str]]) -> None:
    if not docs:
        return
    conn = op.get_bind()
    if sqlite:
        conn.exec_driver_sql(
            "INSERT INTO search_docs (id, conversation_id, ticket_number) VALUES (?, ?, ?)",
            [(i, c, n) for i, c, n, _ in docs])
        conn.exec_driver_sql("INSERT INTO search_fts (rowid, terms) VALUES (?, ?)",
                             [(i, t) for i, _, _, t in docs])
    else:
        conn.execute(sa.text(
            "INSERT INTO search_docs (id, conversation_id, ticket_number, terms) "
            "VALUES (:i, :c, :n, CAST(:t AS tsvector))"),
            [{"i": i, "c": c, "n": n, "t": tsvector_text(t)} for i, c, n, t in docs])


def _backfill(sqlite: bool) -> None:
    conn = op.get_bind()
    t = sa.table("tickets", *(sa.column(c) for c in (
        "id", "number", "conversation_id", "customer_id", "created_at", "order_no",
        "description", "phone", "slots")))
    cu = sa.table("customers", sa.column("id"), sa.column("display_name"))
    m = sa.table("messages", sa.column("id"), sa.column("conversation_id"), sa.column("text"),
                 sa.column("state"), sa.column("created_at"))
    rows = conn.execute(sa.select(t, cu.c.display_name).join(cu, cu.c.id == t.c.customer_id)
                        .order_by(t.c.id)).mappings().all()
    # Each conversation's tickets in the order they were filed: (filed at, number).
    filed: dict[int, list[tuple[datetime, str]]] = {}
    docs = []
    for r in rows:
        ticket = dict(r, slots=_json(r["slots"]))
        docs.append((-r["id"], r["conversation_id"], r["number"],
                     ticket_terms(ticket, r["display_name"])))
        filed.setdefault(r["conversation_id"], []).append((_utc(r["created_at"]), r["number"]))
    for start in range(0, len(docs), CHUNK):
        _write(sqlite, docs[start:start + CHUNK])
    last = 0
    while True:  # in pages by id: a big transcript never has to fit in memory at once
        page = conn.execute(sa.select(m).where(m.c.id > last).order_by(m.c.id)
                            .limit(CHUNK)).mappings().all()
        if not page:
            break
        last = page[-1]["id"]
        _write(sqlite, [
            (msg["id"], msg["conversation_id"],
             _ticket_of(msg["state"], _utc(msg["created_at"]),
                        filed.get(msg["conversation_id"], [])),
             index_terms(msg["text"])) for msg in page])


def _ticket_of(state: str | None, at: datetime,
               tickets: list[tuple[datetime, str]]) -> str | None:
    """As the running service would have said: a draft's message is the ticket filed next;
    any other is the latest filed by then."""
    before = [n for when, n in tickets if when <= at]
    after = [n for when, n in tickets if when >= at]
    if message_ticket(state, {"last_ticket": "x"}) is None:  # a draft's message
        return after[0] if after else None
    return before[-1] if before else (after[0] if after else None)
