"""The background WAL checkpoint folds the log back into the database file."""

from __future__ import annotations

from bot.core import Core
from tests.conftest import Customer


async def test_a_checkpoint_copies_the_log_into_the_database(core: Core) -> None:
    c = Customer(core)
    for text in ("My parcel never arrived", "It was due last week", "That's all"):
        await c.says(text)
    result = await core.store.checkpoint()
    assert result is not None
    busy, pages, done = result
    assert busy == 0 and pages > 0 and done == pages
    assert await c.state() == "categorizing"  # nothing lost along the way
