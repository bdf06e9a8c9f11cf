"""A customer's language holds through a real conversation: answers with no script of their
own, button presses and /commands never move it (issue 10, "A customer's language sticks")."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core import Core
from dialogs.engine import DialogEngine
from dialogs.messages import Inbound
from tests.conftest import Customer


async def test_zh_tw_customer_stays_in_traditional_through_neutral_answers(core: Core) -> None:
    c = Customer(core, language_code=None)
    await c.says("我的訂單還沒到，物流太慢了")
    assert c.last[0].locale == "zh-TW"
    for answer in ("2", "11月20日", "修改", "ok", "3990元", "/foo"):
        await c.says(answer)
        assert {r.locale for r in c.last} == {"zh-TW"}, (answer, c.text)
    await c.says("我们的快递到底什么时候到")  # a clear Simplified sentence does move it
    assert c.last[0].locale == "zh-CN"


async def test_unknown_command_answers_in_the_customer_language(core: Core) -> None:
    c = Customer(core, language_code="en")  # an English phone, a Chinese customer
    await c.says("我的订单还没到")
    await c.says("/frobnicate")
    assert c.templates[0] == "unknown_command"
    assert {r.locale for r in c.last} == {"zh-CN"}
    assert "指令" in c.text


async def test_a_command_first_falls_back_to_the_client_language(core: Core) -> None:
    c = Customer(core, chat_id="2002", language_code="zh-hant")
    await c.says("/frobnicate")
    assert c.templates[0] == "unknown_command" and c.last[0].locale == "zh-TW"


async def test_button_press_keeps_the_locale(core: Core) -> None:
    c = Customer(core, language_code="zh-hant")
    await c.says("我買的電鍋用了兩天就壞了")
    await c.presses("就這些")
    assert {r.locale for r in c.last} == {"zh-TW"}


async def test_an_apology_for_a_failed_turn_keeps_the_customer_language(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    c = Customer(core, chat_id="3003", language_code="en")
    await c.says("我的订单还没到，快递说已经签收了")
    real_turn = DialogEngine.turn

    async def broken(self: DialogEngine, conv: Any, inbound: Inbound, desk: Any,
                     now: Any) -> Any:
        if inbound.text == "2":
            raise RuntimeError("a bug this answer trips")
        return await real_turn(self, conv, inbound, desk, now)

    monkeypatch.setattr(DialogEngine, "turn", broken)
    await c.says("2")  # nothing in "2" says Chinese; the conversation does
    assert c.templates == ["error.kept"] and c.last[0].locale == "zh-CN"
