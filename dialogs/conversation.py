"""A conversation as the dialog sees it: state, slots and a little context, loaded for one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogs.categories import CATEGORY_SLOTS
from dialogs.machine import fire
from dialogs.messages import ConversationKey

# Fields of the complaint record the customer can see, read back and edit.
EDITABLE_FIELDS = ("description", "category", "product", "order_no", "when", "where", "amount",
                   "outcome", "phone")


@dataclass(eq=False)
class Conversation:
    """The model the shared machine drives. `slots` is the complaint record; `context` holds the
    dialog's own bookkeeping (what was asked, counters). Both are plain JSON-able dicts."""

    key: ConversationKey
    state: str = "new"
    slots: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    locale: str = "en"
    version: int = 0
    # Set by the channel each turn: Telegram identifies the customer, the web chat does not.
    identified: bool = False
    display_name: str | None = None

    # --- triggers of the shared machine (dialogs.machine.TRANSITIONS) -----------------------
    def greet(self) -> bool:
        return fire(self, "greet")

    def advance(self) -> bool:
        return fire(self, "advance")

    def confirm(self) -> bool:
        return fire(self, "confirm")

    def edit(self) -> bool:
        return fire(self, "edit")

    def pick_field(self) -> bool:
        return fire(self, "pick_field")

    def back_to_summary(self) -> bool:
        return fire(self, "back_to_summary")

    def cancel(self) -> bool:
        return fire(self, "cancel")

    def restart(self) -> bool:
        return fire(self, "restart")

    def hand_off(self) -> bool:
        return fire(self, "hand_off")

    def expire(self) -> bool:
        return fire(self, "expire")

    def begin_again(self) -> bool:
        return fire(self, "begin_again")

    def resolve(self) -> bool:
        return fire(self, "resolve")

    def rated(self) -> bool:
        return fire(self, "rated")

    def reopen(self) -> bool:
        return fire(self, "reopen")

    def follow_up(self) -> bool:
        return fire(self, "follow_up")

    # --- conditions the machine consults -------------------------------------------------
    def has_story(self) -> bool:
        return bool(self.slots.get("description"))

    def has_category(self) -> bool:
        return bool(self.slots.get("category"))

    def details_complete(self) -> bool:
        return self.missing_detail() is None

    def has_outcome(self) -> bool:
        return bool(self.slots.get("outcome"))

    def contact_ok(self) -> bool:
        return bool(self.slots.get("phone")) or (self.identified and bool(self.context.get(
            "contact_here")))

    # --- helpers ---------------------------------------------------------------------------
    def required_details(self) -> tuple[str, ...]:
        return CATEGORY_SLOTS.get(str(self.slots.get("category") or "other"), ("when",))

    def missing_detail(self) -> str | None:
        vague = self.context.get("vague", ())
        for name in self.required_details():
            if name not in self.slots or name in vague:
                return name
        return None

    def take_vague(self, slot: str, value: Any) -> None:
        """A detail told only roughly ("the kettle"): kept, and asked about more closely
        ("which kettle?") when the category needs it."""
        self.slots[slot] = value
        self.context["vague"] = sorted({*self.context.get("vague", ()), slot})

    def is_vague(self, slot: str) -> bool:
        return slot in self.context.get("vague", ())

    def take(self, slot: str, value: Any) -> None:
        self.slots[slot] = value
        self._settled(slot)

    def give_up(self, slot: str) -> None:
        """The customer does not know or will not say: a rough value stays, else "not given"."""
        if not self.is_vague(slot):
            self.slots[slot] = None
        self._settled(slot)

    def _settled(self, slot: str) -> None:
        vague = [v for v in self.context.get("vague", ()) if v != slot]
        if vague:
            self.context["vague"] = vague
        else:
            self.context.pop("vague", None)

    def description(self) -> str:
        return "\n".join(self.slots.get("description", []))

    def reset(self) -> None:
        """Forget the draft but keep what belongs to the customer, not the complaint."""
        # A complaint refused reopening carries the old number into the new one.
        kept = ("locale_set", "locale_locked", "last_ticket", "refers_to", "greeted")
        keep: dict[str, Any] = {k: self.context[k] for k in kept if k in self.context}
        self.slots = {}
        self.context = keep
