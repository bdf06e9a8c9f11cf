"""The draft and the versions: what the draft changes and what its checks find, publishing it
with a note, the published versions, the difference between any two (changed words marked),
a version's preview, rolling back to it, and the audit log."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogs.bundle.diff import ChangeKind, ItemChange, diff
from dialogs.bundle.findings import Report
from dialogs.bundle.validate import validate
from dialogs.bundle.words import word_diff
from dialogs.bundle.yaml_text import dump
from dialogs.preview import samples
from handlers.admin.common import form, me, page, see_other
from handlers.admin.deps import ADMIN
from handlers.config.studio import Refused
from storage.bundles import NoSuchVersion, StaleDraft

MAX_VERSIONS = 200


def shown(changes: list[ItemChange]) -> list[dict[str, Any]]:
    """Each change as the pages show it: a text changed within, word by word; a list as what
    was added and removed; anything else as old → new."""
    out = []
    for c in changes:
        row: dict[str, Any] = {"item": c.item, "kind": str(c.kind), "old": c.old, "new": c.new}
        if c.kind is ChangeKind.CHANGED and isinstance(c.old, str) and isinstance(c.new, str):
            row["pieces"] = word_diff(c.old, c.new)
        elif isinstance(c.old, list) or isinstance(c.new, list):
            row["added"], row["removed"] = c.listed()
        out.append(row)
    return out


async def overview(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    number, current = await deps.studio.current()
    draft, bundle = await deps.studio.draft()
    report = validate(bundle)
    return page(request, "overview.html", number=number, draft=draft,
                changes=shown(diff(current, bundle)), report=report,
                stale=draft.based_on != number,
                versions=(await deps.studio.versions(5)), audit=await deps.audit.entries(8))


async def publish(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    note = (await form(request)).get("note", "")
    try:
        number = await deps.studio.publish_draft(note=note, actor=me(request))
    except Refused as e:
        return await _refused(request, e.report)
    except (StaleDraft, ValueError) as e:
        raise see_other("/admin", f"Not published: {e}.") from None
    raise see_other("/admin", f"Published as version {number}: customers get it from their "
                              "next message.")


async def _refused(request: web.Request, report: Report) -> web.StreamResponse:
    deps = request.app[ADMIN]
    number, current = await deps.studio.current()
    draft, bundle = await deps.studio.draft()
    return page(request, "overview.html", status=422, number=number, draft=draft,
                changes=shown(diff(current, bundle)), report=report,
                stale=draft.based_on != number, versions=await deps.studio.versions(5),
                audit=await deps.audit.entries(8))


async def discard(request: web.Request) -> web.StreamResponse:
    await request.app[ADMIN].studio.discard_draft(actor=me(request))
    raise see_other("/admin", "The draft is discarded: it is the version in force again.")


async def versions(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    listed = await deps.studio.versions(MAX_VERSIONS)
    return page(request, "versions.html", versions=listed)


async def compare(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    try:
        old, new = int(request.query["old"]), int(request.query["new"])
        changes = await deps.studio.compare(old, new)
    except (KeyError, ValueError):
        raise web.HTTPBadRequest(text="Choose two version numbers to compare.") from None
    except NoSuchVersion as e:
        raise web.HTTPNotFound(text=str(e)) from None
    return page(request, "compare.html", old=old, new=new, changes=shown(changes),
                versions=await deps.studio.versions(MAX_VERSIONS))


async def version(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    number = _number(request)
    listed = {v.number: v for v in await deps.studio.versions(MAX_VERSIONS)}
    try:
        bundle = await deps.studio.version(number)
    except NoSuchVersion:
        raise web.HTTPNotFound(text=f"There is no version {number}.") from None
    current, live = await deps.studio.current()
    return page(request, "version.html", info=listed.get(number), number=number,
                current=current, changes=shown(diff(live, bundle)),
                samples=samples().values())


async def export(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    number = _number(request)
    try:
        bundle = await deps.studio.version(number)
    except NoSuchVersion:
        raise web.HTTPNotFound(text=f"There is no version {number}.") from None
    return web.Response(text=dump(bundle), content_type="text/yaml", charset="utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="bundle-v{number}.yaml"'})


async def rollback(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    number = _number(request)
    note = (await form(request)).get("note", "")
    try:
        made = await deps.studio.rollback(number, actor=me(request), note=note)
    except NoSuchVersion:
        raise web.HTTPNotFound(text=f"There is no version {number}.") from None
    except Refused as e:
        return await _refused(request, e.report)
    raise see_other("/admin/versions", f"Version {made} brings back version {number}.")


async def audit(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    before = request.query.get("before")
    entries = await deps.audit.entries(100, int(before) if before and before.isdigit()
                                       else None)
    return page(request, "audit.html", entries=entries)


def _number(request: web.Request) -> int:
    try:
        return int(request.match_info["number"])
    except ValueError:
        raise web.HTTPNotFound(text="No such version.") from None
