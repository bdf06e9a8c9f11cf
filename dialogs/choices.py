"""Buttons each state offers (how a typed answer maps onto one: dialogs/turn/reading.py).

A button's payload is `<state>:<choice>`, so a press on a keyboard from an earlier question
(or someone else's) is recognised as stale instead of being applied to the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.categories import CATEGORY_SLOTS
from dialogs.conversation import EDITABLE_FIELDS, Conversation

CATEGORIES = tuple(CATEGORY_SLOTS)
OUTCOMES = ("refund", "replacement", "repair", "apology", "compensation", "other")
DETAIL_SLOTS = ("product", "order_no", "when", "where", "amount")


@dataclass(frozen=True, slots=True)
class Choice:
    """One button: `value` is what it means, `label_template` names its text."""

    value: str
    label_template: str


def choices_for(conv: Conversation) -> tuple[Choice, ...]:
    state = conv.state
    if state == "listening" and conv.has_story():
        return (Choice("done", "button.done"),)
    if state == "categorizing" or (state == "editing" and _editing(conv) == "category"):
        # The category we guessed comes first, so "1" or a plain "yes" both take it.
        guess = conv.context.get("category_guess") if state == "categorizing" else None
        ordered = sorted(CATEGORIES, key=lambda c: c != guess)
        return tuple(Choice(f"cat.{c}", f"category.{c}") for c in ordered)
    if state == "choosing_outcome" or (state == "editing" and _editing(conv) == "outcome"):
        return tuple(Choice(f"out.{o}", f"outcome.{o}") for o in OUTCOMES)
    if state == "collecting" or (state == "editing" and _editing(conv) in DETAIL_SLOTS):
        return (Choice("dont_know", "button.dont_know"),)
    if state == "asking_contact" or (state == "editing" and _editing(conv) == "phone"):
        return (Choice("reply_here", "button.reply_here"),) if conv.identified else ()
    if state == "confirming":
        return (Choice("confirm", "button.confirm"), Choice("edit", "button.edit"),
                Choice("cancel", "button.cancel"))
    if state == "choosing_edit":
        fields = [f for f in EDITABLE_FIELDS if f in conv.slots or f in ("outcome", "category")]
        if conv.identified and "phone" not in fields:
            fields.append("phone")
        return (*(Choice(f"field.{f}", f"field.{f}") for f in fields),
                Choice("back", "button.back"))
    if state == "cancelled":
        return (Choice("undo", "button.undo"),)
    if state == "feedback":
        if conv.context.get("feedback_step") == "score":
            return tuple(Choice(f"score.{n}", f"rating.{n}") for n in range(1, 6))
        if conv.context.get("feedback_step") == "still_fixed":
            return (Choice("solved.yes", "button.still_fixed"),
                    Choice("solved.no", "button.came_back"))
        return (Choice("solved.yes", "button.solved"), Choice("solved.no", "button.not_solved"))
    if state in ("filed", "handed_off"):
        return (Choice("new_complaint", "button.new_complaint"),)
    return ()


def _editing(conv: Conversation) -> str | None:
    field = conv.context.get("edit_field")
    return str(field) if field else None


def payload(conv: Conversation, choice: Choice) -> str:
    return f"{conv.state}:{choice.value}"[:64]


def parse_payload(data: str) -> tuple[str, str] | None:
    state, sep, value = data.partition(":")
    return (state, value) if sep and state and value else None
