"""The conversation corpus: scripted customers (the YAML files next to this module) and the
playbook's rules every transcript is checked against.

A script is data: who the customer is (locale, channel), what they type or press, and the
complaint record as they gave it. The runner (tests/test_conversations.py) plays it through the
real pipeline into an `Exchange` per step; the functions here judge the whole transcript. They
look at what the bot said (template names, tones, locales, texts), never at how the dialog
code works inside, so they stay valid while the dialog changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent

KINDS = ("angry", "venting", "silent", "grumbling", "chronic", "know_it_all", "hurry",
         "correcting", "typing_only", "traditional", "mixed_scripts", "cooperative")
LOCALES = ("en", "zh-CN", "zh-TW")
CHANNELS = ("telegram", "web")
# The facts of the complaint record a customer gives, and the question that asks for each.
SLOT_QUESTIONS = {
    "category": "ask.category", "product": "ask.product", "order_no": "ask.order_no",
    "when": "ask.when", "where": "ask.where", "amount": "ask.amount",
    "outcome": "ask.outcome", "phone": "ask.contact",
}
# The same fact asked in other words ("When did this start?" for a problem that lasts).
QUESTION_SLOTS = {v: k for k, v in SLOT_QUESTIONS.items()} | {"ask.when.started": "when"}
# What `expect` may name; each is compared with the filed ticket.
RECORD_FIELDS = ("category", "outcome", "phone", "order_no", "amount", "currency", "when",
                 "where", "product")
# Checked even when `expect` leaves them out (then the record must not hold one): a number or
# a date the customer never gave is a wrong fact read back as true.
STRICT_FIELDS = ("outcome", "phone", "order_no", "amount", "currency", "when")
# The telegram client's language when a script names none.
DEFAULT_LANGUAGE_CODE = {"en": "en", "zh-CN": "zh-hans", "zh-TW": "zh-TW"}
DEFAULT_NAME = {"en": "Sam Carter", "zh-CN": "王芳", "zh-TW": "陳怡君"}

TICKET = re.compile(r"\bC-\d{8}-\d{4}\b")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")

_STEP_KEYS = {"say", "press", "upset", "gives", "wrong", "if"}
_SCRIPT_KEYS = {"name", "kind", "locale", "channel", "language_code", "customer_name", "turns",
                "expect", "expect_handoff", "note"}


# --- scripts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One thing the customer does. `say` is typed text; `press` a button's label or its
    number on the latest keyboard. `upset` marks a message written in anger or distress,
    `gives` the facts it answers or volunteers (record fields, "I don't know" included) and
    `wrong` the facts it says are wrong without giving the right value. `only_if` plays the
    step only when the bot's previous turn said a template matching it ("ack.*",
    "*outcome*"): the answer to a question a better dialog may rightly skip ("anything
    else?" to a customer in a hurry, a detail already given)."""

    say: str | None = None
    press: str | None = None
    upset: bool = False
    gives: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    only_if: str | None = None

    def plays_after(self, templates: list[str]) -> bool:
        """Played when the bot's last line (its question) matches `only_if`: an
        acknowledgement followed by another question is not "anything else?"."""
        if self.only_if is None:
            return True
        return bool(templates) and fnmatchcase(templates[-1], self.only_if)

    @property
    def shown(self) -> str:
        return f"[presses {self.press}]" if self.press is not None else str(self.say)


