"""The working state of one turn and how the bot speaks in it; discarded after the turn."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from dialogs.choices import choices_for, payload
from dialogs.conversation import Conversation
from dialogs.messages import Button, Inbound, Reply
from dialogs.ports import Desk
from dialogs.slots import clean, normalize, region_for
from dialogs.templates import TemplateRepository
from dialogs.turn.outcome import TurnOutcome
from dialogs.turn.prompts import PROMPTS

if TYPE_CHECKING:
    from dialogs.engine import DialogEngine
    from dialogs.turn.reading import Reading


def render(templates: TemplateRepository, conv: Conversation, template: str, tone: str,
           buttons: tuple[Button, ...] = (), /, **data: Any) -> Reply:
    r = templates.render(template, conv.locale, tone, **data)
    return Reply(r.text, buttons, r.record.name, r.record.locale, r.record.tone, r.record.version)


def state_buttons(templates: TemplateRepository, conv: Conversation) -> tuple[Button, ...]:
    """The buttons of the conversation's current state, in its locale."""
    return tuple(Button(templates.render(c.label_template, conv.locale).text, payload(conv, c))
                 for c in choices_for(conv))


class TurnContext:
    def __init__(self, engine: DialogEngine, conv: Conversation, inbound: Inbound, desk: Desk,
                 now: datetime) -> None:
        self.e: DialogEngine = engine
        self.conv: Conversation = conv
        self.inbound: Inbound = inbound
        self.desk: Desk = desk
        self.now: datetime = now
        self.text: str = normalize(inbound.text or "")  # for understanding
        self.words: str = clean(inbound.text or "")  # for keeping, as the customer wrote it
        self.tone: str = "neutral"
        self.out: TurnOutcome = TurnOutcome()
        self.acknowledged: bool = False
        # The detail the collecting state asked for, fixed before extraction fills slots from
        # this very answer.
        self.asked: str | None = None
        # Checked for an earlier ticket from the turn after it was given (escalate.py).
        self.order_at_start: Any = conv.slots.get("order_no")
        self.refused: tuple[str, ...] = ()
        # What the typed text means here (dialogs/turn/reading.py); None for a press.
        self.reading: Reading | None = None

    @property
    def region(self) -> str:
        """Where the customer's phone numbers are read as local: their locale's region, their
        Telegram language's, then PHONE_REGION."""
        return region_for(self.conv.locale, self.inbound.language_code,
                          self.e.extractor.phone_region)

    def say(self, template: str, buttons: tuple[Button, ...] = (), /, **data: Any) -> None:
        self.out.replies.append(render(self.e.templates, self.conv, template, self.tone, buttons,
                                       **data))

    def label(self, template: str) -> str:
        return self.e.templates.render(template, self.conv.locale).text

    def buttons(self) -> tuple[Button, ...]:
        return tuple(Button(self.label(c.label_template), payload(self.conv, c))
                     for c in choices_for(self.conv))

    def acknowledge(self) -> None:
        """An upset customer hears that before being asked anything."""
        if self.tone != "neutral" and not self.acknowledged:
            self.acknowledged = True
            last = self.conv.context.get("tone", "neutral")
            turns_since = self.conv.context.get("turns_since_empathy", 99)
            if last != self.tone or turns_since >= 3:
                self.conv.context["turns_since_empathy"] = 0
                self.say("empathy")

    def story_acknowledged(self) -> None:
        """The story acknowledgements come in tones of their own: no separate empathy line."""
        self.acknowledged = True
        if self.tone != "neutral":
            self.conv.context["turns_since_empathy"] = 0

    def prompt(self) -> None:
        """Ask what the current state needs next, with its buttons."""
        b = self.buttons()
        ask = PROMPTS.get(self.conv.state)
        if ask is not None:
            template, data = ask(self)
            self.say(template, b, **data)
