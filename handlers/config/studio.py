"""The one way a bundle version is made: checked first, then published (or rolled back to),
with its diff against what is in force, its note, its author and its audit entry. The CLI
(`heard config`) and the admin pages both go through here, so neither can publish a bundle
that validation refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from dialogs.bundle.data import from_data, to_data
from dialogs.bundle.diff import ItemChange, diff
from dialogs.bundle.findings import Report
from dialogs.bundle.model import Bundle
from dialogs.bundle.validate import validate
from storage.bundles import BundleStore, Draft, NoSuchVersion, VersionInfo

Clock = Callable[[], datetime]
MAX_NOTE = 500


class Refused(Exception):
    """Validation refused the bundle; nothing was changed."""

    def __init__(self, report: Report) -> None:
        super().__init__("; ".join(str(f) for f in report.refusals))
        self.report = report


@dataclass(frozen=True)
class Checked:
    """What publishing `bundle` would do: the findings, and every change from `base`."""

    bundle: Bundle
    report: Report
    base: int
    changes: list[ItemChange]


class Studio:
    def __init__(self, bundles: BundleStore, clock: Clock,
                 published: Callable[[int], None] = lambda number: None) -> None:
        self.bundles = bundles
        self.clock = clock
        # Told of each version this process publishes (the watch, so it applies at once).
        self.published = published

    async def current(self) -> tuple[int, Bundle]:
        stored = await self.bundles.latest()
        if stored is None:
            raise NoSuchVersion("no version yet: the service has not started once")
        return stored.info.number, from_data(stored.body)

    async def version(self, number: int) -> Bundle:
        stored = await self.bundles.version(number)
        if stored is None:
            raise NoSuchVersion(f"no version {number}")
        return from_data(stored.body)

    async def versions(self, limit: int = 100) -> list[VersionInfo]:
        return await self.bundles.versions(limit)

    async def compare(self, old: int, new: int) -> list[ItemChange]:
        return diff(await self.version(old), await self.version(new))

    async def check(self, bundle: Bundle) -> Checked:
        base, current = await self.current()
        return Checked(bundle, validate(bundle), base, diff(current, bundle))

    async def publish(self, bundle: Bundle, *, note: str, actor: str,
                      based_on: int | None = None) -> int:
        """Publish `bundle` as the next version unless validation refuses it (Refused);
        with `based_on`, unless another version was published since (StaleDraft)."""
        note = _note(note)
        report = validate(bundle)
        if not report.ok:
            raise Refused(report)
        number = await self.bundles.publish(to_data(bundle), note=note, actor=actor,
                                            now=self.clock(), based_on=based_on)
        self.published(number)
        return number

    async def rollback(self, to: int, *, actor: str, note: str = "") -> int:
        """A new version with version `to`'s content, checked like any other publish (a
        newer release may need what an old version lacks)."""
        old = await self.version(to)
        report = validate(old)
        if not report.ok:
            raise Refused(report)
        number = await self.bundles.rollback(to, actor=actor, now=self.clock(),
                                             note=_note(note or f"rollback to version {to}"))
        self.published(number)
        return number

    async def set_vip(self, channel: str, vip: bool, *, actor: str) -> int | None:
        """Put a customer's chat on the VIP list (or take it off) from the console, as a
        version of its own; None when it already was (or was not). An admin's draft in
        progress gets the same change and moves onto the new version, so its publish is not
        refused as stale and the change is not undone by it."""
        number, current = await self.current()
        if (channel in current.vip.channels) == vip:
            return None
        draft = await self.bundles.draft()
        made = await self.publish(_with_vip(current, channel, vip), actor=actor,
                                  note=f"{'VIP' if vip else 'no longer VIP'}: {channel}",
                                  based_on=number)
        if draft.edited_by is not None and draft.based_on == number:
            edited = _with_vip(from_data(draft.body), channel, vip)
            await self.bundles.save_draft(to_data(edited), based_on=made, actor=actor,
                                          now=self.clock())
        return made

    # --- the draft -------------------------------------------------------------------------
    async def draft(self) -> tuple[Draft, Bundle]:
        draft = await self.bundles.draft()
        return draft, from_data(draft.body)

    async def save_draft(self, bundle: Bundle, *, based_on: int, actor: str) -> Report:
        """Keep the admin's work (even with refusals: they fix it next); its findings."""
        await self.bundles.save_draft(to_data(bundle), based_on=based_on, actor=actor,
                                      now=self.clock())
        return validate(bundle)

    async def publish_draft(self, *, note: str, actor: str) -> int:
        draft, bundle = await self.draft()
        return await self.publish(bundle, note=note, actor=actor, based_on=draft.based_on)

    async def discard_draft(self, *, actor: str) -> bool:
        return await self.bundles.discard_draft(actor=actor, now=self.clock())


def _with_vip(bundle: Bundle, channel: str, vip: bool) -> Bundle:
    channels = tuple(c for c in bundle.vip.channels if c != channel)
    return replace(bundle, vip=replace(bundle.vip,
                                       channels=(*channels, channel) if vip else channels))


def _note(note: str) -> str:
    """Why a version was made: said by whoever made it, in a line."""
    note = " ".join(note.split())
    if not note:
        raise ValueError("say in a few words why (the note is what the versions list shows)")
    return note[:MAX_NOTE]
