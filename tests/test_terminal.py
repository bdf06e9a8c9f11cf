"""The terminal channel: lines in, plain-text replies with numbered buttons out."""

from __future__ import annotations

import asyncio
import io
import os

from dialogs.messages import Button, Inbound, Reply
from handlers.channels.base import OutputChannel
from handlers.channels.terminal import chat_in_terminal


class EchoTurns:
    def __init__(self) -> None:
        self.inbounds: list[Inbound] = []

    async def handle(self, inbound: Inbound, out: OutputChannel) -> None:
        self.inbounds.append(inbound)
        said = inbound.callback_data or inbound.text
        await out.send(
            inbound.key, Reply(f"got: {said}", buttons=(Button("Yes", "yes"), Button("No", "no")))
        )


async def test_lines_become_turns_and_replies_are_printed() -> None:
    turns = EchoTurns()
    stdout = io.StringIO()
    await chat_in_terminal(
        turns, chat_id="dev", stdin=io.StringIO("my order is late\n\n2\n"), stdout=stdout
    )

    assert stdout.getvalue() == (
        "bot> got: my order is late\n"
        "\n"
        "     1. Yes\n"
        "     2. No\n"
        "bot> got: no\n"
        "\n"
        "     1. Yes\n"
        "     2. No\n"
    )
    first, second = turns.inbounds  # the blank line was skipped
    assert first.key.channel == "terminal"
    assert first.key.chat_id == "dev"
    assert first.text == "my order is late"
    assert first.callback_data is None
    assert first.identified is False
    # A typed number presses the matching button of the latest reply.
    assert second.callback_data == "no"
    assert second.text == "No"
    assert first.update_id and second.update_id and first.update_id != second.update_id


async def test_number_without_buttons_is_plain_text() -> None:
    turns = EchoTurns()
    await chat_in_terminal(turns, stdin=io.StringIO("3\n"), stdout=io.StringIO())
    [inbound] = turns.inbounds
    assert inbound.text == "3"
    assert inbound.callback_data is None


async def test_quit_ends_before_later_lines() -> None:
    turns = EchoTurns()
    await chat_in_terminal(
        turns, stdin=io.StringIO("hello\n/quit\nnot read\n"), stdout=io.StringIO()
    )
    assert [i.text for i in turns.inbounds] == ["hello"]


async def test_reads_a_real_pipe_without_blocking_the_loop() -> None:
    turns = EchoTurns()
    read_fd, write_fd = os.pipe()
    stdout = io.StringIO()
    with os.fdopen(read_fd, encoding="utf-8") as stdin:
        session = asyncio.create_task(chat_in_terminal(turns, stdin=stdin, stdout=stdout))
        # The loop stays free while the terminal waits for a line.
        await asyncio.sleep(0.05)
        assert not session.done()
        os.write(write_fd, b"first line\n")
        for _ in range(100):
            if turns.inbounds:
                break
            await asyncio.sleep(0.01)
        os.write(write_fd, b"second line\n")
        os.close(write_fd)  # EOF ends the session
        await asyncio.wait_for(session, 5)
    assert [i.text for i in turns.inbounds] == ["first line", "second line"]
    assert "bot> got: second line" in stdout.getvalue()


async def test_failing_turn_is_reported_and_session_continues() -> None:
    class Flaky(EchoTurns):
        async def handle(self, inbound: Inbound, out: OutputChannel) -> None:
            if inbound.text == "boom":
                raise RuntimeError("engine broke")
            await super().handle(inbound, out)

    turns = Flaky()
    stdout = io.StringIO()
    await chat_in_terminal(turns, stdin=io.StringIO("boom\nok\n"), stdout=stdout)
    assert "(error: RuntimeError('engine broke'))" in stdout.getvalue()
    assert "bot> got: ok" in stdout.getvalue()
