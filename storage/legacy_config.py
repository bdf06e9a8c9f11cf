"""What admins stored before the configuration bundle: templates they rewrote, phrases they
added and the escalation document they edited. Read once, to make version 1 of a database
from before bundles (rows the service seeded from its shipped files are not edits)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.bundle.shipped import StoredEdits
from dialogs.meaning.examples import Example
from dialogs.templates import TemplateRecord
from storage.schema import config_documents, phrase_examples, templates

SEEDED_BY = "defaults"


async def stored_edits(engine: AsyncEngine) -> StoredEdits:
    async with engine.connect() as conn:
        t_rows = (await conn.execute(
            sa.select(templates.c.name, templates.c.locale, templates.c.tone,
                      templates.c.source, templates.c.version)
            .where(templates.c.updated_by != SEEDED_BY).order_by(templates.c.id))).all()
        e_rows = (await conn.execute(
            sa.select(phrase_examples.c.meaning, phrase_examples.c.locale,
                      phrase_examples.c.text, phrase_examples.c.within)
            .where(phrase_examples.c.updated_by != SEEDED_BY)
            .order_by(phrase_examples.c.id))).all()
        doc = (await conn.execute(
            sa.select(config_documents.c.body)
            .where(config_documents.c.name == "escalation",
                   sa.or_(config_documents.c.updated_by != SEEDED_BY,
                          config_documents.c.version > 1)))).first()
    return StoredEdits(
        templates=tuple(TemplateRecord(r.name, r.locale, r.tone, r.source, r.version)
                        for r in t_rows),
        examples=tuple(Example(r.meaning, r.locale, r.text, bool(r.within)) for r in e_rows),
        escalation=dict(doc.body) if doc is not None and isinstance(doc.body, dict) else None)
