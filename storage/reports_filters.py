"""Which tickets a report's number counts, as SQL: one predicate per drill-down filter.

A figure is `SUM(CASE WHEN <predicates> THEN 1 ELSE 0 END)` and its tickets list is
`WHERE <predicates>`, built here from the same `Drill`, so the number and the list it links
to cannot disagree (tests/test_reports.py checks they do not).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dialogs.reports.model import Drill, Filter
from dialogs.reports.periods import Period, PeriodKind, parse_key
from storage.schema import agents, callbacks, conversations, tickets

t = tickets.c
NONE = "none"  # the drill-down value of "not set" (no category, no agent…)
PRIORITY = sa.func.coalesce(t.priority, "P4")
PRODUCT = t.slots["product"].as_string()
CHANNEL = conversations.c.channel
AGENT = agents.c.name
BASE = tickets.join(conversations, conversations.c.id == t.conversation_id).outerjoin(
    agents, agents.c.id == t.assigned_agent_id)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a predicate needs besides the filter: now (for promises passed) and the zone
    period keys are read in."""

    now: datetime
    timezone: str
    # Repeat complainants of a period, joined once into the query (period key → the derived
    # table), rather than a subquery for every figure that asks.
    repeaters: dict[str, Any] = field(default_factory=dict)

    def period(self, key: str) -> Period:
        return parse_key(key, self.timezone)


def source(drills: Iterable[Drill], scope: Scope, dims: Iterable[Any] = ()) -> tuple[Any, Scope]:
    """The tickets, joined to their conversation (the channel) and agent only when a filter
    or a grouping in `dims` needs them (a join costs as much as the scan), and to each period's
    repeat complainants the drills ask about, once; with the scope whose REPEAT predicates
    use those."""
    drills = list(drills)
    grouping = list(dims)
    used = {f for d in drills for f in d}
    keys = sorted({d[Filter.REPEAT] for d in drills if Filter.REPEAT in d})
    joined: Any = tickets
    if Filter.CHANNEL in used or any(d is CHANNEL for d in grouping):
        joined = joined.join(conversations, conversations.c.id == t.conversation_id)
    if Filter.AGENT in used or any(d is AGENT for d in grouping):
        joined = joined.outerjoin(agents, agents.c.id == t.assigned_agent_id)
    repeaters = {}
    for i, key in enumerate(keys):
        rep = repeat_customers(scope.period(key)).subquery(f"repeaters_{i}")
        joined = joined.outerjoin(rep, rep.c.customer_id == t.customer_id)
        repeaters[key] = rep
    return joined, replace(scope, repeaters=repeaters)


def _in(column: Any, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.start_utc, column < period.end_utc)


def filed_in(period: Period, column: Any = t.created_at) -> sa.ColumnElement[bool]:
    """Filed in the period, as a query's WHERE. A quarter or a year is read straight through
    the table (a covering index where one serves): looking each of a year's tickets up
    through the created_at index costs several times a scan."""
    if period.kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
        column = sa.func.coalesce(column, column)
    return _in(column, period)


def _equals(column: Any, value: str) -> sa.ColumnElement[bool]:
    return column.is_(None) if value == NONE else column == value


def matches(drill: Drill, scope: Scope) -> sa.ColumnElement[bool]:
    """All of the drill's filters, over BASE."""
    parts = [predicate(f, v, drill, scope) for f, v in drill.items()]
    return sa.and_(sa.true(), *parts)


