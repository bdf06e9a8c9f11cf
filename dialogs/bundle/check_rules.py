"""Checks of how cases reach people: the escalation rules, the VIP list, the SLA targets, the
categories and the teams they route to. Anything here that would make a rule never fire, or
fire on everything, or send a ticket to a team nobody works is refused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from dialogs.bundle.behaviour import escalation_data
from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle, Priority
from dialogs.categories import CATEGORIES
from dialogs.escalation import EscalationRules

# Rule name → its numeric settings: (key, lowest, highest); None: no bound.
BOUNDS: dict[str, tuple[tuple[str, float, float | None], ...]] = {
    "anger": (("threshold", 0.05, 1.0),),
    "upset_streak": (("count", 1, 50),),
    "repeat_complainant": (("tickets", 1, 1000), ("days", 1, 365)),
    "bot_failing": (("invalid_in_a_row", 1, 50), ("readback_rejected", 1, 50)),
}
WORD_RULES = frozenset({"public_or_legal", "safety", "outcome_rejected"})
KNOWN_RULES = frozenset({*BOUNDS, *WORD_RULES, "human_request", "high_amount",
                         "same_order_again"})
TEAM_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
PHONE = re.compile(r"\+\d{6,15}")
CHANNEL = re.compile(r"[a-z]+:\S+")


def check_rules(bundle: Bundle, report: Report) -> None:
    for name, body in sorted(bundle.rules.items()):
        item = f"rules/{name}"
        if name not in KNOWN_RULES:
            report.warn(item, "the dialog has no such rule; it never fires")
        if body.get("priority") not in set(Priority):
            report.refuse(f"{item}/priority", "one of " + ", ".join(Priority))
        for key, low, high in BOUNDS.get(name, ()):
            _in_range(report, f"{item}/{key}", body.get(key), low, high)
        if name == "high_amount":
            _amounts(report, item, body.get("threshold"))
        if name in WORD_RULES or "words" in body:
            _words(report, item, body.get("words"))
    _vip(bundle, report)
    _sla(bundle, report)
    _routing(bundle, report)
    if report.ok:
        try:
            EscalationRules.from_data(escalation_data(bundle))
        except (KeyError, TypeError, ValueError, AttributeError, re.error) as e:
            report.refuse("rules", f"the rules do not load: {e}")


def _in_range(report: Report, item: str, value: Any, low: float, high: float | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        report.refuse(item, "expected a number")
    elif value < low or (high is not None and value > high):
        report.refuse(item, f"{value} is out of range: from {low}"
                            + (f" to {high}" if high is not None else " up"))


def _amounts(report: Report, item: str, limits: Any) -> None:
    if not isinstance(limits, Mapping) or not limits:
        report.refuse(f"{item}/threshold", "expected an amount per currency, e.g. CNY: 5000")
        return
    for currency, amount in limits.items():
        if not re.fullmatch(r"[A-Z]{3}", str(currency)):
            report.refuse(f"{item}/threshold/{currency}", "a currency is three capital "
                                                          "letters, e.g. CNY")
        _in_range(report, f"{item}/threshold/{currency}", amount, 1, None)


def _words(report: Report, item: str, words: Any) -> None:
    if not isinstance(words, Mapping):
        report.refuse(f"{item}/words", "expected a keyword list per language (en, zh)")
        return
    if not any(isinstance(ws, list) and ws for ws in words.values()):
        report.refuse(f"{item}/words", "an empty keyword list: the rule would never fire")
        return
    for language, ws in words.items():
        where = f"{item}/words/{language}"
        if not isinstance(ws, list):
            report.refuse(where, "expected a list of words")
        elif not ws:
            report.warn(where, f"no {language} keywords: the rule never fires in {language}")
        elif any(not str(w).strip() for w in ws):
            report.refuse(where, "an empty keyword would match every message")


def _vip(bundle: Bundle, report: Report) -> None:
    for phone in bundle.vip.phones:
        if not PHONE.fullmatch(phone):
            report.refuse("vip/phones", f"{phone!r}: write it as +<country><number>, "
                                        "e.g. +8613800138000")
    for channel in bundle.vip.channels:
        if not CHANNEL.fullmatch(channel):
            report.refuse("vip/channels", f"{channel!r}: write it as channel:id, e.g. "
                                          "telegram:12345")


def _sla(bundle: Bundle, report: Report) -> None:
    for p in Priority:
        target = bundle.sla.get(p)
        if target is None:
            report.refuse(f"sla/{p}", "every priority needs its targets")
            continue
        _in_range(report, f"sla/{p}/first_response_minutes", target.first_response_minutes,
                  1, 60 * 24 * 30)
        _in_range(report, f"sla/{p}/resolution_hours", target.resolution_hours, 1, 24 * 365)
    for a, b in pairwise(Priority):
        higher, lower = bundle.sla.get(a), bundle.sla.get(b)
        if higher and lower and higher.first_response_minutes > lower.first_response_minutes:
            report.warn(f"sla/{a}/first_response_minutes",
                        f"{a} is promised a slower first response than {b}")


def _routing(bundle: Bundle, report: Report) -> None:
    if not bundle.teams:
        report.refuse("teams", "no teams: every ticket needs a team to go to")
    for team in bundle.teams:
        if not TEAM_NAME.fullmatch(team):
            report.refuse("teams", f"{team!r}: a team is named in lower-case letters, "
                                   "digits and _")
    teams = set(bundle.teams)
    for name in CATEGORIES:
        if name not in bundle.categories:
            report.refuse(f"categories/{name}", "the dialog offers this category; it cannot "
                                                "be removed")
    for name, cat in sorted(bundle.categories.items()):
        if name not in CATEGORIES:
            report.refuse(f"categories/{name}", "the dialog has no such category (its fields "
                                                "and buttons are part of the dialog)")
        if cat.team not in teams:
            report.refuse(f"categories/{name}/team", f"no team {cat.team!r}; teams: "
                                                     + ", ".join(sorted(teams)))
    routed = {c.team for c in bundle.categories.values()}
    for team in sorted(teams - routed):
        report.warn("teams", f"no category routes to {team!r}: it gets only transfers")
