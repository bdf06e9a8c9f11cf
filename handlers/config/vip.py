"""The VIP list as the console sees it: whether a customer's chat is on the list in force,
and marking it from a customer's page (a version of its own, through the studio)."""

from __future__ import annotations

from dialogs.engine import DialogEngine
from handlers.config.studio import Studio


class LiveVip:
    def __init__(self, engine: DialogEngine, studio: Studio) -> None:
        self._engine = engine
        self._studio = studio
        # Marks made here, until the engine runs on the version that holds them: it switches
        # before its next batch of turns, and the page that follows the mark must show it.
        self._marked: dict[str, tuple[bool, int]] = {}

    def __contains__(self, channel: object) -> bool:
        mark = self._marked.get(str(channel))
        if mark is not None and (self._engine.bundle_version or 0) < mark[1]:
            return mark[0]
        vip = self._engine.rules.rules.get("vip") or {}
        return channel in {str(c) for c in vip.get("channels") or ()}

    async def set(self, channel: str, vip: bool, *, actor: str) -> int | None:
        made = await self._studio.set_vip(channel, vip, actor=actor)
        if made is not None:
            self._marked[channel] = (vip, made)
        return made
