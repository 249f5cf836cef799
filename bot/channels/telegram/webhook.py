"""The webhook server refuses oversized bodies (413), requests without the secret (403) and
more than ``MAX_OPEN_BODIES`` bodies at once (503), all before reading a byte of the body.

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

import hmac
import logging
from collections.abc import Awaitable
from typing import Any

from tornado import httputil
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

MAX_UPDATE_BYTES = 1024 * 1024
MAX_OPEN_BODIES = 16  # bodies being read at once; Telegram sends one update at a time per bot
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_REFUSAL = b'{"ok":false,"error_code":413,"description":"Request Entity Too Large"}'
_FORBIDDEN = b'{"ok":false,"error_code":403,"description":"Forbidden"}'
_BUSY = b'{"ok":false,"error_code":503,"description":"Service Unavailable"}'


class _Refuse(httputil.HTTPMessageDelegate):
    """Passes a request on, unless its headers already show it is not Telegram's: a declared
    body over the limit (413), a missing or wrong secret token (403), or too many bodies being
    read at once (503). Refused requests are answered and closed unread."""

    def __init__(
        self,
        inner: httputil.HTTPMessageDelegate,
        connection: httputil.HTTPConnection,
        server: BodyLimitedServer,
    ) -> None:
        self.inner = inner
        self.connection = connection
        self.server = server
        self.refused = False
        self.counted = False

    def _answer(self, code: int, reason: str, body: bytes) -> None:
        self.refused = True
        self.connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", code, reason),
            httputil.HTTPHeaders(
                {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
            ),
            body,
        )
        self.connection.finish()  # tornado closes the connection instead of reading on

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        length = headers.get("Content-Length", "")
        limit = self.server.max_update_bytes
        if length.strip().isdigit() and int(length) > limit:
            log.warning("webhook: refused a %s-byte request body (limit %s)", length.strip(), limit)
            self._answer(413, "Request Entity Too Large", _REFUSAL)
            return None
        secret = self.server.secret_token
        if secret and not hmac.compare_digest(headers.get(SECRET_HEADER, "").encode(), secret.encode()):
            log.warning("webhook: refused a request without the secret token")
            self._answer(403, "Forbidden", _FORBIDDEN)
            return None
        if self.server.open_bodies >= MAX_OPEN_BODIES:
            log.warning("webhook: refused a request, %s bodies are being read", self.server.open_bodies)
            self._answer(503, "Service Unavailable", _BUSY)
            return None
        self.server.open_bodies += 1
        self.counted = True
        return self.inner.headers_received(start_line, headers)

    def _done(self) -> None:
        if self.counted:
            self.counted = False
            self.server.open_bodies -= 1

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.refused else self.inner.data_received(chunk)

    def finish(self) -> None:
        self._done()
        if not self.refused:
            self.inner.finish()

    def on_connection_close(self) -> None:
        self._done()
        if not self.refused:
            self.inner.on_connection_close()


class BodyLimitedServer(HTTPServer):
    """A tornado HTTPServer whose requests may carry at most ``max_update_bytes``."""

    max_update_bytes = MAX_UPDATE_BYTES
    secret = ""  # the webhook's secret token, checked before a body is read
    open_bodies = 0

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        # The connection-level limit: what a body without Content-Length may reach (then 400).
        kwargs.setdefault("max_body_size", self.max_update_bytes)
        self.secret_token = BodyLimitedServer.secret  # as configured when this server was made
        self.open_bodies = 0
        super().initialize(*args, **kwargs)

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        return _Refuse(super().start_request(server_conn, request_conn), request_conn, self)


def limit_webhook_bodies(secret: str = "") -> None:
    """Make every tornado HTTPServer created from now on in this process a BodyLimitedServer
    (that also checks ``secret`` in the headers, when given)."""
    BodyLimitedServer.secret = secret
    HTTPServer.configure(BodyLimitedServer)


def unlimit_webhook_bodies() -> None:
    """Back to tornado's plain HTTPServer."""
    BodyLimitedServer.secret = ""
    HTTPServer.configure(None)
