"""Chat with the bot in a terminal: one line in, the replies printed as plain text.

Buttons become numbered lines; typing a number presses the matching button of the latest
reply, so every dialog path can be walked without a messaging platform.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from typing import TextIO

from dialogs.messages import Button, ConversationKey, Inbound, Reply
from handlers.channels.base import TurnHandler

log = logging.getLogger(__name__)

QUIT = "/quit"


class TerminalOutput:
    """Prints replies; remembers the latest buttons so a typed number can press one."""

    name = "terminal"

    def __init__(self, stdout: TextIO, prefix: str = "bot> ") -> None:
        self._stdout = stdout
        self._prefix = prefix
        self.buttons: tuple[Button, ...] = ()

    async def send(self, key: ConversationKey, reply: Reply) -> None:
        self.buttons = reply.buttons
        lines = reply.as_plain_text().splitlines() or [""]
        prefix = f"{reply.agent}> " if reply.agent else self._prefix  # a person, not the bot
        indent = " " * len(prefix)
        rest = (indent + line if line else "" for line in lines[1:])
        text = "\n".join([prefix + lines[0], *rest])
        self._stdout.write(text + "\n")
        self._stdout.flush()


def _inbound(key: ConversationKey, text: str, buttons: tuple[Button, ...]) -> Inbound:
    update_id = f"terminal-{uuid.uuid4().hex}"
    choice = text.strip()
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        button = buttons[int(choice) - 1]
        return Inbound(
            key=key, text=button.label, callback_data=button.payload, update_id=update_id
        )
    return Inbound(key=key, text=text, update_id=update_id, identified=False)


async def chat_in_terminal(
    turns: TurnHandler,
    *,
    chat_id: str = "local",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Runs turns for each line until EOF or /quit."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    key = ConversationKey("terminal", chat_id)
    out = TerminalOutput(stdout)
    prompt = "you> " if stdin.isatty() else ""
    while True:
        if prompt:
            stdout.write(prompt)
            stdout.flush()
        # readline blocks; a thread keeps the event loop (and any timers) running meanwhile.
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if text.strip() == QUIT:
            break
        if not text.strip():
            continue
        try:
            await turns.handle(_inbound(key, text, out.buttons), out)
        except Exception as e:
            # A developer tool: show the failure and keep the session going.
            log.exception("terminal turn failed")
            stdout.write(f"(error: {e!r})\n")
            stdout.flush()
