"""What the Zalo channels say on their own: the first-contact notice (Zalo's terms and the 2025
personal data law: the bot says it is automated and what it keeps), and answers to messages
the bot cannot read."""

from __future__ import annotations

from bot.core.i18n import translator

__all__ = ["first_contact", "not_readable", "text_only"]


def first_contact(lang: str) -> str:
    """The bot's first message to a person or a group on Zalo."""
    return translator(lang).gettext(
        "Hello! I am blocbot, an automated assistant (a bot, not a person) that runs your emulation "
        "bloc: roster, schedule, registrations and secret award polls. To do that I keep your Zalo "
        "display name and id, the unit you represent, and what you send me (answers, RSVPs, "
        "registrations); ballots are sealed and nobody can read how a unit voted. Ask your bloc's "
        "chair to remove your details. /help lists what I can do."
    )


def text_only(lang: str) -> str:
    """A picture or a sticker came: the bot reads text only."""
    return translator(lang).gettext(
        "Thank you! I can only read text messages, so I cannot see pictures or stickers. Please "
        "type your command or answer; /help lists what I can do."
    )


def not_readable(lang: str) -> str:
    """Zalo withheld a message (the person's privacy settings)."""
    return translator(lang).gettext(
        "Sorry, Zalo does not let me read your messages because of your account's privacy "
        "settings, so I cannot answer them. If you want to use me, please check the privacy "
        "settings of your Zalo account, then write to me again."
    )
