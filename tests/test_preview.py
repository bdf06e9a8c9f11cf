"""Test a message and the conversation preview: what the admin studio shows of a message or a
sample complaint, played through the real engine against a desk that keeps nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine, DialogSettings
from dialogs.language import to_traditional
from dialogs.preview import play, samples, try_message
from dialogs.slots import SlotExtractor
from dialogs.templates import TemplateRecord, TemplateRepository, load_defaults
from dialogs.turn.tickets import promised

# A Tuesday, 23:00 in Shanghai.
LATE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SHANGHAI = DialogSettings(timezone="Asia/Shanghai",
                          business_hours="Mon-Fri 09:00-18:00")


def engine(settings: DialogSettings | None = None,
           records: list[TemplateRecord] | None = None) -> DialogEngine:
    defaults = load_defaults()
    return DialogEngine(TemplateRepository(records or defaults, defaults), EmotionScorer(),
                        SlotExtractor("CN", settings.timezone if settings else "UTC"), settings)


@pytest.fixture(scope="module")
def live() -> DialogEngine:
    return engine(SHANGHAI)


async def test_every_rule_says_whether_it_fired_and_why(live: DialogEngine) -> None:
    t = await try_message(live, "我要投诉！充电器冒烟了，差点着火，我已经找了律师",
                           locale="zh-CN", at=LATE)
    fired = {c.rule: c.evidence for c in t.checks if c.fired}
    assert set(fired) == {"safety", "public_or_legal"}
    assert set(fired["safety"]["words"]) >= {"冒烟", "着火"}
    assert fired["public_or_legal"]["words"] == ["律师"]
    quiet = {c.rule: c.evidence for c in t.checks if not c.fired}
    # Why not: the score against its threshold, the count against what is needed.
    assert quiet["anger"]["threshold"] == 0.8 and quiet["anger"]["score"] < 0.8
    assert quiet["repeat_complainant"] == {"tickets": 0, "days": 30, "needed": 2}
    assert t.priority == "P1" and t.handed_off
    # Handed over at 23:00 with the desk closed: the customer is told when it opens.
    assert [r.template for r in t.replies][-2:] == ["handoff", "hours.closed"]


async def test_due_times_follow_business_hours(live: DialogEngine) -> None:
    t = await try_message(live, "The parcel never came and nobody tells me why.",
                           locale="en", at=LATE)
    assert not t.handed_off and t.priority == "P4"
    assert t.category == "delivery" and t.team == "logistics"
    # Closed at 23:00 in Shanghai: P4's 1,440 minutes of open time are nine hours on each of
    # Wednesday and Thursday and six on Friday: Friday 15:00 Shanghai, 07:00 UTC.
    assert t.first_response_due == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    assert (t.first_response_due, t.resolution_due) == promised(live, LATE, "P4")
    assert t.resolution_due == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # calendar time


async def test_history_and_vip_fire_their_rules_without_touching_the_live_rules(
        live: DialogEngine) -> None:
    text = "Third time this month my order is late."
    plain = await try_message(live, text, locale="en", at=LATE)
    vip = await try_message(live, text, locale="en", at=LATE, vip=True, earlier_tickets=2)
    assert not any(c.fired for c in plain.checks)
    assert {c.rule for c in vip.checks if c.fired} == {"vip", "repeat_complainant"}
    assert vip.priority == "P2" and vip.handed_off
    assert not (live.rules.rules["vip"].get("channels") or [])


async def test_the_same_input_gives_the_same_answer(live: DialogEngine) -> None:
    text = "Your driver was rude to my mother at the Nanjing Road store yesterday, £40 lost."
    a = await try_message(live, text, locale="en", at=LATE)
    b = await try_message(live, text, locale="en", at=LATE)
    assert a == b
    assert a.facts["amount"] == "40" and a.facts["currency"] == "GBP"
    assert a.categories[0].category == "attitude" and a.categories[0].example


@pytest.mark.parametrize("name", list(samples()))
async def test_every_sample_plays_to_a_ticket(live: DialogEngine, name: str) -> None:
    sample = samples()[name]
    lines = await play(live, sample, LATE)
    assert not [line.text for line in lines if line.who == "note"]
    last = [line.reply for line in lines if line.reply is not None][-1]
    assert last.template in ("filed", "queue.waiting", "handoff") or "C-2026" in last.text
    said = [line.text for line in lines if line.who == "bot"]
    if sample.locale == "zh-TW":
        assert [s for s in said if to_traditional(s) != s] == []


async def test_a_draft_template_is_what_the_preview_shows() -> None:
    defaults = load_defaults()
    changed = [replace(r, source="Welcome to Acme care, {{ name or 'friend' }}. What happened?",
                       version=2)
               if (r.name, r.locale) == ("greet", "en") else r for r in defaults]
    draft = engine(records=changed)
    lines = await play(draft, samples()["neutral-en"], LATE)
    live_lines = await play(engine(), samples()["neutral-en"], LATE)
    assert len(lines) == len(live_lines)
    t = await try_message(draft, "hello", locale="en", at=LATE)
    assert t.replies[0].text.startswith("Welcome to Acme care")
    assert t.replies[0].template_version == 2
