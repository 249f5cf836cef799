"""handlers.general."""
