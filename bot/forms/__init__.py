"""bot.forms.model."""
