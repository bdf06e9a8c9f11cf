"""Benchmark: the reports on a year of complaints (200,000 tickets by default), on SQLite and
on PostgreSQL, through the same ReportStore the web pages and `heard report` use.

    python bench/reports.py [--tickets N] [--postgres-url URL] [--runs R]

The scratch data is inserted in bulk (going through the dialog would measure the seeding):
a realistic mix of categories, teams, channels, languages and priorities; about a third
escalated by a rule, most answered and closed (some late), one in twenty reopened, half of the
closed rated, follow-ups and call-backs. Prints per backend, the best of R runs:
    backend=<name> tickets=<n> report_week_s= report_month_s= report_quarter_s= report_year_s=
The issue's targets on the 2-core machine, SQLite: month under 1 s, year under 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dialogs.reports.periods import PeriodKind, containing
from storage.migrate import upgrade
from storage.reports import ReportStore
from storage.schema import agents, callbacks, conversations, customers, tickets
from storage.store import Store

ZONE = "Asia/Shanghai"
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)
CATEGORIES = {"delivery": "logistics", "quality": "quality", "billing": "finance",
              "attitude": "service", "repair": "after_sales", "other": "customer_care"}
REASONS = ["safety", "public_or_legal", "anger", "large_amount", "repeat_customer",
           "human_request", "vip"]
BATCH = 5000


def _ticket(i: int, rng: random.Random, customer_id: int,
            agent_ids: list[int]) -> dict[str, object]:
    filed = YEAR_START + timedelta(seconds=rng.randrange(365 * 86400))
    category = rng.choices(list(CATEGORIES), weights=[30, 25, 15, 10, 12, 8])[0]
    priority = rng.choices(["P1", "P2", "P3", "P4"], weights=[3, 12, 35, 50])[0]
    escalated = rng.random() < 0.35
    answered = rng.random() < 0.9
    reply_s = int(rng.expovariate(1 / 7200)) if answered else None
    closed = answered and rng.random() < 0.85
    resolved_s = (reply_s or 0) + int(rng.expovariate(1 / 86400)) if closed else None
    reopens = 1 if closed and rng.random() < 0.05 else 0
    rated = closed and rng.random() < 0.5
    product = rng.choice(["Breville kettle", "Midea rice cooker", "iPhone case", None, None])
    return {
        "number": f"C-B{i:09d}", "conversation_id": customer_id, "customer_id": customer_id,
        "status": "closed" if closed else rng.choice(["open", "escalated"]),
        "category": category, "priority": priority, "incomplete": False,
        "description": "bench", "outcome": "refund", "phone": None,
        "slots": {"product": product} if product else {}, "locale": rng.choice(
            ["en", "en", "zh-CN", "zh-TW"]),
        "created_at": filed, "first_response_due": filed + timedelta(hours=4),
        "resolution_due": filed + timedelta(days=7),
        "order_no": f"JD{rng.randrange(150000):08d}" if rng.random() < 0.6 else None,
        "reasons": [], "team": CATEGORIES[category],
        "assigned_agent_id": rng.choice(agent_ids) if answered else None,
        "first_reply_at": filed + timedelta(seconds=reply_s) if reply_s is not None else None,
        "first_reply_s": reply_s, "first_reply_open_s": reply_s // 3 if reply_s else None,
        "first_reply_met": reply_s < 4 * 3600 if reply_s is not None else None,
        "closed_at": filed + timedelta(seconds=resolved_s) if resolved_s else None,
        "resolved_s": resolved_s,
        "resolution_met": resolved_s < 7 * 86400 if resolved_s is not None else None,
        "reopens": reopens, "closed_spell_s": 3600 * reopens,
        "solved": (rng.random() < 0.85) if rated else None,
        "rating": rng.choices([1, 2, 3, 4, 5], weights=[8, 7, 15, 30, 40])[0] if rated else None,
        "reason_tags": f",{rng.choice(REASONS)}," if escalated else None,
        "follow_up_due": filed + timedelta(days=5) if rated else None,
        "followed_up_at": filed + timedelta(days=5, minutes=1) if rated else None,
        "follow_up_held": (rng.random() < 0.9) if rated else None,
    }


async def seed(store: Store, count: int) -> None:
    rng = random.Random(12)
    now = datetime.now(UTC)
    people = max(1, int(count * 0.75))  # a quarter of complaints come from repeat customers
    async with store.engine.begin() as conn:
        await conn.execute(sa.insert(agents), [
            {"name": f"agent{i}", "role": "agent", "team": list(CATEGORIES.values())[i % 6],
             "created_at": now} for i in range(30)])
        agent_ids = list((await conn.execute(sa.select(agents.c.id))).scalars())
        for start in range(0, people, BATCH):
            ids = range(start + 1, min(people, start + BATCH) + 1)
            await conn.execute(sa.insert(customers), [
                {"id": i, "channel": "telegram" if i % 3 else "web", "external_id": str(i),
                 "created_at": now} for i in ids])
            await conn.execute(sa.insert(conversations), [
                {"id": i, "channel": "telegram" if i % 3 else "web", "chat_id": str(i),
                 "customer_id": i, "state": "filed", "slots": {}, "context": {},
                 "locale": "en", "version": 1, "created_at": now, "updated_at": now}
                for i in ids])
        for start in range(0, count, BATCH):
            rows = [_ticket(i, rng, rng.randrange(1, people + 1), agent_ids)
                    for i in range(start, min(count, start + BATCH))]
            await conn.execute(sa.insert(tickets), rows)
        ticket_ids = list((await conn.execute(
            sa.select(tickets.c.id, tickets.c.created_at).where(
                tickets.c.id % 40 == 0))).all())
        await conn.execute(sa.insert(callbacks), [
            {"ticket_id": t.id, "agent": "agent:agent1", "promised_at": t.created_at,
             "due": t.created_at + timedelta(hours=3),
             "done_at": t.created_at + timedelta(hours=rng.choice([2, 4]))}
            for t in ticket_ids])


async def measure(url: str, count: int, runs: int, label: str) -> None:
    store = Store(url)
    try:
        await upgrade(store.engine)
        started = time.perf_counter()
        await seed(store, count)
        seeded = time.perf_counter() - started
        reports = ReportStore(store.read_engine, ZONE)
        now = datetime(2027, 1, 5, tzinfo=UTC)
        day = containing(PeriodKind.DAY, datetime(2026, 11, 18).date(), ZONE).first
        figures = []
        for kind in (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
            period = containing(kind, day, ZONE)
            best = float("inf")
            for _ in range(runs):
                t0 = time.perf_counter()
                report = await reports.report(period, now)
                best = min(best, time.perf_counter() - t0)
            assert report.figure("complaints").value
            figures.append(f"report_{kind.value}_s={best:.3f}")
        print(f"backend={label} tickets={count} seed_s={seeded:.1f} " + " ".join(figures),
              flush=True)
    finally:
        await store.close()


async def scratch_pg(admin_url: str) -> str | None:
    name = f"heard_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except (OSError, sa.exc.SQLAlchemyError) as e:
        print(f"# postgresql: skipped, cannot use the server: {type(e).__name__}",
              file=sys.stderr)
        return None
    finally:
        await admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_pg(admin_url: str, url: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(
                f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.tickets, args.runs,
                      "sqlite")
    if args.postgres_url:
        url = await scratch_pg(args.postgres_url)
        if url is not None:
            try:
                await measure(url, args.tickets, args.runs, "postgresql")
            finally:
                await drop_pg(args.postgres_url, url)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--tickets", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--postgres-url", help="a server to make a scratch database on")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
