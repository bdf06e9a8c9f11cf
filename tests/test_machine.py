"""The dialog's state machine as data: one shared machine, legal and illegal transitions."""

from __future__ import annotations

import pytest
from transitions import MachineError

from dialogs import machine
from dialogs.conversation import Conversation
from dialogs.messages import ConversationKey


def conv(state: str, **slots: object) -> Conversation:
    return Conversation(key=ConversationKey("web", "m"), state=state, slots=dict(slots))


def test_transitions_are_plain_data_over_known_states() -> None:
    for t in machine.TRANSITIONS:
        assert set(t) <= {"trigger", "source", "dest", "conditions", "unless"}
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        assert set(sources) <= set(machine.STATES) and t["dest"] in machine.STATES
        for name in [t.get("conditions"), t.get("unless")]:
            assert name is None or name in machine.CONDITIONS


@pytest.mark.parametrize(("slots", "expected"), [
    ({"description": ["x"]}, "categorizing"),
    ({"description": ["x"], "category": "delivery"}, "collecting"),
    ({"description": ["x"], "category": "delivery", "order_no": "A1", "when": None},
     "choosing_outcome"),
    ({"description": ["x"], "category": "other", "when": "2026-11-18", "outcome": "refund"},
     "asking_contact"),
    ({"description": ["x"], "category": "other", "when": None, "outcome": "refund",
      "phone": "+8613800138000"}, "confirming"),
])
def test_advance_goes_to_what_is_missing_first(slots: dict[str, object], expected: str) -> None:
    c = conv("listening", **slots)
    assert c.advance()
    assert c.state == expected


def test_a_cancelled_draft_without_a_story_resumes_listening() -> None:
    c = conv("cancelled")
    c.advance()
    assert c.state == "listening"


def test_the_read_back_leads_to_filing_editing_or_cancelling() -> None:
    for trigger, dest in [("confirm", "filed"), ("edit", "choosing_edit"),
                          ("cancel", "cancelled")]:
        c = conv("confirming")
        getattr(c, trigger)()
        assert c.state == dest


@pytest.mark.parametrize(("state", "trigger"), [
    ("new", "confirm"), ("listening", "confirm"), ("filed", "cancel"), ("filed", "edit"),
    ("expired", "expire"), ("handed_off", "hand_off"),
])
def test_illegal_triggers_raise_and_change_nothing(state: str, trigger: str) -> None:
    c = conv(state)
    with pytest.raises(MachineError):
        getattr(c, trigger)()
    assert c.state == state


def test_restart_and_hand_off_work_from_every_draft_state() -> None:
    for state in machine.DRAFT_STATES:
        c = conv(state)
        c.restart()
        assert c.state == "listening"
        c = conv(state)
        c.hand_off()
        assert c.state == "handed_off"


def test_one_machine_serves_every_conversation() -> None:
    a, b = conv("listening", description=["x"]), conv("confirming")
    a.advance()
    b.confirm()
    assert (a.state, b.state) == ("categorizing", "filed")
    assert machine._machine.models == []  # nothing attached per conversation


def test_the_diagram_exports_as_mermaid_and_dot() -> None:
    mermaid = machine.graph("mermaid")
    assert "stateDiagram-v2" in mermaid and "confirming --> filed: confirm" in mermaid
    dot = machine.graph("dot")
    assert dot.startswith("digraph") and "handed_off" in dot
