"""One customer turn of the complaint dialog, from an inbound message to the replies.

    run.py           the turn from start to finish: what is tried first, the state's handler,
                     the escalation check that may replace what the handler said
    context.py       the turn's working state and how it speaks (say, label, buttons, acknowledge)
    prompts.py       what each state asks next, as a table
    understanding.py the locale, the pressed button, greetings, attachments, facts in the text
    global_intents.py what a customer may ask in any state (a person, help, cancel, status, ...)
    states.py        the handler of each state, as a table; drafting.py and after_ticket.py
                     hold them, answers.py what they share (taking an answer, moving on)
    tickets.py       filing, due times, after-hours, reopening, status queries
    escalate.py      the escalation rules on a turn, and the hand-over to a person
    outcome.py       what a turn hands back to the pipeline

`dialogs.engine.DialogEngine` is the way in; nothing here is used from outside dialogs/.
"""
