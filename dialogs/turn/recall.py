""""I just said it": the value the customer gave earlier, found in what they told us."""

from __future__ import annotations

from typing import Any

from dialogs.turn.context import TurnContext


def recalled(t: TurnContext, slot: str) -> Any:
    """The value for `slot` from the story, when the customer says they gave it already."""
    if not t.e.meaning.said_within(t.text, "already_said"):
        return None
    found = t.e.extractor.extract(t.conv.description(), now=t.now, expect=slot,
                                  locale=t.conv.locale, region=t.region)
    value = getattr(found, slot, None)
    if value is None:
        return None
    if slot == "amount":
        t.conv.slots["currency"] = found.currency
        return str(value)
    if slot == "when":
        return value.isoformat()
    return value
