"""Ballot drafts: moved to the polls use cases (bot/polls/cases/drafts.py)."""

from bot.polls.cases.drafts import DRAFT_BLOCK, KIND, Drafts, Found, Loaded, expiry, slot

__all__ = ["DRAFT_BLOCK", "KIND", "Drafts", "Found", "Loaded", "expiry", "slot"]
