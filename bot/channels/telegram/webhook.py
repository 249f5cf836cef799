"""The webhook server refuses oversized bodies (413) before reading them.

PTB's webhook server is a tornado ``HTTPServer`` that PTB builds itself, with tornado's default
body limit of 100 MB, and it checks the secret token only once the whole body is read. An update
is a few kilobytes (a message is at most 4,096 characters), so anything over ``MAX_UPDATE_BYTES``
is not Telegram: ``BodyLimitedServer`` answers 413 as soon as the headers announce a larger
body, without reading it or passing it on, and closes the connection; a body sent without a
length (chunked) is cut off by tornado at the same limit (400).

PTB gives no way to pass server options, so ``limit_webhook_bodies()`` uses tornado's own
``Configurable.configure``: every ``HTTPServer`` created afterwards in this process is a
``BodyLimitedServer``. ``bot.app.run`` calls it before starting in webhook mode; the bot
process creates no other HTTP server. ``unlimit_webhook_bodies()`` undoes it (tests).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

MAX_UPDATE_BYTES = 1024 * 1024
_REFUSAL = b'{"ok":false,"error_code":413,"description":"Request Entity Too Large"}'


class _Refuse(httputil.HTTPMessageDelegate):
    """Passes a request on, unless its declared body is over the limit: then answers 413."""

    def __init__(
        self, inner: httputil.HTTPMessageDelegate, connection: httputil.HTTPConnection, limit: int
    ) -> None:
        self.inner = inner
        self.connection = connection
        self.limit = limit
        self.refused = False

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        length = headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > self.limit:
            self.refused = True
            log.warning("webhook: refused a %s-byte request body (limit %s)", length.strip(), self.limit)
            self.connection.write_headers(
                httputil.ResponseStartLine("HTTP/1.1", 413, "Request Entity Too Large"),
                httputil.HTTPHeaders(
                    {
                        "Content-Type": "application/json",
                        "Content-Length": str(len(_REFUSAL)),
                        "Connection": "close",
                    }
                ),
                _REFUSAL,
            )
            self.connection.finish()  # tornado closes the connection instead of reading on
            return None
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.refused else self.inner.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.inner.on_connection_close()


class BodyLimitedServer(HTTPServer):
    """A tornado HTTPServer whose requests may carry at most ``max_update_bytes``."""

    max_update_bytes = MAX_UPDATE_BYTES

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        # The connection-level limit: what a body without Content-Length may reach (then 400).
        kwargs.setdefault("max_body_size", self.max_update_bytes)
        super().initialize(*args, **kwargs)

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return _Refuse(super().start_request(server_conn, request_conn), request_conn, self.max_update_bytes)


def limit_webhook_bodies() -> None:
    """Make every tornado HTTPServer created from now on in this process a BodyLimitedServer."""
    HTTPServer.configure(BodyLimitedServer)


def unlimit_webhook_bodies() -> None:
    """Back to tornado's plain HTTPServer."""
    HTTPServer.configure(None)
