"""Benchmark: the console's search on 200,000 tickets, on SQLite and on PostgreSQL, through the
same TicketSearch the /console/search page uses.

    python bench/search.py [--tickets N] [--postgres-url URL] [--runs R]

The scratch data is inserted in bulk (going through the dialog would measure the seeding),
the index written by storage's own SearchIndex: each ticket with a customer (English and
Chinese names), a phone, most with an order number, and four messages (the customer's story
in English, Simplified or Traditional Chinese, the bot's answer, an agent's reply, the
customer's thanks), so everyday words ("parcel", "退款") are in tens of thousands of
transcripts. For each kind of query, R different queries; prints per backend and kind:
    backend=<name> tickets=<n> kind=<number|phone|order|english|chinese|miss> search_ms=<p95>
The issue's target: under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.reports import drop_pg, scratch_pg
from dialogs.search_text import index_terms
from storage.driver import DriverSql
from storage.migrate import upgrade
from storage.schema import conversations, customers, messages, tickets
from storage.search_index import (
    Doc,
    PostgresSearchIndex,
    SearchIndex,
    SqliteSearchIndex,
    ticket_terms,
)
from storage.store import Store

BATCH = 5000
START = datetime(2026, 1, 1, tzinfo=UTC)
SURNAMES = ["王", "李", "張", "刘", "陈", "Smith", "Jones", "Taylor", "Brown", "Wilson"]
GIVEN = ["小明", "伟", "芳", "秀英", "建国", "Anna", "James", "Olivia", "Jack", "Emily"]
PRODUCTS_EN = ["kettle", "rice cooker", "phone case", "headphones", "blender", "vacuum",
               "microwave", "laptop bag", "toaster", "air fryer"]
PRODUCTS_ZH = ["电饭煲", "洗衣机", "耳机", "手机壳", "吹风机", "空气炸锅", "微波炉", "電熱水壺",
               "吸塵器", "烤麵包機"]
STORIES_EN = ["My {p} stopped working after two days and I want a refund",
              "The parcel with my {p} never arrived, the courier says delivered",
              "I was charged twice for the {p}, please fix the bill",
              "The {p} arrived broken and the box was crushed",
              "Your store staff were rude when I returned the {p}"]
STORIES_ZH = ["我买的{p}用了两天就坏了，要求退款", "{p}的快递一直没到，物流显示已签收",
              "{p}被扣了两次钱，请尽快处理", "收到的{p}外壳破了，包装也压坏了",
              "門市店員態度很差，退{p}的時候不理人"]
BOT = ["Thank you. Your complaint is filed; our team will contact you by phone.",
       "感谢您向我们反映这个问题。您的投诉已登记，我们的客服团队会尽快联系您。"]
AGENT = ["Hello, I am sorry about the {p}. We will send a replacement within three days.",
         "您好，关于{p}的问题我们已经安排换货，预计三天内送达。"]
THANKS = ["ok thanks", "好的，谢谢", "謝謝，等你們消息"]


def _rows(i: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any],
                                                 dict[str, Any], list[dict[str, Any]]]:
    zh = rng.random() < 0.5
    product = rng.choice(PRODUCTS_ZH if zh else PRODUCTS_EN)
    story = rng.choice(STORIES_ZH if zh else STORIES_EN).format(p=product)
    filed = START + timedelta(seconds=i * 60)
    number = f"C-{filed:%Y%m%d}-{i:06d}"
    phone = f"+86139{rng.randrange(10**8):08d}"
    name = rng.choice(SURNAMES) + ("" if zh else " ") + rng.choice(GIVEN)
    customer = {"id": i, "channel": "web", "external_id": str(i), "display_name": name,
                "phone": phone, "created_at": filed}
    conversation = {"id": i, "channel": "web", "chat_id": str(i), "customer_id": i,
                    "state": "handed_off", "slots": {}, "context": {"last_ticket": number},
                    "locale": "zh-CN" if zh else "en", "version": 1, "created_at": filed,
                    "updated_at": filed}
    ticket = {"id": i, "number": number, "conversation_id": i, "customer_id": i,
              "status": "open", "priority": "P3", "description": story, "phone": phone,
              "order_no": f"JD{rng.randrange(10**10):010d}" if rng.random() < 0.8 else None,
              "slots": {"product": product}, "locale": conversation["locale"],
              "created_at": filed, "category": "quality"}
    texts = [("in", "listening", story), ("out", "filed", BOT[zh]),
             ("out", "handed_off", AGENT[zh].format(p=product)),
             ("in", "handed_off", rng.choice(THANKS))]
    msgs = [{"id": i * 4 + k, "conversation_id": i, "direction": d, "channel": "web",
             "chat_id": str(i), "text": text, "state": state, "created_at": filed,
             "template": "agent:alice" if k == 2 else None}
            for k, (d, state, text) in enumerate(texts)]
    return customer, conversation, ticket, msgs


async def seed(store: Store, count: int) -> list[dict[str, Any]]:
    rng = random.Random(13)
    kept: list[dict[str, Any]] = []
    for start in range(1, count + 1, BATCH):
        async with store.engine.begin() as conn:
            index: SearchIndex = (SqliteSearchIndex(DriverSql(conn)) if store.is_sqlite
                                  else PostgresSearchIndex(conn))
            made = [_rows(i, rng) for i in range(start, min(count + 1, start + BATCH))]
            await conn.execute(sa.insert(customers), [m[0] for m in made])
            await conn.execute(sa.insert(conversations), [m[1] for m in made])
            await conn.execute(sa.insert(tickets), [m[2] for m in made])
            msgs = [row for m in made for row in m[3]]
            await conn.execute(sa.insert(messages), msgs)
            await index.add_tickets((t["number"], ticket_terms(t, c["display_name"]))
                                    for c, _, t, _ in made)
            await index.add_messages([
                Doc(r["id"], r["conversation_id"], made[r["conversation_id"] - start][2]["number"],
                    index_terms(r["text"])) for r in msgs])
            kept.extend(m[2] for m in made[::997])
    return kept


def _queries(kind: str, sample: list[dict[str, Any]], rng: random.Random,
             runs: int) -> list[str]:
    picks = [rng.choice(sample) for _ in range(runs)]
    if kind == "number":
        return [t["number"] for t in picks]
    if kind == "phone":
        return [t["phone"][3:] for t in picks]  # as dialled at home: 139…
    if kind == "order":
        return [t["order_no"] or "JD0" for t in picks]
    if kind == "english":
        return [rng.choice(["parcel courier", "refund", "rice cooker", "charged twice",
                            "broken box", "rude staff"]) for _ in picks]
    if kind == "chinese":
        return [rng.choice(["退款", "電飯煲", "快递 签收", "态度很差", "空气炸锅", "扣了两次钱"])
                for _ in picks]
    return [rng.choice(["dishwasher", "洗碗机", "C-20991231-000001"]) for _ in picks]


KINDS = ("number", "phone", "order", "english", "chinese", "miss")


async def measure(url: str, count: int, runs: int, label: str) -> None:
    store = Store(url)
    try:
        await upgrade(store.engine)
        t0 = time.perf_counter()
        sample = await seed(store, count)
        if not store.is_sqlite:  # what autovacuum does soon after a load this size
            async with store.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(sa.text("ANALYZE"))
        seeded = time.perf_counter() - t0
        print(f"# {label}: seeded {count} tickets in {seeded:.0f} s", file=sys.stderr,
              flush=True)
        rng = random.Random(5)
        for kind in KINDS:
            times = []
            for query in _queries(kind, sample, rng, runs):
                t0 = time.perf_counter()
                found = await store.search.find(query)
                times.append((time.perf_counter() - t0) * 1000)
                if kind in ("number", "phone", "order") and not query.startswith("JD0"):
                    assert found, f"{kind} {query} found nothing"
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            print(f"backend={label} tickets={count} kind={kind} search_ms={p95:.1f}",
                  flush=True)
    finally:
        await store.close()


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.tickets,
                      args.runs, "sqlite")
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
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--postgres-url", help="a server to make a scratch database on")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
