"""The quarterly review's action plan: a problem someone owns, by a date, and how far it got.
Items not done or dropped are carried into the next quarter's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Status(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"

    @property
    def open(self) -> bool:
        return self in (Status.PLANNED, Status.IN_PROGRESS)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class ActionItem:
    id: int
    quarter: str  # raised in: 2026-Q1
    problem: str
    owner: str
    due: date
    status: Status
