"""The channel-free core: storage, templates, the dialog engine and the turn pipeline.

`build_core` only constructs (no I/O), so the web app can wire routes to it before start-up;
`running` opens it: schema upgrade, template seeding, the pipeline's writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot.bundle_first import ensure_first_version
from bot.settings import Settings
from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine, DialogSettings
from dialogs.slots import SlotExtractor, warm_up
from dialogs.templates import TemplateRepository, load_defaults
from handlers.config.studio import Studio
from handlers.config.watch import BundleWatch
from handlers.live.writer import LiveWriter
from handlers.turns.pipeline import Clock, TurnPipeline, backoff, utcnow
from handlers.util.periodic import Periodic
from storage.checkpoint import INTERVAL_SECONDS as CHECKPOINT_SECONDS
from storage.migrate import upgrade
from storage.news import NoListener, PgListener
from storage.store import Store

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    store: Store
    templates: TemplateRepository
    engine: DialogEngine
    pipeline: TurnPipeline
    clock: Clock
    # The configuration bundle: what keeps this process on the newest version, and the one
    # way to publish a new one.
    watch: BundleWatch
    studio: Studio
    # Tells the other processes sharing the database what changed on tickets here.
    live: LiveWriter


def dialog_settings(settings: Settings) -> DialogSettings:
    return DialogSettings(
        brand=settings.brand,
        timezone=settings.timezone,
        default_locale=settings.default_locale,
        welcome_back_minutes=settings.idle_reminder_minutes,
        draft_expiry_hours=settings.draft_expiry_hours,
        follow_up_days=settings.follow_up_days,
        reopen_days=settings.reopen_days,
        business_hours=settings.business_hours,
    )


def build_core(settings: Settings, *, clock: Clock = utcnow) -> Core:
    store = Store(settings.database_url, ticket_prefix=settings.ticket_prefix,
                  timezone=settings.timezone, default_locale=settings.default_locale)
    defaults = load_defaults()
    templates = TemplateRepository(defaults, defaults)
    engine = DialogEngine(templates, EmotionScorer(), SlotExtractor(settings.phone_region,
                                                                   timezone=settings.timezone),
                          dialog_settings(settings))
    watch = BundleWatch(store.bundles, store.news, engine,
                        interval=settings.bundle_check_seconds)
    pipeline = TurnPipeline(
        store, engine, clock=clock, daily_text_quota=settings.daily_text_quota,
        retry=backoff(settings.failed_turn_tries,
                      timedelta(seconds=settings.failed_turn_retry_seconds)),
        before_batch=watch.ensure_current)
    studio = Studio(store.bundles, clock, published=watch.heard)
    live = LiveWriter(store.live_news, clock)
    pipeline.outbox.subscribe(live.on_events)
    return Core(settings, store, templates, engine, pipeline, clock, watch, studio, live)


@asynccontextmanager
async def running(core: Core, *, migrate: bool = True) -> AsyncIterator[Core]:
    try:
        if migrate:
            await upgrade(core.store.engine)
        if await ensure_first_version(core.store, core.settings, core.clock()):
            log.info("configuration bundle version 1 made from the shipped defaults")
        await core.watch.load_now()
        warm_up()
        core.engine.warm_up()
        # The lexicons and dictionaries loaded above are millions of long-lived objects; a
        # full collection walking them stalls every turn for tens of milliseconds.
        gc.freeze()
        # Left in reverse: the pipeline's last turns drain while their news can still go out.
        async with listening(core.store.news), core.live, core.pipeline, core.watch, \
                Periodic("wal-checkpoint", core.store.checkpoint, CHECKPOINT_SECONDS):
            yield core
    finally:
        await core.store.close()


@asynccontextmanager
async def listening(news: NoListener | PgListener) -> AsyncIterator[None]:
    """The process's one connection hearing other processes (PostgreSQL), for every channel
    registered by then: the bundle watch's and the console's live news."""
    task = asyncio.create_task(news.run(), name="news-listen")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@asynccontextmanager
async def open_core(settings: Settings, *, clock: Clock = utcnow,
                    migrate: bool = True) -> AsyncIterator[Core]:
    async with running(build_core(settings, clock=clock), migrate=migrate) as core:
        yield core
