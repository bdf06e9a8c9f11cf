"""One connection to the configured database before anything is served, so that a server that
is down or a login that is refused is told as such instead of surfacing in the middle of
start-up."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from storage.database import create_engine
from storage.urls import location


class DatabaseUnreachable(Exception):
    """Nothing answered at the database's address (down, wrong host or port, no network)."""


class DatabaseRefused(Exception):
    """Something answered and said no: the login, the database name, or not a database file."""


async def check_database(url: str, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    where = location(url)
    # Not the writer's engine: a probe needs no write lock, and must not take one.
    engine = create_engine(url, immediate=False)
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except TimeoutError:
        raise DatabaseUnreachable(
            f"cannot reach the database at {where}: no answer in {timeout:.0f}s") from None
    except OSError as e:
        raise DatabaseUnreachable(f"cannot reach the database at {where}: {_reason(e)}") from None
    except DBAPIError as e:
        detail = str(e.orig).strip().splitlines()[0] if e.orig is not None else type(e).__name__
        raise DatabaseRefused(f"the database at {where} refused us: {detail}") from None
    finally:
        await engine.dispose()


def _reason(e: OSError) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    return e.strerror or str(e) or type(e).__name__
