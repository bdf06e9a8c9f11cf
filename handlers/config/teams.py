"""The teams of the bundle version in force, as the desk and the console see them: a live
view, so a team added by a publish can be transferred to without a restart."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from dialogs.engine import DialogEngine


class LiveTeams(Collection[str]):
    def __init__(self, engine: DialogEngine) -> None:
        self._engine = engine

    def __contains__(self, team: object) -> bool:
        return team in self._engine.teams

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._engine.teams))

    def __len__(self) -> int:
        return len(self._engine.teams)