@dataclass(frozen=True)
class Script:
    name: str
    kind: str
    locale: str
    channel: str
    language_code: str | None
    customer_name: str | None
    steps: tuple[Step, ...]
    expect: Mapping[str, Any]
    expect_handoff: bool
    source: str


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, dict) or set(raw) - _STEP_KEYS:
        raise ValueError(f"{where}: a turn is a mapping of {sorted(_STEP_KEYS)}: {raw!r}")
    if ("say" in raw) == ("press" in raw):
        raise ValueError(f"{where}: a turn has exactly one of say/press: {raw!r}")
    gives = tuple(raw.get("gives") or ())
    wrong = tuple(raw.get("wrong") or ())
    for slot in (*gives, *wrong):
        if slot not in SLOT_QUESTIONS:
            raise ValueError(f"{where}: unknown fact {slot!r}")
    say = raw.get("say")
    press = raw.get("press")
    return Step(say=None if say is None else str(say),
                press=None if press is None else str(press),
                upset=bool(raw.get("upset", False)), gives=gives, wrong=wrong,
                only_if=None if raw.get("if") is None else str(raw["if"]))


def _script(raw: Any, source: str) -> Script:
    if not isinstance(raw, dict):
        raise ValueError(f"{source}: a script is a mapping: {raw!r}")
    name = str(raw.get("name"))
    where = f"{source}:{name}"
    if set(raw) - _SCRIPT_KEYS:
        raise ValueError(f"{where}: unknown keys {sorted(set(raw) - _SCRIPT_KEYS)}")
    kind, locale, channel = raw.get("kind"), raw.get("locale"), raw.get("channel", "telegram")
    if kind not in KINDS or locale not in LOCALES or channel not in CHANNELS:
        raise ValueError(f"{where}: kind/locale/channel {kind!r}/{locale!r}/{channel!r}")
    expect = raw.get("expect") or {}
    if set(expect) - set(RECORD_FIELDS):
        raise ValueError(f"{where}: unknown expect keys {sorted(set(expect) - set(RECORD_FIELDS))}")
    if ("amount" in expect) != ("currency" in expect):
        raise ValueError(f"{where}: amount and currency go together")
    turns = raw.get("turns") or []
    if not turns:
        raise ValueError(f"{where}: no turns")
    default_code = DEFAULT_LANGUAGE_CODE[locale] if channel == "telegram" else None
    return Script(
        name=name, kind=kind, locale=locale, channel=channel,
        language_code=raw.get("language_code", default_code),
        customer_name=raw.get("customer_name", DEFAULT_NAME[locale]),
        steps=tuple(_step(s, f"{where} turn {i + 1}") for i, s in enumerate(turns)),
        expect={k: (None if v is None else str(v)) for k, v in expect.items()},
        expect_handoff=bool(raw.get("expect_handoff", False)), source=source)


@cache
def load_scripts(directory: Path = HERE) -> tuple[Script, ...]:
    scripts: list[Script] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        scripts.extend(_script(raw, path.name) for raw in data)
    names = [s.name for s in scripts]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate script names: {dupes}")
    return tuple(scripts)


# --- transcripts --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BotLine:
    template: str
    tone: str
    locale: str
    text: str
    buttons: tuple[str, ...] = ()


@dataclass
class Exchange:
    """One customer step and everything the bot said in answer."""

    step: Step
    sent: str  # the text that went in (a button's label for a press)
    replies: list[BotLine] = field(default_factory=list)
    state: str = ""
    error: str | None = None  # the runner could not play the step (e.g. no such button)
    # Not played: the bot did not ask what the step answers (see Step.only_if).
    skipped: bool = False

    @property
    def templates(self) -> list[str]:
        return [r.template for r in self.replies]


@dataclass
class Record:
    """The filed ticket as storage holds it (None: no ticket was found)."""

    number: str
    status: str
    fields: dict[str, Any]
    reasons: list[Any]


