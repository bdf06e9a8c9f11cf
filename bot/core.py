"""The channel-free core: storage, templates, the dialog engine and the turn pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.settings import Settings
from dialogs.emotion import EmotionScorer
from dialogs.engine import DialogEngine, DialogSettings
from dialogs.slots import SlotExtractor, warm_up
from dialogs.templates import TemplateRepository, load_defaults
from handlers.pipeline import Clock, TurnPipeline, utcnow
from storage.migrate import upgrade
from storage.store import Store


@dataclass
class Core:
    settings: Settings
    store: Store
    templates: TemplateRepository
    engine: DialogEngine
    pipeline: TurnPipeline


def dialog_settings(settings: Settings) -> DialogSettings:
    return DialogSettings(
        brand=settings.brand,
        timezone=settings.timezone,
        default_locale=settings.default_locale,
        first_response_hours=settings.first_response_hours,
        welcome_back_minutes=settings.idle_reminder_minutes,
        draft_expiry_hours=settings.draft_expiry_hours,
    )


@asynccontextmanager
async def open_core(settings: Settings, *, clock: Clock = utcnow,
                    migrate: bool = True) -> AsyncIterator[Core]:
    store = Store(settings.database_url, ticket_prefix=settings.ticket_prefix,
                  timezone=settings.timezone, default_locale=settings.default_locale)
    try:
        if migrate:
            await upgrade(store.engine)
        defaults = load_defaults()
        await store.seed_templates(defaults, clock())
        templates = TemplateRepository(await store.load_templates(), defaults)
        warm_up()
        engine = DialogEngine(templates, EmotionScorer(), SlotExtractor(settings.phone_region),
                              dialog_settings(settings))
        async with TurnPipeline(store, engine, clock=clock) as pipeline:
            yield Core(settings, store, templates, engine, pipeline)
    finally:
        await store.close()
