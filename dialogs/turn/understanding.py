"""What the customer's message says before any state looks at it: its language, the button it
presses, whether it is a greeting, the files it carries and the facts it mentions."""

from __future__ import annotations

from dataclasses import fields, replace

from dialogs.choices import choices_for, parse_payload
from dialogs.language import locale_from_language_code, next_locale, opening_locale
from dialogs.slots import lasting
from dialogs.slots.place import vague
from dialogs.turn.answers import corrected_tail
from dialogs.turn.context import TurnContext
from dialogs.turn.reading import read, story_length

# Details answered with a name, which may be in any language.
NAMES = frozenset({"where", "product", "order_no"})


def settle_locale(t: TurnContext) -> None:
    """The customer's locale for this turn; see `next_locale` for when it may change."""
    c = t.conv
    # A pressed button carries its label in the current locale: no news about the language.
    text = "" if t.inbound.callback_data is not None else t.text
    # The first message, in a new conversation or one greeted on open (see open_locale).
    if "locale_set" not in c.context:
        c.locale = opening_locale(text, _hint(t), t.e.settings.default_locale)
        c.context["locale_set"] = True
    elif c.state in ("collecting", "editing") and c.missing_detail() in NAMES:
        return  # "南京西路 store" names a place; it says nothing about the language
    elif not c.context.get("locale_locked"):
        c.locale = next_locale(c.locale, text, prefer=_hint(t))


def open_locale(t: TurnContext) -> None:
    """The locale to greet in before the customer has written anything: the client's
    language. Not settled: their first message may still move it as it would have without
    the greeting (one Han character from an English browser is enough)."""
    t.conv.locale = opening_locale("", _hint(t), t.e.settings.default_locale)


def _hint(t: TurnContext) -> str | None:
    return locale_from_language_code(t.inbound.language_code)


def pressed(t: TurnContext) -> str | None:
    """The choice of a pressed button or its typed equivalent; "stale" for an old one."""
    data = t.inbound.callback_data
    if data is not None:
        parsed = parse_payload(data)
        valid = {ch.value for ch in choices_for(t.conv)}
        if parsed is None or parsed[0] != t.conv.state or parsed[1] not in valid:
            return "stale"
        return parsed[1]
    if not t.text:
        return None
    t.reading = read(t)
    # A "Did you mean …?" is answered now or forgotten.
    t.conv.context.pop("suggested", None)
    return t.reading.choice


def is_greeting(t: TurnContext) -> bool:
    """A message that only says hello."""
    return bool(t.text) and not story_length(t.text) and t.e.meaning.classify(
        t.text, ("greeting", "yes", "no")).choice == "greeting"


def attachments_only(t: TurnContext) -> bool:
    """Photos and files join the complaint; other media get a clear answer."""
    atts = t.inbound.attachments
    if not atts:
        return False
    kept = tuple(a for a in atts if a.keepable)
    t.out.kept_attachments = kept
    if kept:
        t.conv.slots["attachments"] = t.conv.slots.get("attachments", 0) + len(kept)
    for a in atts:
        kind = t.label(f"kind.{a.kind}") if t.e.templates.has(f"kind.{a.kind}") \
            else t.label("kind.other")
        t.say("attachment.kept" if a.keepable else "attachment.unsupported", kind=kind)
    if t.text:
        return False
    t.prompt()
    return True


def extract_slots(t: TurnContext) -> None:
    """Facts mentioned anywhere fill empty slots, so they are never asked for again."""
    c = t.conv
    expect = c.missing_detail() if c.state == "collecting" else None
    if c.state == "editing":
        return
    found = t.e.extractor.extract(t.text, now=t.now, expect=expect, locale=c.locale,
                                  region=t.region)
    if tail := corrected_tail(t.text):
        # "11月20号，哦不对，是11月21号": what follows the correction wins.
        again = t.e.extractor.extract(tail, now=t.now, expect=expect, locale=c.locale,
                                      region=t.region)
        found = replace(found, **{f.name: v for f in fields(again)
                                  if (v := getattr(again, f.name)) is not None})
    slots = c.slots
    for name in ("phone", "order_no", "product", "where"):
        value = getattr(found, name, None)
        if name == "order_no" and expect in NAMES:
            continue  # "飞利浦咖啡机 EP2220" answers "which one?": the model, not an order
        if value and name not in slots:
            if name == "product" and vague(value):
                c.take_vague(name, value)
            else:
                slots[name] = value
    if found.amount is not None and "amount" not in slots:
        slots["amount"] = str(found.amount)
        slots["currency"] = found.currency
    telling = c.state in ("new", "listening")
    if telling and lasting(t.text):
        c.context["lasting"] = True
    if found.when and "when" not in slots and not (telling and c.context.get("lasting")):
        slots["when"] = found.when.isoformat()
