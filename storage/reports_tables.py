"""The tables the periods share: key figures against the period before and a year earlier,
a dimension compared with the period before, escalation reasons, promises kept, ratings,
and who was praised or criticised."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.reports.model import (
    Chart,
    ChartKind,
    Column,
    Drill,
    Figure,
    Filter,
    Row,
    Table,
    Unit,
)
from dialogs.reports.periods import Period
from storage.reports_filters import (
    AGENT,
    CHANNEL,
    NONE,
    PRIORITY,
    Scope,
    callback_tickets,
    filed_in,
    source,
    t,
)
from storage.reports_query import (
    Grid,
    Measure,
    count,
    customers,
    grouped,
    mean,
    rolled,
    share,
)

P = Filter.PERIOD


def in_period(period: Period) -> sa.ColumnElement[bool]:
    return filed_in(period)


def bar_chart(title: str, series: tuple[str, ...]) -> Chart:
    return Chart(ChartKind.BAR, title, series, "tickets")


def headline_measures() -> list[Measure]:
    """The key figures; their drills are added to the period's."""
    return [
        count("complaints", "Complaints", {}),
        customers("customers", "Customers who complained", {}),
        count("escalated", "Brought to a person by a rule", {Filter.REASON: "any"}),
        share("first_response_met", "First response within promise %",
              {Filter.FIRST_RESPONSE: "met"}, {Filter.FIRST_RESPONSE: "counted"}),
        mean("first_response_h", "First response, average (h)", Unit.HOURS, t.first_reply_s,
             {Filter.FIRST_RESPONSE: "answered"}),
        mean("first_response_open_h", "First response, average (business h)", Unit.HOURS,
             t.first_reply_open_s, {Filter.FIRST_RESPONSE: "business"}),
        share("resolution_met", "Resolved within promise %", {Filter.RESOLUTION: "met"},
              {Filter.RESOLUTION: "counted"}),
        mean("resolution_h", "Resolution, average (h)", Unit.HOURS, t.resolved_s,
             {Filter.RESOLUTION: "closed"}),
        mean("rating", "Average rating (1–5)", Unit.SCORE, t.rating, {Filter.RATING: "any"}),
        share("solved", "Solved %", {Filter.SOLVED: "yes"}, {Filter.SOLVED: "answered"}),
        count("reopened", "Reopened", {Filter.REOPENED: "yes"}),
    ]


async def sla_table(conn: AsyncConnection, scope: Scope, period: Period) -> Table:
    """Promises kept, per priority: first response, resolution, promised call-backs."""
    here: Drill = {P: period.key}
    fr, res, cb = Filter.FIRST_RESPONSE, Filter.RESOLUTION, Filter.CALLBACK
    measures = [
        count("fr_counted", "First response: due", {**here, fr: "counted"}),
        count("fr_met", "met", {**here, fr: "met"}),
        share("fr_pct", "met %", {fr: "met"}, {**here, fr: "counted"}),
        count("res_counted", "Resolution: due", {**here, res: "counted"}),
        count("res_met", "met", {**here, res: "met"}),
        share("res_pct", "met %", {res: "met"}, {**here, res: "counted"}),
        count("cb_due", "Call-backs due", {**here, cb: "due"}),
        count("cb_kept", "kept", {**here, cb: "kept"}),
    ]
    rows = await Grid([Row((p,), {Filter.PRIORITY: p}) for p in ("P1", "P2", "P3", "P4")],
                      measures).run(conn, scope, sa.or_(
                          in_period(period), t.id.in_(callback_tickets("due", here, scope))))
    return Table("sla", "Promises kept, by priority",
                 (Column("priority", "Priority", Unit.TEXT), *(m.column for m in measures)),
                 tuple(rows), Chart(ChartKind.BAR, "First response and resolution within "
                                    "promise, by priority (%)", ("fr_pct", "res_pct"), "% met"),
                 note="First response and resolution of tickets filed in the period; "
                      "call-backs due in it")


DIMENSIONS: tuple[tuple[str, str, Any, Filter], ...] = (
    ("by_category", "Complaints by category", t.category, Filter.CATEGORY),
    ("by_team", "Complaints by team", t.team, Filter.TEAM),
    ("by_channel", "Complaints by channel", CHANNEL, Filter.CHANNEL),
    ("by_locale", "Complaints by language", t.locale, Filter.LOCALE),
    ("by_priority", "Complaints by priority", PRIORITY, Filter.PRIORITY),
)


async def headline(conn: AsyncConnection, scope: Scope, period: Period) -> list[Figure]:
    """The period's key figures, with the period before and the same one a year earlier."""
    periods = [period, period.previous(), period.year_earlier()]
    measures = headline_measures()
    rows = await Grid([Row((), {P: p.key}) for p in periods], measures).run(
        conn, scope, sa.or_(*(in_period(p) for p in periods)))
    return [Figure(m.column.key, m.column.title, rows[0].number(i), m.column.unit,
                   {P: period.key, **(m.column.drill or {})}, rows[1].number(i),
                   rows[2].number(i)) for i, m in enumerate(measures)]


async def compared(conn: AsyncConnection, scope: Scope, period: Period, key: str,
                   title: str, dim: Any, f: Filter) -> Table:
    """Complaints by one dimension, this period against the one before."""
    prev = period.previous()
    rows = await grouped(conn, scope, dim, f, [
        count("this", period.title, {P: period.key}),
        count("previous", prev.title, {P: prev.key})],
        sa.or_(in_period(period), in_period(prev)))
    rows = [Row((*r.values, _change(r.values[1], r.values[2])), r.drill) for r in rows]
    return _compared_table(period, key, title, f, rows)


