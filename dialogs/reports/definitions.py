"""How each number is counted: written once, shown on the reports' "How each number is counted"
page and in every HTML and PDF report, and followed by storage/reports.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    title: str
    text: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("period", "Which period a complaint belongs to",
               "A complaint belongs to the period in which its ticket was filed, by the "
               "service's clock (HEARD_TIMEZONE): a ticket filed at 23:30 local time on "
               "31 March is March's and Q1's, whatever the time in UTC. Weeks start on "
               "Monday (ISO weeks). Each period is compared with the one before and with the "
               "same period a year earlier."),
    Definition("count", "Complaints and customers",
               "Counts are of unique tickets (a complaint) or unique customers, never of "
               "events: a ticket escalated twice, reopened, or rated again is one complaint. "
               "A customer is one person on one channel."),
    Definition("handoff", "Handed to a person",
               "Every filed ticket waits for a person from the moment it is filed (as an "
               "escalation or in its team's queue). The bot's conversation before the filing "
               "is not counted in any time below."),
    Definition("first_response", "First response",
               "From the filing to the first message a person wrote to the customer: an "
               "agent's reply, or the resolution an agent wrote when closing it. Messages of "
               "the bot and of the system (\"an agent has joined\", progress notes, queue "
               "positions) are not responses. Shown in calendar time and in business hours "
               "(BUSINESS_HOURS: only the time the desk was open counts). Counted once per "
               "ticket: a reopened ticket keeps its first response."),
    Definition("first_response_sla", "First response within the promise",
               "Met when the first response came by the time promised to the customer when "
               "it was given (the priority's promise, counted in business hours). A ticket "
               "not yet answered counts as missed once its promise has passed, and is left "
               "out while it has not."),
    Definition("resolution", "Resolution time",
               "From the filing to the last close by an agent. Time a ticket lay closed "
               "before the customer reopened it is not counted: a ticket closed after two "
               "days, reopened five days later and closed again a day after that took three "
               "days. Calendar time."),
    Definition("resolution_sla", "Resolved within the promise",
               "Met when the last close came by the resolution date promised at filing "
               "(by priority, P4: 7 days). An open ticket counts as missed once that date "
               "has passed, and is left out while it has not."),
    Definition("callback", "Call-backs kept",
               "A call-back an agent promised (/callback) is kept when it was marked done by "
               "its time; late when marked done after it, or not done once it passed. A "
               "promise replaced by a newer one is not counted; the newer one is."),
    Definition("follow_up", "Follow-ups",
               "After a customer confirms a fix, the bot asks FOLLOW_UP_DAYS later whether "
               "it held. Due: its day; done: asked; late: its day passed and not yet asked; "
               "held / came back: the customer's answer (came back reopens the ticket)."),
    Definition("rating", "Ratings and \"solved\"",
               "After a close the customer is asked whether it is solved and, if so, for a "
               "rating from 1 to 5. A ticket counts its latest answer once. The average is "
               "over rated tickets only; the solved rate is the share of customers who "
               "answered that said \"solved\". Praised: rated 4 or 5; criticised: 1 or 2."),
    Definition("escalation", "Escalation reasons",
               "The rules that brought in a person (safety, media, anger, a large amount, a "
               "repeat complainant…), each counted once per ticket however often it fired; a "
               "ticket with two reasons appears under both."),
    Definition("reopen", "Reopen rate",
               "The share of tickets ever closed that were reopened at least once (by the "
               "customer, or by answering \"not solved\")."),
    Definition("repeat", "Repeat complainants",
               "Unique customers with two or more complaints filed in the period."),
    Definition("recurring", "Recurring problems",
               "The same category and product, or the same order number, in two or more "
               "complaints of the period; and categories that grew against the period "
               "before. Candidates for the action plan."),
    Definition("bundle", "Bundle versions in force",
               "Each ticket records the configuration bundle version (templates, rules, "
               "routing, hours) it was filed under. The year lists every version published "
               "in it (number, when, who, note), the one in force when it began, and any "
               "other a ticket of the year was filed under, each with the complaints filed "
               "under it in the year, their average rating and solved rate: a change can be "
               "compared with what came before. \"Before versions\": tickets filed before "
               "the service kept versions."),
    Definition("agent_team", "Teams, agents and priorities",
               "A ticket's team is the team its category routes to (or it was transferred "
               "to); its agent is the person holding it, or who held it when it was closed; "
               "its priority is the one it has now (an escalation or a reopening may have "
               "raised it since the filing)."),
)
