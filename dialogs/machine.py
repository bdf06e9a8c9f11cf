"""The complaint dialog as data: states and transitions, and the one Machine that serves them all.

No Machine is ever built per conversation: a conversation's state lives in the database, and
its triggers fire the shared machine's events with the conversation as the model (`fire`).
That is what `add_model` would arrange too, but `add_model` binds some forty attributes to the
model on every call (about 0.3 ms, a third of a turn's budget), so the model class declares
its triggers instead and passes itself.
"""

from __future__ import annotations

from typing import Any, Literal

from transitions import Machine
from transitions.extensions import GraphMachine

# Drafts: the customer is still telling us about the complaint.
DRAFT_STATES = [
    "new",
    "listening",
    "categorizing",
    "collecting",
    "choosing_outcome",
    "asking_contact",
    "confirming",
    "choosing_edit",
    "editing",
]
# Closed drafts: a new message there starts over or refers to the filed ticket.
CLOSED_STATES = ["filed", "cancelled", "handed_off", "expired", "feedback"]
STATES = DRAFT_STATES + CLOSED_STATES

# Where a draft goes next is decided by what is still missing, in the playbook's order:
# category, the details it needs, the outcome the customer wants, a way to reach them.
# A correction at the read-back advances too: a new category may need details not yet given.
_ADVANCE_FROM = ["listening", "categorizing", "collecting", "choosing_outcome",
                 "asking_contact", "editing", "cancelled", "confirming", "choosing_edit"]
_ADVANCE: list[dict[str, Any]] = [
    {"trigger": "advance", "source": "cancelled", "dest": "listening", "unless": "has_story"},
    {"trigger": "advance", "source": _ADVANCE_FROM, "dest": "categorizing",
     "unless": "has_category"},
    {"trigger": "advance", "source": _ADVANCE_FROM, "dest": "collecting",
     "unless": "details_complete"},
    {"trigger": "advance", "source": _ADVANCE_FROM, "dest": "choosing_outcome",
     "unless": "has_outcome"},
    {"trigger": "advance", "source": _ADVANCE_FROM, "dest": "asking_contact",
     "unless": "contact_ok"},
    {"trigger": "advance", "source": _ADVANCE_FROM, "dest": "confirming"},
]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "greet", "source": "new", "dest": "listening"},
    *_ADVANCE,
    {"trigger": "confirm", "source": "confirming", "dest": "filed"},
    {"trigger": "edit", "source": "confirming", "dest": "choosing_edit"},
    {"trigger": "pick_field", "source": "choosing_edit", "dest": "editing"},
    {"trigger": "back_to_summary", "source": ["choosing_edit", "editing"], "dest": "confirming"},
    {"trigger": "cancel", "source": DRAFT_STATES, "dest": "cancelled"},
    {"trigger": "restart", "source": STATES, "dest": "listening"},
    {"trigger": "hand_off",
     "source": [*DRAFT_STATES, "cancelled", "expired", "filed", "feedback"],
     "dest": "handed_off"},
    {"trigger": "expire", "source": DRAFT_STATES, "dest": "expired"},
    # An agent closed the case they held: the customer is asked whether it is solved and
    # for a rating; "not solved" gives it back to the same agent, and so does "reopen" typed
    # between complaints within REOPEN_DAYS of the close.
    {"trigger": "resolve", "source": "handed_off", "dest": "feedback"},
    {"trigger": "rated", "source": "feedback", "dest": "filed"},
    {"trigger": "reopen", "source": ["feedback", "filed", "cancelled", "new", "listening"],
     "dest": "handed_off"},
    # Days after a fix: did it hold?
    {"trigger": "follow_up", "source": "filed", "dest": "feedback"},
    {"trigger": "begin_again", "source": CLOSED_STATES, "dest": "listening"},
]

# The model methods the transitions above consult.
CONDITIONS = ("has_story", "has_category", "details_complete", "has_outcome", "contact_ok")

MACHINE_OPTIONS: dict[str, Any] = {
    "states": STATES,
    "transitions": TRANSITIONS,
    "initial": "new",
    "auto_transitions": False,
    "send_event": False,
}

_machine = Machine(model=None, **MACHINE_OPTIONS)


def fire(model: Any, trigger: str) -> bool:
    """Fire `trigger` on the shared machine for `model`, whose `state` came from storage.
    Raises transitions.MachineError when the trigger is not allowed in the model's state."""
    return bool(_machine.events[trigger].trigger(model))


def graph(fmt: str = "mermaid") -> str:
    """The state diagram as Mermaid `stateDiagram-v2` or Graphviz dot text."""
    class _Model:
        """Stands in for a conversation: the diagram names conditions, never evaluates them."""

    engine: Literal["mermaid", "graphviz"] = "mermaid" if fmt == "mermaid" else "graphviz"
    gm = GraphMachine(model=None, graph_engine=engine, show_conditions=True,
                      title="heard: complaint intake", **MACHINE_OPTIONS)
    model = _Model()
    for name in CONDITIONS:
        setattr(model, name, lambda: True)
    gm.add_model(model)
    g = model.get_graph()  # type: ignore[attr-defined]
    return str(g.draw(None) if engine == "mermaid" else g.source)
