"""The complaint dialog end to end through the real pipeline and a real SQLite database."""

from __future__ import annotations

import re

import pytest

from bot.core import Core
from tests.conftest import Clock, Customer

TICKET = re.compile(r"C-20261124-\d{4}")


async def file_delivery_complaint(c: Customer) -> str:
    await c.says("My parcel never arrived. The courier says it was delivered but it wasn't.")
    assert "anything else" in c.text.lower()
    await c.presses("That's all")
    assert "Delivery" in c.text  # inferred from "parcel", "courier"
    await c.presses("Delivery")
    assert "order number" in c.text.lower()
    await c.says("JD20261118001")
    assert "when did this happen" in c.text.lower()
    await c.says("last Tuesday")
    assert "what would you like us to do" in c.text.lower()
    await c.presses("Refund")
    assert "phone number" in c.text.lower()
    await c.says("138 0013 8000")
    assert "let me check i have this right" in c.text.lower()
    assert "JD20261118001" in c.text and "+8613800138000" in c.text
    await c.presses("Confirm")
    m = TICKET.search(c.text)
    assert m, c.text
    return m.group(0)


async def reach_read_back(c: Customer) -> None:
    """A delivery complaint whose first message carries the order number and the date."""
    await c.says("My parcel never arrived, order JD20261118001, it happened yesterday")
    await c.presses("That's all")
    await c.presses("Delivery")
    await c.presses("Refund")
    await c.presses("Reply here")
    assert await c.state() == "confirming"


async def test_happy_path_files_a_ticket_with_number_and_promise(core: Core) -> None:
    c = Customer(core)
    number = await file_delivery_complaint(c)
    assert number == "C-20261124-0001"
    assert "by Wed 25 Nov, 09:30" in c.text  # 24 h first-response promise
    assert "resolved by 1 December 2026" in c.text  # and resolution within 7 days
    assert await c.state() == "filed"


async def test_first_message_greets_and_acknowledges(core: Core) -> None:
    c = Customer(core)
    await c.says("hi")
    assert c.templates == ["greet"]
    assert "What happened?" in c.text and "Li Wei" in c.text
    await c.says("The blender I bought stopped working after two days")
    assert c.templates == ["ack.story"]


async def test_upset_customer_is_acknowledged_before_any_question(core: Core) -> None:
    c = Customer(core)
    await c.says("hello")
    await c.says("This is terrible, I'm really disappointed. The blender broke after 2 days!!!")
    assert c.last[0].tone in ("upset", "angry")
    assert c.last[0].template == "ack.story"
    await c.presses("That's all")
    await c.presses("Product quality")
    await c.says("THIS IS A SCAM!!! I am furious, you people are useless")
    # The empathy line comes first, the question after it.
    assert c.templates[0] == "empathy", c.templates
    assert c.last[0].tone == "angry"


async def test_slots_in_the_first_message_are_not_asked_again(core: Core) -> None:
    c = Customer(core)  # Telegram says "en", but the customer writes Chinese
    await c.says("我的订单 JD20261118001 还没到，快递说已经签收了，我的电话是13800138000")
    assert c.last[-1].locale == "zh-CN"
    await c.presses("就这些")
    await c.presses("物流配送")
    assert c.templates == ["ask.when"]  # the order number is not asked for
    await c.says("昨天")
    await c.presses("退款")
    # The phone number came with the story too: straight to the read-back.
    assert c.templates == ["summary"]
    assert "JD20261118001" in c.text and "+8613800138000" in c.text


async def test_chinese_customer_gets_chinese_and_button_words_can_be_typed(core: Core) -> None:
    c = Customer(core, language_code="zh-hans")
    await c.says("你好")
    assert "您好" in c.text and c.last[0].locale == "zh-CN"
    await c.says("我买的电饭煲用了两天就坏了，质量太差了")
    await c.says("就这些")
    assert "商品质量" in c.text
    await c.says("对")  # yes → the inferred category
    # "我买的电饭煲" named the kind of product: the bot asks which one, not what it was.
    assert c.templates == ["ask.product.which"] and "哪一款电饭煲" in c.text
    await c.says("不清楚")  # the kind of thing is kept
    assert "订单号" in c.text
    await c.says("不知道")
    assert "什么时候" in c.text
    await c.says("11月18日")
    assert "处理" in c.text
    await c.says("换货")
    assert "电话" in c.text
    await c.says("在这里回复")
    assert "2026年11月18日" in c.text and "换货" in c.text and "未提供" in c.text
    assert "商品：电饭煲" in c.text
    await c.says("确认")
    assert TICKET.search(c.text) and "投诉已登记" in c.text
    assert "我们争取在2026年12月1日之前处理完毕" in c.text


