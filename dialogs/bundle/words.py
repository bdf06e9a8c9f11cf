"""Which words changed inside a text (a template edited): the pieces the two texts share and
the pieces only one has, so a side-by-side view can mark them. Latin script is compared word
by word, Chinese character by character (it has no spaces between words)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

_TOKENS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+|\s+|[^\w\s]")


class Mark(StrEnum):
    SAME = "same"
    REMOVED = "removed"  # only in the old text
    ADDED = "added"  # only in the new text


@dataclass(frozen=True)
class Piece:
    mark: Mark
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The pieces of both texts in reading order: joining the SAME and REMOVED pieces gives
    `old`, the SAME and ADDED ones `new`."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            _add(pieces, Mark.SAME, "".join(a[i1:i2]))
            continue
        if i2 > i1:
            _add(pieces, Mark.REMOVED, "".join(a[i1:i2]))
        if j2 > j1:
            _add(pieces, Mark.ADDED, "".join(b[j1:j2]))
    return pieces


def _add(pieces: list[Piece], mark: Mark, text: str) -> None:
    if pieces and pieces[-1].mark is mark:
        pieces[-1] = Piece(mark, pieces[-1].text + text)
    else:
        pieces.append(Piece(mark, text))
