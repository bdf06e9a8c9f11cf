"""How many chat sockets may be open at once, and what a socket over the limit is told.

Every open socket gets each of its visitor's replies and holds a handler, so without a cap
one visitor opening a thousand sockets slowed every other visitor's turns down.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import WSCloseCode


@dataclass(frozen=True, slots=True)
class SocketCaps:
    per_visitor: int = 8
    # 0: no cap per address (behind a reverse proxy every visitor has the proxy's address).
    per_address: int = 64
    total: int = 2000

    def __post_init__(self) -> None:
        if self.per_visitor < 1 or self.total < 1 or self.per_address < 0:
            raise ValueError(f"socket caps must be positive (per address may be 0): {self}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """The close frame a socket over a cap gets. chat.js knows each `reason` by its text
    and tells the customer in the page's language; other clients read it as it is."""

    code: int
    reason: str


# One visitor's own tabs: closing some is up to them, so the page does not retry by itself.
TOO_MANY_TABS = Refusal(WSCloseCode.POLICY_VIOLATION,
                        "This chat is open in too many tabs; close some and reconnect.")
# Shared addresses (an office, a mobile carrier) and a full server clear up on their own.
TOO_MANY_FROM_ADDRESS = Refusal(WSCloseCode.TRY_AGAIN_LATER,
                                "Too many chats from your network; try again shortly.")
SERVER_BUSY = Refusal(WSCloseCode.TRY_AGAIN_LATER,
                      "The chat is very busy; try again shortly.")
REFUSALS = (TOO_MANY_TABS, TOO_MANY_FROM_ADDRESS, SERVER_BUSY)