def format_transcript(script: Script, exchanges: list[Exchange],
                      record: Record | None) -> str:
    out = [f"script {script.name} ({script.source}): kind={script.kind} locale={script.locale} "
           f"channel={script.channel} language_code={script.language_code}"]
    i = 0
    for ex in exchanges:
        if ex.skipped:
            out.append(f"    (not played, the bot did not ask {ex.step.only_if}: "
                       f"{ex.step.shown})")
            continue
        i += 1
        out.append(f"{i:>3} customer: {ex.step.shown}")
        for r in ex.replies:
            text = r.text.replace("\n", " | ")
            buttons = f"  [buttons: {', '.join(r.buttons)}]" if r.buttons else ""
            out.append(f"      bot <{r.template}/{r.tone}/{r.locale}>: {text}{buttons}")
        if ex.error:
            out.append(f"      !! {ex.error}")
        out.append(f"      (state: {ex.state})")
    if record is None:
        out.append("record: no ticket")
    else:
        out.append(f"record {record.number} status={record.status}: {record.fields}"
                   + (f" reasons={record.reasons}" if record.reasons else ""))
    return "\n".join(out)


# --- what counts as what ------------------------------------------------------------------------

_QUESTION_PREFIXES = ("ask.", "invalid.", "summary", "greet", "restarted", "need.story",
                      "did_you_mean", "clarify")


def is_acknowledgement(line: BotLine) -> bool:
    """A line that tells an upset customer they are understood: the empathy line, an
    escalation notice, or any toned line that is not itself a question template."""
    if line.template.startswith("escalation."):
        return True
    if line.tone == "neutral":
        return False
    return not line.template.startswith(("ask.", "invalid.", "summary"))


def is_question(line: BotLine) -> bool:
    return (line.template.startswith(_QUESTION_PREFIXES) or line.template.startswith("ack.")
            or "?" in line.text or "？" in line.text)


def last_question_slot(ex: Exchange) -> str | None:
    for r in reversed(ex.replies):
        if r.template in QUESTION_SLOTS:
            return QUESTION_SLOTS[r.template]
    return None


# --- the rules ----------------------------------------------------------------------------------

def acknowledgement_first(script: Script, exchanges: list[Exchange]) -> list[str]:
    """When a customer becomes upset, the bot says it understands before it asks anything."""
    broken = []
    for i, ex in enumerate(exchanges):
        starts_upset = ex.step.upset and (i == 0 or not exchanges[i - 1].step.upset)
        if not starts_upset or ex.error:
            continue
        first_q = next((j for j, r in enumerate(ex.replies)
                        if is_question(r) and not is_acknowledgement(r)), None)
        first_ack = next((j for j, r in enumerate(ex.replies) if is_acknowledgement(r)), None)
        if first_q is not None and (first_ack is None or first_ack > first_q):
            broken.append(
                f"acknowledgement first: turn {i + 1} (upset customer) was asked "
                f"<{ex.replies[first_q].template}> "
                + ("with no acknowledgement" if first_ack is None
                   else f"before the acknowledgement <{ex.replies[first_ack].template}>"))
    return broken


def no_fact_asked_twice(script: Script, exchanges: list[Exchange]) -> list[str]:
    """A fact the customer gave (volunteered or answered) is not asked for again, except when
    the customer chose to edit it or said it was wrong."""
    broken = []
    given: dict[str, int] = {}  # fact -> the turn that gave it
    for i, ex in enumerate(exchanges):
        prev = exchanges[i - 1] if i else None
        editing = prev is not None and "ask.edit_field" in prev.templates
        for r in ex.replies:
            slot = QUESTION_SLOTS.get(r.template)
            if slot is None or editing or slot not in given:
                continue
            j = given[slot]
            broken.append(f"fact asked twice: turn {i + 1} asks <{r.template}> but turn {j + 1} "
                          f"({exchanges[j].step.shown!r}) already gave {slot}")
        for slot in ex.step.wrong:
            given.pop(slot, None)
        # What this step answered: the facts it names, and the question it was the answer to
        # when the bot took the answer (moved on instead of asking or hinting again).
        answered = set(ex.step.gives)
        asked = last_question_slot(prev) if prev is not None else None
        if asked is not None and not ex.error and not any(
                t in (SLOT_QUESTIONS[asked], f"invalid.{asked}") for t in ex.templates):
            answered.add(asked)
        for slot in answered:
            if slot not in ex.step.wrong:
                given[slot] = i
        # A question the bot asks again within an explicit edit is the customer's choice.
        if editing:
            for r in ex.replies:
                if r.template in QUESTION_SLOTS:
                    given.pop(QUESTION_SLOTS[r.template], None)
    # Each finding once: a slot asked three times is one problem, reported at its first repeat.
    seen: set[str] = set()
    unique = []
    for b in broken:
        key = b.split("<", 1)[1].split(">", 1)[0]
        if key not in seen:
            seen.add(key)
            unique.append(b)
    return unique


