"""The bundle: everything an admin may change about how the bot behaves, as one value.

A version of the bundle is what a publish makes and a rollback brings back, so nothing the
dialog decides by may live outside it: the reply templates, the example phrases of every
meaning, the categories and the teams they route to, the escalation rules and the VIP list,
the SLA targets, the business hours and the dialog's times. Values only; reading and writing
them as plain data is `dialogs.bundle.data`, checking them `dialogs.bundle.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from dialogs.reports.periods import PeriodKind


class Locale(StrEnum):
    EN = "en"
    ZH_CN = "zh-CN"
    ZH_TW = "zh-TW"


class Tone(StrEnum):
    NEUTRAL = "neutral"
    UPSET = "upset"
    ANGRY = "angry"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


# name → locale → tone → Jinja source.
Templates = Mapping[str, Mapping[Locale, Mapping[Tone, str]]]
Phrases = Mapping[Locale, tuple[str, ...]]


@dataclass(frozen=True)
class PhraseSet:
    """The examples a meaning is recognised by; `within`: it counts inside a longer
    sentence too (a person, reopen), not only as the whole message."""

    phrases: Phrases
    within: bool = False


@dataclass(frozen=True)
class Category:
    team: str
    # How a story of this kind is told (the classifier's `cat.<name>` examples).
    examples: Phrases = field(default_factory=dict)


@dataclass(frozen=True)
class Vip:
    priority: Priority = Priority.P2
    channels: tuple[str, ...] = ()  # "telegram:12345", "web:<visitor>"
    phones: tuple[str, ...] = ()  # E.164, "+8613800138000"


@dataclass(frozen=True)
class SlaTarget:
    first_response_minutes: int
    resolution_hours: int


@dataclass(frozen=True, order=True)
class Span:
    """Open from `start` to `end`, minutes after local midnight (24:00 is 1440). Kept as
    written, even empty or backwards, so validation can point at it."""

    start: int
    end: int

    def text(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class Hours:
    timezone: str
    week: Mapping[Weekday, tuple[Span, ...]]
    closed: tuple[date, ...] = ()  # holidays: shut all day, whatever the weekday says


@dataclass(frozen=True)
class DialogTimes:
    idle_reminder_minutes: int = 30
    draft_expiry_hours: int = 72
    follow_up_days: int = 3  # 0: never ask whether a fix held
    reopen_days: int = 7  # 0: a closed case cannot be reopened by its customer


@dataclass(frozen=True)
class Bundle:
    templates: Templates
    examples: Mapping[str, PhraseSet]
    categories: Mapping[str, Category]
    teams: tuple[str, ...]
    # Escalation rules by name, as dialogs.escalation reads them (the VIP rule apart).
    rules: Mapping[str, Mapping[str, Any]]
    vip: Vip
    sla: Mapping[Priority, SlaTarget]
    hours: Hours
    times: DialogTimes
    # Values to render a template with when checking it: name → variable → value (over the
    # shipped samples of dialogs/data/template_variables.yaml).
    samples: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # What a template must never say (the playbook's "never say"), per locale: warned of.
    # Versions stored before the list existed have the shipped one.
    banned_phrases: Phrases = field(default_factory=lambda: shipped_banned_phrases())
    # The reports posted to the agents' group when their period ends. None: never set in the
    # studio, so the REPORT_SCHEDULE setting decides (versions from before it, version 1).
    report_schedule: tuple[PeriodKind, ...] | None = None


def shipped_banned_phrases() -> Phrases:
    """The playbook's list as shipped (dialogs/data/banned_phrases.yaml)."""
    from dialogs.wording import shipped_banned_phrases as shipped

    return {Locale(loc): phrases for loc, phrases in shipped().items()}


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
