"""A published bundle version in force: from the next turn, without a restart; what a refused
or broken version does; the version each reply and ticket records; version 1 of a database
from before bundles, with its admins' edits (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.core import Core, open_core
from dialogs.bundle.data import to_data
from dialogs.bundle.model import DialogTimes, Locale, Tone
from dialogs.messages import ConversationKey
from handlers.config.studio import Refused
from storage.migrate import upgrade
from storage.schema import config_documents, phrase_examples, templates, tickets
from storage.store import Store
from tests.conftest import Clock, Customer, make_settings
from tests.e2e_support import wait_for
from tests.test_dialog_flow import TICKET, file_delivery_complaint

GREETING = "Hello, this is the new greeting. What happened?"


async def publish_greeting(core: Core, text: str = GREETING) -> int:
    _, bundle = await core.studio.current()
    by_locale = {**bundle.templates["greet"], Locale.EN: {Tone.NEUTRAL: text}}
    return await core.studio.publish(
        replace(bundle, templates={**bundle.templates, "greet": by_locale}),
        note="new greeting", actor="admin")


async def test_a_publish_is_in_force_from_the_next_turn(core: Core) -> None:
    assert core.engine.bundle_version == 1
    first = Customer(core, "2001")
    await first.says("hello")
    assert first.templates == ["greet"] and GREETING not in first.text
    number = await publish_greeting(core)
    assert number == 2
    c = Customer(core, "2002")
    await c.says("hello")
    assert c.text.startswith(GREETING)
    assert core.engine.bundle_version == 2
    # The transcript says which version of the template spoke.
    [_, reply] = await core.store.transcript(c.key)
    assert (reply["template"], reply["template_version"]) == ("greet", 2)
    # A rollback is a new version, in force at once too.
    assert await core.studio.rollback(1, actor="admin") == 3
    d = Customer(core, "2003")
    await d.says("hello")
    assert GREETING not in d.text and core.engine.bundle_version == 3


async def hand_over(c: Customer) -> str:
    await c.says("My parcel never arrived")
    await c.says("human please")
    number = TICKET.search(c.text)
    assert number, c.text
    return number.group(0)


async def test_a_ticket_records_the_version_it_was_filed_under(core: Core) -> None:
    before = await file_delivery_complaint(Customer(core, "3001"))
    await publish_greeting(core)
    after = await hand_over(Customer(core, "3002"))
    async with core.store.read_engine.connect() as conn:
        rows = dict((await conn.execute(sa.select(tickets.c.number, tickets.c.bundle_version)
                                        .where(tickets.c.number.in_([before, after])))).all())
    assert rows == {before: 1, after: 2}


async def test_dialog_times_and_teams_follow_the_bundle(core: Core) -> None:
    _, bundle = await core.studio.current()
    await core.studio.publish(
        replace(bundle, times=DialogTimes(idle_reminder_minutes=5, draft_expiry_hours=2,
                                          follow_up_days=0, reopen_days=1),
                teams=(*bundle.teams, "night_shift")),
        note="times", actor="admin")
    await Customer(core).says("hello")
    s = core.engine.settings
    assert (s.welcome_back_minutes, s.draft_expiry_hours, s.follow_up_days,
            s.reopen_days) == (5, 2, 0, 1)
    assert "night_shift" in core.engine.teams


async def test_a_refused_bundle_changes_nothing(core: Core) -> None:
    _, bundle = await core.studio.current()
    broken = replace(bundle, templates={**bundle.templates, "greet": {
        **bundle.templates["greet"], Locale.EN: {Tone.NEUTRAL: "Hello {{ name"}}})
    with pytest.raises(Refused) as e:
        await core.studio.publish(broken, note="typo", actor="admin")
    assert [f.item for f in e.value.report.refusals] == ["templates/greet/en/neutral"]
    assert await core.store.bundles.latest_number() == 1
    with pytest.raises(ValueError, match="why"):
        await core.studio.publish(bundle, note="  ", actor="admin")


async def test_a_version_that_does_not_load_leaves_the_one_in_force(
        core: Core, caplog: pytest.LogCaptureFixture) -> None:
    # Not through the studio (it would refuse it): as if written by a buggy release.
    await core.store.bundles.publish({"format": 1, "templates": {}}, note="bad", actor="x",
                                     now=core.clock())
    await core.watch.check()
    with caplog.at_level(logging.ERROR):
        c = Customer(core)
        await c.says("hello")
    assert c.templates == ["greet"] and core.engine.bundle_version == 1
    assert "bundle version 2 does not load" in caplog.text
    # A good one after it is taken up (the broken one cannot be edited: from version 1).
    good = await core.studio.version(1)
    await core.studio.publish(replace(good, templates={**good.templates, "greet": {
        **good.templates["greet"], Locale.EN: {Tone.NEUTRAL: GREETING}}}),
        note="fixed", actor="admin")
    d = Customer(core, "4002")
    await d.says("hello")
    assert d.text.startswith(GREETING) and core.engine.bundle_version == 3


async def test_a_version_published_by_another_process_is_looked_up(sqlite_url: str,
                                                                   clock: Clock) -> None:
    async with open_core(make_settings(sqlite_url, BUNDLE_CHECK_SECONDS="0.05"),
                         clock=clock) as core:
        other = Store(sqlite_url)  # what another process holds: its own engines
        try:
            _, bundle = await core.studio.current()
            by_locale = {**bundle.templates["greet"], Locale.EN: {Tone.NEUTRAL: GREETING}}
            await other.bundles.publish(
                to_data(replace(bundle, templates={**bundle.templates, "greet": by_locale})),
                note="elsewhere", actor="admin", now=clock())
        finally:
            await other.close()
        await wait_for(lambda: core.watch.latest == 2, what="the look at the newest version")
        c = Customer(core)
        await c.says("hello")
        assert c.text.startswith(GREETING)


# --- a database from before bundles ---------------------------------------------------------

async def old_database(url: str) -> None:
    """A database at migration 0014 whose admins edited the stored configuration."""
    store = Store(url)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    try:
        await upgrade(store.engine, "0014")
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(templates), [
                {"name": "greet", "locale": "en", "tone": "neutral", "version": 3,
                 "source": "Hi {{ brand }} here, edited by an admin. What happened?",
                 "updated_at": now, "updated_by": "admin"},
                {"name": "greet", "locale": "zh-CN", "tone": "neutral", "version": 1,
                 "source": "an old release's seeded text", "updated_at": now,
                 "updated_by": "defaults"}])
            await conn.execute(sa.insert(phrase_examples), [
                {"meaning": "human", "locale": "en", "text": "fetch the duty manager",
                 "within": True, "updated_at": now, "updated_by": "admin"},
                {"meaning": "cat.delivery", "locale": "en", "text": "the drone dropped it",
                 "within": False, "updated_at": now, "updated_by": "admin"}])
            from dialogs.escalation import default_data

            doc = default_data()
            doc["rules"]["high_amount"]["threshold"]["CNY"] = 100
            doc["rules"]["vip"]["channels"] = ["telegram:777"]
            doc["teams"]["delivery"] = "logistics_east"
            del doc["rules"]["outcome_rejected"]  # an old document, from before this rule
            await conn.execute(sa.insert(config_documents).values(
                name="escalation", body=doc, version=2, updated_at=now, updated_by="admin"))
    finally:
        await store.close()


async def test_an_old_databases_edits_become_version_one(database_url: str,
                                                         clock: Clock) -> None:
    await old_database(database_url)
    async with open_core(make_settings(database_url), clock=clock) as core:
        [v1] = await core.studio.versions()
        assert v1.number == 1 and "edits" in v1.note
        _, b = await core.studio.current()
        assert b.templates["greet"][Locale.EN][Tone.NEUTRAL].startswith("Hi {{ brand }} here")
        # A seeded row is no edit: the shipped text of this release.
        assert "old release" not in b.templates["greet"][Locale.ZH_CN][Tone.NEUTRAL]
        assert "fetch the duty manager" in b.examples["human"].phrases[Locale.EN]
        assert b.examples["human"].within
        assert "the drone dropped it" in b.categories["delivery"].examples[Locale.EN]
        assert b.rules["high_amount"]["threshold"]["CNY"] == 100
        assert "outcome_rejected" in b.rules  # shipped later: kept
        assert b.vip.channels == ("telegram:777",)
        assert b.categories["delivery"].team == "logistics_east"
        assert "logistics_east" in b.teams
        c = Customer(core, "777")
        await c.says("hello")
        assert c.text.startswith("Hi heard here, edited by an admin.")
    # A restart makes no second version 1, nor a version 2.
    async with open_core(make_settings(database_url), clock=clock) as core:
        assert [v.number for v in await core.studio.versions()] == [1]


async def test_old_rules_that_do_not_load_give_way_to_the_shipped_ones(
        sqlite_url: str, clock: Clock) -> None:
    store = Store(sqlite_url)
    try:
        await upgrade(store.engine, "0014")
        async with store.engine.begin() as conn:
            await conn.execute(sa.insert(config_documents).values(
                name="escalation", body={"rules": "oops"}, version=3,
                updated_at=datetime(2026, 10, 1, tzinfo=UTC), updated_by="admin"))
    finally:
        await store.close()
    async with open_core(make_settings(sqlite_url), clock=clock) as core:
        _, b = await core.studio.current()
        assert b.rules["high_amount"]["threshold"]["CNY"] == 5000
        c = Customer(core)
        await c.says("My parcel never arrived")
        assert await c.state() == "listening"


async def test_version_one_takes_the_hours_and_times_from_the_settings(
        sqlite_url: str, clock: Clock) -> None:
    settings = make_settings(sqlite_url, BUSINESS_HOURS="Mon-Fri 09:00-18:00",
                             HEARD_TIMEZONE="Asia/Shanghai", IDLE_REMINDER_MINUTES="45",
                             REOPEN_DAYS="3")
    async with open_core(settings, clock=clock) as core:
        _, b = await core.studio.current()
        assert b.hours.timezone == "Asia/Shanghai"
        assert [s.text() for s in b.hours.week["mon"]] == ["09:00-18:00"]
        assert b.hours.week["sun"] == ()
        assert (b.times.idle_reminder_minutes, b.times.reopen_days) == (45, 3)
        assert not core.engine.hours.always
        assert core.engine.settings.welcome_back_minutes == 45
        assert ConversationKey("web", "x")  # the engine runs: a turn goes through
        await Customer(core).says("hello")
