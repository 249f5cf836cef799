"""The test harness lives with the demo that uses it (bot/demo/harness.py); tests import it here."""

from bot.demo.harness import *  # noqa: F403
from bot.demo.harness import BOT_USERNAME, START, TOKEN, BotHarness, make_config  # noqa: F401
