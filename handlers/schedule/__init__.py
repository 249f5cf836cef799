"""handlers.schedule.commands."""
