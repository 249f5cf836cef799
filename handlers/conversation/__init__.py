"""handlers.conversation."""
