"""Corrections: a message that gives a new value for a field already in the record ("the phone
is wrong, it's …", "日期是11月29日", "不是退款，是换货") updates that field.

The read-back exists so the customer can correct us: there a named field with its new value is
changed at once, and a named field without one is asked for directly. Elsewhere a correction
must say so ("actually", "sorry", "不对", "应该是"), so a second date in a story does not
overwrite the first.
"""

from __future__ import annotations

import re
from typing import Any

from dialogs.categories import CATEGORIES
from dialogs.choices import OUTCOMES
from dialogs.meaning.classifier import ACCEPT, SUGGEST
from dialogs.turn.answers import parse_slot
from dialogs.turn.context import TurnContext

FIELDS = ("phone", "order_no", "amount", "when", "where", "product", "category", "outcome",
          "description")
_FIELD_OPTIONS = tuple(f"field.{f}" for f in FIELDS)
_EXTRACTED = ("phone", "order_no", "amount", "when")
_CUE = re.compile(
    r"(?i)\b(?:actually|sorry|wrong|mistake|typo|correction|i meant|not|should be|instead)\b"
    r"|不对|不對|错了|錯了|打错|打錯|应该是|應該是|其实是|其實是|更正|改成|改为|改為|不是")


def named_fields(t: TurnContext, text: str) -> list[str]:
    """The fields a message names ("the phone is wrong" names the phone)."""
    named = t.e.meaning.sentence_scores(text, _FIELD_OPTIONS)
    best = max(named.values(), default=0.0)
    if best < SUGGEST:
        return []
    return [o.removeprefix("field.") for o, s in named.items() if s >= max(SUGGEST, best - 0.05)]


def corrections(t: TurnContext, *, at_read_back: bool) -> dict[str, Any]:
    """The fields this message corrects, with their new values (not yet applied)."""
    c = t.conv
    if not at_read_back and not _CUE.search(t.text):
        return {}  # told in passing, a correction says so
    named = named_fields(t, t.text)
    found = t.e.extractor.extract(t.text, now=t.now, locale=c.locale, region=t.region)
    changed: dict[str, Any] = {}
    for slot in _EXTRACTED:
        value = getattr(found, slot, None)
        if value is None:
            continue
        value = value.isoformat() if slot == "when" else str(value) if slot == "amount" \
            else value
        if c.slots.get(slot) != value and (slot in c.slots or (at_read_back and (
                slot in named or slot in c.required_details()))):
            changed[slot] = value
            if slot == "amount":
                changed["currency"] = found.currency
    if not at_read_back:
        # Told in passing ("门市说不是她们的问题"), only a number or a date already in the
        # record is taken as corrected; the read-back is where the rest is checked.
        return changed
    meant = t.e.meaning.classify(t.text, [f"out.{o}" for o in OUTCOMES])
    # "不是退款，是换货" says plainly which is wrong: a weaker match for the rest will do.
    wanted, bar = (meant.choice or meant.guess, SUGGEST) if meant.negated \
        else (meant.choice, ACCEPT)
    if wanted and (meant.negated or "outcome" in named or at_read_back) \
            and meant.score >= bar and wanted != f"out.{c.slots.get('outcome')}":
        changed["outcome"] = wanted.removeprefix("out.")
    kind = t.e.meaning.classify(t.text, [f"cat.{k}" for k in CATEGORIES])
    if kind.choice and (kind.negated or "category" in named) and kind.score >= ACCEPT \
            and kind.choice != f"cat.{c.slots.get('category')}":
        changed["category"] = kind.choice.removeprefix("cat.")
    for slot in ("where", "product"):
        if named == [slot] and slot not in changed:
            value = _value_after_field(t, slot)
            if value:
                changed[slot] = value
    return changed


def _value_after_field(t: TurnContext, slot: str) -> str | None:
    """"the store was Oxford Street, not Regent Street" → the words after the cue."""
    m = re.search(r"(?i)(?:should be|it's|it was|is|was|应该是|應該是|是|在)\s*(.+)$", t.words)
    if not m:
        return None
    value = parse_slot(t, slot, m.group(1).strip())
    return str(value) if value else None


def apply(t: TurnContext, changed: dict[str, Any]) -> list[str]:
    """Write the corrections into the record; the labels of the fields changed."""
    c = t.conv
    for slot, value in changed.items():
        c.take(slot, value)
        if slot == "outcome":
            c.slots.pop("outcome_note", None)
        if slot == "category":
            c.context.pop("category_guess", None)
    return [t.label(f"field.{s}") for s in changed if s != "currency"]
