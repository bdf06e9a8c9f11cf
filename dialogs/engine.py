"""One customer turn of the complaint dialog: from an inbound message to the replies.

The engine is pure dialog logic. It reads templates through the repository, drives the shared
state machine, and reaches storage only through the `Desk` port, so it runs the same under
every channel and in tests without a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dialogs import intents
from dialogs.categories import infer_category
from dialogs.choices import DETAIL_SLOTS, choices_for, parse_payload, payload, typed_choice
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
from dialogs.emotion import Emotion, EmotionScorer
from dialogs.escalation import (
    EscalationRules,
    Hit,
    default_rules,
    more_urgent,
    signals_for,
    top_priority,
)
from dialogs.events import Escalated, Relayed, Reopened, ReopenWhy, TurnEvent
from dialogs.formatting import Formatter
from dialogs.hours import ALWAYS, parse_hours
from dialogs.language import detect_locale, locale_from_language_code, to_simplified
from dialogs.machine import CLOSED_STATES, DRAFT_STATES
from dialogs.messages import Attachment, Button, Inbound, Reply
from dialogs.ports import Desk, ReopenedTicket, TicketDraft, TicketInfo
from dialogs.slots import (
    SlotExtractor,
    clean,
    normalize,
    parse_amount,
    parse_order_no,
    parse_phone,
    parse_when,
)
from dialogs.templates import LOCALES, TemplateRepository

# Description lines are kept in the record up to this size; the transcript keeps everything.
MAX_STORY_LINE = 2_000
MAX_STORY_LINES = 20
LONG_MESSAGE = 4_000


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


@dataclass
class TurnOutcome:
    replies: list[Reply] = field(default_factory=list)
    emotion: Emotion | None = None
    kept_attachments: tuple[Attachment, ...] = ()
    # What the turn did that others must hear of once it is committed: a ticket escalated,
    # reopened, or words for the agents (dialogs.events).
    events: list[TurnEvent] = field(default_factory=list)


class DialogEngine:
    def __init__(self, templates: TemplateRepository, scorer: EmotionScorer,
                 extractor: SlotExtractor, settings: DialogSettings | None = None,
                 rules: EscalationRules | None = None) -> None:
        self.templates = templates
        self.rules = rules or default_rules()
        self.scorer = scorer
        self.extractor = extractor
        self.settings = settings or DialogSettings()
        self.fmt = Formatter(templates, self.settings.timezone)
        self.hours = parse_hours(self.settings.business_hours, self.settings.timezone)
        self._labels_cache: dict[str, list[str]] = {}
        self._labels_generation = -1

    async def turn(self, conv: Conversation, inbound: Inbound, desk: Desk,
                   now: datetime) -> TurnOutcome:
        return await _Turn(self, conv, inbound, desk, now).run()

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
        for text in ("This is terrible, I am furious!!!", "太失望了，质量很差，气死我了"):
            self.scorer.score(text)
        self.extractor.extract("订单 JD20261118001 昨天 ¥299 13800138000", now=datetime.now(UTC),
                               expect="when")
        self.extractor.extract("order JD20261118001 last Tuesday $45", now=datetime.now(UTC))

    def apply(self, conv: Conversation, command: Command) -> list[Reply]:
        """What happens to the conversation when an agent, a timer or a watch acts on it
        (dialogs.commands): the one way such a change enters the dialog."""
        match command:
            case AgentJoined(agent):
                return [self._agent_joined(conv, agent)]
            case AgentSays(agent, text):
                # The agent's own words, verbatim; the transcript names who wrote them.
                return [Reply(text, (), f"agent:{agent}", conv.locale, "neutral", 0)]
            case AgentLeft(agent):
                return [self._agent_left(conv, agent)]
            case AgentClosed(agent, resolution):
                return self._agent_closed(conv, agent, resolution)
            case CallbackPromised(agent, due):
                return [_render(self, conv, "agent.callback", "neutral", (), agent=agent,
                                when=self.fmt.when(due, conv.locale))]
            case Progress(number):
                return [_render(self, conv, "progress.note", "neutral", (), number=number)]
            case FollowUp(number):
                return self._follow_up(conv, number)
            case Remind():
                return [_render(self, conv, "reminder", conv.context.get("tone", "neutral"))]
            case Expire():
                conv.expire()
                return []

    def _agent_joined(self, conv: Conversation, agent: str) -> Reply:
        """An agent took the ticket: from now on the customer talks to them."""
        conv.context["agent"] = agent
        if conv.state == "filed":
            conv.hand_off()
        return _render(self, conv, "agent.joined", "neutral", (), agent=agent)

    def _follow_up(self, conv: Conversation, number: str) -> list[Reply]:
        """The call-back after a fix; skipped when the customer is busy with something new."""
        if conv.state != "filed" or conv.context.get("last_ticket") != number:
            return []
        conv.follow_up()
        conv.context["feedback_step"] = "still_fixed"
        return [_render(self, conv, "follow_up.ask", "neutral", self_buttons(self, conv),
                        number=number)]

    def _agent_left(self, conv: Conversation, agent: str) -> Reply:
        """The case went back to the queue: the next person to take it will say so."""
        conv.context.pop("agent", None)
        return _render(self, conv, "agent.left", "neutral", (), agent=agent)

    def _agent_closed(self, conv: Conversation, agent: str, resolution: str) -> list[Reply]:
        """The agent closed the case: say so, then ask whether it is really solved."""
        conv.context["last_agent"] = conv.context.pop("agent", agent)
        closed = _render(self, conv, "agent.closed", "neutral", (), agent=agent,
                         resolution=resolution, number=conv.context.get("last_ticket", ""))
        if conv.state != "handed_off":
            return [closed]
        conv.resolve()
        conv.context["feedback_step"] = "solved"
        return [closed, _render(self, conv, "feedback.solved", "neutral",
                                self_buttons(self, conv))]


def self_buttons(engine: DialogEngine, conv: Conversation) -> tuple[Button, ...]:
    """The buttons of the conversation's current state, in its locale."""
    return tuple(Button(engine.templates.render(c.label_template, conv.locale).text,
                        payload(conv, c)) for c in choices_for(conv))


