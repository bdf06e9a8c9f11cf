"""Sample values to render a template with in the studio: the bundle's own samples for that
template over a set every template may draw on, so a preview reads like a real message."""

from __future__ import annotations

from typing import Any

from dialogs.bundle.model import Bundle

COMMON: dict[str, Any] = {
    "brand": "heard", "name": "Li Wei", "number": "C-20261124-0001", "team": "customer care",
    "due": "Wed 25 Nov, 09:30", "resolve_by": "1 December 2026", "phone": "+8613800138000",
    "example": "138 0013 8000", "can_reply_here": True, "category": "Delivery",
    "agent": "Alice", "position": 2, "opens": "Mon 09:00", "tz": "Beijing time",
}


def sample_values(bundle: Bundle, name: str) -> dict[str, Any]:
    return {**COMMON, **dict(bundle.samples.get(name, {}))}
