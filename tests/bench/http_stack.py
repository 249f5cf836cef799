"""What HTTP stack the bot process runs on: `python -m tests.bench.http_stack [concurrency]`.

Builds blocbot's Application as `blocbot run` does (no network) and prints one JSON line: the
versions of PTB, httpx, httpcore, anyio and sniffio (None if it cannot be imported: httpcore
then guesses the async library itself), and the connection pools PTB gave the bot's requests
and its getUpdates.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any


def _version(name: str, dist: str) -> str | None:
    try:
        importlib.import_module(name)
    except ImportError:
        return None
    return metadata.version(dist)


def _pool(request: Any) -> dict[str, Any]:
    limits = request._client_kwargs["limits"]
    return {
        "max_connections": limits.max_connections,
        "max_keepalive": limits.max_keepalive_connections,
        "http": request.http_version,
    }


def describe(concurrency: int) -> dict[str, Any]:
    """The stack facts for a bot built with this telegram.concurrent_updates."""
    from bot.app import build_application
    from bot.core.config import parse_config

    folder = Path(tempfile.mkdtemp(prefix="blocbot-http-"))
    config = parse_config(
        {
            "telegram": {"token": "1:X", "concurrent_updates": concurrency},
            "database": {"path": str(folder / "x.sqlite3")},
        },
        base_dir=folder,
        env={},
    )
    app = build_application(config)
    bot_request, updates_request = app.bot._request[1], app.bot._request[0]
    return {
        "versions": {
            dist: _version(name, dist)
            for name, dist in (
                ("telegram", "python-telegram-bot"),
                ("httpx", "httpx"),
                ("httpcore", "httpcore"),
                ("anyio", "anyio"),
                ("sniffio", "sniffio"),
            )
        },
        "bot_pool": _pool(bot_request),
        "get_updates_pool": _pool(updates_request),
        "concurrent_updates": app.update_processor.max_concurrent_updates,
    }


if __name__ == "__main__":
    print(json.dumps(describe(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))
