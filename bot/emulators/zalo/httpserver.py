"""The HTTP side shared by both Zalo emulators: a tornado server on 127.0.0.1, random port.

Each `Route` maps a path regex to an API method name (used for records and faults) and an async
endpoint returning a `Reply`. Per call: decode, record, `latency`, fault, endpoint. Parameters come
from the query string plus a JSON object body or a form-encoded body. A crash inside an endpoint
answers HTTP 500 and is handed to the backend's ``internal_error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import tornado.httpserver
import tornado.httputil
import tornado.netutil
import tornado.web

from .faults import Fault
from .records import ApiCall, Json

__all__ = ["Backend", "Endpoint", "LoopbackServer", "Reply", "Request", "Route"]


@dataclass
class Request:
    """A decoded call handed to an endpoint."""

    method: str
    args: tuple[str, ...]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: Json
    parse_error: str | None
    disconnected: asyncio.Event

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive)."""
        return self.headers.get(name.lower())


@dataclass
class Reply:
    """An endpoint's answer: HTTP status and JSON body."""

    status: int
    body: Json


Endpoint = Callable[[Request], Awaitable[Reply]]


@dataclass(frozen=True)
class Route:
    """A path regex, how to name the method from its groups, and the endpoint."""

    pattern: str
    method: Callable[[tuple[str, ...]], str]
    endpoint: Endpoint


class Backend(Protocol):
    """What the HTTP layer needs from an emulator."""

    latency: float
    stopping: asyncio.Event
    calls: list[ApiCall]

    def take_fault(self, method: str) -> Fault | None:
        """The fault to apply to this call, if any."""

    def error_body(self, status: int, text: str) -> Json:
        """The JSON body of an HTTP error the emulator itself produces (404, injected 500...)."""

    def changed(self) -> None:
        """Wake waiters: a call arrived, was answered, or its client went away."""

    def internal_error(self, method: str, exc: Exception) -> None:
        """An endpoint crashed."""


def _decode(request: tornado.httputil.HTTPServerRequest) -> tuple[Json, str | None]:
    """Query, then JSON-object or form body parameters; the parse error, if any."""
    params: Json = {k: v[-1].decode() for k, v in request.query_arguments.items()}
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json") or (request.body[:1] in (b"{", b"[")):
        if not request.body:
            return params, None
        try:
            body: Any = json.loads(request.body)
        except ValueError:
            return params, "can't parse JSON request body"
        if not isinstance(body, dict):
            return params, "JSON request body must be an object"
        params.update(body)
        return params, None
    params.update({k: v[-1].decode() for k, v in request.body_arguments.items()})
    return params, None


class _Handler(tornado.web.RequestHandler):
    """One call: record, latency, fault, endpoint, JSON answer."""

    def initialize(self, server: LoopbackServer, route: Route | None) -> None:
        """Tornado hook: receive the server and the matched route (None = unknown path)."""
        self.server = server
        self.route = route
        self.disconnected = asyncio.Event()

    def on_connection_close(self) -> None:
        """Tornado hook: the client closed the connection."""
        self.disconnected.set()
        self.server.backend.changed()

    def check_xsrf_cookie(self) -> None:
        """API clients send no XSRF cookie."""

    async def post(self, *args: str) -> None:
        """Serve one call (counted so stop() can wait for it)."""
        self.server.active += 1
        try:
            await self._serve(tuple(args))
        finally:
            if not self._finished:
                self._drop()
            self.server.finished()

    get = post

    async def _serve(self, args: tuple[str, ...]) -> None:
        backend = self.server.backend
        route = self.route
        method = route.method(args) if route is not None else self.request.path
        params, parse_error = _decode(self.request)
        headers = {k.lower(): v for k, v in self.request.headers.get_all()}
        call = ApiCall(method, params, headers, self.request.body)
        backend.calls.append(call)
        backend.changed()
        if route is None:
            self._reply(call, Reply(404, backend.error_body(404, "Not Found")))
            return
        if backend.latency > 0:
            await asyncio.sleep(backend.latency)
        fault = backend.take_fault(method)
        if fault is not None:
            call.fault = fault.kind
            await self._fault(call, fault)
            return
        request = Request(method, args, headers, self.request.body, params, parse_error, self.disconnected)
        try:
            reply = await route.endpoint(request)
        except Exception as exc:  # an emulator bug: answer 500 visibly, not a silent disconnect
            backend.internal_error(method, exc)
            reply = Reply(500, backend.error_body(500, f"Internal Server Error: emulator bug {exc!r}"))
        self._reply(call, reply)

    def _closed(self) -> bool:
        stream = getattr(self.request.connection, "stream", None)
        return self.disconnected.is_set() or stream is None or stream.closed()

    def _drop(self) -> None:
        """Close the connection without an HTTP answer."""
        if not self._finished:
            with contextlib.suppress(Exception):
                self.detach().close()

    def _reply(self, call: ApiCall, reply: Reply) -> None:
        if self._closed():
            self._drop()
        else:
            self.set_status(reply.status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps(reply.body, ensure_ascii=False))
            call.status = reply.status
        self.server.backend.changed()

    async def _fault(self, call: ApiCall, fault: Fault) -> None:
        backend = self.server.backend
        if fault.kind in ("500", "502"):
            if fault.delay:
                await asyncio.sleep(fault.delay)
            status = int(fault.kind)
            text = "Internal Server Error" if status == 500 else "Bad Gateway"
            self._reply(call, Reply(status, backend.error_body(status, text)))
            return
        if fault.kind == "timeout":
            waits = [asyncio.ensure_future(e.wait()) for e in (self.disconnected, backend.stopping)]
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
        self._drop()
        backend.changed()


class LoopbackServer:
    """Owns the tornado HTTPServer bound to a random free port on 127.0.0.1."""

    def __init__(self, backend: Backend, routes: Sequence[Route]) -> None:
        self.backend = backend
        self.routes = list(routes)
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
        handlers: list[Any] = [(r.pattern, _Handler, {"server": self, "route": r}) for r in self.routes]
        app = tornado.web.Application(
            handlers,
            default_handler_class=_Handler,
            default_handler_args={"server": self, "route": None},
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._http = tornado.httpserver.HTTPServer(app, max_body_size=10 * 1024 * 1024)
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
