"""The reports' figures against values worked out by hand (tests/report_support.py), on SQLite
and PostgreSQL: period boundaries in Shanghai, first response in calendar and business time,
resolution without the time a ticket lay closed, promises, ratings, reopening, repeat
complainants; and every number's drill-down lists exactly the tickets it counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.core import Core, open_core
from dialogs.reports.model import Filter, Report, Unit
from dialogs.reports.periods import PeriodKind, parse_period
from storage.reports import ReportStore
from tests.conftest import Clock, Customer, make_settings
from tests.report_support import NOW, SETTINGS, ZONE, Year, build_year, local


@pytest.fixture
async def year(database_url: str) -> AsyncIterator[Year]:
    clock = Clock(datetime(2025, 3, 1, tzinfo=UTC))
    async with open_core(make_settings(database_url, **SETTINGS), clock=clock) as core:
        yield await build_year(core, clock)


def store(core: Core) -> ReportStore:
    return ReportStore(core.store.read_engine, ZONE)


async def report(y: Year, kind: PeriodKind, key: str) -> Report:
    return await store(y.core).report(parse_period(kind, key, ZONE), NOW)


def column(r: Report, table: str, label: str, key: str) -> object:
    t = r.table(table)
    row = next(row for row in t.rows if row.values[0] == label)
    return row.values[t.column(key)]


async def test_the_month_review_counts_what_a_manager_would(year: Year) -> None:
    march = await report(year, PeriodKind.MONTH, "2026-03")
    f = {x.key: x for x in march.figures}
    # T1 (23:30 on 31 March local), T3, T4, T5; T2 (00:30 on 1 April) is April's.
    assert (f["complaints"].value, f["complaints"].previous,
            f["complaints"].year_earlier) == (4, 1, 1)
    assert f["customers"].value == 3  # c filed T3 and T5
    assert f["escalated"].value == 4
    assert f["first_response_met"].value == 75.0  # T1, T3, T4 met; T5 never answered
    # Calendar: 10.5 h, 1 h, 64 h; business: 1 h each.
    assert f["first_response_h"].value == round((37800 + 3600 + 230400) / 3 / 3600, 1)
    assert f["first_response_open_h"].value == 1.0
    assert f["resolution_met"].value == 50.0  # T1, T3 met; T4, T5 open past their date
    # T1 11.5 h; T3 48 h less the hour it lay closed.
    assert f["resolution_h"].value == round((41400 + 169200) / 2 / 3600, 1)
    assert f["rating"].value == 3.5 and f["solved"].value == 100.0
    assert f["reopened"].value == 1

    assert column(march, "by_category", "quality", "this") == 2
    assert column(march, "by_category", "delivery", "previous") == 1
    assert column(march, "by_category", "delivery", "change") == 0
    assert column(march, "by_channel", "telegram", "this") == 4
    # "Not solved" brought in outcome_rejected, which raised T3 to P2.
    assert column(march, "by_priority", "P3", "this") == 3
    assert column(march, "by_priority", "P2", "this") == 1
    assert column(march, "reasons", "human_request", "this") == 4
    assert column(march, "reasons", "outcome_rejected", "this") == 1
    assert (column(march, "sla", "P3", "fr_counted"), column(march, "sla", "P3", "fr_met"),
            column(march, "sla", "P2", "fr_met")) == (3, 2, 1)
    assert column(march, "sla", "P3", "cb_kept") == 1
    assert column(march, "ratings", "5 ★", "tickets") == 1
    assert column(march, "ratings", "2 ★", "tickets") == 1
    assert column(march, "agents", "alice", "praised") == 1
    assert column(march, "agents", "bob", "criticised") == 1
    assert column(march, "teams", "finance", "rating") == 2.0


async def test_quarters_split_at_local_midnight_and_years_add_up(year: Year) -> None:
    q1 = await report(year, PeriodKind.QUARTER, "2026-Q1")
    q2 = await report(year, PeriodKind.QUARTER, "2026-Q2")
    assert q1.figure("complaints").value == 5  # T6 in February, T1 on 31 March
    assert q2.figure("complaints").value == 1  # T2 only
    assert column(q1, "months", "March 2026", "complaints") == 4
    assert column(q1, "category_by_month", "quality", "m3") == 2
    recurring = q1.table("recurring_products").rows
    assert [r.values for r in recurring] == [("quality", "Breville kettle", 2)]
    # Q4 2025 had none: every category of Q1 rose, delivery and quality by two.
    assert {r.values[0]: r.values[3] for r in q1.table("rising").rows} == {
        "delivery": 2, "quality": 2, "billing": 1}

    y = await report(year, PeriodKind.YEAR, "2026")
    assert y.figure("complaints").value == 6
    assert y.figure("repeat_customers").value == 1
    assert y.figure("reopen_rate").value == 50.0  # T3 of the two ever closed
    assert column(y, "satisfaction", "Mar", "rating") == 3.5  # T1 and T3, filed in March
    assert column(y, "repeat", "Q1", "repeat") == 2


async def test_the_week_lists_every_complaint_and_the_day_its_call_backs(year: Year) -> None:
    week = await report(year, PeriodKind.WEEK, "2026-03-31")
    rows = week.table("complaints").rows
    assert [r.values[0] for r in rows] == [year.numbers["T1"], year.numbers["T2"]]
    t1 = dict(zip((c.key for c in week.table("complaints").columns), rows[0].values,
                  strict=True))
    assert (t1["category"], t1["agent"], t1["first_reply_h"], t1["first_reply_open_h"],
            t1["resolved_h"], t1["rating"]) == ("delivery", "alice", 10.5, 1.0, 11.5, 5)

    day = await report(year, PeriodKind.DAY, "2026-03-23")
    assert day.figure("callback_due").value == 1 and day.figure("callback_kept").value == 1
    assert [r.values[4] for r in day.table("callbacks").rows] == ["kept"]
    follow = await report(year, PeriodKind.DAY, "2026-04-04")
    assert (follow.figure("follow_up_due").value, follow.figure("follow_up_done").value,
            follow.figure("follow_up_held").value) == (1, 1, 1)
    assert follow.table("follow_ups").rows[0].values[4] == "held"


async def test_an_empty_period_is_zeros_not_an_error(year: Year) -> None:
    july = await report(year, PeriodKind.MONTH, "2026-07")
    assert july.figure("complaints").value == 0
    assert july.figure("rating").value is None
    assert july.table("by_category").rows == ()


async def test_every_number_drills_down_to_exactly_its_tickets(year: Year) -> None:
    s = store(year.core)
    checked = 0
    for kind, key in ((PeriodKind.MONTH, "2026-03"), (PeriodKind.QUARTER, "2026-Q1"),
                      (PeriodKind.YEAR, "2026"), (PeriodKind.DAY, "2026-03-23")):
        r = await report(year, kind, key)
        for fig in r.figures:
            if fig.unit is Unit.COUNT and fig.drill is not None and fig.key != "customers" \
                    and fig.key != "repeat_customers":
                total, _ = await s.tickets(fig.drill, NOW)
                assert total == fig.value, (key, fig.key)
                checked += 1
        for table in r.tables:
            for row in table.rows:
                for i, col in enumerate(table.columns):
                    drill = table.cell_drill(row, i)
                    if drill is None or col.unit is not Unit.COUNT or "customers" in col.key:
                        continue
                    total, lines = await s.tickets(drill, NOW)
                    assert total == row.values[i], (key, table.key, row.values, col.key)
                    assert len(lines) == total
                    checked += 1
    assert checked > 100
    total, lines = await s.tickets({Filter.PERIOD: "2026-03", Filter.RATING: "low"}, NOW)
    assert [x.number for x in lines] == [year.numbers["T3"]]


async def test_a_month_ends_at_local_midnight_in_summer_time(database_url: str) -> None:
    """London in BST (UTC+1): 23:30 on 30 April local is April's, 00:30 on 1 May is May's,
    though both are 30 April in UTC."""
    clock = Clock(datetime(2026, 4, 30, 22, 30, tzinfo=UTC))
    async with open_core(make_settings(database_url, HEARD_TIMEZONE="Europe/London"),
                         clock=clock) as core:
        for chat, at in (("l1", datetime(2026, 4, 30, 22, 30, tzinfo=UTC)),
                         ("l2", datetime(2026, 4, 30, 23, 30, tzinfo=UTC))):
            clock.now = at
            c = Customer(core, chat)
            await c.says("My parcel never arrived")
            await c.says("human")
        s = ReportStore(core.store.read_engine, "Europe/London")
        now = datetime(2026, 6, 1, tzinfo=UTC)
        april = await s.report(parse_period(PeriodKind.MONTH, "2026-04", "Europe/London"), now)
        may = await s.report(parse_period(PeriodKind.MONTH, "2026-05", "Europe/London"), now)
        assert april.figure("complaints").value == 1 and may.figure("complaints").value == 1
        assert may.figure("complaints").previous == 1


async def test_the_year_lists_the_bundle_versions_in_force_and_their_tickets(
        year: Year) -> None:
    """Version 1 is made when the service starts (1 March 2025); v2 is published on 15 March
    2026 and v3, a rollback to v1, on 20 April. Every ticket of the fixture was filed under v1
    by the pipeline; those filed after 15 March are set to v2 here, as if filed after the
    publish, and T6 to none, as if filed before the service kept versions."""
    from handlers.reports.render_data import report_csv, report_data
    from handlers.reports.render_html import report_html
    from storage.schema import tickets

    core = year.core
    filed = await core.store.bundles.versions()
    assert [v.number for v in filed] == [1]
    await core.store.bundles.publish({"format": 1}, note="warmer greeting", actor="mei",
                                     now=local(2026, 3, 15, 9))
    await core.store.bundles.publish({"format": 1}, note="back to the old rules",
                                     actor="mei", now=local(2026, 4, 20, 9), rolled_back_from=1)
    async with core.store.engine.begin() as conn:
        assert set((await conn.execute(sa.select(tickets.c.bundle_version))).scalars()) == {1}
        for name, version in (("T4", 2), ("T5", 2), ("T1", 2), ("T2", 2), ("T6", None)):
            await conn.execute(sa.update(tickets).where(
                tickets.c.number == year.numbers[name]).values(bundle_version=version))

    y = await report(year, PeriodKind.YEAR, "2026")
    table = y.table("versions")
    got = [dict(zip((c.key for c in table.columns), r.values, strict=True))
           for r in table.rows]
    assert [(g["version"], g["author"], g["complaints"], g["rating"], g["solved"])
            for g in got] == [
        ("before versions", "", 1, None, None),  # T6: never answered
        ("v1", "defaults", 1, 2.0, 100.0),  # T3; v1 was in force when the year began
        ("v2", "mei", 4, 5.0, 100.0),  # T4, T5, T1, T2; only T1 rated and answered
        ("v3", "mei", 0, None, None)]
    assert got[2]["published"] == local(2026, 3, 15, 9)
    assert got[2]["note"] == "warmer greeting"
    assert got[3]["note"] == "rollback to v1: back to the old rules"
    # Each count lists exactly its tickets.
    s = store(core)
    for row in table.rows:
        drill = table.cell_drill(row, table.column("complaints"))
        assert drill is not None
        total, lines = await s.tickets(drill, NOW)
        assert total == row.values[table.column("complaints")] == len(lines)
    _, lines = await s.tickets({Filter.PERIOD: "2026", Filter.BUNDLE: "1"}, NOW)
    assert [x.number for x in lines] == [year.numbers["T3"]]
    # In every format, from the one Report.
    assert "warmer greeting" in report_html(y)
    assert "warmer greeting" in report_csv(y)
    data = report_data(y, "/admin/reports")
    assert "versions" in str(data) and "warmer greeting" in str(data)
    # A year before any of it: the version in force (v1), nothing filed under it.
    earlier = await report(year, PeriodKind.YEAR, "2025")
    assert [r.values[0] for r in earlier.table("versions").rows] == ["v1"]
