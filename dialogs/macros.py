"""Canned replies (macros): what a macro is called, who sees it, which variables it may use,
and how its text is filled for one customer.

Filling is plain placeholder substitution over a fixed vocabulary, never a template
language: a macro is written by agents and read by customers, so nothing in it is evaluated.
`{{` and `}}` write a literal brace. A placeholder outside the vocabulary is refused when the
macro is saved, so none reaches a customer as "{custmer_name}".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from dialogs.templates import LOCALES


class Scope(StrEnum):
    """Who sees a macro: everyone, one team, or only the agent who wrote it."""

    SHARED = "shared"
    TEAM = "team"
    PERSONAL = "personal"


class Variable(StrEnum):
    CUSTOMER_NAME = "customer_name"
    TICKET_NUMBER = "ticket_number"
    AGENT_NAME = "agent_name"
    PROMISED_TIME = "promised_time"


# What a variable without a value reads as, in each locale: never "None" or an empty gap.
MISSING: dict[Variable, dict[str, str]] = {
    # "Hi there,", "顾客您好：" / "顧客您好：" as a counter says it to someone unnamed.
    Variable.CUSTOMER_NAME: {"en": "there", "zh-CN": "顾客", "zh-TW": "顧客"},
    Variable.TICKET_NUMBER: {"en": "your ticket", "zh-CN": "您的工单", "zh-TW": "您的案件"},
    Variable.AGENT_NAME: {"en": "our team", "zh-CN": "我们的客服", "zh-TW": "我們的客服"},
    Variable.PROMISED_TIME: {"en": "as soon as we can", "zh-CN": "尽快",
                             "zh-TW": "盡快"},
}

# Stand-ins the agent is told about: "顧客" for a name reads well, but a sentence built
# around a time ("by {promised_time}") may not with "as soon as we can" in its place.
CHECK_STAND_IN = frozenset({Variable.PROMISED_TIME})

# A name an agent types after "/" or "/macro ": short, lower case, no spaces.
NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,39}")
NAME_RULE = "2-40 of a-z, 0-9 and -, starting with a letter or digit"
MAX_TITLE = 120
MAX_BODY = 4000  # what a reply may be

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")
# Which locale to fall back to when a macro has no text in the customer's: the same
# language in the other script before another language.
_FALLBACK: dict[str, tuple[str, ...]] = {
    "en": ("en", "zh-TW", "zh-CN"),
    "zh-CN": ("zh-CN", "zh-TW", "en"),
    "zh-TW": ("zh-TW", "zh-CN", "en"),
}


def vocabulary() -> str:
    return ", ".join("{" + v + "}" for v in Variable)


def problems(body: str) -> list[str]:
    """What is wrong with a macro's text, each with its line: unknown placeholders."""
    found = []
    for number, line in enumerate(body.splitlines(), start=1):
        for m in _TOKEN.finditer(line):
            name = m.group(1)
            if name is not None and name not in Variable.__members__.values():
                found.append(f"line {number}: unknown placeholder {{{name}}}; "
                             f"use {vocabulary()} (write {{{{ for a brace)")
    return found


def used(body: str) -> list[Variable]:
    """The variables `body` uses, in the order they first appear."""
    found: list[Variable] = []
    for m in _TOKEN.finditer(body):
        name = m.group(1)
        if name in Variable.__members__.values() and Variable(name) not in found:
            found.append(Variable(name))
    return found


def fill(body: str, values: Mapping[Variable, str | None], locale: str) -> str:
    """`body` with each placeholder replaced by its value, or by what a missing one reads as
    in `locale`. An unknown placeholder (saved before the check, or typed in) stays as it is."""

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        try:
            variable = Variable(m.group(1))
        except ValueError:
            return token
        value = values.get(variable)
        if value:
            return value
        said = MISSING[variable]
        return said.get(locale, said["en"])

    return _TOKEN.sub(one, body)


@dataclass(frozen=True, slots=True)
class Chosen:
    """The text a macro has for a customer: in their locale, or in `locale` instead."""

    locale: str
    body: str
    wanted: str

    @property
    def fell_back(self) -> bool:
        return self.locale != self.wanted


def choose(bodies: Mapping[str, str], wanted: str) -> Chosen | None:
    """The macro's text in the customer's locale `wanted`, else the nearest it has; None
    when it has none at all."""
    order = _FALLBACK.get(wanted, ("en", *LOCALES))
    for locale in (*order, *bodies):
        text = bodies.get(locale, "")
        if text.strip():
            return Chosen(locale, text, wanted)
    return None


def check(name: str, title: str, bodies: Mapping[str, str]) -> list[str]:
    """Everything wrong with a macro as typed, for the form: each message names its field."""
    errors = []
    if not NAME.fullmatch(name):
        errors.append(f"Name: {NAME_RULE}.")
    if not title.strip():
        errors.append("Title: say in a few words what it is for.")
    elif len(title) > MAX_TITLE:
        errors.append(f"Title: at most {MAX_TITLE} characters.")
    if not any(b.strip() for b in bodies.values()):
        errors.append("Text: write it in at least one language.")
    for locale, body in bodies.items():
        if len(body) > MAX_BODY:
            errors.append(f"Text ({locale}): at most {MAX_BODY} characters.")
        errors += [f"Text ({locale}), {p}" for p in problems(body)]
    return errors
