"""Benchmark: scripted complaint conversations (mixed zh/en, each to a filed ticket) through the
real engine, pipeline and SQLite (or PostgreSQL) storage.

    python bench/intake.py [--conversations N] [--concurrency C] [--stored S] [--url URL]

Ends with one line:
    turns_per_s=<n> p50_ms=<n> p99_ms=<n> peak_rss_mb=<n> stored_conversations=<n>
Latency is from handing a message to the pipeline until its replies were sent (after commit).
Customers arrive over the first 100 ms (seeded), so at any moment they are at different steps
of their complaint, as real customers are; each then talks without pause.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core import Core, open_core
from bot.settings import load_settings
from dialogs.messages import ConversationKey, Inbound
from handlers.channels.base import CollectingOutputChannel
from storage.schema import conversations, customers, messages, tickets

SCRIPTS = {
    "en": ["My parcel never arrived, order JD20261118{n:05d}",
           "The courier says it was delivered but it was not",
           "that's all", "yes", "yesterday", "Refund", "138 0013 8000", "confirm"],
    "zh": ["我的订单 JD20261118{n:05d} 还没到", "快递说已经签收了，可是我根本没收到",
           "就这些", "对", "昨天", "退款", "13800138000", "确认"],
}


async def prepopulate(core: Core, count: int) -> None:
    """Stored conversations that are not part of the run, each with its transcript and a
    filed ticket, to show that the cost of a turn stays flat as the database grows."""
    now = datetime.now(UTC)
    async with core.store.engine.begin() as conn:
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            await conn.execute(sa.insert(customers), [
                {"channel": "web", "external_id": f"old-{i}", "created_at": now}
                for i in range(start, start + n)])
            first_id = (await conn.execute(
                sa.select(customers.c.id).where(customers.c.external_id == f"old-{start}")
            )).scalar_one()
            await conn.execute(sa.insert(conversations), [
                {"channel": "web", "chat_id": f"old-{i}", "customer_id": first_id + (i - start),
                 "state": "filed", "slots": {"description": ["old complaint"]},
                 "context": {}, "locale": "en", "version": 9, "created_at": now,
                 "updated_at": now}
                for i in range(start, start + n)])
            conv_first = (await conn.execute(
                sa.select(conversations.c.id).where(conversations.c.chat_id == f"old-{start}")
            )).scalar_one()
            await conn.execute(sa.insert(messages), [
                {"conversation_id": conv_first + (i - start), "direction": d, "channel": "web",
                 "chat_id": f"old-{i}", "text": "an old message", "created_at": now}
                for i in range(start, start + n) for d in ("in", "out", "in", "out")])
            await conn.execute(sa.insert(tickets), [
                {"number": f"OLD-20250101-{i:06d}", "conversation_id": conv_first + (i - start),
                 "customer_id": first_id + (i - start), "status": "closed",
                 "description": "old complaint", "slots": {}, "locale": "en",
                 "created_at": now}
                for i in range(start, start + n)])


async def converse(core: Core, n: int, latencies: list[float], tickets: list[str]) -> None:
    lang = "zh" if n % 2 else "en"
    key = ConversationKey("web", f"bench-{n}")
    out = CollectingOutputChannel("web")
    for step, line in enumerate(SCRIPTS[lang]):
        inbound = Inbound(key=key, text=line.format(n=n), update_id=f"b-{n}-{step}")
        t0 = time.perf_counter()
        await core.pipeline.handle(inbound, out)
        latencies.append(time.perf_counter() - t0)
    last = out.sent[-1][1].text
    if "C-" not in last:
        raise RuntimeError(f"conversation {n} did not end with a ticket: {last!r}")
    tickets.append(last)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--conversations", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=18,
                   help="customers talking at the same time")
    p.add_argument("--stored", type=int, default=1000,
                   help="conversations already in the database before the run")
    p.add_argument("--url", help="DATABASE_URL (default: a fresh SQLite file)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        async with open_core(load_settings(DATABASE_URL=url)) as core:
            await prepopulate(core, args.stored)
            latencies: list[float] = []
            tickets: list[str] = []
            queue = iter(range(args.conversations))

            arrivals = random.Random(42)

            async def worker() -> None:
                await asyncio.sleep(arrivals.uniform(0, 0.1))
                for n in queue:
                    await converse(core, n, latencies, tickets)

            t0 = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - t0
            async with core.store.engine.connect() as conn:
                stored = (await conn.execute(
                    sa.select(sa.func.count()).select_from(conversations))).scalar_one()

    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# {len(tickets)} tickets filed, {len(latencies)} turns in {elapsed:.1f}s, "
          f"concurrency {args.concurrency}", file=sys.stderr)
    print(f"turns_per_s={len(latencies) / elapsed:.0f} p50_ms={p50:.1f} p99_ms={p99:.1f} "
          f"peak_rss_mb={rss_mb:.0f} stored_conversations={stored}")


if __name__ == "__main__":
    asyncio.run(main())
