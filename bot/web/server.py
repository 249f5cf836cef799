"""The bot's one web server (tornado, already a dependency through python-telegram-bot's webhooks).

Channels and the file links add ``Route`` values: a path pattern, the methods it answers, an
async handler, the largest body it takes and, for webhooks, ``admit``: a check of the headers
that runs before any of the body is read (a wrong secret is refused without reading a byte of
what the sender wanted to say, and the connection closed). A body announced larger than the
route's limit is answered 413 unread; a body sent without a length is cut off at the limit.
A route may cap the requests it serves at once (``max_open``): one more is answered 503 before
its body is read. The server knows nothing of any channel; the wiring (bot/app.py) decides what it serves.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

__all__ = ["Admit", "Handler", "Request", "Response", "Route", "WebServer"]

log = logging.getLogger(__name__)

DEFAULT_BODY = 64 * 1024


@dataclass(frozen=True)
class Request:
    """One request as a route's handler sees it."""

    method: str
    path: str
    args: tuple[str, ...]  # the pattern's groups
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    """What a handler answers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any) -> Response:
        """A JSON answer."""
        return cls(status, json.dumps(value, ensure_ascii=False).encode())


Handler = Callable[[Request], Awaitable[Response]]
Admit = Callable[[Mapping[str, str]], Response | None]  # headers -> a refusal, or None to go on


@dataclass(frozen=True)
class Route:
    """A path (a regular expression matched in full), its methods and its handler."""

    pattern: str
    handle: Handler
    methods: tuple[str, ...] = ("POST",)
    max_body: int = DEFAULT_BODY
    admit: Admit | None = None
    max_open: int | None = None  # requests served at once (bodies being read included); more: 503


class _Gate:
    """How many requests of one route are open."""

    def __init__(self) -> None:
        self.open = 0


def _headers(request: tornado.httputil.HTTPServerRequest) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.get_all()}


@tornado.web.stream_request_body
class _RouteHandler(tornado.web.RequestHandler):
    """Serves one Route: header checks and limits before the body, then the handler."""

    SUPPORTED_METHODS = ("GET", "HEAD", "POST")

    def initialize(self, route: Route, gate: _Gate) -> None:
        """Tornado hook: the route this handler serves."""
        self.route = route
        self.gate = gate
        self.counted = False
        self.chunks: list[bytes] = []

    def _release(self) -> None:
        if self.counted:
            self.counted = False
            self.gate.open -= 1

    def on_finish(self) -> None:
        """Tornado hook: the answer went out."""
        self._release()

    def on_connection_close(self) -> None:
        """Tornado hook: the sender went away before the answer."""
        self._release()

    def check_xsrf_cookie(self) -> None:
        """Webhooks and links carry no XSRF cookie."""

    def _answer(self, response: Response) -> None:
        self.set_status(response.status)
        self.set_header("Content-Type", response.content_type)
        self.set_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.set_header(name, value)
        self.finish(b"" if self.request.method == "HEAD" else response.body)

    def prepare(self) -> None:
        """Before the body: method, declared size, the route's header check."""
        route = self.route
        method = "GET" if self.request.method == "HEAD" else (self.request.method or "")
        if method not in route.methods:
            self._answer(Response.json(405, {"ok": False, "description": "Method Not Allowed"}))
            return
        length = self.request.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > route.max_body:
            log.warning(
                "web: refused a %s-byte body for %s (limit %s)", length, self.request.path, route.max_body
            )
            self.set_header("Connection", "close")
            self._answer(Response.json(413, {"ok": False, "description": "Request Entity Too Large"}))
            return
        if route.admit is not None:
            refusal = route.admit(_headers(self.request))
            if refusal is not None:
                self.set_header("Connection", "close")
                self._answer(refusal)
                return
        if route.max_open is not None:
            if self.gate.open >= route.max_open:
                self.set_header("Connection", "close")
                self._answer(Response.json(503, {"ok": False, "description": "Service Unavailable"}))
                return
            self.gate.open += 1
            self.counted = True
        connection = self.request.connection
        if connection is not None and hasattr(connection, "set_max_body_size"):
            connection.set_max_body_size(route.max_body)  # a body without a length stops here

    def data_received(self, chunk: bytes) -> None:
        """Tornado hook: a piece of the body."""
        self.chunks.append(chunk)

    async def _serve(self, *args: str) -> None:
        request = Request(
            method=self.request.method or "",
            path=self.request.path,
            args=tuple(args),
            headers=_headers(self.request),
            query={k: v[-1].decode(errors="replace") for k, v in self.request.query_arguments.items()},
            body=b"".join(self.chunks),
        )
        try:
            response = await self.route.handle(request)
        except Exception:
            log.exception("web: %s %s failed", request.method, request.path)
            response = Response.json(500, {"ok": False, "description": "Internal Server Error"})
        self._answer(response)

    async def post(self, *args: str) -> None:
        """A POST to the route."""
        await self._serve(*args)

    async def get(self, *args: str) -> None:
        """A GET (or HEAD) to the route."""
        await self._serve(*args)

    head = get


class _NotFound(tornado.web.RequestHandler):
    def check_xsrf_cookie(self) -> None:
        """No cookies here."""

    def prepare(self) -> None:
        """Anything else: 404, body unread."""
        self.set_status(404)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Connection", "close")
        self.finish(b'{"ok":false,"description":"Not Found"}')


class WebServer:
    """The routes, and the tornado HTTPServer serving them."""

    def __init__(self, listen: str = "127.0.0.1", port: int = 8080) -> None:
        self.listen = listen
        self.requested_port = port
        self.routes: list[Route] = []
        self.port = 0
        self._http: tornado.httpserver.HTTPServer | None = None

    def add(self, route: Route) -> None:
        """Serve a route (wiring, before start)."""
        re.compile(route.pattern)  # a wrong pattern fails at wiring, not at the first request
        self.routes.append(route)

    def add_health(self, check: Callable[[], Awaitable[bool]]) -> None:
        """``GET /health``: 200 when ``check`` says the bot is well, else 503."""

        async def health(request: Request) -> Response:
            try:
                well = await check()
            except Exception:
                log.exception("web: health check failed")
                well = False
            return Response.json(200 if well else 503, {"ok": well})

        self.add(Route(r"/health", health, methods=("GET",)))

    async def start(self) -> int:
        """Listen (port 0: a free one) and return the port."""
        handlers: list[Any] = [(r.pattern, _RouteHandler, {"route": r, "gate": _Gate()}) for r in self.routes]
        app = tornado.web.Application(
            handlers, default_handler_class=_NotFound, log_function=lambda handler: None
        )
        largest = max([r.max_body for r in self.routes], default=DEFAULT_BODY)
        sockets = tornado.netutil.bind_sockets(self.requested_port, self.listen)
        self._http = tornado.httpserver.HTTPServer(app, max_body_size=largest)
        self._http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("web server listening on %s:%s", self.listen, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._http is None:
            return
        self._http.stop()
        await self._http.close_all_connections()
        self._http = None

    @property
    def base_url(self) -> str:
        """The local address (tests)."""
        return f"http://{self.listen}:{self.port}"
