"""bot.schedule."""
