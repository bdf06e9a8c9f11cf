"""Scheduled reports: when a week or month has ended, its report goes to the agents' group
(a summary, then the HTML file) and into the archive, once: two claimers at once (separate
engines, as two processes have), a restart, and a later tick send nothing more. The group is
the tests' own Bot API server, spoken to by python-telegram-bot for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.core import Core, open_core
from dialogs.reports.periods import PeriodKind
from handlers.channels.telegram.output import TelegramOutput
from handlers.config.studio import Studio
from handlers.reports.delivery import GroupPoster, Poster, ReportDelivery, bundle_schedule
from storage.reports import ReportStore
from storage.reports_archive import ReportArchive
from storage.store import Store
from tests.conftest import Clock, make_settings
from tests.e2e_support import fast_limiter
from tests.fake_bot_api import FakeBotApi
from tests.report_support import SETTINGS, ZONE, Year, build_year, local

GROUP = -100777


class Recording:
    def __init__(self) -> None:
        self.posts: list[tuple[str, bytes, str]] = []

    async def post(self, text: str, document: bytes, filename: str) -> None:
        self.posts.append((text, document, filename))


@pytest.fixture
async def year(database_url: str) -> AsyncIterator[tuple[Year, str]]:
    clock = Clock(datetime(2025, 3, 1, tzinfo=UTC))
    async with open_core(make_settings(database_url, **SETTINGS), clock=clock) as core:
        yield await build_year(core, clock), database_url


def delivery(core: Core, clock: Clock, poster: Poster, who: str,
             engine_of: Store | None = None) -> ReportDelivery:
    store = engine_of or core.store
    return ReportDelivery(ReportStore(store.read_engine, ZONE), ReportArchive(store.engine),
                          [PeriodKind.WEEK, PeriodKind.MONTH], ZONE, clock, poster, who=who)


async def test_two_claimers_at_once_send_each_report_once(year: tuple[Year, str]) -> None:
    y, url = year
    clock = Clock(local(2026, 4, 1, 0, 5))  # Wednesday 1 April: March has ended, W13 too
    other = Store(url)  # a second process: its own engine and connections
    try:
        first, second = Recording(), Recording()
        a = delivery(y.core, clock, first, "process-a")
        b = delivery(y.core, clock, second, "process-b", other)
        sent_a, sent_b = await asyncio.gather(a.tick(), b.tick())
        assert sorted(sent_a + sent_b) == ["month:2026-03", "week:2026-W13"]
        posts = first.posts + second.posts
        assert sorted(f for _, _, f in posts) == ["complaints-month-2026-03.html",
                                                  "complaints-week-2026-W13.html"]
        month = next(p for p in posts if "month" in p[2])
        assert month[0].startswith("Month report: March 2026\nComplaints: 4 (1 the month")
        assert b"<svg" in month[1] and b"<script" not in month[1]

        # A restart, an hour later: nothing is sent again; the archive holds both.
        clock.advance(hours=1)
        again = Recording()
        assert await delivery(y.core, clock, again, "process-c").tick() == []
        assert again.posts == []
        entries = await ReportArchive(y.core.store.engine).entries()
        assert sorted((e.kind, e.period) for e in entries) == [("month", "2026-03"),
                                                                ("week", "2026-W13")]
        assert all(e.sent_at is not None and e.summary for e in entries)
        # The next week's turn comes on Monday 6 April.
        clock.now = local(2026, 4, 6, 0, 1)
        assert await delivery(y.core, clock, again, "process-c").tick() == ["week:2026-W14"]
    finally:
        await other.close()


async def test_the_report_reaches_the_agents_group_as_a_summary_and_a_file(
        year: tuple[Year, str]) -> None:
    y, _ = year
    clock = Clock(local(2026, 4, 1, 0, 5))
    async with FakeBotApi() as api:
        bot = Bot(api.token, base_url=api.base_url,
                  request=HTTPXRequest(connection_pool_size=4))
        async with bot:
            output = TelegramOutput(bot, fast_limiter())
            sent = await delivery(y.core, clock, GroupPoster(output, GROUP), "p").tick()
        assert sent == ["week:2026-W13", "month:2026-03"]
        texts = api.texts(GROUP)
        assert texts[1].startswith("Month report: March 2026")
        assert "Most complaints: quality (2)" in texts[1]
        names = [name for chat, name, _, _ in api.documents if chat == str(GROUP)]
        assert names == ["complaints-week-2026-W13.html", "complaints-month-2026-03.html"]
        html = api.documents[1][2].decode()
        assert "Month report: March 2026" in html and "How each number is counted" in html


async def test_the_schedule_is_the_newest_published_versions(year: tuple[Year, str]) -> None:
    y, url = year
    clock = Clock(local(2026, 4, 1, 0, 5))
    other = Store(url)  # the process that sends: it hears of the publish through the database
    try:
        schedule = bundle_schedule(Studio(other.bundles, clock),
                                   [PeriodKind.WEEK, PeriodKind.MONTH])
        assert list(await schedule()) == [PeriodKind.WEEK, PeriodKind.MONTH]  # the setting
        _, bundle = await y.core.studio.current()
        await y.core.studio.publish(replace(bundle, report_schedule=(PeriodKind.QUARTER,)),
                                    note="quarterly only", actor="ada")
        posts = Recording()
        sender = ReportDelivery(ReportStore(other.read_engine, ZONE),
                                ReportArchive(other.engine), schedule, ZONE, clock, posts,
                                who="b")
        assert await sender.tick() == ["quarter:2026-Q1"]
        assert [f for _, _, f in posts.posts] == ["complaints-quarter-2026-Q1.html"]
        # Nothing on the schedule: nothing is sent when the next week ends.
        _, bundle = await y.core.studio.current()
        await y.core.studio.publish(replace(bundle, report_schedule=()), note="none for now",
                                    actor="ada")
        clock.now = local(2026, 4, 6, 0, 1)
        assert await sender.tick() == []
    finally:
        await other.close()