def predicate(f: Filter, value: str, drill: Drill,
              scope: Scope) -> sa.ColumnElement[bool]:
    if f is Filter.PERIOD:
        # Call-backs and follow-ups are listed by the day they are due, not of the filing.
        if Filter.CALLBACK in drill or Filter.FOLLOW_UP in drill:
            return sa.true()
        return _in(t.created_at, scope.period(value))
    simple = {Filter.CATEGORY: t.category, Filter.TEAM: t.team, Filter.LOCALE: t.locale,
              Filter.PRIORITY: PRIORITY, Filter.CHANNEL: CHANNEL, Filter.AGENT: AGENT,
              Filter.PRODUCT: PRODUCT, Filter.ORDER: t.order_no, Filter.STATUS: t.status}
    if f in simple:
        return _equals(simple[f], value)
    if f is Filter.BUNDLE:
        return (t.bundle_version.is_(None) if value == NONE
                else t.bundle_version == _int(value))
    if f is Filter.REASON:
        if value == "any":
            return t.reason_tags.is_not(None)
        return t.reason_tags.like(f"%,{value},%")
    if f is Filter.RATING:
        return {"any": t.rating.is_not(None), "high": t.rating >= 4,
                "low": t.rating <= 2}.get(value, t.rating == _int(value))
    if f is Filter.SOLVED:
        return {"yes": t.solved.is_(True), "no": t.solved.is_(False)}.get(
            value, t.solved.is_not(None))
    if f is Filter.FIRST_RESPONSE:
        return first_response(value, scope.now)
    if f is Filter.RESOLUTION:
        return resolution(value, scope.now)
    if f is Filter.REOPENED:
        return (t.reopens > 0 if value == "yes"
                else sa.or_(t.closed_at.is_not(None), t.reopens > 0))
    if f is Filter.REPEAT:
        if value in scope.repeaters:
            return scope.repeaters[value].c.customer_id.is_not(None)
        return t.customer_id.in_(repeat_customers(scope.period(value)))
    if f is Filter.CALLBACK:
        return t.id.in_(callback_tickets(value, drill, scope))
    if f is Filter.FOLLOW_UP:
        return follow_up(value, drill, scope)
    raise ValueError(f"no predicate for {f}")


def first_response(value: str, now: datetime) -> sa.ColumnElement[bool]:
    met = t.first_reply_met.is_(True)
    missed = sa.or_(t.first_reply_met.is_(False),
                    sa.and_(t.first_reply_at.is_(None), t.first_response_due < now))
    return {"met": met, "missed": missed, "answered": t.first_reply_at.is_not(None),
            "business": t.first_reply_open_s.is_not(None)}.get(value, sa.or_(met, missed))


def resolution(value: str, now: datetime) -> sa.ColumnElement[bool]:
    closed = t.status == "closed"
    met = sa.and_(closed, t.resolution_met.is_(True))
    missed = sa.or_(sa.and_(closed, t.resolution_met.is_(False)),
                    sa.and_(sa.not_(closed), t.resolution_due < now))
    return {"met": met, "missed": missed, "closed": closed}.get(value, sa.or_(met, missed))


def repeat_customers(period: Period) -> sa.Select[Any]:
    inner = tickets.alias("repeat")
    return (sa.select(inner.c.customer_id).where(filed_in(period, inner.c.created_at))
            .group_by(inner.c.customer_id).having(sa.func.count() >= 2))


def callback_state(value: str, now: datetime) -> sa.ColumnElement[bool]:
    cb = callbacks.c
    return {"kept": cb.done_at <= cb.due,
            "late": sa.or_(cb.done_at > cb.due, sa.and_(cb.done_at.is_(None), cb.due < now)),
            "pending": sa.and_(cb.done_at.is_(None), cb.due >= now)}.get(value, sa.true())


def callback_tickets(value: str, drill: Drill, scope: Scope) -> sa.Select[Any]:
    cb = callbacks.c
    where = [cb.replaced_at.is_(None), callback_state(value, scope.now)]
    if Filter.PERIOD in drill:
        where.append(_in(cb.due, scope.period(drill[Filter.PERIOD])))
    return sa.select(cb.ticket_id).where(*where)


def follow_up_state(value: str, now: datetime) -> sa.ColumnElement[bool]:
    return {"done": t.followed_up_at.is_not(None),
            "late": sa.and_(t.followed_up_at.is_(None), t.follow_up_due < now),
            "held": t.follow_up_held.is_(True),
            "came_back": t.follow_up_held.is_(False)}.get(value, t.follow_up_due.is_not(None))


def follow_up(value: str, drill: Drill, scope: Scope) -> sa.ColumnElement[bool]:
    where = [follow_up_state(value, scope.now)]
    if Filter.PERIOD in drill:
        where.append(_in(t.follow_up_due, scope.period(drill[Filter.PERIOD])))
    return sa.and_(*where)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1
