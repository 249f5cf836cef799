"""bot.polls.model."""
