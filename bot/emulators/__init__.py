"""bot.emulators."""
