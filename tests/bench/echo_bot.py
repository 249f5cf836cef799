"""The yardstick: a bare python-telegram-bot echo bot (`python -m tests.bench.echo_bot URL TOKEN`).

It says texts back and answers a button press the way blocbot does (answer the query, then
edit the pressed message), so both bots make the same Bot API calls for the same updates.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit the pressed message."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(f"{query.data} {update.update_id}")


def main() -> None:
    """Long-poll the given Bot API server until killed."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    base_url, token = sys.argv[1], sys.argv[2]
    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