async def test_traditional_chinese_follows_the_script(core: Core) -> None:
    c = Customer(core, language_code=None)
    await c.says("我的訂單還沒到，物流太慢了")
    assert c.last[0].locale == "zh-TW"
    assert "這裡" in c.text or "請" in c.text


async def test_numbers_pick_buttons_on_a_text_channel(core: Core) -> None:
    c = Customer(core, channel="web", chat_id="visitor-1")
    await c.says("The waiter was very rude to me at your Nanjing Road branch")
    await c.says("1")  # That's all
    assert await c.state() == "categorizing"
    assert c.buttons()[0] == "Staff attitude"  # the guess comes first
    await c.says("1")
    assert await c.state() == "collecting"
    # The branch was in the story: the next question is the day, not the place.
    assert "when did this happen" in c.text.lower()


async def test_the_customers_words_are_kept_as_written(core: Core) -> None:
    c = Customer(core, language_code="zh-hans")
    await c.says("我在南京路门店买的电饭煲，用了两天就坏了！")
    conv = await core.store.conversation(c.key)
    assert conv is not None
    assert conv.slots["description"] == ["我在南京路门店买的电饭煲，用了两天就坏了！"]


async def test_invalid_answers_get_a_hint_and_nothing_is_lost(core: Core) -> None:
    c = Customer(core, channel="web", chat_id="v-2")
    await c.says("I was charged twice for my subscription")
    await c.presses("That's all")
    await c.presses("Billing and charges")
    await c.says("a lot")
    assert c.templates[-1] == "invalid.amount"
    await c.says("¥299")
    assert "order number" in c.text.lower()
    await c.says("!!")
    assert c.templates[-1] == "invalid.order_no"
    await c.says("AB-123456")
    await c.says("next year")
    assert c.templates[-1] == "invalid.when"
    await c.says("yesterday")
    await c.presses("Refund")
    await c.says("12")
    assert c.templates[-1] == "invalid.phone"
    await c.says("+1 415 555 0134")
    assert "Amount: CN¥299.00" in c.text and "AB-123456" in c.text and "23 November 2026" in c.text


