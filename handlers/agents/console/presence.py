"""Presence: which agents have a ticket open, told to the others on it.

A ticket page says what it shows over its live socket ({"view": number}) and whether its
agent is typing a reply ({"typing": true|false}). Each open page is a row (storage/presence.py)
that this process refreshes every HEARTBEAT while the socket lives and deletes when it closes;
every change is announced as a ("presence") item on the ticket, to this process's pages and,
through the live news, to the other processes' — each page then fetches who is there over
plain HTTP, through the same session check as any page.

Limits: a page whose process dies, or whose network drops without a close, stays listed until
its row is PRESENCE_TTL old and the next heartbeat of a live process prunes it (half a minute
or so); an agent's pages are known only while the
live socket is connected (no JavaScript: no presence, though the reply check still works).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from dialogs.ticket_number import TicketNumber
from storage.presence import PresenceStore

log = logging.getLogger(__name__)

PRESENCE = "presence"  # the kind of live item that says "look who is here again"

Announce = Callable[[str, str], None]  # (ticket number, kind)


def _silent(number: str, kind: str) -> None:
    return None


class PresenceTracker:
    def __init__(self, store: PresenceStore, clock: Callable[[], datetime],
                 announce: Announce = _silent) -> None:
        self.store = store
        self.clock = clock
        # This process's pages and the other processes' (set when the app is composed).
        self.announce = announce

    async def heard(self, page: str, agent_id: int, frame: str) -> None:
        """A frame from a page's socket; anything that is not ours is ignored."""
        try:
            data: Any = json.loads(frame)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        try:
            if isinstance(data.get("view"), str):
                number = TicketNumber.parse(data["view"][:40].upper())
                if number is not None:
                    await self.store.viewing(page, agent_id, str(number), self.clock())
                    self.announce(str(number), PRESENCE)
            elif isinstance(data.get("typing"), bool):
                number_typed = await self.store.typing(page, data["typing"], self.clock())
                if number_typed is not None:
                    self.announce(number_typed, PRESENCE)
        except Exception:  # a database hiccup loses one presence note, never the socket
            log.exception("could not note a console page's presence")

    async def closed(self, page: str) -> None:
        try:
            number = await self.store.gone(page)
        except Exception:  # its row expires by itself
            log.exception("could not forget a closed console page")
            return
        if number is not None:
            self.announce(number, PRESENCE)

    async def beat(self, pages: Collection[str]) -> None:
        """Every HEARTBEAT: this process's open pages are still there; the rows of pages no
        process refreshed go (whichever process prunes them tells the pages)."""
        now = self.clock()
        await self.store.refresh(pages, now)
        for number in await self.store.prune(now):
            self.announce(number, PRESENCE)
