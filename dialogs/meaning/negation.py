"""What the customer says it is not: "not quality", "不是退款，是换货", "no, not a refund".

Only the spans are found here; which choice a span names is the classifier's call, so the same
examples serve both ("不是质量问题" names cat.quality through its examples).
"""

from __future__ import annotations

import re

# A negation cue, then what it negates up to the end of the clause or a turn to what it is.
_EN = re.compile(
    r"(?<![a-z'])(?:not|isn't|isnt|wasn't|wasnt|don't want|dont want|do not want|no need for|"
    r"rather than|instead of|not really)\s+(?:a |an |the |about |for |my |any )?"
    r"(?P<what>[a-z][a-z' -]{1,40}?)"
    r"(?=$|[,.;!?]| but | it's | its | it is | i want| i'd| just | rather| please)")
_ZH = re.compile(
    r"(?:不是|并不是|并非|不要|不用|不想要|别(?![的人家处样])|没要)(?P<what>[^，,。；;！!？?\s]{1,14}?)"
    r"(?=$|[，,。；;！!？?\s]|而是|是|要|就|，)")


def negated_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, negated words) for each negated phrase in canonical text; start..end covers
    the cue too, so removing the spans leaves what the customer does mean."""
    spans = [(m.start(), m.end(), m.group("what").strip()) for m in _EN.finditer(text)]
    spans += [(m.start(), m.end(), m.group("what")) for m in _ZH.finditer(text)]
    return sorted(s for s in spans if s[2])


def without_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, _ in spans:
        out.append(text[at:start])
        at = end
    out.append(text[at:])
    return " ".join("".join(out).split())