async def test_edit_changes_one_field_and_reads_back_again(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived, order JD20261118001, it happened yesterday")
    await c.presses("That's all")
    await c.presses("Delivery")
    # order number and date came with the story, so the outcome is next.
    assert "what would you like us to do" in c.text.lower()
    await c.presses("Refund")
    await c.presses("Reply here")
    assert "reply here" in c.text.lower()
    await c.presses("Edit")
    await c.presses("Order number")
    await c.says("JD20261118999")
    assert await c.state() == "confirming"
    assert "Order number: JD20261118999" in c.text
    await c.says("yes")
    assert TICKET.search(c.text)


async def test_editing_the_category_asks_for_the_details_it_needs(core: Core) -> None:
    c = Customer(core)
    await reach_read_back(c)
    await c.presses("Edit")
    await c.presses("Type")
    await c.presses("Product quality")
    assert "which product" in c.text.lower()  # quality needs a product; delivery did not
    await c.says("Acme kettle K2")
    assert await c.state() == "confirming"
    assert "Product: Acme kettle K2" in c.text and "Type: Product quality" in c.text


async def test_cancel_then_undo_restores_the_draft(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.presses("That's all")
    await c.says("cancel")
    assert await c.state() == "cancelled"
    assert "nothing was filed" in c.text
    await c.presses("Undo")
    assert await c.state() == "categorizing"


async def test_global_intents_work_in_any_state(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says("help")
    assert "human" in c.text and await c.state() == "listening"
    await c.says("start over")
    assert await c.state() == "listening"
    conv = await core.store.conversation(c.key)
    assert conv is not None and "description" not in conv.slots
    await c.says("/frobnicate")
    assert "/frobnicate" in c.text and c.templates[0] == "unknown_command"
    await c.says("English")
    assert c.templates[0] == "language.switched"
    await c.says("繁體中文")
    assert c.last[0].locale == "zh-TW"


async def test_asking_for_a_human_files_what_we_have(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived, order JD20261118001")
    await c.says("I want to talk to a human")
    assert await c.state() == "handed_off"
    m = TICKET.search(c.text)
    assert m and "colleague" in c.text
    await c.says(f"status {m.group(0)}")
    assert "with a member of our team" in c.text


async def test_status_only_shows_the_customers_own_tickets(core: Core) -> None:
    a = Customer(core, "2001")
    number = await file_delivery_complaint(a)
    b = Customer(core, "2002")
    await b.says(f"status {number}")
    assert b.templates[0] == "status.not_found"
    await a.says(f"查询 {number}")
    assert a.templates[0] == "status.found"
    await a.says("/status")
    assert number in a.text


async def test_stale_and_foreign_buttons_change_nothing(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.presses("That's all")
    await c.send(c.inbound("Confirm", callback_data="confirming:confirm"))
    assert c.templates[0] == "stale_button" and await c.state() == "categorizing"
    await c.send(c.inbound("x", callback_data="garbage-from-elsewhere"))
    assert c.templates[0] == "stale_button" and await c.state() == "categorizing"


async def test_after_filing_a_new_message_goes_onto_the_ticket(core: Core) -> None:
    c = Customer(core)
    number = await file_delivery_complaint(c)
    await c.says("Also the box was wet")
    assert number in c.text and "New complaint" in c.buttons()
    await c.presses("New complaint")
    assert await c.state() == "listening"


async def test_photos_are_kept_and_stickers_get_an_answer(core: Core) -> None:
    c = Customer(core)
    await c.says("The screen of my new phone is cracked")
    await c.sends_photo()
    assert c.templates[0] == "attachment.kept"
    await c.send(c.inbound("", attachments=(_sticker(),)))
    assert c.templates[0] == "attachment.unsupported"
    assert await c.state() == "listening"


def _sticker():  # type: ignore[no-untyped-def]
    from dialogs.messages import Attachment

    return Attachment("sticker", file_id="st-1")


@pytest.mark.parametrize("text", [
    "", "   ", "😡😡😡", "\x00\x07\x1b[31m", "مرحبا، طلبي لم يصل", "{{ 7*7 }}",
    "<script>alert(1)</script>", "'; DROP TABLE tickets; --", "/unknowncommand",
    "x" * 20_000,
])
async def test_bad_input_gets_an_answer_and_is_recorded(core: Core, text: str) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says(text)
    assert c.last, "every message gets a reply"
    assert await c.state() == "listening"
    transcript = await core.store.transcript(c.key)
    assert transcript[-len(c.last) - 1]["direction"] == "in"


async def test_template_syntax_from_a_customer_is_echoed_literally(core: Core) -> None:
    c = Customer(core)
    await c.says("{{ 7*7 }} is what I was charged {% raw %}")
    await c.presses("That's all")
    await c.presses("Something else")
    await c.says("yesterday")
    await c.presses("Refund")
    await c.presses("Reply here")
    assert "{{ 7*7 }} is what I was charged {% raw %}" in c.text
    assert "49" not in c.text


async def test_coming_back_after_a_pause_finds_the_draft(core: Core, clock: Clock) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.presses("That's all")
    clock.advance(hours=5)
    await c.presses("Delivery")
    assert c.templates[0] == "welcome_back"
    assert "order number" in c.text.lower()


async def test_something_else_asks_what_would_help_and_reads_it_back(core: Core) -> None:
    c = Customer(core, "u-else")
    await c.says("My parcel never arrived, order JD20261118001, it happened yesterday")
    await c.presses("That's all")
    await c.presses("Delivery")
    await c.presses("Something else")
    assert "what would you like us to do" in c.text.lower()
    assert await c.state() == "choosing_outcome"
    await c.says("Send it again by Friday, it's a birthday present")
    await c.presses("Reply here")
    assert await c.state() == "confirming"
    assert "Send it again by Friday, it's a birthday present" in c.text
