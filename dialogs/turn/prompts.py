"""What each state asks next: the template and what it is rendered with, by state.

States missing here ask nothing (a new conversation is greeted, an expired one restarted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dialogs.slots import phone_example

if TYPE_CHECKING:
    from dialogs.turn.context import TurnContext

Prompt = Callable[["TurnContext"], tuple[str, dict[str, Any]]]

# The field being edited, when its question is not simply ask.<field>.
EDIT_QUESTIONS = {"category": "ask.category", "outcome": "ask.outcome", "phone": "ask.contact",
                  "description": "ask.edit.description"}
# The feedback step, when its question is not whether the fix solved it.
FEEDBACK_QUESTIONS = {"score": "feedback.rating", "still_fixed": "follow_up.ask"}


def _category(t: TurnContext) -> tuple[str, dict[str, Any]]:
    guess = t.conv.context.get("category_guess")
    return "ask.category", {"guess": t.label(f"category.{guess}") if guess else None}


def _detail(t: TurnContext) -> tuple[str, dict[str, Any]]:
    slot = t.conv.missing_detail()
    if slot == "product" and t.conv.is_vague(slot):
        return "ask.product.which", {"product": t.conv.slots.get(slot)}
    if slot == "when" and t.conv.context.get("lasting"):
        return "ask.when.started", {}
    return f"ask.{slot}", {}


def _editing(t: TurnContext) -> tuple[str, dict[str, Any]]:
    f = t.conv.context.get("edit_field")
    return EDIT_QUESTIONS.get(str(f), f"ask.{f}"), {
        "can_reply_here": t.conv.identified,
        "example": phone_example(t.region) if f == "phone" else None}


def _feedback(t: TurnContext) -> tuple[str, dict[str, Any]]:
    step = t.conv.context.get("feedback_step")
    return (FEEDBACK_QUESTIONS.get(str(step), "feedback.solved"),
            {"number": t.conv.context.get("last_ticket", "")})


def _closed(t: TurnContext) -> tuple[str, dict[str, Any]]:
    return "closed.prompt", {"number": t.conv.context.get("last_ticket", "")}


PROMPTS: dict[str, Prompt] = {
    "listening": lambda t: ("ack.more" if t.conv.has_story() else "restarted", {}),
    "categorizing": _category,
    "collecting": _detail,
    "choosing_outcome": lambda t: ("ask.outcome", {}),
    "asking_contact": lambda t: ("ask.contact", {"can_reply_here": t.conv.identified,
                                                 "example": phone_example(t.region)}),
    "confirming": lambda t: ("summary", {"fields": t.e.fmt.summary_fields(t.conv)}),
    "choosing_edit": lambda t: ("ask.edit_field", {}),
    "editing": _editing,
    "feedback": _feedback,
    "filed": _closed,
    "handed_off": _closed,
    "cancelled": lambda t: ("cancelled", {}),
}
