"""The channel-free core: storage, templates, the dialog engine and the turn pipeline.

`build_core` only constructs (no I/O), so the web app can wire routes to it before start-up;
`running` opens it: schema upgrade, template seeding, the pipeline's writer.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.settings import Settings
from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine, DialogSettings
from dialogs.escalation import EscalationRules, default_data, default_rules
from dialogs.meaning import Classifier, load_default_examples
from dialogs.slots import SlotExtractor, warm_up
from dialogs.templates import TemplateRepository, load_defaults
from handlers.turns.pipeline import Clock, TurnPipeline, backoff, utcnow
from handlers.util.periodic import Periodic
from storage.checkpoint import INTERVAL_SECONDS as CHECKPOINT_SECONDS
from storage.migrate import upgrade
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
    pipeline = TurnPipeline(
        store, engine, clock=clock, daily_text_quota=settings.daily_text_quota,
        retry=backoff(settings.failed_turn_tries,
                      timedelta(seconds=settings.failed_turn_retry_seconds)))
    return Core(settings, store, templates, engine, pipeline, clock)


@asynccontextmanager
async def running(core: Core, *, migrate: bool = True) -> AsyncIterator[Core]:
    try:
        if migrate:
            await upgrade(core.store.engine)
        await core.store.seed_templates(load_defaults(), core.clock())
        core.templates.replace(await core.store.load_templates())
        core.engine.rules = await _escalation_rules(core)
        await core.store.seed_examples(load_default_examples(), core.clock())
        core.engine.meaning = Classifier(await core.store.load_examples()
                                         or load_default_examples())
        warm_up()
        core.engine.warm_up()
        # The lexicons and dictionaries loaded above are millions of long-lived objects; a
        # full collection walking them stalls every turn for tens of milliseconds.
        gc.freeze()
        async with core.pipeline, Periodic("wal-checkpoint", core.store.checkpoint,
                                           CHECKPOINT_SECONDS):
            yield core
    finally:
        await core.store.close()


async def _escalation_rules(core: Core) -> EscalationRules:
    return await stored_escalation_rules(core.store, core.clock())


async def stored_escalation_rules(store: Store, now: datetime) -> EscalationRules:
    """The rules as stored (admins edit them there); the shipped ones if they do not load."""
    await store.seed_config("escalation", default_data(), now)
    stored = await store.load_config("escalation")
    if stored is None:
        return default_rules()
    body, version = stored
    try:
        return EscalationRules.from_data(body)
    except (KeyError, TypeError, ValueError, re.error) as e:
        log.error("stored escalation rules v%d do not load (%s); using the shipped ones",
                  version, e)
        return default_rules()


@asynccontextmanager
async def open_core(settings: Settings, *, clock: Clock = utcnow,
                    migrate: bool = True) -> AsyncIterator[Core]:
    async with running(build_core(settings, clock=clock), migrate=migrate) as core:
        yield core
