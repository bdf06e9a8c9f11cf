"""What changed between two bundles, item by item: a template in one locale and tone, the
phrases of one meaning in one locale, one rule's setting, one day's hours. Each change has
the old and the new value, so a reviewer reads what a publish or a rollback will do before
it is done."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dialogs.bundle.data import to_data
from dialogs.bundle.model import Bundle

# Items are named by their path, joined with this (names hold dots: "greet.again").
SEPARATOR = "/"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class ItemChange:
    path: tuple[str, ...]
    kind: ChangeKind
    old: Any = None  # None when added
    new: Any = None  # None when removed

    @property
    def item(self) -> str:
        return SEPARATOR.join(self.path)

    @property
    def section(self) -> str:
        return self.path[0]

    def listed(self) -> tuple[list[Any], list[Any]]:
        """For a list (phrases, VIPs, spans): the entries added and the entries removed."""
        old = self.old if isinstance(self.old, list) else []
        new = self.new if isinstance(self.new, list) else []
        return [v for v in new if v not in old], [v for v in old if v not in new]


def diff(old: Bundle, new: Bundle) -> list[ItemChange]:
    """Every item added, removed or changed from `old` to `new`, in the bundle's order."""
    before = dict(items(old))
    after = dict(items(new))
    changes: list[ItemChange] = []
    for path, value in after.items():
        if path not in before:
            changes.append(ItemChange(path, ChangeKind.ADDED, None, value))
        elif before[path] != value:
            changes.append(ItemChange(path, ChangeKind.CHANGED, before[path], value))
    changes += [ItemChange(path, ChangeKind.REMOVED, value, None)
                for path, value in before.items() if path not in after]
    return changes


def items(bundle: Bundle) -> Iterator[tuple[tuple[str, ...], Any]]:
    """The bundle's items: every value that is not itself a mapping, by its path."""
    data = to_data(bundle, compact=False)
    data.pop("format")
    yield from _leaves(data, ())


def _leaves(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            yield from _leaves(v, (*path, str(k)))
    else:
        yield path, value
