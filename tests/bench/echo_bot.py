"""The yardstick: a bare python-telegram-bot echo bot (`python -m tests.bench.echo_bot URL TOKEN`)."""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    """Long-poll the given Bot API server until killed."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    base_url, token = sys.argv[1], sys.argv[2]
    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
