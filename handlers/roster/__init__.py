"""handlers.roster.commands."""
