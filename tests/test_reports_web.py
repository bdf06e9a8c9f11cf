"""The reports over real HTTP on the composed app: only supervisors and admins (agents 403,
nobody logged in goes to the login form and comes back), every format agreeing with the page
and its charts, drill-down links to exactly their tickets, the action plan carried over; and
one supervisor in headless Chromium who opens the month, sees a chart and clicks a number."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, expect

from dialogs.reports.periods import PeriodKind
from handlers.reports.delivery import ReportDelivery
from storage.reports import ReportStore
from storage.reports_archive import ReportArchive
from tests import browser_support
from tests.conftest import Clock
from tests.console_support import PASSWORD, ConsoleClient, add_agent
from tests.e2e_support import RunningApp, running_app
from tests.report_support import SETTINGS, ZONE, Year, build_year, local

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Refreshed in docs/ only on request, like the console's (HEARD_UPDATE_SCREENSHOT=1).
README_SHOT = (ROOT / "docs" / "screenshot-reports.png"
               if os.environ.get("HEARD_UPDATE_SCREENSHOT") else ARTIFACTS / "report-month.png")
MONTH = "/admin/reports/month/2026-03"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[RunningApp, Year]]:
    clock = Clock(datetime(2025, 3, 1, tzinfo=UTC))
    async with running_app(tmp_path, clock, **SETTINGS) as running:
        year = await build_year(running.core, clock)
        await add_agent(running, "sam", "supervisor", team=None)
        await add_agent(running, "ann", "agent")
        yield running, year


async def client(running: RunningApp, name: str) -> ConsoleClient:
    c = ConsoleClient(running)
    status, _, _ = await c.login(name)
    assert status == 200
    return c


async def test_only_supervisors_and_admins_read_reports(
        served: tuple[RunningApp, Year]) -> None:
    running, _ = served
    anonymous = ConsoleClient(running)
    status, _, path = await anonymous.get(MONTH)
    assert (status, path) == (200, "/console/login")  # the login form, which brings them back
    await anonymous.post("/console/login", {"name": "sam", "password": PASSWORD,
                                            "next": MONTH})
    status, body, path = await anonymous.get(MONTH)
    assert (status, path) == (200, MONTH) and "March 2026" in body
    await anonymous.close()

    ann = await client(running, "ann")
    status, _, _ = await ann.get(MONTH)
    assert status == 403
    status, _, _ = await ann.get("/admin/reports/tickets?period=2026-03")
    assert status == 403
    await ann.close()


async def test_the_page_its_exports_and_its_charts_agree(
        served: tuple[RunningApp, Year]) -> None:
    running, year = served
    sam = await client(running, "sam")
    async with sam.http.get(running.url(MONTH)) as r:
        page = await r.text()
        csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script" not in page and "<svg" in page and " style=" not in page

    _, body, _ = await sam.get(MONTH + "?format=json")
    data = json.loads(body)
    by_category = next(t for t in data["tables"] if t["key"] == "by_category")
    rows = {r[0]: r[1:3] for r in by_category["rows"]}
    assert rows == {"quality": [2, 0], "billing": [1, 0], "delivery": [1, 1]}

    _, text, _ = await sam.get(MONTH + "?format=csv&table=by_category")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["Category", "March 2026", "February 2026", "Change"]
    assert {r[0]: [int(r[1]), int(r[2])] for r in parsed[1:]} == rows
    _, whole, _ = await sam.get(MONTH + "?format=csv")
    assert "# by_category: Complaints by category" in whole and text in whole

    # The chart draws the same numbers: its printed values, in the table's order.
    section = page[page.index('id="by_category"'):page.index('id="by_team"')]
    svg = section[section.index("<svg"):section.index("</svg>")]
    printed = [int(v) for v in re.findall(r'<text [^>]*class="value">(\d+)<', svg)]
    assert sorted(printed) == sorted(v for pair in rows.values() for v in pair)

    # Each number links to its tickets, and the list holds that many.
    link = re.search(r'<a href="(/admin/reports/tickets\?category=quality&amp;period=2026-03)"',
                     section)
    assert link, section[:2000]
    _, listing, _ = await sam.get(unescape(link.group(1)))
    assert listing.count('href="/console/tickets/C-') == 2 and "2 tickets" in listing
    assert year.numbers["T4"] in listing and year.numbers["T5"] in listing
    _, listed_csv, _ = await sam.get(unescape(link.group(1)) + "&format=csv")
    assert len(list(csv.reader(io.StringIO(listed_csv)))) == 3

    async with sam.http.get(running.url(MONTH + "?format=pdf")) as r:
        assert r.status == 200 and (await r.read()).startswith(b"%PDF")
    _, definitions, _ = await sam.get("/admin/reports/definitions")
    assert "How each number is counted" in definitions and "bot" in definitions
    await sam.close()


async def test_the_action_plan_is_written_in_the_page_and_carried_over(
        served: tuple[RunningApp, Year]) -> None:
    running, _ = served
    sam = await client(running, "sam")
    await sam.get("/admin/reports/quarter/2026-Q1")
    status, body, path = await sam.post("/admin/reports/actions", {
        "quarter": "2026-Q1", "problem": "Breville kettles leak", "owner": "Quality lead",
        "due": "2026-05-31"})
    assert status == 200 and path == "/admin/reports/quarter/2026-Q1"
    assert "Breville kettles leak" in body
    status, _, _ = await sam.post("/admin/reports/actions", {
        "quarter": "2026-Q1", "problem": "x", "owner": "y", "due": "2026-05-31"}, csrf="bad")
    assert status == 403

    _, q2, _ = await sam.get("/admin/reports/quarter/2026-Q2")
    assert "Breville kettles leak" in q2  # carried into the next quarter
    item = re.search(r'action="/admin/reports/actions/(\d+)"', q2)
    assert item
    await sam.post(f"/admin/reports/actions/{item.group(1)}", {"status": "done",
                                                               "back": "2026-Q2"})
    _, q2, _ = await sam.get("/admin/reports/quarter/2026-Q2?format=json")
    actions = next(t for t in json.loads(q2)["tables"] if t["key"] == "actions")
    assert actions["rows"] == [["Breville kettles leak", "Quality lead", "2026-05-31", "done",
                                "2026-Q1"]]
    _, q3, _ = await sam.get("/admin/reports/quarter/2026-Q3?format=json")
    assert next(t for t in json.loads(q3)["tables"] if t["key"] == "actions")["rows"] == []
    await sam.close()


async def test_a_sent_report_is_in_the_archive(served: tuple[RunningApp, Year]) -> None:
    running, _ = served
    clock = Clock(local(2026, 4, 1, 0, 5))
    store = running.core.store
    delivery = ReportDelivery(ReportStore(store.read_engine, ZONE), ReportArchive(store.engine),
                              [PeriodKind.MONTH], ZONE, clock, None)
    assert await delivery.tick() == ["month:2026-03"]
    sam = await client(running, "sam")
    _, listing, _ = await sam.get("/admin/reports/archive")
    found = re.search(r'href="/admin/reports/archive/(\d+)">month 2026-03<', listing)
    assert found and "Complaints: 4" in listing
    async with sam.http.get(running.url(f"/admin/reports/archive/{found.group(1)}")) as r:
        assert "sandbox" in r.headers["Content-Security-Policy"]
        assert "Month report: March 2026" in await r.text()
    await sam.close()


@pytest.mark.browser
async def test_a_supervisor_opens_the_month_sees_a_chart_and_clicks_through(
        served: tuple[RunningApp, Year]) -> None:
    running, year = served
    errors: list[str] = []
    async with browser_support.chromium() as browser:
        page = await (await browser.new_context()).new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(message.text)

        page.on("console", on_console)
        await page.goto(running.url(MONTH))
        await page.get_by_label("Name").fill("sam")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.locator("h1")).to_have_text("Month report: March 2026")
        chart = page.locator("#by_category svg")
        await expect(chart).to_be_visible()
        box = await chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        README_SHOT.parent.mkdir(exist_ok=True)
        await page.set_viewport_size({"width": 1100, "height": 1300})
        shot = await page.screenshot(path=str(README_SHOT), full_page=False)
        assert len(shot) > 20_000  # figures, a chart and tables, not a blank page

        await page.locator("#by_category tbody tr", has_text="quality").get_by_role(
            "link", name="2").first.click()
        await expect(page.locator("h1")).to_have_text("2 tickets")
        await expect(page.locator("#tickets tbody tr")).to_have_count(2)
        await expect(page.locator("#tickets")).to_contain_text(year.numbers["T5"])
    assert errors == []
