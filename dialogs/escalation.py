"""Whether a conversation goes to a person: rules as data, evaluated on every customer turn.

Each rule that fires gives a reason code, the evidence (words matched, the score, the count)
and a priority; the ticket keeps them all so the agent sees why. The rules only look at what
the turn hands them (`Signals`, built from the conversation by `signals_for`), so they are
pure and testable alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from dialogs.conversation import Conversation
from dialogs.language import to_simplified
from dialogs.machine import DRAFT_STATES
from dialogs.text_cache import TextCache, text_cache

PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True, slots=True)
class Hit:
    reason: str
    priority: str
    evidence: dict[str, Any]

    def record(self) -> dict[str, Any]:
        """The hit as the ticket keeps it (`TicketDraft.reasons`, the escalation events)."""
        return {"reason": self.reason, "priority": self.priority, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Check:
    """One rule against one turn."""

    rule: str
    priority: str
    fired: bool
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Signals:
    """What one customer turn shows, as the rules need it."""

    text: str = ""
    asked_for_human: bool = False
    anger: float = 0.0
    upset_streak: int = 0
    amount: Decimal | None = None
    currency: str | None = None
    invalid_streak: int = 0
    readback_rejected: int = 0
    earlier_tickets: int = 0  # within the repeat window
    order_seen_before: str | None = None  # the earlier ticket's number
    # Set once the customer has told their story (see the vip rule's comment).
    channel_id: str | None = None  # "telegram:12345"
    phone: str | None = None  # E.164, as the phone slot holds it
    # Words refusing every outcome offered (`EscalationRules.refusal`).
    refused_outcome: tuple[str, ...] = ()


_CLAUSE = re.compile(r"[,.;:!?，。；：！？\n]")


@dataclass(frozen=True)
class _Exceptions:
    """When a rule's word is no report: inside a longer phrase that means something else
    ("smoke-free"), negated just before ("no smoke", "没有冒烟"), or beside a word that explains
    it ("the ice cream melted")."""

    within: re.Pattern[str] | None
    negated: re.Pattern[str] | None
    unless: dict[str, tuple[str, ...]]

    @classmethod
    def from_rule(cls, body: dict[str, Any]) -> _Exceptions | None:
        within, negators = body.get("except") or {}, body.get("negated_by") or {}
        unless = {_fold(str(w)): tuple(_fold(str(c)) for c in cs)
                  for w, cs in (body.get("unless") or {}).items()}
        if not (within or negators or unless):
            return None
        negated = None
        if negators:
            words = sorted({_fold(str(w)) for ws in negators.values() for w in ws},
                           key=len, reverse=True)
            en = "|".join(re.escape(w) for w in words if w.isascii())
            zh = "|".join(re.escape(w) for w in words if not w.isascii())
            # English: the negator and at most two words before the match ("no visible
            # smoke", "no smoke or sparks"), but a new statement ("not working and smoke came
            # out") ends the negation; Chinese: right before it ("没有冒烟", "没再冒烟").
            gap = r"(?:[\s-]+(?!(?:and|but|then|so|because|when|after|it)\b)[a-z']+){0,2}"
            parts = [rf"(?<![a-z'])(?:{en}){gap}[\s-]*$"] if en else []
            parts += [rf"(?:{zh})[有再]?\s*$"] if zh else []
            negated = re.compile("|".join(parts))
        return cls(_words_pattern(within) if within else None, negated, unless)

    def found(self, pattern: re.Pattern[str], text: str) -> list[str]:
        if self.within is not None:
            text = self.within.sub(" ", text)
        words = []
        for m in pattern.finditer(text):
            if self.negated is not None:
                before = _CLAUSE.split(text[max(0, m.start() - 40):m.start()])[-1]
                if self.negated.search(before):
                    continue
            if any(c in text for c in self.unless.get(m.group(0), ())):
                continue
            words.append(m.group(0))
        return words


@dataclass(frozen=True)
class EscalationRules:
    rules: dict[str, dict[str, Any]]
    first_response_minutes: dict[str, int]
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)
    resolution_hours: dict[str, int] = field(default_factory=dict)
    _exceptions: dict[str, _Exceptions] = field(default_factory=dict)
    _found: TextCache[tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the cache of words found per text is attached once, here. Most turns are
        # short answers that recur ("yes", "就这些"), scanned once.
        object.__setattr__(self, "_found", text_cache(max_bytes=512 * 1024)(self._find_words))

    def _find_words(self, simplified: str, name: str) -> tuple[str, ...]:
        pattern = self._patterns.get(name)
        if pattern is None or not simplified:
            return ()
        ex = self._exceptions.get(name)
        return tuple(sorted(set(ex.found(pattern, simplified) if ex is not None
                                else pattern.findall(simplified))))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EscalationRules:
        rules = dict(data["rules"])
        minutes = {p: int(v["first_response_minutes"]) for p, v in data["priorities"].items()}
        patterns = {name: _words_pattern(body["words"]) for name, body in rules.items()
                    if "words" in body}
        for name, body in rules.items():
            if body.get("priority") not in PRIORITIES:
                raise ValueError(f"escalation rule {name}: priority must be one of {PRIORITIES}")
        hours = {p: int(v.get("resolution_hours", 168)) for p, v in data["priorities"].items()}
        vip = rules.get("vip")
        if vip is not None:
            for phone in vip.get("phones") or ():
                if not re.fullmatch(r"\+\d{6,15}", str(phone)):
                    raise ValueError(f"vip phone {phone!r}: write it as +<country><number>, "
                                     "e.g. +8613800138000")
            for channel in vip.get("channels") or ():
                if not re.fullmatch(r"[a-z]+:\S+", str(channel)):
                    raise ValueError(f"vip channel {channel!r}: write it as channel:id, "
                                     "e.g. telegram:12345")
        exceptions = {name: ex for name, body in rules.items()
                      if (ex := _Exceptions.from_rule(body)) is not None}
        return cls(rules, minutes, patterns, dict(data.get("teams", {})), hours, exceptions)

    def refusal(self, text: str) -> tuple[str, ...]:
        """The words in `text` that turn down every outcome offered (none: an answer)."""
        pattern = self._patterns.get("outcome_rejected")
        if pattern is None or not text:
            return ()
        return tuple(sorted(set(pattern.findall(_fold(text)))))

    def rule_hit(self, name: str, **evidence: Any) -> Hit | None:
        """A rule fired by the dialog itself (a reopened case), if the rules have it."""
        body = self.rules.get(name)
        return Hit(name, str(body["priority"]), evidence) if body is not None else None

    def team_for(self, category: str | None) -> str:
        """The team a category routes to; unknown or missing categories go to customer care."""
        return self.teams.get(category or "other", self.teams.get("other", "customer_care"))

    def window_days(self) -> int:
        return int(self.rules.get("repeat_complainant", {}).get("days", 30))

    def evaluate(self, s: Signals) -> list[Hit]:
        """The rules that fire on this turn, with their evidence."""
        return [Hit(c.rule, c.priority, c.evidence) for c in self.checks(s) if c.fired]

    def checks(self, s: Signals) -> list[Check]:
        """Every rule against this turn, fired or not, with what it looked at: the evidence a
        ticket keeps when it fires, and why not when it does not ("test a message")."""
        out: list[Check] = []
        r = self.rules

        def check(name: str, fired: bool, **evidence: Any) -> None:
            if name in r:
                out.append(Check(name, str(r[name]["priority"]), bool(fired), evidence))

        check("human_request", s.asked_for_human, **({"words": s.text[:200]}
                                                     if s.asked_for_human else {}))
        simplified = _fold(s.text)
        for name in ("safety", "public_or_legal"):
            found = self._found(simplified, name)
            check(name, bool(found), words=list(found))
        if "anger" in r:
            threshold = r["anger"]["threshold"]
            check("anger", s.anger >= float(threshold), score=round(s.anger, 2),
                  threshold=threshold)
        if "upset_streak" in r:
            needed = int(r["upset_streak"]["count"])
            check("upset_streak", s.upset_streak >= needed, count=s.upset_streak,
                  **({} if s.upset_streak >= needed else {"needed": needed}))
        if "high_amount" in r:
            limit = r["high_amount"]["threshold"].get(s.currency) if s.currency else None
            if s.amount is not None and limit is not None:
                check("high_amount", s.amount >= Decimal(str(limit)), amount=str(s.amount),
                      currency=s.currency, threshold=limit)
            else:
                check("high_amount", False, amount=None if s.amount is None else str(s.amount),
                      currency=s.currency)
        if "repeat_complainant" in r:
            needed = int(r["repeat_complainant"]["tickets"])
            check("repeat_complainant", s.earlier_tickets >= needed, tickets=s.earlier_tickets,
                  days=self.window_days(), **({} if s.earlier_tickets >= needed
                                               else {"needed": needed}))
        check("same_order_again", bool(s.order_seen_before),
              **({"ticket": s.order_seen_before} if s.order_seen_before else {}))
        vip = r.get("vip")
        if vip:
            if s.channel_id and s.channel_id in {str(c) for c in vip.get("channels") or ()}:
                check("vip", True, channel=s.channel_id)
            elif s.phone and s.phone in {str(p) for p in vip.get("phones") or ()}:
                check("vip", True, phone=s.phone)
            else:
                check("vip", False, channel=s.channel_id, phone=s.phone)
        check("outcome_rejected", bool(s.refused_outcome),
              **({"words": list(s.refused_outcome)} if s.refused_outcome else {}))
        failing = r.get("bot_failing")
        if failing:
            check("bot_failing", s.invalid_streak >= int(failing["invalid_in_a_row"])
                  or s.readback_rejected >= int(failing["readback_rejected"]),
                  invalid_in_a_row=s.invalid_streak, readback_rejected=s.readback_rejected)
        return out


def signals_for(conv: Conversation, text: str, *, asked: bool, anger: float,
                refused: tuple[str, ...]) -> Signals:
    """What a customer turn shows the rules: its words and anger, and the counters and
    history the conversation has gathered (the turn looks the history up first)."""
    ctx = conv.context
    amount = conv.slots.get("amount")
    # VIPs are known by their chat or their phone, and handed over once there is a
    # complaint to hand over (a draft with a story), not on a bare greeting.
    drafting = conv.state in DRAFT_STATES and conv.has_story()
    return Signals(
        text=text, asked_for_human=asked,
        anger=anger,
        upset_streak=int(ctx.get("upset_streak", 0)),
        amount=Decimal(str(amount)) if amount is not None else None,
        currency=conv.slots.get("currency"),
        invalid_streak=int(ctx.get("invalid_streak", 0)),
        readback_rejected=int(ctx.get("readback_rejected", 0)),
        earlier_tickets=int(ctx.get("earlier_tickets", 0)),
        order_seen_before=ctx.get("order_seen_before"),
        channel_id=f"{conv.key.channel}:{conv.key.chat_id}" if drafting else None,
        phone=conv.slots.get("phone") if drafting else None,
        refused_outcome=refused,
    )


def top_priority(hits: list[Hit], default: str = "P4") -> str:
    return min((h.priority for h in hits), key=PRIORITIES.index, default=default)


def more_urgent(hits: list[Hit], than: str) -> list[Hit]:
    """The hits above priority `than`: for a case a person already has, only those are news."""
    return [h for h in hits if PRIORITIES.index(h.priority) < PRIORITIES.index(than)]


def _fold(text: str) -> str:
    """Text as the word lists are written: lower case, straight apostrophes (phones type
    "don’t"), Simplified Chinese."""
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return lowered if lowered.isascii() else to_simplified(lowered)


def _words_pattern(words: dict[str, list[str]]) -> re.Pattern[str]:
    parts = []
    for phrase in sorted({to_simplified(str(w).lower()) for ws in words.values() for w in ws},
                         key=len, reverse=True):
        escaped = re.escape(phrase)
        parts.append(rf"(?<![a-z]){escaped}(?![a-z])" if phrase.isascii() else escaped)
    return re.compile("|".join(parts))


def default_data() -> dict[str, Any]:
    """The shipped rules (dialogs/data/escalation.yaml), as plain data."""
    text = resources.files("dialogs").joinpath("data/escalation.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def default_rules() -> EscalationRules:
    return EscalationRules.from_data(default_data())
