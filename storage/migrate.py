"""Schema upgrades with Alembic, run programmatically (`heard db upgrade`, and at `heard run`)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine


def _config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "storage:migrations")
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_config(sync_conn), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Back to `revision` (tests of a migration's back-fill go down and up again)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.downgrade(_config(sync_conn), revision))


async def upgrade_url(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Developers' helper: write a new revision from the difference to storage.schema."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync_conn: command.revision(
                _config(sync_conn), message=message, autogenerate=True
            )
        )
