"""The forms use cases: what people ask of a bloc's registrations, channel-neutral.

Each use case takes the database (the services where it needs the scheduler) and plain values,
opens the transaction it needs, and returns what happened for the conversation to render; it
never sees a turn, a channel or a message text.

- ``answering``: who may answer which form now, drafts in progress, storing a response.
- ``standing``: a form with who has and has not answered, and where its card is.
- ``managing``: opening, closing and reopening forms, their lists and who answered.
- ``deadlines``: a form's deadline in the schedule (its event, lock and nudge timers), the
  units its reminders name, and the private nudges.
- ``export``: what a spreadsheet of the answers needs.
"""