def outcome_before_promise(script: Script, exchanges: list[Exchange],
                           record: Record | None) -> list[str]:
    """The customer is asked what they want (or has said it) before the bot files and
    promises anything."""
    known = False
    for i, ex in enumerate(exchanges):
        if "outcome" in ex.step.gives:
            known = True
        for r in ex.replies:
            if r.template == "ask.outcome":
                known = True
            if r.template == "filed" and not known and not (record and record.fields.get(
                    "outcome")):
                return [f"outcome before promise: turn {i + 1} files and promises with no "
                        "outcome asked or given"]
    return []


def no_prompt_three_times(script: Script, exchanges: list[Exchange]) -> list[str]:
    """The same closing prompt does not end three bot turns in a row. A read-back is the same
    prompt only if it reads back the same."""
    keys = []
    for ex in exchanges:
        if not ex.replies:
            keys.append(None)
            continue
        last = ex.replies[-1]
        keys.append((last.template, last.text if last.template == "summary" else ""))
    for i in range(2, len(keys)):
        if keys[i] is not None and keys[i] == keys[i - 1] == keys[i - 2]:
            return [f"prompt three times in a row: turns {i - 1}-{i + 1} all end with "
                    f"<{keys[i][0]}>"]
    return []


@cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


# Characters OpenCC would convert from Simplified but that are standard Traditional characters
# with a meaning of their own (台 in 台灣, 里 in 公里, 干 in 若干, 后 in 皇后…).
_TRADITIONAL_TOO = set("台里干后游余于占采云几准冲范谷丑斗卷制志致朴仆扑划只才面系松向周")
# Language names the help text quotes as commands to type.
_QUOTED_NAMES = ("繁體中文", "简体中文", "簡體中文", "中文", "English")


def simplified_only(text: str) -> list[str]:
    s2t, t2s = _converter("s2t"), _converter("t2s")
    return sorted({c for c in _HAN.findall(text) if c not in _TRADITIONAL_TOO
                   and s2t.convert(c) != c and t2s.convert(c) == c})


def traditional_only(text: str) -> list[str]:
    t2s = _converter("t2s")
    return sorted({c for c in _HAN.findall(text) if t2s.convert(c) != c})


def _without_customer_words(text: str, said: Iterable[str]) -> str:
    pieces: set[str] = set()
    for s in said:
        for form in (s, unicodedata.normalize("NFKC", s)):
            pieces.add(form.strip())
            pieces.update(line.strip() for line in form.splitlines())
            pieces.update(_HAN_RUN.findall(form))
    for p in sorted((p for p in pieces if p), key=len, reverse=True):
        text = text.replace(p, " ")
    for name in _QUOTED_NAMES:
        text = text.replace(f"“{name}”", " ")
    return text


def in_customers_script(script: Script, exchanges: list[Exchange]) -> list[str]:
    """Every bot line is in the customer's locale and script: no Simplified-only characters
    for zh-TW, no Traditional-only ones for zh-CN, no Chinese for English (the customer's own
    words quoted back excepted)."""
    broken = []
    said = [ex.sent for ex in exchanges if ex.step.say]
    for i, ex in enumerate(exchanges):
        for r in ex.replies:
            problems = []
            if r.locale != script.locale:
                problems.append(f"locale {r.locale}")
            text = _without_customer_words(r.text, said)
            if script.locale == "zh-TW" and (bad := simplified_only(text)):
                problems.append(f"Simplified-only {''.join(bad)}")
            elif script.locale == "zh-CN" and (bad := traditional_only(text)):
                problems.append(f"Traditional-only {''.join(bad)}")
            elif script.locale == "en" and (bad := sorted(set(_HAN.findall(text)))):
                problems.append(f"Chinese {''.join(bad)}")
            if problems:
                broken.append(f"not in the customer's script ({script.locale}): turn {i + 1} "
                              f"<{r.template}>: {'; '.join(problems)}")
    return broken


