"""bot.roster.model."""
