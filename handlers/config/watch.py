"""Keeps this process's engine on the newest published bundle version.

The process learns of a version three ways: its own publish, NOTIFY from another process
(PostgreSQL), and a look at the newest version number every `interval` seconds (SQLite, and
PostgreSQL's fallback should a notice be missed). What it learns is only a number; the
version's body is read and built into a `Behaviour` (the classifier takes a tenth of a second
or more) off the turn, in a thread. The pipeline calls `ensure_current` before each batch of
turns, which is a comparison of two numbers unless something newer is known, and then waits
for the build and switches the engine over between turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from dialogs.bundle.behaviour import Behaviour, build
from dialogs.bundle.data import from_data
from dialogs.engine import DialogEngine
from storage.bundles import BundleStore
from storage.news import BUNDLE

log = logging.getLogger(__name__)

# A database that cannot be read is said once a minute, not on every look.
COMPLAINT_SECONDS = 60.0


class News(Protocol):
    """storage.news's listener: the process's one connection hearing other processes."""

    def listen(self, channel: str, heard: Callable[[str], None],
               connected: Callable[[], None] = ...) -> None: ...


class BundleWatch:
    def __init__(self, bundles: BundleStore, news: News, engine: DialogEngine, *,
                 interval: float = 0.5) -> None:
        self.bundles = bundles
        self.news = news
        self.engine = engine
        self.interval = interval
        # The newest version this process has heard of.
        self.latest = 0
        self._pending: tuple[int, asyncio.Task[Behaviour]] | None = None
        # A version whose body does not load (it passed validation, so a bug): tried once.
        self._broken: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # The behaviour in force, whose classifier the next version may keep.
        self._in_force: Behaviour | None = None
        self._complained = 0.0
        news.listen(BUNDLE, self._notice, self._reconnected)

    @property
    def version(self) -> int | None:
        """The version in force in this process."""
        return self.engine.bundle_version

    def heard(self, number: int) -> None:
        if number > self.latest:
            self.latest = number
            self._prepare(number)

    def _notice(self, payload: str) -> None:
        try:
            number = int(payload)
        except ValueError:
            log.warning("ignored a bundle notice that is no version number")
            return
        self.heard(number)

    async def check(self) -> None:
        """Look at the newest version number."""
        number = await self.bundles.latest_number()
        if number is not None:
            self.heard(number)

    async def ensure_current(self) -> None:
        """Before a batch of turns: switch to the newest version heard of, if not yet on it."""
        number = self.latest
        if number <= (self.engine.bundle_version or 0) or number == self._broken:
            return
        task = self._prepare(number)
        try:
            behaviour = await task
        except Exception:
            log.exception("bundle version %d does not load; staying on version %s", number,
                          self.engine.bundle_version)
            self._broken = number
            return
        if behaviour.version > (self.engine.bundle_version or 0):
            self.engine.adopt(behaviour)
            self._in_force = behaviour
            log.info("configuration bundle version %d in force", behaviour.version)

    async def load_now(self) -> None:
        """At start: the newest version, before the first turn."""
        await self.check()
        await self.ensure_current()

    def _prepare(self, number: int) -> asyncio.Task[Behaviour]:
        if self._pending is not None and self._pending[0] == number:
            return self._pending[1]
        task = asyncio.create_task(self._build(number), name=f"bundle-v{number}")
        task.add_done_callback(_retrieve)
        self._pending = (number, task)
        return task

    async def _build(self, number: int) -> Behaviour:
        stored = await self.bundles.version(number)
        if stored is None:
            raise LookupError(f"bundle version {number} is not stored")
        return await asyncio.to_thread(_behaviour, stored.body, number, self._in_force)

    # --- the background: listening and looking ---------------------------------------------
    async def start(self) -> None:
        if not self._tasks:
            # Notices come through the process's listener, which bot/core.py runs.
            self._tasks = [asyncio.create_task(self._look(), name="bundle-look")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None

    async def __aenter__(self) -> BundleWatch:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _reconnected(self) -> None:
        # A notice sent while the listener was away is lost: look now rather than later.
        task = asyncio.create_task(self.check(), name="bundle-look-once")
        task.add_done_callback(_retrieve)

    async def _look(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception as e:
                now = time.monotonic()
                if now - self._complained > COMPLAINT_SECONDS:
                    self._complained = now
                    log.warning("cannot look for a newer bundle version (%s: %s)",
                                type(e).__name__, str(e).splitlines()[0] if str(e) else "")


def _behaviour(body: dict[str, Any], number: int, previous: Behaviour | None) -> Behaviour:
    return build(from_data(body), number, previous)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Whoever needs a build awaits it and reports its failure; one nobody awaited (a newer
    version was heard meanwhile) must not be reported as a never-retrieved exception."""
    if not task.cancelled():
        task.exception()
