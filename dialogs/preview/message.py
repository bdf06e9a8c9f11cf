"""Try a message ("test a message" in the studio): what the bot makes of one customer
message, and why, without a customer.

The message is played as a real first turn (the same engine, templates, rules and examples)
against a desk that keeps nothing, so what it shows is what a customer would get, not a
second account of the rules that could drift from them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dialogs.categories import CATEGORIES, category_scores, clauses, infer_category
from dialogs.conversation import Conversation
from dialogs.emotion import Emotion
from dialogs.engine import DialogEngine
from dialogs.escalation import Check, Hit, top_priority
from dialogs.messages import ConversationKey, Inbound, Reply
from dialogs.preview.desk import PreviewDesk
from dialogs.turn.tickets import promised

# The conversation a tested message is played in: "web:preview" is put on the VIP list when
# the admin asks for a VIP customer.
PREVIEW_KEY = ConversationKey("web", "preview")


@dataclass(frozen=True, slots=True)
class CategoryEvidence:
    category: str
    score: float  # the best clause's score, as the category guess weighs it
    clause: str  # the clause of the message that scored it
    example: str  # the example phrase nearest that clause


@dataclass(frozen=True, slots=True)
class MessageTest:
    text: str
    locale: str
    at: datetime
    emotion: Emotion
    category: str | None  # the guess the bot offers (None: the customer is asked to pick)
    categories: tuple[CategoryEvidence, ...]  # every category that scored, best first
    facts: dict[str, Any]  # what the turn stored: product, order, amount, phone, …
    checks: tuple[Check, ...]  # every escalation rule, fired or not, with its evidence
    priority: str
    team: str
    first_response_due: datetime
    resolution_due: datetime
    handed_off: bool  # a rule fired: the case goes to a person at once
    replies: tuple[Reply, ...]


async def try_message(engine: DialogEngine, text: str, *, locale: str, at: datetime,
                       vip: bool = False, earlier_tickets: int = 0) -> MessageTest:
    """Play `text` as a customer's first message at `at` (aware), in `locale`. `vip`: the
    customer is on the VIP list; `earlier_tickets`: they filed that many within the repeat
    window. The same input gives the same answer."""
    e = _as_vip(engine) if vip else engine
    conv = Conversation(PREVIEW_KEY, locale=locale, identified=True)
    if earlier_tickets:
        conv.version = 1  # a customer heard from before: their history is looked up
    desk = PreviewDesk(earlier_tickets=earlier_tickets)
    out = await e.turn(conv, Inbound(PREVIEW_KEY, text=text, language_code=locale,
                                     received_at=at), desk, at)
    fired = [c for c in out.checks if c.fired]
    priority = top_priority([Hit(c.rule, c.priority, c.evidence) for c in fired])
    category = infer_category(e.meaning, text)
    if desk.filed:
        draft = desk.filed[-1]
        first, resolve, team = draft.first_response_due, draft.resolution_due, draft.team
    else:
        first, resolve = promised(e, at, priority)
        team = e.rules.team_for(conv.slots.get("category") or category)
    assert resolve is not None
    return MessageTest(
        text=text, locale=conv.locale, at=at,
        emotion=out.emotion or e.scorer.score(text, locale), category=category,
        categories=_evidence(e, text), facts=_facts(conv), checks=tuple(out.checks),
        priority=priority, team=team or e.rules.team_for(None), first_response_due=first,
        resolution_due=resolve, handed_off=bool(desk.filed and desk.filed[-1].status
                                                == "escalated"),
        replies=tuple(out.replies))


def _as_vip(engine: DialogEngine) -> DialogEngine:
    """The engine with the preview's chat on the VIP list (the live rules are not touched)."""
    rules = engine.rules
    vip = dict(rules.rules.get("vip") or {"priority": "P2"})
    vip["channels"] = [*(vip.get("channels") or ()), f"{PREVIEW_KEY.channel}:{PREVIEW_KEY.chat_id}"]
    e = copy.copy(engine)
    e.rules = replace(rules, rules={**rules.rules, "vip": vip})
    return e


def _evidence(e: DialogEngine, text: str) -> tuple[CategoryEvidence, ...]:
    scores = category_scores(e.meaning, text)
    found = []
    for cat in sorted(scores, key=lambda c: (-scores[c], CATEGORIES.index(c))):
        if scores[cat] <= 0:
            continue
        # The clause that scored it, and the example nearest that clause.
        by_clause = {c: category_scores(e.meaning, c).get(cat, 0.0)
                     for c in clauses(text) or [text]}
        best = max(by_clause, key=by_clause.__getitem__)
        near = e.meaning.closest(best, f"cat.{cat}")
        found.append(CategoryEvidence(cat, round(scores[cat], 3), best,
                                      near[0].text if near else ""))
    return tuple(found)


def _facts(conv: Conversation) -> dict[str, Any]:
    return {k: v for k, v in conv.slots.items() if k not in ("description",)}