def ticket_reached(script: Script, exchanges: list[Exchange],
                   record: Record | None) -> list[str]:
    """The conversation ends with a filed ticket, or with a person when the script expects
    one; the bot never gives up on understanding the customer."""
    broken = []
    templates = [t for ex in exchanges for t in ex.templates]
    if "escalation.bot_failing" in templates:
        broken.append("ticket: the bot handed over saying it could not understand the customer")
    handed = any(t in ("handoff", "handoff.already") for t in templates)
    filed = "filed" in templates
    if record is None:
        last = exchanges[-1] if exchanges else None
        broken.append("ticket: no ticket number was given" + (
            f"; the script ended in state {last.state} after <{last.templates[-1]}>"
            if last and last.templates else ""))
    elif script.expect_handoff and not handed:
        broken.append(f"ticket: expected a hand-off to a person, got {record.status} "
                      f"{record.number}")
    elif not script.expect_handoff and (handed or not filed):
        why = [r.get("reason") for r in record.reasons if isinstance(r, dict)]
        broken.append(f"ticket: expected a filed ticket, the case was handed to a person "
                      f"({record.number}, reasons {why})" if handed else
                      f"ticket: expected a filed ticket, got {record.status}")
    return broken


def _norm_words(value: str) -> str:
    v = unicodedata.normalize("NFKC", value).casefold().strip()
    v = re.sub(r"^(?:(?:the|a|an|my|your|at|in|from|on)\s+)+", "", v)
    v = re.sub(r"^(?:在|是)", "", v)
    v = re.sub(r"[啊呀吧啦喔哦耶呢嘛]+$", "", re.sub(r"[\W_]+$", "", v))
    return re.sub(r"[\W_]+", "", v)


def _same(field_name: str, got: Any, want: str | None) -> bool:
    if want is None or got is None:
        return want is None and got in (None, "")
    if field_name == "amount":
        try:
            return Decimal(str(got)) == Decimal(want)
        except InvalidOperation:
            return False
    if field_name in ("where", "product"):
        return any(_norm_words(str(got)) == _norm_words(w) for w in want.split("|"))
    if field_name in ("order_no", "currency"):
        return str(got).upper() == want.upper()
    return str(got) == want


def record_as_given(script: Script, record: Record | None) -> list[str]:
    """The filed record holds what the customer said, corrections included, and no fact they
    did not give. `where`/`product` may list alternatives as "a|b"."""
    if record is None:
        return []
    wanted = dict(script.expect)
    names = list(wanted) if script.expect_handoff else list(
        dict.fromkeys([*wanted, *STRICT_FIELDS]))
    broken = []
    for name in names:
        want = wanted.get(name)
        got = record.fields.get(name)
        if not _same(name, got, want):
            broken.append(f"record: {name} is {got!r}, the customer gave {want!r}")
    return broken


def check_all(script: Script, played: list[Exchange], record: Record | None) -> list[str]:
    exchanges = [ex for ex in played if not ex.skipped]
    errors = [f"runner: turn {i + 1}: {ex.error}" for i, ex in enumerate(exchanges) if ex.error]
    return [
        *errors,
        *acknowledgement_first(script, exchanges),
        *no_fact_asked_twice(script, exchanges),
        *outcome_before_promise(script, exchanges, record),
        *no_prompt_three_times(script, exchanges),
        *in_customers_script(script, exchanges),
        *ticket_reached(script, exchanges, record),
        *record_as_given(script, record),
    ]
