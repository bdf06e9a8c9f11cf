"""Secrets the service makes for itself and keeps in the database (`service_secrets`), so
that every process, and every restart, signs with the same key."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.schema import service_secrets
from storage.upsert import insert_for


async def kept_secret(engine: AsyncEngine, name: str, now: datetime) -> str:
    """The secret kept under `name`, made and stored first if there is none yet.

    Insert-if-absent, then read: when two processes start at once, the second insert waits
    for the first to commit and then does nothing, so both read the same value.
    """
    async with engine.begin() as conn:
        await conn.execute(
            insert_for(conn, service_secrets)
            .values(name=name, value=secrets.token_urlsafe(32), created_at=now)
            .on_conflict_do_nothing())
        value = (await conn.execute(
            sa.select(service_secrets.c.value).where(service_secrets.c.name == name)
        )).scalar_one()
    return str(value)
