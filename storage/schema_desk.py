"""The console's working tables: what other processes' pages hear, who has which ticket open,
the search index's documents and the canned replies. Part of storage/schema.py's metadata."""

from __future__ import annotations

import sqlalchemy as sa

from storage.metadata import TS, metadata

# What changed on which ticket, for the other processes' live console pages (storage/
# live_news.py): kept a few minutes, then pruned. AUTOINCREMENT on SQLite: an id is never
# used twice, even once every row was pruned, so "ids above the last one seen" stays true.
live_news = sa.Table(
    "live_news",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("origin", sa.String(32), nullable=False),  # the process that wrote it
    sa.Column("number", sa.String(32), nullable=False),  # the ticket
    sa.Column("kind", sa.String(48), nullable=False),  # what happened, as the hub names it
    sa.Index(None, "at"),
    sqlite_autoincrement=True,
)

# Who has which ticket open in the console now (storage/presence.py): a row per open page,
# its seen_at refreshed by the process holding the page's socket; a row not refreshed for
# PRESENCE_TTL is no longer anyone.
presence = sa.Table(
    "presence",
    metadata,
    sa.Column("page", sa.String(32), primary_key=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("typing", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("seen_at", TS, nullable=False),
    sa.Index(None, "number"),
    sa.Index(None, "seen_at"),
)

# The search index's documents (storage/search_index.py): one per message (id = the message's
# id) and one per ticket (id = minus the ticket's id), with the ticket each belongs to (NULL:
# a draft's message, until the draft is filed). The terms are not here because each database
# keeps them its own way, both made by migration 0018: SQLite in the contentless FTS5 table
# `search_fts` (rowid = id), PostgreSQL in a `terms` tsvector column with a GIN index.
search_docs = sa.Table(
    "search_docs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("conversation_id", sa.Integer, nullable=False),
    sa.Column("ticket_number", sa.String(32)),
    sa.Index(None, "conversation_id"),
)

# Canned replies (storage/macros.py, dialogs/macros.py): a text per locale an agent inserts
# into a reply. `owner` says whose it is within its scope: "" for shared, the team's name,
# or the writing agent's id; a name is unique per scope and owner.
macros = sa.Table(
    "macros",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),  # dialogs.macros.Scope
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("bodies", sa.JSON, nullable=False),  # {"en": …, "zh-CN": …, "zh-TW": …}
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.UniqueConstraint("scope", "owner", "name"),
)