def _render(engine: DialogEngine, conv: Conversation, template: str, tone: str,
            buttons: tuple[Button, ...] = (), /, **data: Any) -> Reply:
    r = engine.templates.render(template, conv.locale, tone, **data)
    return Reply(r.text, buttons, r.record.name, r.record.locale, r.record.tone, r.record.version)


class _Turn:
    """The working state of one turn; discarded afterwards."""

    def __init__(self, engine: DialogEngine, conv: Conversation, inbound: Inbound, desk: Desk,
                 now: datetime) -> None:
        self.e = engine
        self.conv = conv
        self.inbound = inbound
        self.desk = desk
        self.now = now
        self.text = normalize(inbound.text or "")  # for understanding
        self.words = clean(inbound.text or "")  # for keeping, as the customer wrote it
        self.tone = "neutral"
        self.out = TurnOutcome()
        self.acknowledged = False
        self.asked: str | None = None
        self.order_at_start = conv.slots.get("order_no")
        self.refused: tuple[str, ...] = ()

    # --- speaking --------------------------------------------------------------------------
    def say(self, template: str, buttons: tuple[Button, ...] = (), /, **data: Any) -> None:
        self.out.replies.append(_render(self.e, self.conv, template, self.tone, buttons, **data))

    def label(self, template: str) -> str:
        return self.e.templates.render(template, self.conv.locale).text

    def buttons(self) -> tuple[Button, ...]:
        return tuple(Button(self.label(c.label_template), payload(self.conv, c))
                     for c in choices_for(self.conv))

    def acknowledge(self) -> None:
        """An upset customer hears that before being asked anything."""
        if self.tone != "neutral" and not self.acknowledged:
            self.acknowledged = True
            last = self.conv.context.get("tone", "neutral")
            turns_since = self.conv.context.get("turns_since_empathy", 99)
            if last != self.tone or turns_since >= 3:
                self.conv.context["turns_since_empathy"] = 0
                self.say("empathy")

    def story_acknowledged(self) -> None:
        """The story acknowledgements come in tones of their own: no separate empathy line."""
        self.acknowledged = True
        if self.tone != "neutral":
            self.conv.context["turns_since_empathy"] = 0

    def prompt(self) -> None:
        """Ask what the current state needs next, with its buttons."""
        c = self.conv
        s = c.state
        b = self.buttons()
        if s == "listening":
            self.say("restarted" if not c.has_story() else "ack.more", b)
        elif s == "categorizing":
            guess = c.context.get("category_guess")
            self.say("ask.category", b, guess=self.label(f"category.{guess}") if guess else None)
        elif s == "collecting":
            self.say(f"ask.{c.missing_detail()}", b)
        elif s == "choosing_outcome":
            self.say("ask.outcome", b)
        elif s == "asking_contact":
            self.say("ask.contact", b, can_reply_here=c.identified)
        elif s == "confirming":
            self.say("summary", b, fields=self.e.fmt.summary_fields(c))
        elif s == "choosing_edit":
            self.say("ask.edit_field", b)
        elif s == "editing":
            f = c.context.get("edit_field")
            name = {"category": "ask.category", "outcome": "ask.outcome",
                    "phone": "ask.contact", "description": "ask.edit.description"}.get(
                str(f), f"ask.{f}")
            self.say(name, b, can_reply_here=c.identified)
        elif s == "feedback":
            step = c.context.get("feedback_step")
            self.say({"score": "feedback.rating", "still_fixed": "follow_up.ask"}.get(
                str(step), "feedback.solved"), b, number=c.context.get("last_ticket", ""))
        elif s in ("filed", "handed_off"):
            self.say("closed.prompt", b, number=c.context.get("last_ticket", ""))
        elif s == "cancelled":
            self.say("cancelled", b)

    # --- the turn ----------------------------------------------------------------------------
    async def run(self) -> TurnOutcome:
        c = self.conv
        self._settle_locale()
        if self.text:
            emotion = self.e.scorer.score(self.text, c.locale)
            self.out.emotion = emotion
            self.tone = emotion.tone
            c.context["upset_streak"] = (c.context.get("upset_streak", 0) + 1
                                         if emotion.tone != "neutral" else 0)
        pressed = self._pressed()
        if pressed == "stale":
            self.say("stale_button")
            self.prompt()
            return self._finish()

        if c.state == "expired":
            self.say("expired", hours=self.e.settings.draft_expiry_hours)
            c.reset()
            c.begin_again()
            if not self.text or self._is_greeting():
                self.say("restarted")
                return self._finish()
        elif (c.state in DRAFT_STATES and c.state != "new"
              and c.context.get("last_seen")
              and self.now - datetime.fromisoformat(c.context["last_seen"])
              > timedelta(minutes=self.e.settings.welcome_back_minutes)):
            self.say("welcome_back", name=c.display_name)

        if not pressed and self.text and await self._global_intent():
            return self._finish()
        if self._attachments_only():
            return self._finish()
        if not pressed and not self.text:
            self.say("empty")
            self.prompt()
            return self._finish()
        if len(self.inbound.text) > LONG_MESSAGE:
            self.say("long_message")

        # What was asked is fixed before extraction fills slots from this very answer.
        self.asked = c.missing_detail() if c.state == "collecting" else None
        if c.state in DRAFT_STATES and not pressed:
            self._extract_slots()
        handler = getattr(self, f"_on_{c.state}")
        mark = len(self.out.replies)
        before = (self.acknowledged, c.context.get("turns_since_empathy"))
        await handler(pressed)
        hits = await self._escalation_hits(asked=False)
        if hits:
            # A person takes over: what this turn would have said and asked is dropped, and
            # the acknowledgement is said afresh, ahead of the hand-over.
            del self.out.replies[mark:]
            self.acknowledged = before[0]
            if before[1] is None:
                c.context.pop("turns_since_empathy", None)
            else:
                c.context["turns_since_empathy"] = before[1]
            await self._escalate(hits)
        return self._finish()

    def _finish(self) -> TurnOutcome:
        ctx = self.conv.context
        ctx["last_seen"] = self.now.isoformat()
        if self.text:
            ctx["tone"] = self.tone
            ctx["turns_since_empathy"] = ctx.get("turns_since_empathy", 99) + (
                0 if self.acknowledged else 1)
        return self.out

    # --- understanding ------------------------------------------------------------------------
    def _settle_locale(self) -> None:
        c = self.conv
        if c.state == "new" and "locale_set" not in c.context:
            c.locale = (locale_from_language_code(self.inbound.language_code)
                        or detect_locale(self.text) or self.e.settings.default_locale)
            c.context["locale_set"] = True
        if c.context.get("locale_locked") or not self.text:
            return
        seen = detect_locale(self.text)
        if seen is None or seen == c.locale:
            return
        if seen.startswith("zh") and c.locale.startswith("zh"):
            # Most Chinese text reads the same in both scripts; switch only on clear evidence.
            if seen == "zh-TW" and to_simplified(self.text) == self.text:
                return
            if seen == "zh-CN" and to_simplified(self.text) != self.text:
                return
        if seen == "en" and len(self.text.split()) < 3:
            return  # "ok", "yes" or an order number say nothing about the language
        c.locale = seen

    def _pressed(self) -> str | None:
        """The choice of a pressed button or its typed equivalent; "stale" for an old one."""
        data = self.inbound.callback_data
        if data is not None:
            parsed = parse_payload(data)
            valid = {ch.value for ch in choices_for(self.conv)}
            if parsed is None or parsed[0] != self.conv.state or parsed[1] not in valid:
                return "stale"
            return parsed[1]
        if not self.text:
            return None
        labels = self._labels()
        return typed_choice(self.conv, self.text, labels)

    def _labels(self) -> dict[str, list[str]]:
        return {ch.value: self.e.labels(ch.label_template) for ch in choices_for(self.conv)}

    def _is_greeting(self) -> bool:
        return intents.is_("greeting", self.text)

    async def _global_intent(self) -> bool:
        c = self.conv
        t = self.text
        if intents.is_("human", t):
            await self._escalate(await self._escalation_hits(asked=True))
            return True
        lang = intents.language_choice(t)
        if lang:
            c.locale = lang
            c.context["locale_locked"] = True
            self.say("language.switched")
            self.prompt()
            return True
        if intents.is_("help", t):
            self.say("help")
            self.prompt()
            return True
        if intents.is_("restart", t):
            c.reset()
            c.restart()
            self.say("restarted")
            return True
        if intents.is_("cancel", t):
            if c.state in DRAFT_STATES and c.state != "new":
                c.cancel()
                self.prompt()
            else:
                self.say("nothing_to_cancel")
                self.prompt()
            return True
        reopen = intents.is_("reopen", t)
        if reopen and self._may_reopen():
            await self._reopen_asked()
            return True
        # "reopen C-…" is never a status query, even where it cannot reopen anything.
        query = None if reopen else intents.status_query(t)
        if query is not None:
            await self._status(query.number)
            self.prompt()
            return True
        cmd = intents.command_word(t)
        if cmd is not None and not (cmd == "/start" and c.state == "new"):
            self.say("unknown_command", command=cmd)
            self.prompt()
            return True
        return False

    def _attachments_only(self) -> bool:
        """Photos and files join the complaint; other media get a clear answer."""
        atts = self.inbound.attachments
        if not atts:
            return False
        kept = tuple(a for a in atts if a.keepable)
        self.out.kept_attachments = kept
        if kept:
            self.conv.slots["attachments"] = self.conv.slots.get("attachments", 0) + len(kept)
        for a in atts:
            kind = self.label(f"kind.{a.kind}") if self.e.templates.has(f"kind.{a.kind}") \
                else self.label("kind.other")
            self.say("attachment.kept" if a.keepable else "attachment.unsupported", kind=kind)
        if self.text:
            return False
        self.prompt()
        return True

    def _extract_slots(self) -> None:
        """Facts mentioned anywhere fill empty slots, so they are never asked for again."""
        c = self.conv
        expect = c.missing_detail() if c.state == "collecting" else None
        if c.state == "editing":
            return
        found = self.e.extractor.extract(self.text, now=self.now, expect=expect)
        slots = c.slots
        if found.phone and "phone" not in slots:
            slots["phone"] = found.phone
        if found.order_no and "order_no" not in slots:
            slots["order_no"] = found.order_no
        if found.amount is not None and "amount" not in slots:
            slots["amount"] = str(found.amount)
            slots["currency"] = found.currency
        if found.when and "when" not in slots:
            slots["when"] = found.when.isoformat()

    # --- states ---------------------------------------------------------------------------
    async def _on_new(self, pressed: str | None) -> None:
        c = self.conv
        c.greet()
        self.say("greet", name=c.display_name, brand=self.e.settings.brand)
        if not self._is_greeting() and self.text:
            self._add_story()
            self.story_acknowledged()
            self.say("ack.story", self.buttons())

    async def _on_listening(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "done":
            if not c.has_story():
                self.say("need.story")
                return
            self._advance()
            return
        if self._is_greeting() and not c.has_story():
            self.say("restarted")
            return
        first = not c.has_story()
        self._add_story()
        self.story_acknowledged()
        self.say("ack.story" if first else "ack.more", self.buttons())

    async def _on_categorizing(self, pressed: str | None) -> None:
        c = self.conv
        guess = c.context.get("category_guess")
        if pressed and pressed.startswith("cat."):
            c.slots["category"] = pressed[4:]
        elif guess and intents.is_("yes", self.text):
            c.slots["category"] = guess
        elif cat := infer_category(self.text):
            c.slots["category"] = cat
        else:
            self._invalid("category", count=len(choices_for(c)))
            return
        self._advance()

    async def _on_collecting(self, pressed: str | None) -> None:
        slot = self.asked
        assert slot is not None
        if pressed == "dont_know":
            self.conv.slots[slot] = None
        elif slot not in self.conv.slots and not self._fill(slot):
            return
        self._advance()

    def _refuses_outcome(self, pressed: str | None) -> bool:
        """Every outcome offered is turned down: a person takes it (the outcome_rejected
        rule) rather than the bot asking the same question again."""
        if pressed is None:
            self.refused = self.e.rules.refusal(self.text)
        return bool(self.refused)

    async def _on_choosing_outcome(self, pressed: str | None) -> None:
        c = self.conv
        if self._refuses_outcome(pressed):
            return
        if pressed and pressed.startswith("out."):
            c.slots["outcome"] = pressed[4:]
        elif len(self.text) >= 2:
            # The customer's own words are a fine answer; keep them as the outcome.
            c.slots["outcome"] = "other"
            c.slots["outcome_note"] = self.words[:MAX_STORY_LINE]
        else:
            self._invalid("outcome")
            return
        self._advance()

    async def _on_asking_contact(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "reply_here":
            c.context["contact_here"] = True
        elif not c.slots.get("phone") and not self._fill("phone"):
            return
        self._advance()

    async def _on_confirming(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "confirm":
            await self._file("open")
        elif pressed == "edit":
            c.context["readback_rejected"] = c.context.get("readback_rejected", 0) + 1
            c.edit()
            self.acknowledge()
            self.prompt()
        elif pressed == "cancel":
            c.cancel()
            self.prompt()
        else:
            self.acknowledge()
            self.prompt()

    async def _on_choosing_edit(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "back":
            c.back_to_summary()
        elif pressed and pressed.startswith("field."):
            c.context["edit_field"] = pressed[6:]
            c.pick_field()
        else:
            self.acknowledge()
        self.prompt()

    async def _on_editing(self, pressed: str | None) -> None:
        c = self.conv
        f = str(c.context.get("edit_field"))
        if f == "outcome" and self._refuses_outcome(pressed):
            return
        if f == "category" and pressed and pressed.startswith("cat."):
            c.slots["category"] = pressed[4:]
        elif f == "outcome" and (pressed or "").startswith("out."):
            c.slots["outcome"] = str(pressed)[4:]
            c.slots.pop("outcome_note", None)
        elif f == "outcome" and len(self.text) >= 2:
            c.slots["outcome"] = "other"
            c.slots["outcome_note"] = self.words[:MAX_STORY_LINE]
        elif f == "category" and (cat := infer_category(self.text)):
            c.slots["category"] = cat
        elif f == "description" and len(self.text) >= 2:
            c.slots["description"] = []
            self._add_story()
        elif f == "phone" and pressed == "reply_here":
            c.slots.pop("phone", None)
            c.context["contact_here"] = True
        elif f in DETAIL_SLOTS and pressed == "dont_know":
            c.slots[f] = None
        elif f in DETAIL_SLOTS or f == "phone":
            if not self._fill(f):
                return
        else:
            self._invalid({"category": "category", "outcome": "outcome"}.get(f, "description"),
                          count=len(choices_for(c)))
            return
        c.context.pop("edit_field", None)
        self._advance()

    async def _on_filed(self, pressed: str | None) -> None:
        await self._after_ticket(pressed)

    async def _on_handed_off(self, pressed: str | None) -> None:
        await self._after_ticket(pressed)

    async def _on_feedback(self, pressed: str | None) -> None:
        c = self.conv
        number = str(c.context.get("last_ticket", ""))
        step = c.context.get("feedback_step")
        if step == "still_fixed" and pressed == "solved.yes":
            await self.desk.add_event(number, "follow_up", {"stayed_fixed": True}, self.now)
            c.context.pop("feedback_step", None)
            c.rated()
            self.say("follow_up.thanks", self.buttons())
            return
        if step != "score" and pressed == "solved.no":
            came_back = step == "still_fixed"
            await self.desk.add_event(
                number, "follow_up" if came_back else "not_solved",
                {"stayed_fixed": False, "text": self.words} if came_back
                else {"text": self.words}, self.now)
            # Turning down the fix is turning down the outcome: the agent sees that reason.
            hit = None if came_back else self.e.rules.rule_hit(
                "outcome_rejected", after="closed", text=self.words[:200])
            info = await self.desk.ticket(number, c.key)
            back = await self._reopen(number, "came_back" if came_back else "not_solved",
                                      [hit] if hit else [], info)
            if back is None:  # reopened meanwhile: nothing to undo, just carry on
                c.context.pop("feedback_step", None)
                c.rated()
                self.say("reopen.still_open", self.buttons(), number=number)
                return
            self.say("feedback.reopened", self.buttons(), agent=back.agent or "")
            self._after_hours()
            return
        if step != "score" and pressed == "solved.yes":
            await self.desk.add_event(number, "solved", {}, self.now)
            if self.e.settings.follow_up_days:
                await self.desk.schedule_follow_up(
                    number, self.now + timedelta(days=self.e.settings.follow_up_days))
            c.context["feedback_step"] = "score"
            self.prompt()
            return
        score = pressed[6:] if pressed and pressed.startswith("score.") else None
        if step == "score" and score is None and self.text.strip() in ("1", "2", "3", "4",
                                                                       "5"):
            score = self.text.strip()
        if step == "score" and score is not None:
            await self.desk.add_event(number, "rating", {"score": int(score)}, self.now)
            c.context.pop("feedback_step", None)
            c.rated()
            self.say("feedback.thanks", self.buttons())
            return
        self.prompt()

    async def _after_ticket(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "new_complaint":
            c.reset()
            c.begin_again()
            self.say("restarted")
            return
        number = c.context.get("last_ticket")
        if number:
            await self.desk.add_event(number, "customer_message", {"text": self.words}, self.now)
        if c.state == "handed_off" and c.context.get("agent") and number:
            # A person has the case: the bot stays quiet and passes the words on.
            self.out.events.append(Relayed(c.key, str(number), self.words))
            return
        if c.state == "handed_off" and number:
            # Waiting for a person: the bot answers, and the agents see it develop too.
            self.out.events.append(Relayed(c.key, str(number), self.words, waiting=True))
        self.acknowledge()
        if c.state == "handed_off" and number:
            position = await self.desk.queue_position(str(number))
            info = await self.desk.ticket(str(number), c.key)
            if position is not None and info is not None:
                self.say("queue.waiting", self.buttons(), number=number, position=position,
                         due=self.e.fmt.when(info.first_response_due, c.locale))
                return
        self.prompt()

    async def _on_cancelled(self, pressed: str | None) -> None:
        c = self.conv
        if pressed == "undo":
            self._advance()
            return
        if self._is_greeting():
            self.prompt()
            return
        # Anything else written after cancelling is taken as a new complaint.
        c.reset()
        c.begin_again()
        self._add_story()
        self.story_acknowledged()
        self.say("ack.story", self.buttons())

    # --- helpers -----------------------------------------------------------------------------
    def _advance(self) -> None:
        c = self.conv
        c.context["invalid_streak"] = 0  # any progress ends a run of misunderstandings
        if not c.has_category():
            c.context["category_guess"] = infer_category(c.description())
        c.advance()
        self.acknowledge()
        self.prompt()

    def _add_story(self) -> None:
        lines: list[str] = self.conv.slots.setdefault("description", [])
        if len(lines) < MAX_STORY_LINES and self.words:
            lines.append(self.words[:MAX_STORY_LINE])

    def _invalid(self, slot: str, **data: Any) -> None:
        c = self.conv
        c.context["invalid_streak"] = c.context.get("invalid_streak", 0) + 1
        self.acknowledge()
        self.say(f"invalid.{slot}", self.buttons(), can_reply_here=c.identified, **data)

    def _fill(self, slot: str) -> bool:
        """Validate the answer for `slot`; re-ask with a hint when it does not fit."""
        c = self.conv
        value: Any = None
        if slot == "phone":
            value = parse_phone(self.text, self.e.extractor.phone_region)
        elif slot == "order_no":
            value = parse_order_no(self.text, lenient=True)
        elif slot == "when":
            d = parse_when(self.text, self.now, lenient=True)
            value = d.isoformat() if d else None
        elif slot == "amount":
            parsed = parse_amount(self.text, lenient=True)
            if parsed:
                value = str(parsed[0])
                c.slots["currency"] = parsed[1]
        elif slot in ("product", "where") and len(self.words) >= 2:
            value = self.words[:200]
        if value is None:
            self._invalid(slot)
            return False
        c.slots[slot] = value
        c.context["invalid_streak"] = 0
        return True

    async def _file(self, status: str, hits: list[Hit] | None = None) -> None:
        c = self.conv
        draft = self._draft(status, hits or [])
        ticket = await self.desk.file_ticket(draft, self.now)
        c.context.pop("refers_to", None)
        c.context["last_ticket"] = ticket.number
        c.context["priority"] = draft.priority
        if status == "escalated":
            c.hand_off()
            self.out.events.append(Escalated(ticket.number))
        else:
            c.confirm()
        self.say("handoff" if status == "escalated" else "filed", self.buttons(),
                 number=ticket.number, team=self.label("team.default"),
                 due=self.e.fmt.when(ticket.first_response_due, c.locale),
                 resolve_by=self.e.fmt.day_of(ticket.resolution_due, c.locale),
                 phone=c.slots.get("phone"))
        if status == "escalated":
            self._after_hours()

    def _draft(self, status: str, hits: list[Hit]) -> TicketDraft:
        c = self.conv
        incomplete = not (c.has_story() and c.has_category() and c.details_complete()
                          and c.has_outcome() and c.contact_ok())
        priority = top_priority(hits)
        return TicketDraft(
            key=c.key, status=status, incomplete=incomplete,
            category=c.slots.get("category"), description=c.description(),
            outcome=c.slots.get("outcome"), phone=c.slots.get("phone"),
            slots={**c.slots, **({"refers_to": c.context["refers_to"]}
                                 if c.context.get("refers_to") else {})},
            locale=c.locale, first_response_due=self._due(priority),
            priority=priority, reasons=tuple(h.record() for h in hits),
            team=self.e.rules.team_for(c.slots.get("category")),
            resolution_due=self.now + timedelta(
                hours=self.e.rules.resolution_hours.get(priority, 168)),
        )

    def _due(self, priority: str) -> datetime:
        # A person can only answer while the desk is open: the promise counts open time.
        return self.e.hours.add(
            self.now, timedelta(minutes=self.e.rules.first_response_minutes[priority]))

    def _after_hours(self) -> None:
        """Handed to a person while nobody is at the desk: say when someone will be."""
        opens = self.e.hours.next_opening(self.now)
        if opens is not None:
            self.say("hours.closed", opens=self.e.fmt.opening(opens, self.conv.locale),
                     tz=self.e.settings.timezone)

    async def _reopen(self, number: str, why: str, hits: list[Hit],
                      info: TicketInfo | None) -> ReopenedTicket | None:
        """A closed ticket goes back to its agent (or the queue), once: a second request
        finds it open and changes nothing."""
        c = self.conv
        if info is None or info.status != "closed":
            return None
        priority = top_priority([*hits, Hit("held", info.priority or "P4", {})])
        back = await self.desk.reopen(
            number, self.now, why=why, reasons=[h.record() for h in hits], priority=priority,
            first_response_due=self._due(priority), text=self.words)
        if back is None:
            return None
        c.context["last_ticket"] = number
        c.context["priority"] = priority
        if back.agent:
            c.context["agent"] = back.agent
        else:
            c.context.pop("agent", None)
        c.context.pop("feedback_step", None)
        c.reopen()
        self.out.events.append(Reopened(number, ReopenWhy(why)))
        return back

    def _may_reopen(self) -> bool:
        """Reopening is for a customer between complaints, not one halfway through a draft."""
        c = self.conv
        if c.state == "handed_off" and c.context.get("agent"):
            return False  # a person has it open: the words are for them
        return c.state not in DRAFT_STATES or (c.state in ("new", "listening")
                                               and not c.has_story())

    async def _reopen_asked(self) -> None:
        """"reopen C-…", "重新打开": within REOPEN_DAYS of the close, back to a person;
        after that, a kind no and a new complaint that refers to the old one."""
        c = self.conv
        number = intents.ticket_number(self.text) or c.context.get("last_ticket")
        if not number:
            self.say("reopen.which", self.buttons())
            return
        info = await self.desk.ticket(str(number), c.key)
        if info is None:
            self.say("status.not_found", self.buttons(), number=number)
            return
        if info.status != "closed":
            self.say("reopen.still_open", self.buttons(), number=info.number)
            return
        days = self.e.settings.reopen_days
        if (not days or info.closed_at is None
                or self.now - info.closed_at > timedelta(days=days)):
            # A new complaint starts here, carrying the old number so the team sees what
            # it continues.
            if c.state in CLOSED_STATES:
                c.reset()
                c.begin_again()
            elif c.state == "new":
                c.greet()
            c.context["refers_to"] = info.number
            self.say("reopen.too_late", self.buttons(), number=info.number, days=days)
            return
        back = await self._reopen(info.number, "asked", [], info)
        if back is None:
            self.say("reopen.still_open", self.buttons(), number=info.number)
            return
        self.say("reopen.done", self.buttons(), number=info.number, agent=back.agent or "",
                 due=self.e.fmt.when(self._due(str(c.context["priority"])), c.locale))
        self._after_hours()

    async def _escalation_hits(self, *, asked: bool) -> list[Hit]:
        """The escalation rules on this turn, in any state but those a person already has."""
        c = self.conv
        if c.state in ("cancelled", "expired") and not asked:
            return []
        ctx = c.context
        rules = self.e.rules
        if "earlier_tickets" not in ctx:  # once per complaint: the customer's history
            since = self.now - timedelta(days=rules.window_days())
            # A conversation on its first turn is a customer we have never heard from.
            ctx["earlier_tickets"] = (0 if c.version == 0 else
                                      await self.desk.tickets_since(c.key, since))
        order = c.slots.get("order_no")
        # Checked from the turn after it was given: storage looks up every order of a batch
        # in one go before the dialog runs, rather than once per turn inside it.
        if order and order == self.order_at_start and ctx.get("order_checked") != order:
            ctx["order_checked"] = order
            ctx["order_seen_before"] = await self.desk.ticket_for_order(str(order))
        emotion = self.out.emotion
        hits = rules.evaluate(signals_for(c, self.text, asked=asked,
                                          anger=emotion.anger if emotion else 0.0,
                                          refused=self.refused))
        if c.state == "handed_off" and not asked:
            # Already with a person: only something more urgent than before is news.
            hits = more_urgent(hits, str(ctx.get("priority", "P4")))
        return hits

    async def _escalate(self, hits: list[Hit]) -> None:
        """Hand the conversation to a person, filing what was gathered so nothing is lost."""
        c = self.conv
        self.acknowledge()
        lines = c.slots.get("description", [])
        if self.words and (not lines or lines[-1] != self.words[:MAX_STORY_LINE]):
            self._add_story()
        for reason in dict.fromkeys(h.reason for h in hits):
            if self.e.templates.has(f"escalation.{reason}"):
                self.say(f"escalation.{reason}")
        number = c.context.get("last_ticket")
        if c.state in ("filed", "handed_off", "feedback") and number:
            priority = top_priority([*hits, Hit("held", str(c.context.get("priority", "P4")),
                                                {})])
            c.context["priority"] = priority
            await self.desk.add_event(number, "escalated", {
                "priority": priority, "reasons": [h.record() for h in hits],
                "text": self.words}, self.now)
            info = await self.desk.ticket(number, c.key)
            due = info.first_response_due if info and info.first_response_due else None
            promised = min(d for d in (due, self._due(priority)) if d is not None)
            if c.state in ("filed", "feedback"):
                c.hand_off()
            self.say("handoff.already", self.buttons(), number=number,
                     due=self.e.fmt.when(promised, c.locale))
            self._after_hours()
            return
        if c.state == "new":
            c.greet()
        await self._file("escalated", hits)

    async def _status(self, number: str | None) -> None:
        c = self.conv
        if number is None:
            tickets = await self.desk.recent_tickets(c.key)
            if not tickets:
                self.say("status.none")
                return
            self.say("status.list", tickets=[
                {"number": t.number, "status": self.label(f"status.{t.status}"),
                 "created": self.e.fmt.when(t.created_at, c.locale)} for t in tickets])
            return
        info = await self.desk.ticket(number, c.key)
        if info is None:
            self.say("status.not_found", number=number)
            return
        self.say("status.found", number=info.number, status=self.label(f"status.{info.status}"),
                 created=self.e.fmt.when(info.created_at, c.locale),
                 category=self.label(f"category.{info.category}") if info.category else None,
                 due=self.e.fmt.when(info.first_response_due, c.locale)
                 if info.first_response_due and info.status != "closed" else None)
