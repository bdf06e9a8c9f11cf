"""The quarterly review (three months with trends, recurring problems, the action plan) and the
yearly satisfaction analysis, in SQL like the other periods (storage/reports_tables.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.reports.actions import Status
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
from dialogs.reports.periods import Period, PeriodKind
from storage.reports_filters import PRODUCT, Scope, t
from storage.reports_query import Grid, count, customers, grouped, mean, rolled, share
from storage.reports_tables import (
    compared,
    headline,
    in_period,
    praise_tables,
    reasons_table,
    sla_table,
)
from storage.reports_versions import versions_table
from storage.schema import action_items

P = Filter.PERIOD
RECURRING_LIMIT = 20


async def quarter_tables(conn: AsyncConnection, scope: Scope,
                         period: Period) -> tuple[list[Figure], list[Table]]:
    figures = await headline(conn, scope, period)
    months = period.parts(PeriodKind.MONTH)
    tables = [await months_table(conn, scope, period, months)]
    by_category = await compared(conn, scope, period, "by_category",
                                 "Complaints by category", t.category, Filter.CATEGORY)
    tables.append(await by_month(conn, scope, period, months, "category_by_month",
                                 "Categories month by month", t.category, Filter.CATEGORY))
    tables.append(await by_month(conn, scope, period, months, "team_by_month",
                                 "Teams month by month", t.team, Filter.TEAM))
    tables.append(await sla_table(conn, scope, period))
    tables.append(await reasons_table(conn, scope, period))
    tables.extend(await praise_tables(conn, scope, period))
    tables.append(rising(by_category))
    tables.extend(await recurring(conn, period))
    tables.append(await action_plan(conn, period))
    return figures, tables


async def months_table(conn: AsyncConnection, scope: Scope, period: Period,
                       months: list[Period]) -> Table:
    fr, res = Filter.FIRST_RESPONSE, Filter.RESOLUTION
    measures = [count("complaints", "Complaints", {}),
                customers("customers", "Customers", {}),
                share("fr_pct", "First response met %", {fr: "met"}, {fr: "counted"}),
                share("res_pct", "Resolved in time %", {res: "met"}, {res: "counted"}),
                mean("rating", "Average rating", Unit.SCORE, t.rating, {Filter.RATING: "any"}),
                share("solved", "Solved %", {Filter.SOLVED: "yes"},
                      {Filter.SOLVED: "answered"})]
    rows = await Grid([Row((m.title,), {P: m.key}) for m in months], measures).run(
        conn, scope, in_period(period))
    return Table("months", "Month by month", (Column("month", "Month", Unit.TEXT),
                                              *(m.column for m in measures)), tuple(rows),
                 Chart(ChartKind.LINE, "Promises kept and problems solved, by month (%)",
                       ("fr_pct", "res_pct", "solved"), "%"),
                 note="Tickets filed in each month")


async def by_month(conn: AsyncConnection, scope: Scope, period: Period,
                   months: list[Period], key: str, title: str, dim: Any, f: Filter) -> Table:
    prev = period.previous()
    measures = [count(f"m{i}", m.short, {P: m.key}) for i, m in enumerate(months, 1)]
    measures += [count("total", period.title, {P: period.key}),
                 count("previous", prev.title, {P: prev.key})]
    rows = await grouped(conn, scope, dim, f, measures,
                         sa.or_(in_period(period), in_period(prev)))
    rows.sort(key=lambda r: -(r.number(len(r.values) - 2) or 0))
    return Table(key, title, (Column(f.value, f.value.title(), Unit.TEXT),
                              *(m.column for m in measures)), tuple(rows),
                 Chart(ChartKind.BAR, f"{title} (tickets)",
                       tuple(f"m{i}" for i in range(1, len(months) + 1)), "tickets"),
                 note="The trend inside the quarter, and the quarter against the one before")


def rising(by_category: Table) -> Table:
    up = sorted((r for r in by_category.rows if (r.number(3) or 0) > 0),
                key=lambda r: -(r.number(3) or 0))
    return Table("rising", "Rising categories", by_category.columns, tuple(up),
                 note="Categories with more complaints than the quarter before")


async def recurring(conn: AsyncConnection, period: Period) -> list[Table]:
    """The same category and product, and the same order, in two or more complaints."""
    here: Drill = {P: period.key}
    n = sa.func.count().label("n")
    pairs = (await conn.execute(
        sa.select(t.category, PRODUCT, n).where(in_period(period), PRODUCT.is_not(None),
                                                t.category.is_not(None))
        .group_by(t.category, PRODUCT).having(sa.func.count() >= 2)
        .order_by(n.desc(), t.category, PRODUCT).limit(RECURRING_LIMIT))).all()
    orders = (await conn.execute(
        sa.select(t.order_no, n).where(in_period(period), t.order_no.is_not(None))
        .group_by(t.order_no).having(sa.func.count() >= 2)
        .order_by(n.desc(), t.order_no).limit(RECURRING_LIMIT))).all()
    tickets = Column("tickets", "Complaints", Unit.COUNT, here)
    return [
        Table("recurring_products", "Recurring problems: same category and product",
              (Column("category", "Category", Unit.TEXT), Column("product", "Product", Unit.TEXT),
               tickets),
              tuple(Row((r[0], r[1], int(r[2])), {Filter.CATEGORY: r[0], Filter.PRODUCT: r[1]})
                    for r in pairs),
              note="Candidates for the action plan"),
        Table("recurring_orders", "Recurring problems: the same order again",
              (Column("order", "Order", Unit.TEXT), tickets),
              tuple(Row((r[0], int(r[1])), {Filter.ORDER: r[0]}) for r in orders)),
    ]


async def action_plan(conn: AsyncConnection, period: Period) -> Table:
    """This quarter's items, those still open from earlier ones, and what became of the
    previous quarter's."""
    a = action_items.c
    open_ = [s.value for s in Status if s.open]
    rows = (await conn.execute(
        sa.select(a.id, a.problem, a.owner, a.due, a.status, a.quarter)
        .where(sa.or_(a.quarter == period.key, a.quarter == period.previous().key,
                      sa.and_(a.quarter < period.key, a.status.in_(open_))))
        .order_by(a.quarter, a.due, a.id))).all()
    return Table("actions", "Action plan", (
        Column("problem", "Problem", Unit.TEXT), Column("owner", "Owner", Unit.TEXT),
        Column("due", "Due", Unit.TEXT), Column("status", "Status", Unit.TEXT),
        Column("raised", "Raised in", Unit.TEXT)),
        tuple(Row((r.problem, r.owner, r.due.isoformat() if r.due else "",
                   Status(r.status).label, r.quarter), {}) for r in rows),
        note="Raised this quarter, carried over while open, and last quarter's outcome")