async def compared_all(conn: AsyncConnection, scope: Scope, period: Period,
                       dims: tuple[tuple[str, str, Any, Filter], ...]) -> list[Table]:
    """`compared` for several dimensions in one pass: SQL counts the tickets of each
    combination of their values (a few hundred rows), and each table adds those up. Counts
    of tickets add up; that is all these tables hold."""
    prev = period.previous()
    labels = [sa.func.coalesce(dim, NONE).label(f"d{i}") for i, (_, _, dim, _) in
              enumerate(dims)]
    measures = [count("this", period.title, {P: period.key}),
                count("previous", prev.title, {P: prev.key})]
    base, scope = source([m.column.drill or {} for m in measures], scope,
                         [dim for _, _, dim, _ in dims])
    exprs = [m.sql(m.column.drill or {}, scope) for m in measures]
    combos = (await conn.execute(
        sa.select(*labels, *exprs).select_from(base)
        .where(sa.or_(in_period(period), in_period(prev))).group_by(*labels))).all()
    tables = []
    for i, (key, title, _, f) in enumerate(dims):
        sums: dict[str, list[int]] = {}
        for combo in combos:
            total = sums.setdefault(str(combo[i]), [0, 0])
            total[0] += int(combo[len(dims)] or 0)
            total[1] += int(combo[len(dims) + 1] or 0)
        ordered = sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0]))
        rows = [Row((value, this, before, this - before), {f: value})
                for value, (this, before) in ordered]
        tables.append(_compared_table(period, key, title, f, rows))
    return tables


def _compared_table(period: Period, key: str, title: str, f: Filter,
                    rows: list[Row]) -> Table:
    prev = period.previous()
    columns = (Column(f.value, f.value.title(), Unit.TEXT),
               Column("this", period.title, Unit.COUNT, {P: period.key}),
               Column("previous", prev.title, Unit.COUNT, {P: prev.key}),
               Column("change", "Change", Unit.DELTA))
    return Table(key, title, columns, tuple(rows),
                 bar_chart(f"{title}: {period.title} and {prev.title}", ("this", "previous")),
                 note="Unique tickets filed in each period")


def _change(now: Any, before: Any) -> int:
    return int(now or 0) - int(before or 0)


async def reasons_table(conn: AsyncConnection, scope: Scope, period: Period) -> Table:
    """Each escalation reason once per ticket: one grid over the reasons seen."""
    prev = period.previous()
    seen = (await conn.execute(sa.select(t.reason_tags).distinct().where(
        in_period(period), t.reason_tags.is_not(None)))).scalars().all()
    names = sorted({n for tags in seen for n in str(tags).split(",") if n})
    measures = [count("this", period.title, {P: period.key}),
                count("previous", prev.title, {P: prev.key})]
    rows = await Grid([Row((n,), {Filter.REASON: n}) for n in names], measures,
                      ).run(conn, scope, sa.or_(in_period(period), in_period(prev)))
    rows.sort(key=lambda r: (-(r.number(1) or 0), str(r.values[0])))
    return Table("reasons", "Why a person was brought in",
                 (Column("reason", "Escalation reason", Unit.TEXT),
                  *(m.column for m in measures)), tuple(rows),
                 bar_chart("Escalation reasons (tickets)", ("this", "previous")),
                 note="Tickets with each reason; a ticket with two reasons counts under both")


async def ratings_table(conn: AsyncConnection, scope: Scope, period: Period) -> Table:
    here: Drill = {P: period.key}
    measures = [count("tickets", "Tickets", here)]
    rows = await Grid([Row((f"{n} ★",), {Filter.RATING: str(n)}) for n in range(5, 0, -1)],
                      measures).run(conn, scope, in_period(period))
    return Table("ratings", "Ratings", (Column("rating", "Rating", Unit.TEXT),
                                        *(m.column for m in measures)), tuple(rows),
                 Chart(ChartKind.PIE, "How customers rated the fix", ("tickets",), "tickets"),
                 note="The latest rating of each ticket filed in the period")


async def praise_tables(conn: AsyncConnection, scope: Scope,
                        period: Period) -> list[Table]:
    here: Drill = {P: period.key}
    measures = [count("tickets", "Complaints", here),
                count("rated", "Rated", {**here, Filter.RATING: "any"}),
                mean("rating", "Average rating", Unit.SCORE, t.rating,
                     {**here, Filter.RATING: "any"}),
                count("praised", "Praised (4–5)", {**here, Filter.RATING: "high"}),
                count("criticised", "Criticised (1–2)", {**here, Filter.RATING: "low"}),
                share("solved", "Solved %", {Filter.SOLVED: "yes"},
                      {**here, Filter.SOLVED: "answered"})]
    out = []
    specs = (("teams", "Teams: praised and criticised", t.team, Filter.TEAM),
             ("agents", "Agents: praised and criticised", AGENT, Filter.AGENT))
    found = await rolled(conn, scope, [(dim, f) for _, _, dim, f in specs], measures,
                         in_period(period))
    for (key, title, _, f), rows in zip(specs, found, strict=True):
        rows.sort(key=lambda r: (-(r.number(4) or 0), -(r.number(1) or 0)))
        out.append(Table(key, title, (Column(f.value, f.value.title(), Unit.TEXT),
                                      *(m.column for m in measures)), tuple(rows),
                         bar_chart(f"{title} ({period.title})", ("praised", "criticised")),
                         note="Most praised first; complaints drawn is the first column"))
    return out


