"""Which handler answers a customer in each state (dialogs.machine.STATES).

"expired" has none: the turn starts such a conversation over before any handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from dialogs.turn import after_ticket, drafting
from dialogs.turn.context import TurnContext

# The handler gets the pressed choice (None for plain text) and says what the state answers.
StateHandler = Callable[[TurnContext, str | None], Awaitable[None]]

HANDLERS: dict[str, StateHandler] = {
    "new": drafting.on_new,
    "listening": drafting.on_listening,
    "categorizing": drafting.on_categorizing,
    "collecting": drafting.on_collecting,
    "choosing_outcome": drafting.on_choosing_outcome,
    "asking_contact": drafting.on_asking_contact,
    "confirming": drafting.on_confirming,
    "choosing_edit": drafting.on_choosing_edit,
    "editing": drafting.on_editing,
    "cancelled": drafting.on_cancelled,
    "filed": after_ticket.on_filed_or_handed_off,
    "handed_off": after_ticket.on_filed_or_handed_off,
    "feedback": after_ticket.on_feedback,
}