async def year_tables(conn: AsyncConnection, scope: Scope,
                      period: Period) -> tuple[list[Figure], list[Table]]:
    figures = await headline(conn, scope, period)
    extra = [share("reopen_rate", "Reopen rate %", {Filter.REOPENED: "yes"},
                   {Filter.REOPENED: "ever_closed"}),
             customers("repeat_customers", "Repeat complainants",
                       {Filter.REPEAT: period.key})]
    [row] = await Grid([Row((), {P: period.key})], extra).run(conn, scope, in_period(period))
    figures += [Figure(m.column.key, m.column.title, row.number(i), m.column.unit,
                       {P: period.key, **(m.column.drill or {})})
                for i, m in enumerate(extra)]
    months = period.parts(PeriodKind.MONTH)
    measures = [count("complaints", "Complaints", {}),
                count("rated", "Rated", {Filter.RATING: "any"}),
                mean("rating", "Average rating", Unit.SCORE, t.rating, {Filter.RATING: "any"}),
                share("solved", "Solved %", {Filter.SOLVED: "yes"},
                      {Filter.SOLVED: "answered"}),
                count("reopened", "Reopened", {Filter.REOPENED: "yes"})]
    rows = await Grid([Row((m.short,), {P: m.key}) for m in months], measures).run(
        conn, scope, in_period(period))
    tables = [Table("satisfaction", "Satisfaction month by month",
                    (Column("month", "Month", Unit.TEXT), *(m.column for m in measures)),
                    tuple(rows), Chart(ChartKind.LINE, "Average rating by month (1–5)",
                                       ("rating",), "rating"),
                    note="Ratings and answers of tickets filed in each month")]
    here: Drill = {P: period.key}
    per = [count("complaints", "Complaints", here),
           mean("rating", "Average rating", Unit.SCORE, t.rating,
                {**here, Filter.RATING: "any"}),
           share("solved", "Solved %", {Filter.SOLVED: "yes"},
                 {**here, Filter.SOLVED: "answered"}),
           share("reopen", "Reopen rate %", {Filter.REOPENED: "yes"},
                 {**here, Filter.REOPENED: "ever_closed"})]
    specs = (("teams", "Satisfaction by team", t.team, Filter.TEAM),
             ("categories", "Satisfaction by category", t.category, Filter.CATEGORY))
    rolled_up = await rolled(conn, scope, [(dim, f) for _, _, dim, f in specs], per,
                             in_period(period))
    for (key, title, _, f), found in zip(specs, rolled_up, strict=True):
        tables.append(Table(key, title, (Column(f.value, f.value.title(), Unit.TEXT),
                                         *(m.column for m in per)), tuple(found),
                            Chart(ChartKind.BAR, f"{title}: solved %", ("solved",), "%")))
    tables.append(await repeat_table(conn, scope, period))
    tables.append(await versions_table(conn, scope, period))
    return figures, tables


async def repeat_table(conn: AsyncConnection, scope: Scope, period: Period) -> Table:
    """Repeat complainants quarter by quarter: how much of the load they are, how satisfied."""
    mine: Drill = {Filter.REPEAT: period.key}
    measures = [count("complaints", "Complaints", {}),
                count("repeat", "From repeat complainants", mine),
                customers("repeat_customers", "Repeat complainants", mine),
                mean("repeat_rating", "Their average rating", Unit.SCORE, t.rating,
                     {**mine, Filter.RATING: "any"}),
                share("repeat_solved", "Their solved %", {Filter.SOLVED: "yes"},
                      {**mine, Filter.SOLVED: "answered"})]
    quarters = period.parts(PeriodKind.QUARTER)
    rows = await Grid([Row((q.short,), {P: q.key}) for q in quarters], measures).run(
        conn, scope, in_period(period))
    return Table("repeat", "Repeat complainants, quarter by quarter",
                 (Column("quarter", "Quarter", Unit.TEXT), *(m.column for m in measures)),
                 tuple(rows), Chart(ChartKind.BAR, "Complaints from repeat complainants",
                                    ("complaints", "repeat"), "tickets"),
                 note="Customers with two or more complaints in the year")
