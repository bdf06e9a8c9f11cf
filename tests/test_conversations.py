"""The conversation corpus: every scripted customer in tests/conversations/*.yaml is played
through the real pipeline and SQLite, and the whole transcript is checked against the
playbook's rules (tests/conversations/checks.py). A failure prints the transcript and every
rule it broke."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core import Core
from dialogs.language import to_simplified
from storage.schema import tickets
from tests.conftest import Clock, Customer
from tests.conversations.checks import (
    KINDS,
    LOCALES,
    TICKET,
    BotLine,
    Exchange,
    Record,
    Script,
    check_all,
    format_transcript,
    load_scripts,
)

SCRIPTS = {s.name: s for s in load_scripts()}
# Customers take a moment between messages.
PAUSE_SECONDS = 20


async def play(core: Core, clock: Clock, script: Script) -> list[Exchange]:
    chat_id = "1001" if script.channel == "telegram" else "visitor-1"
    c = Customer(core, chat_id, channel=script.channel,
                 language_code=script.language_code, name=script.customer_name)
    exchanges: list[Exchange] = []
    for step in script.steps:
        if not step.plays_after([r.template for r in c.last]):
            exchanges.append(Exchange(step, "", skipped=True))
            continue
        clock.advance(seconds=PAUSE_SECONDS)
        if step.press is not None:
            keyboard = next((r.buttons for r in reversed(c.last) if r.buttons), ())
            labels = [b.label for b in keyboard]
            button = next((b for b in keyboard if b.label == step.press), None)
            if button is None:
                # The same words in the other Chinese script: the customer presses what they
                # see (whether the keyboard should be in that script is checked apart).
                button = next((b for b in keyboard
                               if to_simplified(b.label) == to_simplified(step.press)), None)
            if button is None and step.press.isdigit() and 1 <= int(step.press) <= len(keyboard):
                button = keyboard[int(step.press) - 1]
            if button is None:
                exchanges.append(Exchange(step, step.press, error=(
                    f"the customer would press {step.press!r}, the latest keyboard has "
                    f"{labels}"), state=await c.state()))
                break
            replies = await c.send(c.inbound(button.label, callback_data=button.payload))
            sent = button.label
        else:
            sent = step.say or ""
            replies = await c.says(sent)
        exchanges.append(Exchange(
            step, sent, [BotLine(r.template, r.tone, r.locale, r.text,
                                 tuple(b.label for b in r.buttons)) for r in replies],
            state=await c.state()))
        if exchanges[-1].state == "handed_off":
            break  # a person has it now: the rest of the script was meant for the bot
    return exchanges


async def filed_record(core: Core, exchanges: list[Exchange]) -> Record | None:
    numbers = [m for ex in exchanges for r in ex.replies
               if r.template in ("filed", "handoff", "handoff.already")
               for m in TICKET.findall(r.text)]
    if not numbers:
        return None
    async with core.store.read_engine.connect() as conn:
        row = (await conn.execute(
            sa.select(tickets).where(tickets.c.number == numbers[-1]))).one_or_none()
    if row is None:
        return None
    slots = dict(row.slots or {})
    fields = {
        "category": row.category, "outcome": row.outcome, "phone": row.phone,
        "order_no": slots.get("order_no"), "amount": slots.get("amount"),
        "currency": slots.get("currency") if slots.get("amount") is not None else None,
        "when": slots.get("when"), "where": slots.get("where"),
        "product": slots.get("product"),
    }
    return Record(row.number, row.status, fields, list(row.reasons or []))


KNOWN_FAILURES = {
    line.strip() for line in
    (Path(__file__).parent / "conversations" / "known_failures.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(
        strict=True, reason="the dialog still breaks a playbook rule here (known_failures.txt)"))
    if n in KNOWN_FAILURES else n for n in sorted(SCRIPTS)])
async def test_conversation(core: Core, clock: Clock, name: str) -> None:
    script = SCRIPTS[name]
    exchanges = await play(core, clock, script)
    record = await filed_record(core, exchanges)
    broken = check_all(script, exchanges, record)
    if broken:
        pytest.fail("rules broken:\n- " + "\n- ".join(broken) + "\n\n"
                    + format_transcript(script, exchanges, record), pytrace=False)


def test_the_corpus_covers_the_difficult_customers() -> None:
    scripts = list(SCRIPTS.values())
    assert len(scripts) >= 60
    per_locale = Counter(s.locale for s in scripts)
    assert all(per_locale[loc] >= 20 for loc in LOCALES), per_locale
    per_kind = Counter(s.kind for s in scripts)
    assert per_kind["correcting"] >= 12 and per_kind["hurry"] >= 8, per_kind
    assert per_kind["typing_only"] >= 10, per_kind
    covered = {(s.kind, s.locale) for s in scripts}
    for kind in KINDS:
        # Traditional Chinese is a Taiwanese customer's own script: zh-TW only.
        for loc in (("zh-TW",) if kind == "traditional" else LOCALES):
            assert (kind, loc) in covered, (kind, loc)
    for s in scripts:
        if s.kind == "typing_only":
            assert all(step.press is None for step in s.steps), s.name
        if s.kind == "correcting":
            assert s.expect, s.name
