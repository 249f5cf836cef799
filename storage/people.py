"""People (Telegram users the bot has seen) and per-chat settings."""

from __future__ import annotations

from bot.core.names import clean
from bot.roster.model import Person
from storage.repository import Repository


class PeopleRepo(Repository):
    async def upsert(self, user_id: int, full_name: str, username: str | None) -> None:
        """Record or refresh a person's display name."""
        await self.execute(
            "INSERT INTO people(user_id, full_name, username) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET full_name = excluded.full_name, "
            "username = excluded.username",
            (user_id, clean(full_name)[:200] or str(user_id), username),
        )

    async def mark_started(self, user_id: int) -> None:
        """Remember that this person has opened a private chat with the bot."""
        await self.execute("UPDATE people SET started = 1 WHERE user_id = ?", (user_id,))

    async def get(self, user_id: int) -> Person | None:
        """One person by Telegram id."""
        row = await self.fetchone(
            "SELECT user_id, full_name, username, started FROM people WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return Person(row[0], row[1], row[2], bool(row[3]))

    async def chat_language(self, chat_id: int) -> str | None:
        """The language chosen for a chat with /lang, if any."""
        row = await self.fetchone("SELECT language FROM chats WHERE chat_id = ?", (chat_id,))
        return None if row is None else str(row[0])

    async def set_chat_language(self, chat_id: int, language: str) -> None:
        """Store a chat's language."""
        await self.execute(
            "INSERT INTO chats(chat_id, language) VALUES (?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET language = excluded.language",
            (chat_id, language),
        )
