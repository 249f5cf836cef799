"""The HTTP side: a tornado server on 127.0.0.1 speaking the Bot API wire format.

Routes: ``POST|GET /bot<token>/<method>`` and ``GET /file/bot<token>/<file_path>``.
Parameters may come as query string, form-urlencoded, multipart/form-data or JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Protocol

import tornado.httpserver
import tornado.netutil
import tornado.web

from .faults import Fault
from .params import ApiError, Params, Upload, normalize
from .records import Json, StoredFile

UNAUTHORIZED: Json = {"ok": False, "error_code": 401, "description": "Unauthorized"}
NOT_FOUND: Json = {"ok": False, "error_code": 404, "description": "Not Found"}
_FAULT_TEXT = {"500": "Internal Server Error", "502": "Bad Gateway"}


class ApiBackend(Protocol):
    """What the HTTP layer needs from the emulator."""

    token: str
    latency: float
    stopping: asyncio.Event

    def accept(self, method: str, params: Params) -> None:
        """Record an authenticated call."""

    def take_fault(self, method: str) -> Fault | None:
        """The fault to apply to this call, if any."""

    async def call(self, method: str, params: Params) -> Any:
        """Execute a method; raises ApiError."""

    def file(self, path: str) -> StoredFile | None:
        """The file served at file_path."""

    def changed(self) -> None:
        """Wake waiters (a client went away)."""

    def internal_error(self, method: str, exc: Exception) -> None:
        """A method implementation crashed."""


class _Handler(tornado.web.RequestHandler):
    """Shared plumbing: JSON replies, disconnect tracking, dropping connections."""

    backend: ApiBackend
    server: ApiServer

    def initialize(self, backend: ApiBackend, server: ApiServer) -> None:
        """Tornado hook: receive the backend."""
        self.backend = backend
        self.server = server
        self.disconnected = asyncio.Event()

    def on_connection_close(self) -> None:
        """Tornado hook: the client closed the connection."""
        self.disconnected.set()
        self.backend.changed()

    def check_xsrf_cookie(self) -> None:
        """Bot API clients send no XSRF cookie."""

    def _closed(self) -> bool:
        """Whether the client is gone."""
        stream = getattr(self.request.connection, "stream", None)
        return self.disconnected.is_set() or stream is None or stream.closed()

    def drop(self) -> None:
        """Close the connection without an HTTP answer."""
        if not self._finished:
            with contextlib.suppress(Exception):
                self.detach().close()

    def reply(self, status: int, body: Json | bytes, content_type: str = "application/json") -> None:
        """Answer unless the client already left."""
        if self._closed():
            self.drop()
            return
        self.set_status(status)
        self.set_header("Content-Type", content_type)
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
        self.finish(data)


class _MethodHandler(_Handler):
    """``/bot<token>/<method>``."""

    async def post(self, token: str, method: str) -> None:
        """Serve one Bot API call (counted so stop() can wait for it)."""
        self.server.active += 1
        try:
            await self._serve(token, method)
        finally:
            if not self._finished:
                self.drop()
            self.server.finished()

    get = post

    async def _serve(self, token: str, method: str) -> None:
        """Auth, record, latency, faults, execute."""
        if token != self.backend.token:
            self.reply(401, UNAUTHORIZED)
            return
        try:
            params = self._params()
        except ApiError as exc:
            self.reply(exc.code, exc.payload())
            return
        self.backend.accept(method, params)
        if self.backend.latency > 0:
            await asyncio.sleep(self.backend.latency)
        fault = self.backend.take_fault(method)
        if fault is not None:
            await self._fault(fault)
            return
        try:
            result = await self.backend.call(method, params)
        except ApiError as exc:
            self.reply(exc.code, exc.payload())
            return
        except Exception as exc:  # an emulator bug: answer 500 visibly, not a silent disconnect
            self.backend.internal_error(method, exc)
            description = f"Internal Server Error: emulator bug {exc!r}"
            self.reply(500, {"ok": False, "error_code": 500, "description": description})
            return
        self.reply(200, {"ok": True, "result": result})

    def _params(self) -> Params:
        """Decode query, form, multipart or JSON parameters."""
        request = self.request
        raw: dict[str, Any] = {k: v[-1].decode() for k, v in request.query_arguments.items()}
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and request.body:
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an object")
            raw.update(body)
        else:
            raw.update({k: v[-1].decode() for k, v in request.body_arguments.items()})
        uploads = {
            name: Upload(parts[0].body, parts[0].filename or None, parts[0].content_type or None)
            for name, parts in request.files.items()
            if parts
        }
        return Params(normalize(raw), uploads, self.disconnected)

    async def _fault(self, fault: Fault) -> None:
        """Misbehave as requested."""
        if fault.kind in _FAULT_TEXT:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            code = int(fault.kind)
            self.reply(code, {"ok": False, "error_code": code, "description": _FAULT_TEXT[fault.kind]})
            return
        if fault.kind == "timeout":
            waits = [asyncio.ensure_future(e.wait()) for e in (self.disconnected, self.backend.stopping)]
            try:
                await asyncio.wait(
                    waits,
                    timeout=60.0 if fault.delay is None else fault.delay,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiter in waits:
                    waiter.cancel()
        elif fault.delay:
            await asyncio.sleep(fault.delay)
        self.drop()


class _FileHandler(_Handler):
    """``/file/bot<token>/<file_path>``."""

    async def get(self, token: str, path: str) -> None:
        """Serve a file's bytes."""
        if self.backend.latency > 0:
            await asyncio.sleep(self.backend.latency)
        stored = self.backend.file(path) if token == self.backend.token else None
        if stored is None:
            self.reply(404, NOT_FOUND)
            return
        self.reply(200, stored.data, stored.mime_type or "application/octet-stream")


class _NotFoundHandler(_Handler):
    """Anything else."""

    def prepare(self) -> None:
        """Answer 404 JSON for every verb."""
        self.reply(404, NOT_FOUND)


class ApiServer:
    """Owns the tornado HTTPServer bound to a random free port on 127.0.0.1."""

    def __init__(self, backend: ApiBackend) -> None:
        self.backend = backend
        self.port = 0
        self.active = 0
        self._idle = asyncio.Event()
        self._http: tornado.httpserver.HTTPServer | None = None

    def finished(self) -> None:
        """One request fewer in flight."""
        self.active -= 1
        if self.active <= 0:
            self._idle.set()

    async def start(self) -> int:
        """Listen and return the port."""
        kwargs = {"backend": self.backend, "server": self}
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _MethodHandler, kwargs),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, kwargs),
            ],
            default_handler_class=_NotFoundHandler,
            default_handler_args=kwargs,
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._http = tornado.httpserver.HTTPServer(app, max_body_size=200 * 1024 * 1024)
        self._http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        return self.port

    async def stop(self, grace: float = 2.0) -> None:
        """Stop listening, let in-flight calls answer (bounded by grace), close connections."""
        if self._http is None:
            return
        self._http.stop()
        if self.active > 0:
            self._idle.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
        await self._http.close_all_connections()
        self._http = None
