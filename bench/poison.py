"""Soak: honest customers beside one that keeps sending input the database cannot hold.

    python bench/poison.py [--seconds S] [--honest N] [--url URL]

The real composed app (create_app) on a real port: N honest web chat visitors and N customers
on the pipeline's Telegram path complain and answer without pause, while poisoners (fresh
visitor cookies, reconnecting when closed) send frames carrying lone surrogates and NUL as
fast as the web chat lets them. Ends with one line:
    honest_turns=<n> honest_failed=<n> honest_p99_ms=<n> poison_frames=<n> poison_answered=<n>
    log_lines_per_s=<n>
and exits 1 when any honest turn failed. Before the fix, every turn that shared a batch with a
poison frame failed, and the log grew by thousands of lines a second.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import io
import logging
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import CORE, create_app
from bot.logs import configure
from bot.settings import load_settings
from dialogs.messages import ConversationKey, Inbound
from handlers.channels.base import CollectingOutputChannel

STORY = "My parcel never arrived, order JD2026111800{n}; the courier says it was delivered"
ANSWERS = ["that's all", "yes", "yesterday", "Refund", "138 0013 8000", "confirm"]
POISON = ['{"type": "text", "text": "\\ud800 parcel \\u0000 %d", "id": "ID"}',
          '{"type": "text", "text": "\\u0000\\udfff late again %d", "id": "ID"}']


class Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines = 0
        self.by_logger: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += 1
        self.by_logger[record.name] += 1


async def web_customer(base: str, stop: float, latencies: list[float],
                       failed: list[str]) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        async with s.get(base + "/chat"):
            pass
        ws = await s.ws_connect(base + "/chat/ws", headers={"Origin": base})
        await ws.receive()  # history
        n = 0
        while time.monotonic() < stop:
            text = STORY.format(n=n % 10) if n % 7 == 0 else ANSWERS[n % 7 - 1]
            n += 1
            mid = f"m-{uuid.uuid4()}"
            t0 = time.perf_counter()
            await ws.send_json({"type": "text", "text": text, "id": mid})
            while True:
                frame = (await ws.receive(timeout=30)).json()
                if frame["type"] == "error" and frame.get("code") == "slow_down":
                    await asyncio.sleep(0.5)
                    await ws.send_json({"type": "text", "text": text, "id": mid})
                elif frame["type"] == "error":
                    failed.append(frame.get("code", "?"))
                    break
                elif frame["type"] == "ack" and frame["id"] == mid:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    break
            await asyncio.sleep(0.25)  # within the web chat's flood allowance
        await ws.close()


async def pipeline_customer(app: web.Application, name: str, stop: float,
                            latencies: list[float], failed: list[str]) -> None:
    """The path a Telegram update takes once stored: straight into the pipeline."""
    core = app[CORE]
    out = CollectingOutputChannel("telegram")
    key = ConversationKey("telegram", name)
    n = 0
    while time.monotonic() < stop:
        text = STORY.format(n=n % 10) if n % 7 == 0 else ANSWERS[n % 7 - 1]
        n += 1
        t0 = time.perf_counter()
        before = len(out.sent)
        try:
            await core.pipeline.handle(Inbound(key, text, update_id=f"{name}-{n}",
                                               user_id=name, identified=True), out)
        except Exception:
            failed.append("telegram")
            continue
        templates = [r.template for _, r in out.sent[before:]]
        if not templates or "error" in templates or "error.kept" in templates:
            failed.append("telegram")
        latencies.append((time.perf_counter() - t0) * 1000)
        out.clear()
        await asyncio.sleep(0.05)


async def _count_replies(ws: aiohttp.ClientWebSocketResponse, answered: list[int]) -> None:
    async for msg in ws:
        if msg.type is aiohttp.WSMsgType.TEXT and msg.json()["type"] == "reply":
            answered.append(1)


async def poisoner(base: str, stop: float, sent: list[int], answered: list[int]) -> None:
    n = 0
    while time.monotonic() < stop:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
            async with s.get(base + "/chat"):
                pass
            ws = await s.ws_connect(base + "/chat/ws", headers={"Origin": base})

            reader = asyncio.create_task(_count_replies(ws, answered))
            with contextlib.suppress(ConnectionError, RuntimeError):
                while time.monotonic() < stop and not ws.closed:
                    n += 1
                    frame = POISON[n % 2].replace("ID", f"m-{uuid.uuid4()}") % n
                    await ws.send_str(frame)
                    sent.append(1)
                    await asyncio.sleep(0.01)
            await ws.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def main(seconds: float, honest: int, url: str | None) -> int:
    counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(DATABASE_URL=url or f"sqlite+aiosqlite:///{tmp}/soak.db",
                                 WEB_SECRET="bench-poison-web-secret-0123456789abcdef")
        # As `heard run` logs (levels, quiet libraries), counted instead of printed.
        logging.getLogger().removeHandler(configure(settings, stream=io.StringIO()))
        logging.getLogger().addHandler(counter)
        app = create_app(settings, scheduler_interval=3600)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        stop = time.monotonic() + seconds
        latencies: list[float] = []
        failed: list[str] = []
        sent: list[int] = []
        answered: list[int] = []
        lines_before = counter.lines
        started = time.monotonic()
        try:
            await asyncio.gather(
                *(web_customer(base, stop, latencies, failed) for _ in range(honest)),
                *(pipeline_customer(app, f"tg-{i}", stop, latencies, failed)
                  for i in range(honest)),
                *(poisoner(base, stop, sent, answered) for _ in range(2)))
        finally:
            elapsed = time.monotonic() - started
            await runner.cleanup()
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0.0
    print(f"honest_turns={len(latencies)} honest_failed={len(failed)} "
          f"honest_p99_ms={p99:.1f} poison_frames={len(sent)} poison_answered={len(answered)} "
          f"log_lines_per_s={(counter.lines - lines_before) / elapsed:.1f}")
    print("log lines by logger:", ", ".join(f"{name} {n}" for name, n
                                            in counter.by_logger.most_common(5)))
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--honest", type=int, default=8)
    parser.add_argument("--url", help="DATABASE_URL (default: a scratch SQLite file)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.seconds, args.honest, args.url)))
