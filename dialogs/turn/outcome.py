"""What a turn hands back to the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.emotion import Emotion
from dialogs.escalation import Check
from dialogs.events import TurnEvent
from dialogs.messages import Attachment, Reply


@dataclass
class TurnOutcome:
    replies: list[Reply] = field(default_factory=list)
    emotion: Emotion | None = None
    kept_attachments: tuple[Attachment, ...] = ()
    # What the turn did that others must hear of once it is committed: a ticket escalated,
    # reopened, or words for the agents (dialogs.events).
    events: list[TurnEvent] = field(default_factory=list)
    # Every escalation rule against this turn, fired or not (for "test a message").
    checks: list[Check] = field(default_factory=list)
