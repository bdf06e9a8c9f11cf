"""The reports, computed in SQL: a day's follow-ups and call-backs, a week's complaints, a
month's review; the quarter and the year are in storage/reports_review.py. Every figure comes
from storage/reports_query.py, so the tickets list behind it is the same filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialogs.reports.model import Column, Drill, Figure, Filter, Report, Row, Table, Unit
from dialogs.reports.periods import Period, PeriodKind
from storage.clock import utc
from storage.reports_filters import (
    AGENT,
    BASE,
    CHANNEL,
    PRIORITY,
    Scope,
    callback_tickets,
    matches,
    t,
)
from storage.reports_query import Grid, count, grouped
from storage.reports_review import quarter_tables, year_tables
from storage.reports_tables import (
    DIMENSIONS,
    bar_chart,
    compared_all,
    headline,
    in_period,
    praise_tables,
    ratings_table,
    reasons_table,
    sla_table,
)
from storage.schema import callbacks, tickets

P = Filter.PERIOD
TICKET_LIMIT = 5000  # a drill-down list or a week's list shows this many at most


@dataclass(frozen=True, slots=True)
class TicketLine:
    number: str
    filed: datetime
    channel: str
    locale: str
    category: str | None
    team: str | None
    priority: str
    status: str
    reasons: str
    agent: str | None
    first_reply_h: float | None
    first_reply_open_h: float | None
    resolved_h: float | None
    rating: int | None


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


class ReportStore:
    def __init__(self, engine: AsyncEngine, timezone: str) -> None:
        self.engine = engine
        self.timezone = timezone

    async def report(self, period: Period, now: datetime) -> Report:
        scope = Scope(now, self.timezone)
        builders = {PeriodKind.DAY: self._day, PeriodKind.WEEK: self._week,
                    PeriodKind.MONTH: self._month, PeriodKind.QUARTER: quarter_tables,
                    PeriodKind.YEAR: year_tables}
        async with self.engine.connect() as conn:
            figures, tables = await builders[period.kind](conn, scope, period)
        return Report(period, now, tuple(figures), tuple(tables))

    async def tickets(self, drill: Drill, now: datetime,
                      limit: int = TICKET_LIMIT) -> tuple[int, list[TicketLine]]:
        """The tickets a number counts: how many, and the first `limit` of them."""
        scope = Scope(now, self.timezone)
        where = matches(drill, scope)
        async with self.engine.connect() as conn:
            total = (await conn.execute(sa.select(sa.func.count()).select_from(BASE)
                                        .where(where))).scalar_one()
            lines = await ticket_lines(conn, where, limit)
        return int(total), lines

    # --- day: the follow-ups and call-backs due -------------------------------------------
    async def _day(self, conn: AsyncConnection, scope: Scope,
                   period: Period) -> tuple[list[Figure], list[Table]]:
        day: Drill = {P: period.key}
        fu = [("due", "Follow-ups due"), ("done", "Follow-ups done"),
              ("late", "Follow-ups late"), ("held", "Fix held"), ("came_back", "Came back")]
        cb = [("due", "Call-backs due"), ("kept", "Call-backs kept"),
              ("late", "Call-backs late"), ("pending", "Call-backs still to make")]
        measures = [count(f"follow_up_{k}", title, {**day, Filter.FOLLOW_UP: k})
                    for k, title in fu]
        measures += [count(f"callback_{k}", title, {**day, Filter.CALLBACK: k})
                     for k, title in cb]
        where = sa.or_(sa.and_(t.follow_up_due >= period.start_utc,
                               t.follow_up_due < period.end_utc),
                       t.id.in_(callback_tickets("due", day, scope)))
        [row] = await Grid([Row(())], measures).run(conn, scope, where)
        figures = [Figure(m.column.key, m.column.title, row.number(i), Unit.COUNT,
                          m.column.drill) for i, m in enumerate(measures)]
        return figures, [await _follow_ups(conn, period, scope.now),
                         await _callbacks(conn, period, scope.now)]

    # --- week: every complaint -------------------------------------------------------------
    async def _week(self, conn: AsyncConnection, scope: Scope,
                    period: Period) -> tuple[list[Figure], list[Table]]:
        figures = await headline(conn, scope, period)
        lines = await ticket_lines(conn, in_period(period), TICKET_LIMIT, oldest_first=True)
        tables = [week_list(lines)]
        tables += await compared_all(conn, scope, period, (
            ("by_category", "Categories that drew most", t.category, Filter.CATEGORY),
            ("by_team", "Teams that drew most", t.team, Filter.TEAM)))
        agent_rows = await grouped(conn, scope, AGENT, Filter.AGENT, [
            count("handled", "Handled", {P: period.key}),
            count("closed", "Closed", {P: period.key, Filter.STATUS: "closed"})],
            in_period(period))
        tables.append(Table("by_agent", "Agents who handled most",
                            (Column("agent", "Agent", Unit.TEXT),
                             Column("handled", "Handled", Unit.COUNT, {P: period.key}),
                             Column("closed", "Closed", Unit.COUNT,
                                    {P: period.key, Filter.STATUS: "closed"})),
                            tuple(agent_rows), bar_chart("Complaints handled", ("handled",)),
                            note="Complaints filed this week, by the agent holding them"))
        return figures, tables

    # --- month: the review for all managers ------------------------------------------------
    async def _month(self, conn: AsyncConnection, scope: Scope,
                     period: Period) -> tuple[list[Figure], list[Table]]:
        figures = await headline(conn, scope, period)
        tables = await compared_all(conn, scope, period, DIMENSIONS)
        tables.append(await reasons_table(conn, scope, period))
        tables.append(await sla_table(conn, scope, period))
        tables.append(await ratings_table(conn, scope, period))
        tables.extend(await praise_tables(conn, scope, period))
        return figures, tables


# --- the lists --------------------------------------------------------------------------------
async def ticket_lines(conn: AsyncConnection, where: sa.ColumnElement[bool], limit: int,
                       oldest_first: bool = False) -> list[TicketLine]:
    order = (t.created_at, t.id) if oldest_first else (t.created_at.desc(), t.id.desc())
    rows = (await conn.execute(
        sa.select(t.number, t.created_at, CHANNEL, t.locale, t.category, t.team, PRIORITY,
                  t.status, t.reason_tags, AGENT, t.first_reply_s, t.first_reply_open_s,
                  t.resolved_s, t.rating)
        .select_from(BASE).where(where).order_by(*order).limit(limit))).all()
    return [TicketLine(r[0], utc(r[1]) or r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                       ", ".join(n for n in str(r[8] or "").split(",") if n), r[9],
                       _hours(r[10]), _hours(r[11]),
                       _hours(r[12]) if r[7] == "closed" else None, r[13]) for r in rows]


LIST_COLUMNS = (
    Column("number", "Ticket", Unit.TEXT), Column("filed", "Filed", Unit.TIME),
    Column("channel", "Channel", Unit.TEXT), Column("locale", "Language", Unit.TEXT),
    Column("category", "Category", Unit.TEXT), Column("team", "Team", Unit.TEXT),
    Column("priority", "Priority", Unit.TEXT), Column("status", "Status", Unit.TEXT),
    Column("reasons", "Escalation reasons", Unit.TEXT), Column("agent", "Agent", Unit.TEXT),
    Column("first_reply_h", "First response (h)", Unit.HOURS),
    Column("first_reply_open_h", "First response (business h)", Unit.HOURS),
    Column("resolved_h", "Resolution (h)", Unit.HOURS), Column("rating", "Rating", Unit.TEXT),
)


def line_row(x: TicketLine) -> Row:
    return Row((x.number, x.filed, x.channel, x.locale, x.category, x.team, x.priority,
                x.status, x.reasons, x.agent, x.first_reply_h, x.first_reply_open_h,
                x.resolved_h, x.rating))


def week_list(lines: Sequence[TicketLine]) -> Table:
    return Table("complaints", "Every complaint of the week", LIST_COLUMNS,
                 tuple(line_row(x) for x in lines),
                 note="Oldest first; times in hours (open hours: BUSINESS_HOURS only)")


async def _follow_ups(conn: AsyncConnection, period: Period, now: datetime) -> Table:
    rows = (await conn.execute(
        sa.select(t.number, t.follow_up_due, t.followed_up_at, t.follow_up_held, AGENT,
                  t.team).select_from(BASE)
        .where(t.follow_up_due >= period.start_utc, t.follow_up_due < period.end_utc)
        .order_by(t.follow_up_due, t.id))).all()
    out = []
    for r in rows:
        due = utc(r[1])
        state = ("done" if r[2] is not None else
                 "late" if due is not None and due < now else "to do")
        answer = {True: "held", False: "came back", None: "-"}[r[3]]
        out.append(Row((r[0], due, utc(r[2]), state, answer, r[4], r[5])))
    return Table("follow_ups", "Follow-ups due: did the fix hold?", (
        Column("number", "Ticket", Unit.TEXT), Column("due", "Due", Unit.TIME),
        Column("asked", "Asked", Unit.TIME), Column("state", "State", Unit.TEXT),
        Column("answer", "Answer", Unit.TEXT), Column("agent", "Agent", Unit.TEXT),
        Column("team", "Team", Unit.TEXT)), tuple(out))


async def _callbacks(conn: AsyncConnection, period: Period, now: datetime) -> Table:
    cb = callbacks.c
    rows = (await conn.execute(
        sa.select(t.number, cb.agent, cb.due, cb.done_at, t.team)
        .select_from(callbacks.join(tickets, tickets.c.id == cb.ticket_id))
        .where(cb.replaced_at.is_(None), cb.due >= period.start_utc, cb.due < period.end_utc)
        .order_by(cb.due, cb.id))).all()
    out = []
    for r in rows:
        due, done = utc(r[2]), utc(r[3])
        assert due is not None
        state = ("kept" if done is not None and done <= due else
                 "late" if done is not None or due < now else "to do")
        out.append(Row((r[0], r[1].removeprefix("agent:"), due, done, state, r[4])))
    return Table("callbacks", "Call-backs promised for the day", (
        Column("number", "Ticket", Unit.TEXT), Column("agent", "Promised by", Unit.TEXT),
        Column("due", "Due", Unit.TIME), Column("done", "Done", Unit.TIME),
        Column("state", "State", Unit.TEXT), Column("team", "Team", Unit.TEXT)), tuple(out))


