"""What the case file's codes mean, in words an agent reads at a glance: why a person was
called in (each escalation rule with its evidence) and what the customer answered after a
close (the rating as stars, solved or not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REASON_NAMES = {
    "human_request": "asked for a person",
    "safety": "safety",
    "public_or_legal": "going public or legal",
    "anger": "angry",
    "upset_streak": "upset for a while",
    "high_amount": "large amount",
    "repeat_complainant": "complains again and again",
    "same_order_again": "same order again",
    "vip": "VIP",
    "outcome_rejected": "turned down the outcome",
    "bot_failing": "the bot was not coping",
}


def reason_name(code: str) -> str:
    return REASON_NAMES.get(code, code.replace("_", " "))


def _quoted(words: Any) -> str:
    if isinstance(words, str):
        return f"“{words}”"
    return ", ".join(f"“{w}”" for w in words or ())


def _evidence(code: str, e: Mapping[str, Any]) -> str:
    if code == "human_request" and e.get("words"):
        return f"they wrote {_quoted(e['words'])}"
    if code in ("safety", "public_or_legal") and e.get("words"):
        return f"words: {_quoted(e['words'])}"
    if code == "anger" and "score" in e:
        return f"anger {e['score']} (the line is {e.get('threshold', '?')})"
    if code == "upset_streak" and "count" in e:
        return f"upset in {e['count']} messages in a row"
    if code == "high_amount" and e.get("amount"):
        over = f", over {e['threshold']}" if e.get("threshold") is not None else ""
        return f"{e['amount']} {e.get('currency') or ''}".strip() + over
    if code == "repeat_complainant" and "tickets" in e:
        return f"{e['tickets']} earlier tickets in {e.get('days', '?')} days"
    if code == "same_order_again" and e.get("ticket"):
        return f"the order was complained about in {e['ticket']}"
    if code == "vip":
        return f"known by their phone {e['phone']}" if e.get("phone") else "known by their chat"
    if code == "outcome_rejected":
        said = e.get("words") or e.get("text")
        after = "after the close, " if e.get("after") == "closed" else ""
        return f"{after}they wrote {_quoted(said)}" if said else after.rstrip(", ")
    if code == "bot_failing":
        parts = []
        if e.get("invalid_in_a_row"):
            parts.append(f"{e['invalid_in_a_row']} answers in a row it could not read")
        if e.get("readback_rejected"):
            parts.append(f"the summary turned down {e['readback_rejected']} times")
        return "; ".join(parts)
    return ", ".join(f"{k} {v}" for k, v in sorted(e.items()) if v not in (None, "", []))


def reason_words(reason: Mapping[str, Any]) -> str:
    """One escalation reason as a sentence: "asked for a person: they wrote “human please”"."""
    code = str(reason.get("reason") or "")
    evidence = reason.get("evidence")
    said = _evidence(code, evidence) if isinstance(evidence, Mapping) else ""
    return f"{reason_name(code)}: {said}" if said else reason_name(code)


def rating_words(rating: int | None, solved: bool | None) -> str:
    """"★ 4/5 — solved", "★ 2/5 — not solved", "solved" or "" when the customer said nothing."""
    parts = []
    if rating is not None:
        parts.append(f"★ {rating}/5")
    if solved is not None:
        parts.append("solved" if solved else "not solved")
    return " — ".join(parts)
