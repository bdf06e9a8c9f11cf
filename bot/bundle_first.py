"""Version 1 of the configuration bundle, made at the first start of a database: the shipped
defaults with the settings that used to hold the business hours and the dialog's times, and,
in a database from before bundles, what its admins had stored. Two processes starting at
once both make it; the database keeps one (the bodies are the same)."""

from __future__ import annotations

from datetime import datetime

from bot.settings import Settings
from dialogs.bundle.data import to_data
from dialogs.bundle.model import DialogTimes
from dialogs.bundle.shipped import shipped_bundle, with_stored_edits
from storage.legacy_config import stored_edits
from storage.store import Store


def settings_times(settings: Settings) -> DialogTimes:
    return DialogTimes(idle_reminder_minutes=settings.idle_reminder_minutes,
                       draft_expiry_hours=settings.draft_expiry_hours,
                       follow_up_days=settings.follow_up_days,
                       reopen_days=settings.reopen_days)


async def ensure_first_version(store: Store, settings: Settings, now: datetime) -> bool:
    """Make version 1 unless there is a version; True if this process made it."""
    if await store.bundles.latest_number() is not None:
        return False
    base = shipped_bundle(timezone=settings.timezone, business_hours=settings.business_hours,
                          times=settings_times(settings))
    edits = await stored_edits(store.read_engine)
    edited = bool(edits.templates or edits.examples or edits.escalation)
    bundle = with_stored_edits(base, edits) if edited else base
    note = ("the shipped defaults with the edits stored before versions" if edited
            else "the shipped defaults")
    return await store.bundles.first_version(to_data(bundle), note=note, now=now)
