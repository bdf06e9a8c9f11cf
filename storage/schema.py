"""Table definitions: the one place the database's shape is written down (Alembic reads it too).
The console's working tables (live news, presence, the search index, canned replies) are in
storage/schema_desk.py, imported at the end so that `metadata` here holds every table."""

from __future__ import annotations

import sqlalchemy as sa

from storage.metadata import TS
from storage.metadata import metadata as metadata

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("display_name", sa.String(200)),
    sa.Column("phone", sa.String(32)),
    sa.Column("locale", sa.String(8)),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("channel", "external_id"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.String(128), nullable=False),
    sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False, server_default="complaint"),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("slots", sa.JSON, nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    # Drives idle reminders and draft expiry; NULL once the draft is no longer open.
    sa.Column("idle_since", TS),
    sa.Column("reminded_at", TS),
    # Customer text stored on `text_day` (service time zone): bounded by a daily quota.
    sa.Column("text_day", sa.String(10)),
    sa.Column("text_chars", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("channel", "chat_id"),
    sa.Index(None, "idle_since"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("direction", sa.String(3), nullable=False),  # in / out
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.String(128), nullable=False),
    sa.Column("channel_message_id", sa.String(64)),
    sa.Column("update_id", sa.String(64)),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("buttons", sa.JSON),
    sa.Column("callback_data", sa.String(128)),
    # Why the bot said it: which template, in which locale and tone, at which version.
    sa.Column("template", sa.String(64)),
    sa.Column("locale", sa.String(8)),
    sa.Column("tone", sa.String(16)),
    sa.Column("template_version", sa.Integer),
    sa.Column("state", sa.String(32)),
    sa.Column("emotion", sa.JSON),
    # What was removed or replaced from the customer's text before it was kept (characters
    # the storage cannot hold), by kind: {"nul": 1, "lone_surrogate": 2}.
    sa.Column("cleaned", sa.JSON),
    sa.Column("created_at", TS, nullable=False),
    # An agent's message: the name the customer saw it signed with (their display name then);
    # the template keeps the login name, which is who wrote it.
    sa.Column("shown_name", sa.String(64)),
    sa.Index(None, "conversation_id", "id"),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("message_id", sa.ForeignKey("messages.id"), nullable=False),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id")),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("file_id", sa.String(256)),
    sa.Column("file_name", sa.String(256)),
    sa.Column("mime_type", sa.String(128)),
    sa.Column("size", sa.Integer),
    sa.Column("created_at", TS, nullable=False),
    sa.Index(None, "conversation_id"),
)

inbound_updates = sa.Table(
    "inbound_updates",
    metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("update_id", sa.String(64), primary_key=True),
    sa.Column("payload", sa.JSON),
    sa.Column("received_at", TS, nullable=False),
    sa.Column("processed_at", TS),
    # A turn that failed: the channel-neutral inbound to run again, how often it was tried,
    # the last error (no customer text), when to try next, and when it was given up on
    # (quarantined: kept for a supervisor, never replayed by itself).
    sa.Column("turn", sa.JSON),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.Column("failed_at", TS),
    sa.Column("next_attempt_at", TS),
    sa.Column("quarantined_at", TS),
    sa.Column("apologised_at", TS),
    sa.Index(None, "channel", "processed_at"),
    sa.Index(None, "next_attempt_at"),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),  # agent | supervisor | admin
    sa.Column("team", sa.String(32)),
    # Links the agent's Telegram account, for the agents' group.
    sa.Column("telegram_id", sa.BigInteger, unique=True),
    sa.Column("password_hash", sa.String(256)),  # argon2; NULL: no console login
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", TS, nullable=False),
    # What customers see on the agent's messages (dialogs/display_name.py); NULL: the name.
    sa.Column("display_name", sa.String(64)),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("customer_id", sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("category", sa.String(32)),
    sa.Column("priority", sa.String(4)),
    sa.Column("incomplete", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(32)),
    sa.Column("phone", sa.String(32)),
    sa.Column("slots", sa.JSON, nullable=False),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("first_response_due", TS),
    sa.Column("resolution_due", TS),
    # The order complained about, to notice the same order coming back.
    sa.Column("order_no", sa.String(64)),
    # Why a person took over: [{"reason", "priority", "evidence"}, …].
    sa.Column("reasons", sa.JSON),
    # The team the category routes to, and the agent holding the ticket (NULL: queued).
    sa.Column("team", sa.String(32)),
    sa.Column("assigned_agent_id", sa.ForeignKey("agents.id")),
    sa.Column("claimed_at", TS),
    # Promises kept or not: when a person first answered, and the SLA alerts already sent
    # (claimed by the UPDATE that sets them, so none goes out twice).
    sa.Column("first_responded_at", TS),
    sa.Column("sla_warned_at", TS),
    sa.Column("sla_breached_at", TS),
    sa.Column("resolution_warned_at", TS),
    sa.Column("resolution_breached_at", TS),
    # The call-back after a fix: when to ask whether it held, and when it was asked.
    sa.Column("follow_up_due", TS),
    sa.Column("followed_up_at", TS),
    # The ticket's own topic when the agents' group is a forum: the chat it lives in (the
    # group may change) and its message_thread_id; NULL in a plain group.
    sa.Column("topic_chat_id", sa.BigInteger),
    sa.Column("topic_thread_id", sa.BigInteger),
    # The latest close by an agent (NULL while open): the customer may reopen within
    # REOPEN_DAYS of it.
    sa.Column("closed_at", TS),
    # A call-back an agent promised the customer (NULL: none pending), watched like the
    # other promises: a warning before, an alert after, each claimed once.
    sa.Column("callback_due", TS),
    sa.Column("callback_warned_at", TS),
    sa.Column("callback_breached_at", TS),
    # The configuration bundle version the ticket was filed under, to compare before and
    # after a change (NULL: filed before bundles).
    sa.Column("bundle_version", sa.Integer),
    # What the reports count, recorded when it happens (storage/ticket_facts.py), so a year
    # of tickets is summed in SQL without replaying events. First response: the first
    # message a person wrote to the customer, its delay in calendar and in open (business)
    # seconds, and whether it kept the promise in force then.
    sa.Column("first_reply_at", TS),
    sa.Column("first_reply_s", sa.Integer),
    sa.Column("first_reply_open_s", sa.Integer),
    sa.Column("first_reply_met", sa.Boolean),
    # Resolution: filing to the last close less the time it lay closed before a reopening,
    # and whether that close kept the promised resolution date.
    sa.Column("resolved_s", sa.Integer),
    sa.Column("resolution_met", sa.Boolean),
    sa.Column("closed_spell_s", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reopens", sa.Integer, nullable=False, server_default="0"),
    # The customer's latest answers after a close: solved or not, the rating, and whether
    # the fix held at the follow-up.
    sa.Column("solved", sa.Boolean),
    sa.Column("rating", sa.SmallInteger),
    sa.Column("follow_up_held", sa.Boolean),
    # Every escalation reason the ticket ever had, as ",safety,media,": counted with LIKE
    # on both databases, one ticket once per reason.
    sa.Column("reason_tags", sa.String(400)),
    sa.Index(None, "created_at"),
    sa.Index(None, "follow_up_due"),
    sa.Index(None, "customer_id", "created_at"),
    sa.Index(None, "order_no"),
    sa.Index(None, "team", "status", "assigned_agent_id"),
    # An agent's message in a topic is matched to its ticket by this.
    sa.Index(None, "topic_chat_id", "topic_thread_id"),
)

ticket_events = sa.Table(
    "ticket_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Index(None, "ticket_id", "id"),
)

# Ticket numbers are sequential per prefix and day with no gaps: the counter row is bumped in
# the same transaction as the ticket insert, so a rolled-back filing leaves no hole.
ticket_counters = sa.Table(
    "ticket_counters",
    metadata,
    sa.Column("prefix", sa.String(8), primary_key=True),
    sa.Column("day", sa.String(8), primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

templates = sa.Table(
    "templates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("tone", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.UniqueConstraint("name", "locale", "tone"),
)

# What typed answers mean, by example (dialogs/meaning/): shipped examples are seeded once;
# the admin adds their own, which a newer release never overwrites.
phrase_examples = sa.Table(
    "phrase_examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("meaning", sa.String(64), nullable=False),
    sa.Column("locale", sa.String(8), nullable=False),
    sa.Column("text", sa.String(200), nullable=False),
    sa.Column("within", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.UniqueConstraint("meaning", "locale", "text"),
)

# Editable configuration documents (the escalation rules): shipped defaults are seeded once,
# edits bump the version and are never overwritten by a newer release's defaults.
config_documents = sa.Table(
    "config_documents",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

# Web console sessions: the cookie carries a random token, the table only its SHA-256, so a
# leaked database backup does not log anyone in.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.ForeignKey("agents.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("seen_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Index(None, "expires_at"),
)

# Failed console logins per account and per address, shared by every process.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("key", sa.String(160), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", TS, nullable=False),
)

# Secrets the service makes for itself on first start and keeps (the web chat's cookie key
# when WEB_SECRET is not set), so every process and every restart agrees.
service_secrets = sa.Table(
    "service_secrets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# The configuration bundle (dialogs/bundle/): every published version, whole, numbered from 1
# (the shipped defaults, or a database's content from before bundles). A rollback is a new
# version repeating an old one's body. The primary key is what makes two processes that start
# at once, or publish at once, agree on the numbers.
bundle_versions = sa.Table(
    "bundle_versions",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("published_at", TS, nullable=False),
    sa.Column("rolled_back_from", sa.Integer),
)

# The admins' draft: one per service (`name` is always "main"), on top of the version it was
# started from; none stored means the draft is the current version.
bundle_drafts = sa.Table(
    "bundle_drafts",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("based_on", sa.Integer, nullable=False),
    sa.Column("edited_by", sa.String(64), nullable=False),
    sa.Column("edited_at", TS, nullable=False),
)

# Who did what to the service's configuration and access, and when (storage/audit.py).
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index(None, "at"),
)

# Every call-back an agent promised, kept after it is done or replaced (the ticket holds only
# the promise pending now): the day's list and "call-backs kept" read these.
callbacks = sa.Table(
    "callbacks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), nullable=False),
    sa.Column("agent", sa.String(64), nullable=False),
    sa.Column("promised_at", TS, nullable=False),
    sa.Column("due", TS, nullable=False),
    sa.Column("done_at", TS),
    sa.Column("replaced_at", TS),
    sa.Index(None, "due"),
    sa.Index(None, "ticket_id"),
)

# Reports made and kept: the scheduled ones (claimed here once per period, across processes
# and restarts, before they are sent) and the archive page's list.
report_archive = sa.Table(
    "report_archive",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # week | month (dialogs.reports)
    sa.Column("period", sa.String(16), nullable=False),  # its key: 2026-W14, 2026-03
    sa.Column("claimed_at", TS, nullable=False),
    sa.Column("claimed_by", sa.String(64), nullable=False),
    sa.Column("summary", sa.Text),
    sa.Column("html", sa.Text),
    sa.Column("sent_at", TS),
    sa.UniqueConstraint("kind", "period"),
)

# The quarterly review's action plan: problems managers took on, carried into the next
# quarter's report until done or dropped.
action_items = sa.Table(
    "action_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("quarter", sa.String(8), nullable=False),  # raised in: 2026-Q1
    sa.Column("problem", sa.String(300), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("due", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # dialogs.reports.actions.Status
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Index(None, "quarter"),
)


# The console's tables are defined on the same metadata: importing them registers them.
import storage.schema_desk  # noqa: E402, F401
