"""The bot's one web server: channels' webhooks, signed file links and a health check."""
