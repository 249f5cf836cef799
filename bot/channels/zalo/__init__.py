"""Zalo as channels: the Zalo Bot Platform (private chats) and a Zalo Official Account (its group
chats and one-to-one messages), through Zalo's official HTTP APIs only."""
