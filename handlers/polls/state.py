"""One poll as the handlers see it: moved to the polls use cases (bot/polls/cases/state.py)."""

from bot.polls.cases.state import PollState, load_state, read_state, round_categories

__all__ = ["PollState", "load_state", "read_state", "round_categories"]
