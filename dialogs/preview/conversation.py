"""The conversation preview: a sample complaint played through the engine, every line the
customer would read. Samples press buttons by what they mean ("done", "cat.quality"), not by
their words, so a draft that rewords a button still plays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

import yaml

from dialogs.conversation import Conversation
from dialogs.engine import DialogEngine
from dialogs.messages import ConversationKey, Inbound, Reply
from dialogs.preview.desk import PreviewDesk

# Between two customer messages of a sample: long enough that nothing reads as a burst.
STEP = timedelta(seconds=40)


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    title: str
    locale: str
    turns: tuple[tuple[str, str], ...]  # ("say", text) or ("press", meaning)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the preview: the customer's ("customer"), the bot's ("bot"), or a note
    that a scripted press was not offered ("note")."""

    who: str
    text: str
    reply: Reply | None = None


def samples() -> dict[str, Sample]:
    """The shipped samples (dialogs/data/previews.yaml), by name, in file order."""
    raw = yaml.safe_load(resources.files("dialogs").joinpath("data/previews.yaml")
                         .read_text(encoding="utf-8"))
    return {name: Sample(name, str(body["title"]), str(body["locale"]),
                         tuple((k, str(v)) for turn in body["turns"] for k, v in turn.items()))
            for name, body in raw.items()}


async def play(engine: DialogEngine, sample: Sample, start: datetime) -> list[Line]:
    """Every line of `sample` played from `start`, against a desk that keeps nothing."""
    key = ConversationKey("web", f"preview-{sample.name}")
    conv = Conversation(key, locale=sample.locale, identified=True)
    desk = PreviewDesk()
    lines: list[Line] = []
    shown: list[Reply] = []
    at = start
    for kind, value in sample.turns:
        if kind == "say":
            inbound = Inbound(key, text=value, language_code=sample.locale, received_at=at)
            lines.append(Line("customer", value))
        else:
            button = next((b for r in reversed(shown) for b in r.buttons
                           if b.payload.split(":", 1)[-1] == value), None)
            if button is None:
                lines.append(Line("note", f"no button meaning {value!r} here"))
                continue
            inbound = Inbound(key, text=button.label, callback_data=button.payload,
                              language_code=sample.locale, received_at=at)
            lines.append(Line("customer", f"[{button.label}]"))
        shown = (await engine.turn(conv, inbound, desk, at)).replies
        lines.extend(Line("bot", r.text, r) for r in shown)
        at += STEP
    return lines
