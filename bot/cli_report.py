"""`heard report --period day|week|month|quarter|year [--date D] --format html|csv|json|pdf
[--out FILE]`: a report as a file, from the same queries and renderers as the web pages."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from dialogs.reports.periods import PeriodKind

FORMATS = ("html", "csv", "json", "pdf")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report", help="a complaint review as a file: the day's call-backs, the week's "
                       "complaints, the month's, quarter's or year's review")
    report.add_argument("--period", required=True, choices=[k.value for k in PeriodKind])
    report.add_argument("--date", help="a day inside the period, or the period itself "
                                       "(2026-03-31, 2026-03, 2026-Q1, 2026-W14, 2026); "
                                       "default: the period before the current one")
    report.add_argument("--format", choices=FORMATS, default="html")
    report.add_argument("--out", type=Path, help="write here (default: standard output; "
                                                 "pdf needs --out)")
    report.add_argument("--base-url", default="/admin/reports",
                        help="where the numbers' links lead, e.g. "
                             "https://desk.example.com/admin/reports")


async def run(database_url: str, timezone: str, brand: str,
              args: argparse.Namespace) -> tuple[int, str | bytes]:
    """(exit code, the report or what went wrong)."""
    from dialogs.reports.periods import parse_period, period_at
    from storage.migrate import upgrade
    from storage.reports import ReportStore
    from storage.store import Store

    kind = PeriodKind(args.period)
    now = datetime.now(UTC)
    try:
        period = (parse_period(kind, args.date, timezone) if args.date
                  else period_at(kind, now, timezone).previous())
    except ValueError as e:
        return 2, f"heard: --date: {e}"
    if args.format == "pdf" and args.out is None:
        return 2, "heard: a PDF needs --out FILE"
    store = Store(database_url)
    try:
        await upgrade(store.engine)
        report = await ReportStore(store.read_engine, timezone).report(period, now)
    finally:
        await store.close()
    return 0, render(report, args.format, args.base_url, brand)


def render(report: object, fmt: str, base: str, brand: str) -> str | bytes:
    from dialogs.reports.model import Report
    from handlers.reports.render_data import report_csv, report_data
    from handlers.reports.render_html import report_html

    assert isinstance(report, Report)
    if fmt == "json":
        return json.dumps(report_data(report, base), ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        return report_csv(report)
    html = report_html(report, base=base, standalone=True, brand=brand)
    if fmt == "pdf":
        from handlers.reports.pdf import pdf

        return pdf(html)
    return html
