"""Every channel tells a person from the team apart from the bot: the agent's name travels
with their words (the transcript's "agent:<name>" provenance)."""

from __future__ import annotations

import io

from bot.core import Core
from dialogs.commands import AgentSays
from dialogs.messages import ConversationKey, HistoryItem, Reply
from handlers.channels.telegram.output import shown_text
from handlers.channels.terminal import TerminalOutput
from handlers.channels.webchat.protocol import history_frame, reply_frame
from tests.conftest import Customer


def test_a_reply_knows_its_agent() -> None:
    assert Reply("Hello", (), "agent:alice").agent == "alice"
    assert Reply("Hello", (), "greeting").agent is None
    assert Reply("Hello", (), "agent:").agent is None


def test_the_web_chat_frames_name_an_agent_and_only_an_agent() -> None:
    assert reply_frame(Reply("Hello", (), "agent:alice"))["agent"] == "alice"
    assert "agent" not in reply_frame(Reply("Hello", (), "greeting"))
    frame = history_frame([HistoryItem("out", "Hi", (), "alice"), HistoryItem("out", "Bot")])
    assert frame["items"][0]["agent"] == "alice" and "agent" not in frame["items"][1]


def test_telegram_opens_an_agents_message_with_their_name_in_the_customers_language() -> None:
    assert shown_text(Reply("On it.", (), "agent:alice", "en")) == (
        "alice (customer care team):\nOn it.")
    assert shown_text(Reply("在处理。", (), "agent:alice", "zh-CN")) == "客服专员alice：\n在处理。"
    assert shown_text(Reply("處理中。", (), "agent:alice", "zh-TW")) == "客服專員alice：\n處理中。"
    assert shown_text(Reply("Hello", (), "greeting")) == "Hello"


async def test_the_terminal_prompt_names_the_agent() -> None:
    out = io.StringIO()
    terminal = TerminalOutput(out)
    key = ConversationKey("terminal", "me")
    await terminal.send(key, Reply("On it.", (), "agent:alice"))
    await terminal.send(key, Reply("Hello", (), "greeting"))
    assert out.getvalue() == "alice> On it.\nbot> Hello\n"


async def test_the_stored_history_keeps_who_wrote_each_line(core: Core) -> None:
    c = Customer(core, channel="web", chat_id="v-1")
    core.pipeline.outbox.register("web", c.out)
    await c.says("My parcel never arrived")
    await core.pipeline.act(c.key, AgentSays("alice", "I'm on it."))
    history = await core.store.history(c.key)
    assert [(i.direction, i.agent) for i in history][-1] == ("out", "alice")
    assert history[-1].text == "I'm on it."
    assert all(i.agent is None for i in history[:-1])
