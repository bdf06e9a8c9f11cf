"""The complaint dialog's way in: a customer's turn (`turn`) and what agents, timers and
watches do to a conversation (`apply`).

The engine is pure dialog logic. It reads templates through the repository, drives the shared
state machine, and reaches storage only through the `Desk` port, so it runs the same under
every channel and in tests without a network. How a turn goes is in dialogs/turn/.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dialogs.commands import (
    AgentClosed,
    AgentJoined,
    AgentLeft,
    AgentSays,
    CallbackPromised,
    Command,
    Expire,
    FollowUp,
    Progress,
    Remind,
)
from dialogs.conversation import Conversation
from dialogs.emotion import EmotionScorer
from dialogs.escalation import EscalationRules, default_rules
from dialogs.formatting import Formatter
from dialogs.hours import ALWAYS, BusinessHours, parse_hours
from dialogs.meaning import Classifier, Example, load_default_examples
from dialogs.messages import AGENT_TEMPLATE_PREFIX, Inbound, Reply
from dialogs.ports import Desk
from dialogs.slots import SlotExtractor
from dialogs.templates import LOCALES, TemplateRepository
from dialogs.turn.context import render, state_buttons
from dialogs.turn.outcome import TurnOutcome
from dialogs.turn.run import run_turn

if TYPE_CHECKING:
    from dialogs.bundle.behaviour import Behaviour

__all__ = ["DialogEngine", "DialogSettings", "TurnOutcome"]


@dataclass(frozen=True, slots=True)
class DialogSettings:
    brand: str = "heard"
    timezone: str = "UTC"
    default_locale: str = "en"
    welcome_back_minutes: int = 30
    draft_expiry_hours: int = 72
    # Days after a customer confirms a fix, ask whether it held (0: never).
    follow_up_days: int = 3
    # Days after an agent closed a case that the customer may reopen it (0: never).
    reopen_days: int = 7
    # When people are at the desk, in `timezone` (dialogs.hours); always, by default.
    business_hours: str = ALWAYS


class DialogEngine:
    def __init__(self, templates: TemplateRepository, scorer: EmotionScorer,
                 extractor: SlotExtractor, settings: DialogSettings | None = None,
                 rules: EscalationRules | None = None,
                 examples: list[Example] | None = None) -> None:
        # Annotated: dialogs/turn/ reads these through the engine, in an import cycle that
        # leaves mypy unable to infer them.
        self.templates: TemplateRepository = templates
        self.rules: EscalationRules = rules or default_rules()
        self.scorer: EmotionScorer = scorer
        self.extractor: SlotExtractor = extractor
        self.settings: DialogSettings = settings or DialogSettings()
        self.fmt: Formatter = Formatter(templates, self.settings.timezone)
        self.hours: BusinessHours = parse_hours(self.settings.business_hours,
                                                self.settings.timezone)
        # Built when first needed: a running service replaces it with the stored examples'
        # before any turn, and building it costs a tenth of a second.
        self._meaning: Classifier | None = Classifier(examples) if examples else None
        self._labels_cache: dict[str, list[str]] = {}
        self._labels_generation = -1
        # The configuration bundle version in force (None: the shipped defaults, no store),
        # and the teams it names.
        self.bundle_version: int | None = None
        self.teams: frozenset[str] = frozenset(self.rules.teams.values())

    def adopt(self, b: Behaviour) -> None:
        """Run on a published bundle version from the next turn on. Called between turns
        only (the pipeline does, before a batch), so no turn sees two versions."""
        self.templates.replace(b.templates)
        self.templates.compile_all()
        self.meaning = b.classifier
        self.rules = b.rules
        self.hours = b.hours
        self.teams = b.teams
        self.settings = replace(
            self.settings, welcome_back_minutes=b.times.idle_reminder_minutes,
            draft_expiry_hours=b.times.draft_expiry_hours,
            follow_up_days=b.times.follow_up_days, reopen_days=b.times.reopen_days)
        self.bundle_version = b.version

    @property
    def meaning(self) -> Classifier:
        if self._meaning is None:
            self._meaning = Classifier(load_default_examples())
        return self._meaning

    @meaning.setter
    def meaning(self, classifier: Classifier) -> None:
        self._meaning = classifier

    async def turn(self, conv: Conversation, inbound: Inbound, desk: Desk,
                   now: datetime) -> TurnOutcome:
        return await run_turn(self, conv, inbound, desk, now)

    def labels(self, template: str) -> list[str]:
        """A button's label in every locale: what a customer may type to press it."""
        if self._labels_generation != self.templates.generation:
            self._labels_cache.clear()
            self._labels_generation = self.templates.generation
        found = self._labels_cache.get(template)
        if found is None:
            found = self._labels_cache[template] = [
                self.templates.render(template, loc).text for loc in LOCALES]
        return found

    def warm_up(self) -> None:
        """Load lexicons, dictionaries and date parsers now, not on the first customer turn
        (together they take a few seconds)."""
        self.templates.compile_all()
        self.meaning.classify("warm up", ("yes", "no"))
        for text in ("This is terrible, I am furious!!!", "太失望了，质量很差，气死我了"):
            self.scorer.score(text)
        self.extractor.extract("订单 JD20261118001 昨天 ¥299 13800138000", now=datetime.now(UTC),
                               expect="when")
        self.extractor.extract("order JD20261118001 last Tuesday $45", now=datetime.now(UTC))

    def apply(self, conv: Conversation, command: Command) -> list[Reply]:
        """What happens to the conversation when an agent, a timer or a watch acts on it
        (dialogs.commands): the one way such a change enters the dialog."""
        match command:
            case AgentJoined():
                return [self._agent_joined(conv, command.name)]
            case AgentSays(agent, text):
                # The agent's own words, verbatim; the transcript names who wrote them (the
                # login name, in the template) and what the customer saw them signed with.
                return [Reply(text, (), f"{AGENT_TEMPLATE_PREFIX}{agent}", conv.locale,
                              "neutral", 0, shown_name=command.name)]
            case AgentLeft():
                return [self._agent_left(conv, command.name)]
            case AgentClosed(_, resolution):
                return self._agent_closed(conv, command.name, resolution)
            case CallbackPromised(_, due):
                return [render(self.templates, conv, "agent.callback", "neutral", (),
                               agent=command.name, when=self.fmt.when(due, conv.locale))]
            case Progress(number):
                return [render(self.templates, conv, "progress.note", "neutral", (),
                               number=number)]
            case FollowUp(number):
                return self._follow_up(conv, number)
            case Remind():
                return [render(self.templates, conv, "reminder",
                               conv.context.get("tone", "neutral"))]
            case Expire():
                conv.expire()
                return []

    def _agent_joined(self, conv: Conversation, agent: str) -> Reply:
        """An agent took the ticket: from now on the customer talks to them."""
        conv.context["agent"] = agent
        if conv.state == "filed":
            conv.hand_off()
        return render(self.templates, conv, "agent.joined", "neutral", (), agent=agent)

    def _follow_up(self, conv: Conversation, number: str) -> list[Reply]:
        """The call-back after a fix; skipped when the customer is busy with something new."""
        if conv.state != "filed" or conv.context.get("last_ticket") != number:
            return []
        conv.follow_up()
        conv.context["feedback_step"] = "still_fixed"
        return [render(self.templates, conv, "follow_up.ask", "neutral",
                       state_buttons(self.templates, conv), number=number)]

    def _agent_left(self, conv: Conversation, agent: str) -> Reply:
        """The case went back to the queue: the next person to take it will say so."""
        conv.context.pop("agent", None)
        return render(self.templates, conv, "agent.left", "neutral", (), agent=agent)

    def _agent_closed(self, conv: Conversation, agent: str, resolution: str) -> list[Reply]:
        """The agent closed the case: say so, then ask whether it is really solved."""
        conv.context["last_agent"] = conv.context.pop("agent", agent)
        closed = render(self.templates, conv, "agent.closed", "neutral", (), agent=agent,
                        resolution=resolution, number=conv.context.get("last_ticket", ""))
        if conv.state != "handed_off":
            return [closed]
        conv.resolve()
        conv.context["feedback_step"] = "solved"
        return [closed, render(self.templates, conv, "feedback.solved", "neutral",
                               state_buttons(self.templates, conv))]
