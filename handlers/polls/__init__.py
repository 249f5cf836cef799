"""handlers.polls.commands."""
