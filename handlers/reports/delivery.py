"""Reports posted when their period ends: at the start of each period on the schedule (the
studio's Rules & times page; REPORT_SCHEDULE until it is set there, week and month by default)
the last one's summary and HTML file go to the agents' Telegram group and into the archive.
The schedule is read from the newest published version at every check, so a publish takes
effect in every process at its next check.

Each period is claimed in the database (a unique row) before anything is made, so of two
processes, or a restart, one sends it and the others skip it; a claim whose sender died
before sending is taken over after a while (storage/reports_archive.py)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from aiohttp import web

from dialogs.bundle.model import Bundle
from dialogs.reports.model import Report, Unit
from dialogs.reports.periods import PeriodKind, period_at
from handlers.channels.telegram.output import TelegramOutput
from handlers.reports.render_html import report_html, show
from handlers.util.periodic import Periodic
from storage.reports import ReportStore
from storage.reports_archive import ReportArchive

log = logging.getLogger(__name__)
SUMMARY_FIGURES = ("complaints", "customers", "first_response_met", "resolution_met",
                   "rating", "solved")


class Poster(Protocol):
    async def post(self, text: str, document: bytes, filename: str) -> None: ...


class GroupPoster:
    """The agents' Telegram group: the summary as a message, then the file."""

    def __init__(self, output: TelegramOutput, chat_id: int) -> None:
        self.output = output
        self.chat_id = chat_id

    async def post(self, text: str, document: bytes, filename: str) -> None:
        await self.output.post_text(self.chat_id, text)
        await self.output.post_document(self.chat_id, document, filename,
                                        caption=filename.removesuffix(".html"))


def summary(report: Report) -> str:
    """A few lines a manager reads in the group before opening the file."""
    p = report.period
    lines = [f"{p.kind.value.capitalize()} report: {p.title}"]
    for key in SUMMARY_FIGURES:
        f = report.figure(key)
        line = f"{f.title}: {show(f.value, f.unit)}"
        if f.previous is not None:
            line += f" ({show(f.previous, f.unit)} the {p.kind.value} before)"
        lines.append(line)
    top = next((t for t in report.tables
                if t.key in ("by_category", "category_by_month", "categories")), None)
    if top is not None and top.rows and top.columns[1].unit is Unit.COUNT:
        lines.append("Most complaints: " + ", ".join(
            f"{r.values[0]} ({r.values[1]})" for r in top.rows[:3]))
    lines.append("The whole report, with its charts and tables, is in the file below.")
    return "\n".join(lines)


class ReportDelivery:
    def __init__(self, reports: ReportStore, archive: ReportArchive,
                 kinds: Sequence[PeriodKind] | Callable[[], Awaitable[Sequence[PeriodKind]]],
                 timezone: str, clock: Callable[[], datetime],
                 poster: Poster | None, *, brand: str = "heard",
                 base: str = "/admin/reports", who: str | None = None) -> None:
        self.reports = reports
        self.archive = archive
        self.kinds = kinds
        self.timezone = timezone
        self.clock = clock
        self.poster = poster
        self.brand = brand
        self.base = base
        self.who = who or f"{socket.gethostname()}:{os.getpid()}"

    async def tick(self) -> list[str]:
        """Send every scheduled report whose period has ended and nobody has claimed; the
        keys of those this process sent."""
        sent = []
        kinds = self.kinds if isinstance(self.kinds, Sequence) else await self.kinds()
        for kind in kinds:
            now = self.clock()
            period = period_at(kind, now, self.timezone).previous()
            entry = await self.archive.claim(kind.value, period.key, self.who, now)
            if entry is None:
                continue
            report = await self.reports.report(period, now)
            html = report_html(report, base=self.base, standalone=True, brand=self.brand)
            text = summary(report)
            if self.poster is not None:
                await self.poster.post(text, html.encode(),
                                       f"complaints-{kind.value}-{period.key}.html")
            await self.archive.sent(entry, text, html, self.clock())
            log.info("report.sent kind=%s period=%s", kind.value, period.key)
            sent.append(f"{kind.value}:{period.key}")
        return sent


class Versions(Protocol):
    async def current(self) -> tuple[int, Bundle]: ...


def bundle_schedule(studio: Versions, setting: Sequence[PeriodKind]
                    ) -> Callable[[], Awaitable[Sequence[PeriodKind]]]:
    """The schedule of the newest published version; the setting while none sets one."""
    async def schedule() -> Sequence[PeriodKind]:
        _, bundle = await studio.current()
        return setting if bundle.report_schedule is None else bundle.report_schedule

    return schedule


REPORT_DELIVERY: web.AppKey[Periodic] = web.AppKey("report_delivery")
