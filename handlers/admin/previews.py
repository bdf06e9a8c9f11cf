"""Engines for the studio's previews: the dialog as a draft or any published version would
run it, next to the live one and never instead of it. Building one means building its
classifier (a few tenths of a second) unless its phrases are those of the last one built, so
they are built in a thread and the last few are kept."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable

from dialogs.bundle.behaviour import Behaviour, build
from dialogs.bundle.model import Bundle
from dialogs.engine import DialogEngine, DialogSettings
from dialogs.templates import TemplateRepository, load_defaults

KEEP = 4


class PreviewEngines:
    def __init__(self, live: DialogEngine) -> None:
        self._live = live
        self._engines: OrderedDict[Hashable, DialogEngine] = OrderedDict()
        self._last: Behaviour | None = None
        self._lock = asyncio.Lock()

    async def engine(self, key: Hashable, bundle: Bundle, version: int) -> DialogEngine:
        """The engine for `bundle` (`version`: what its replies record, 0 for a draft); `key`
        names it (a version's number, or the draft's last edit) so it is built once."""
        async with self._lock:
            found = self._engines.get(key)
            if found is not None:
                self._engines.move_to_end(key)
                return found
            made = await asyncio.to_thread(self._make, bundle, version)
            self._engines[key] = made
            while len(self._engines) > KEEP:
                self._engines.popitem(last=False)
            return made

    def _make(self, bundle: Bundle, version: int) -> DialogEngine:
        behaviour = build(bundle, version, self._last)
        self._last = behaviour
        defaults = load_defaults()
        live = self._live
        # The live engine's lexicons and parsers are shared: they are not in the bundle.
        e = DialogEngine(TemplateRepository(defaults, defaults), live.scorer, live.extractor,
                         DialogSettings(**{f: getattr(live.settings, f)
                                           for f in DialogSettings.__dataclass_fields__}))
        e.adopt(behaviour)
        return e
