"""The agents' grammar, read the same by the Telegram agents' group and the console."""

from __future__ import annotations

import pytest

from handlers.agents.grammar import (
    AGENT_NAME,
    GRAMMAR,
    HELP,
    TargetKind,
    TransferTarget,
    TypedCommand,
    Verb,
    take_button,
    take_pressed,
    usage,
)


def test_the_help_lists_every_command_as_it_is_written() -> None:
    assert set(GRAMMAR) == set(Verb)
    for verb in GRAMMAR:
        assert verb is Verb.HELP or usage(verb) in HELP
    assert usage(Verb.CLOSE) == "/close <ticket> <resolution>"
    assert usage(Verb.QUEUE) == "/queue [all]"


@pytest.mark.parametrize(("text", "verb", "rest"), [
    ("/take C-20261124-0001", Verb.TAKE, "C-20261124-0001"),
    ("/Reply@HeardBot c-20261124-0001  hello", Verb.REPLY, "c-20261124-0001  hello"),
    ("/queue", Verb.QUEUE, ""),
    ("/help me", Verb.HELP, "me"),
])
def test_a_command_is_its_word_and_what_follows(text: str, verb: Verb, rest: str) -> None:
    assert TypedCommand.parse(text) == TypedCommand(verb, rest)


@pytest.mark.parametrize("text", ["/start", "take C-20261124-0001", "//take x",
                                  "/take\nC-20261124-0001", "/", "hello"])
def test_other_words_are_no_command(text: str) -> None:
    assert TypedCommand.parse(text) is None


def test_the_ticket_is_named_or_the_topics() -> None:
    named = TypedCommand.parse("/reply c-20261124-0001  hi there")
    assert named is not None
    assert named.ticket() == ("C-20261124-0001", " hi there")  # the text as typed
    assert named.ticket(default="C-20261124-0009") == ("C-20261124-0001", " hi there")
    bare = TypedCommand.parse("/reply  hi there ")
    assert bare is not None
    assert bare.ticket() is None
    assert bare.ticket(default="C-20261124-0009") == ("C-20261124-0009", "hi there")


def test_every_team() -> None:
    assert TypedCommand(Verb.QUEUE, " ALL ").every_team
    assert not TypedCommand(Verb.QUEUE, "logistics").every_team


def test_transfer_targets_typed_and_chosen() -> None:
    teams = {"logistics", "finance"}
    assert TransferTarget.typed("Logistics", teams) == TransferTarget(TargetKind.TEAM,
                                                                      "logistics")
    assert TransferTarget.typed("bob.k", teams) == TransferTarget(TargetKind.AGENT, "bob.k")
    assert TransferTarget.typed("bob k", teams) is None
    chosen = TransferTarget.from_form("agent:bob")
    assert chosen == TransferTarget(TargetKind.AGENT, "bob")
    assert chosen.form_value == "agent:bob"
    assert TransferTarget.from_form("team:finance") == TransferTarget(TargetKind.TEAM, "finance")
    for bad in ("team:", "agent:", "agent:x y", "boss:bob", "bob"):
        assert TransferTarget.from_form(bad) is None


def test_agent_names() -> None:
    assert AGENT_NAME.fullmatch("alice_2.b-c")
    for bad in ("a", "x y", "a" * 65, "ålice"):
        assert not AGENT_NAME.fullmatch(bad)


def test_the_take_button() -> None:
    assert take_pressed(take_button("C-20261124-0001")) == "C-20261124-0001"
    assert take_pressed("take:") == ""
    assert take_pressed("open:C-20261124-0001") is None
