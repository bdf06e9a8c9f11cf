"""What the console's pages need, and the typed key the console sub-application keeps it
under: every console module reads it from here, so none imports the app that mounts them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from aiohttp import web

from handlers.agents.console.live import LiveHub
from handlers.agents.console.presence import PresenceTracker
from handlers.agents.desk import AgentDesk
from handlers.agents.macros import Macros
from storage.agents import AgentStore
from storage.audit import AuditLog
from storage.casefile import CaseFiles
from storage.failed_turns import FailedTurns
from storage.presence import PresenceStore
from storage.search import TicketSearch
from storage.sessions import LoginFailures, SessionStore
from storage.ticket_marks import TicketMarks


class VipMarks(Protocol):
    """The VIP list in force, and marking a customer's chat on it (a published version)."""

    def __contains__(self, channel: object) -> bool: ...

    async def set(self, channel: str, vip: bool, *, actor: str) -> int | None: ...


@dataclass
class ConsoleDeps:
    desk: AgentDesk
    cases: CaseFiles
    sessions: SessionStore
    failures: LoginFailures
    agents: AgentStore
    failed: FailedTurns
    clock: Callable[[], datetime]
    audit: AuditLog  # logins, failed logins and logouts
    cases_search: TicketSearch
    teams: Collection[str] = ()
    secure_cookies: bool = False  # always mark cookies Secure (behind a TLS proxy)
    vip: VipMarks | None = None  # None: the page offers no VIP mark
    macros: Macros | None = None  # None: no canned replies offered
    # Who has which ticket open (presence.py); None: kept in the agents' database.
    presence_store: PresenceStore | None = None
    hub: LiveHub = field(init=False)
    # Where a ticket stood when a page loaded: the check before a reply (read from the
    # primary, which has the latest words).
    marks: TicketMarks = field(init=False)
    presence: PresenceTracker = field(init=False)
    # Each password check is tens of milliseconds of CPU in a worker thread: a burst of
    # logins queues here rather than taking every thread the service has.
    verifying: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        store = self.presence_store or PresenceStore(self.agents.engine,
                                                     self.agents.read_engine)
        self.marks = TicketMarks(self.agents.engine)
        self.presence = PresenceTracker(store, self.clock)
        self.hub = LiveHub(self.clock, self.presence)
        # This process's pages hear of presence at once; bot/app.py adds the other processes.
        self.presence.announce = self.hub.tell
        self.verifying = asyncio.Semaphore(2)


CONSOLE: web.AppKey[ConsoleDeps] = web.AppKey("console")
