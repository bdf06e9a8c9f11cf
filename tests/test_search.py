"""Search across tickets, on both databases, through the real dialog: tickets are found by
number, phone, order number, customer name and words anyone wrote, in English and Chinese
(a Traditional query finds Simplified text), and the index is kept as messages are written."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core import Core, open_core
from dialogs.search_snippet import snippet
from dialogs.search_text import index_terms, phone_terms, query_terms
from storage.migrate import downgrade, upgrade
from tests.conftest import Clock, Customer, make_settings
from tests.test_dialog_flow import file_delivery_complaint


@pytest.fixture
async def searching(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url), clock=clock) as c:
        yield c


async def numbers(core: Core, query: str) -> list[str]:
    return [f.number for f in await core.store.search.find(query)]


async def chinese_complaint(core: Core) -> tuple[Customer, str]:
    c = Customer(core, "2001", language_code="zh-hans", name="王小明")
    await c.says("我在南京路门店买的电饭煲，用了两天就坏了，订单号JD20261118009")
    await c.says("转人工")
    conv = await core.store.conversation(c.key)
    assert conv is not None
    return c, str(conv.context["last_ticket"])


async def test_found_by_number_phone_order_name_and_words(searching: Core) -> None:
    en = Customer(searching, "1001", name="Li Wei")
    english = await file_delivery_complaint(en)
    _, chinese = await chinese_complaint(searching)

    assert await numbers(searching, english) == [english]
    assert await numbers(searching, english.lower()) == [english]
    assert await numbers(searching, "13800138000") == [english]  # stored as +8613800138000
    assert await numbers(searching, "+86 138 0013 8000") == [english]
    assert await numbers(searching, "JD20261118001") == [english]
    assert await numbers(searching, "20261118001") == [english]  # the order's digits alone
    assert await numbers(searching, "li wei") == [english]
    assert await numbers(searching, "courier delivered") == [english]
    assert await numbers(searching, "王小明") == [chinese]
    assert await numbers(searching, "电饭煲") == [chinese]
    assert await numbers(searching, "電飯煲") == [chinese]  # zh-TW query, zh-CN text
    assert await numbers(searching, "南京路 坏了") == [chinese]
    assert await numbers(searching, "JD20261118009") == [chinese]


async def test_nothing_found_and_nothing_asked(searching: Core) -> None:
    await file_delivery_complaint(Customer(searching, "1001"))
    assert await numbers(searching, "kettle") == []
    assert await numbers(searching, "洗衣机") == []
    assert await numbers(searching, "") == []
    assert await numbers(searching, "  ,.!  ") == []
    # Quotes and query syntax of either database are only characters here.
    assert await numbers(searching, "\"parcel\" OR 'x' & !y:* NEAR(a b)") == []


async def test_agent_messages_and_later_words_are_found(searching: Core) -> None:
    _, number = await chinese_complaint(searching)
    c2 = Customer(searching, "2001", language_code="zh-hant", name="王小明")
    await c2.says("請問處理得怎麼樣了，我很擔心")  # Traditional, while a person has the case
    assert await numbers(searching, "担心") == [number]  # a Simplified query finds it
    assert await numbers(searching, "擔心") == [number]


async def test_the_migration_indexes_what_was_there(database_url: str, clock: Clock) -> None:
    async with open_core(make_settings(database_url), clock=clock) as core:
        number = await file_delivery_complaint(Customer(core, "1001"))
        # Back to before 0018 (no index at all) and up again: the back-fill indexes the
        # stored ticket and its messages, the draft's words given to the ticket.
        await downgrade(core.store.engine, "0017")
        await upgrade(core.store.engine)
        assert await numbers(core, "courier") == [number]
        assert await numbers(core, "13800138000") == [number]
        assert await numbers(core, number) == [number]


def test_terms() -> None:
    assert index_terms("電飯煲") == "电饭 饭煲 煲"
    assert [t.text for t in query_terms("電飯煲")] == ["电饭", "饭煲"]
    assert "07911123456" in phone_terms("+447911123456").split()


def test_snippet_marks_and_keeps_text_plain() -> None:
    pieces = snippet("<b>我的電飯煲</b> broke", "电饭煲")
    assert ("電飯煲", True) in pieces
    assert "".join(p for p, _ in pieces) == "<b>我的電飯煲</b> broke"
