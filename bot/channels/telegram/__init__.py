"""bot.channels.telegram."""
