"""Files behind signed, expiring links, for channels that cannot carry files (Zalo).

``publish`` keeps the file in the database and returns
``{public_url}/f/<id>/<name>?e=<expiry>&s=<signature>``: the id is 128 random bits, the name is
the file's own (people see what they download), the expiry a Unix time (``[web] link_days``
from now, 7 days by default), the signature an HMAC-SHA256 over id, name and expiry with a key
the bot makes for itself on first use and keeps in the database. The route serves a file only
for a valid signature, before its expiry, while the file is kept; anything else gets an error
and no byte of any file. Expired files are deleted as new ones come.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import mimetypes
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import quote

from bot.core.clock import Clock
from bot.core.messages import OutFile
from bot.web.server import Request, Response, Route
from storage.db import Database

__all__ = ["FILE_PATH", "FileLinks", "Link", "Links", "safe_name"]

log = logging.getLogger(__name__)

FILE_PATH = "/f"
KEY_NAME = "file-links"
MAX_NAME = 120
TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".ics": "text/calendar; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Link:
    """A published file: its signed URL and when it stops working."""

    url: str
    expires_at: datetime


class Links(Protocol):
    """Publishes a file behind a signed, expiring link."""

    async def publish(self, file: OutFile) -> Link:
        """Keep the file and return its link."""


def safe_name(filename: str) -> str:
    """The file's name without folders, control characters or URL trouble ("/", "?", "#")."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[?#%"<>|*:]', "_", name).strip(" .")
    return name[-MAX_NAME:] or "file"


def _sign(key: bytes, file_id: str, name: str, expires: int) -> str:
    mac = hmac.new(key, f"{file_id}\n{name}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


class FileLinks:
    """Publishes files and serves them back by signed link."""

    def __init__(self, db: Database, clock: Clock, public_url: str, days: int) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.ttl = timedelta(days=days)
        self._key: bytes | None = None

    async def key(self) -> bytes:
        """The signing key (made and stored on first use)."""
        if self._key is None:
            async with self.db.transaction() as uow:
                self._key = await uow.zalo.files.secret(KEY_NAME, secrets.token_bytes(32))
        return self._key

    async def publish(self, file: OutFile) -> Link:
        """Keep a file; its signed link."""
        key = await self.key()
        file_id = secrets.token_urlsafe(16)
        name = safe_name(file.filename)
        expires_at = (self.clock.now() + self.ttl).replace(microsecond=0)
        kind = TYPES.get(("." + name.rsplit(".", 1)[-1].lower()) if "." in name else "")
        kind = kind or mimetypes.guess_type(name)[0] or "application/octet-stream"
        async with self.db.transaction() as uow:
            await uow.zalo.files.purge()
            await uow.zalo.files.put(file_id, name, kind, file.data, expires_at)
        expires = int(expires_at.timestamp())
        signature = _sign(key, file_id, name, expires)
        url = f"{self.public_url}{FILE_PATH}/{file_id}/{quote(name)}?e={expires}&s={signature}"
        return Link(url, expires_at)

    def route(self) -> Route:
        """GET /f/<id>/<name>?e=&s=: the file, for a valid signature before the expiry."""

        async def serve(request: Request) -> Response:
            file_id, name = request.args[0], unicodedata.normalize("NFC", request.args[1])
            given, raw_expiry = request.query.get("s", ""), request.query.get("e", "")
            if not given or not raw_expiry.isdigit():
                return _refusal(403)
            expires = int(raw_expiry)
            expected = _sign(await self.key(), file_id, name, expires)
            if not hmac.compare_digest(given.encode(), expected.encode()):
                log.warning("web: refused a file link with a wrong signature")
                return _refusal(403)
            if self.clock.now().timestamp() >= expires:
                return _refusal(410)
            async with self.db.read() as uow:
                stored = await uow.zalo.files.get(file_id)
            if stored is None or stored.filename != name:
                return _refusal(404)
            ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
            return Response(
                200,
                stored.data,
                content_type=stored.content_type,
                headers={
                    "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
                    "Cache-Control": "private, no-store",
                    "Referrer-Policy": "no-referrer",
                },
            )

        return Route(rf"{FILE_PATH}/([A-Za-z0-9_-]{{16,40}})/([^/]+)", serve, methods=("GET",), max_body=0)


def _refusal(status: int) -> Response:
    text = {
        403: "This link is not valid.",
        404: "This file is no longer kept.",
        410: "This link has expired.",
    }
    return Response(status, text[status].encode(), content_type="text/plain; charset=utf-8")
