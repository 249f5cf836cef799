"""handlers.forms.commands."""
