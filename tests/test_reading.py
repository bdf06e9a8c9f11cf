"""How a typed answer is read at one step: the rules around the classifier (negation, the
polarity of an English answer, a short answer found inside examples, a field named by its
button's label, a few words plainly nearer one button)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialogs.conversation import Conversation
from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine
from dialogs.intents import canon
from dialogs.meaning.negation import negated_spans
from dialogs.messages import ConversationKey, Inbound
from dialogs.slots import SlotExtractor
from dialogs.templates import TemplateRepository, load_defaults
from dialogs.turn.context import TurnContext
from dialogs.turn.reading import Reading, read

_RECORD = {"description": ["The kettle stopped heating."], "category": "quality",
           "product": "kettle", "order_no": "A1234", "when": "2026-11-20", "amount": "59.90",
           "currency": "GBP", "outcome": "refund", "phone": "+447700900123"}


@pytest.fixture(scope="module")
def engine() -> DialogEngine:
    defaults = load_defaults()
    return DialogEngine(TemplateRepository(defaults, defaults), EmotionScorer(),
                        SlotExtractor("CN"))


def reading(engine: DialogEngine, state: str, locale: str, text: str) -> Reading:
    c = Conversation(ConversationKey("web", "reading"), locale=locale, identified=True)
    c.state = state
    c.slots = dict(_RECORD) if state in ("confirming", "choosing_edit") else {
        "description": ["The kettle stopped heating."], "category": "quality"}
    inbound = Inbound(c.key, text=text)
    return read(TurnContext(engine, c, inbound, None, datetime(2026, 11, 24, tzinfo=UTC)))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["别的", "别人的问题", "別的辦法吧"])
def test_bie_de_is_other_not_a_negation(text: str) -> None:
    assert negated_spans(canon(text)) == []


def test_bie_before_a_verb_is_still_a_negation() -> None:
    assert [w for _, _, w in negated_spans(canon("别退款了，换货"))] == ["退款了"]


@pytest.mark.parametrize(("text", "meant"), [("right", "confirm"), ("not right", "edit"),
                                             ("correct", "confirm"),
                                             ("that's not correct", "edit")])
def test_an_english_negation_is_not_read_as_its_opposite(engine: DialogEngine, text: str,
                                                         meant: str) -> None:
    assert reading(engine, "confirming", "en", text).choice == meant


@pytest.mark.parametrize(("locale", "text"), [("zh-CN", "重来"), ("zh-TW", "重來")])
def test_a_short_answer_held_by_several_examples_of_one_meaning(engine: DialogEngine,
                                                                locale: str, text: str) -> None:
    # No example is the bare word; several hold it ("全部重来吧", "重来一遍").
    assert reading(engine, "collecting", locale, text).intent == "restart"


@pytest.mark.parametrize(("locale", "text", "field"), [
    ("zh-CN", "金额好像填错了", "field.amount"),
    ("zh-TW", "訂單編號打錯", "field.order_no"),
    ("en", "the amount shown is off", "field.amount"),
])
def test_a_field_named_by_its_label_inside_the_answer(engine: DialogEngine, locale: str,
                                                      text: str, field: str) -> None:
    assert reading(engine, "choosing_edit", locale, text).choice == field


@pytest.mark.parametrize(("locale", "text"), [("zh-CN", "都没问题，不用改"),
                                              ("zh-TW", "都正確 不用改了")])
def test_a_negation_that_is_the_answer_is_kept(engine: DialogEngine, locale: str,
                                                text: str) -> None:
    assert reading(engine, "choosing_edit", locale, text).choice == "back"


@pytest.mark.parametrize(("locale", "text", "meant"), [
    ("zh-TW", "想要換貨", "out.replacement"),
    ("en", "a different thing", "out.other"),
])
def test_a_few_words_plainly_nearer_one_button_are_taken(engine: DialogEngine, locale: str,
                                                         text: str, meant: str) -> None:
    assert reading(engine, "choosing_outcome", locale, text).choice == meant


def test_a_longer_free_answer_is_not_forced_onto_a_button(engine: DialogEngine) -> None:
    r = reading(engine, "choosing_outcome", "en",
                "honestly I mostly want the manager to know how the staff behaved that day")
    assert r.choice is None
