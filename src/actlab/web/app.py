"""The ASGI app behind ``actlab serve``: one page, a few JSON endpoints and a WebSocket.

Routes:

- ``GET /`` — the playground page (``static/index.html``); ``/static/...`` its assets;
- ``GET /api/info`` — version, limits, features and datasets;
- ``GET /api/activations`` — every registry activation, its parameters and f/f' curve;
- ``GET /api/datasets`` — the six dataset thumbnails;
- ``GET /api/config?url=...`` — a playground URL parsed: canonical hash and fields;
- ``WS /ws?url=...`` — one training session per connection, opening the playground URL
  (or hash) given, if any (see :mod:`actlab.web.connection`).

Only Host headers naming an allowed host are served — a defence against DNS rebinding
(see :class:`HostCheck`) — a WebSocket must come from a page of the same origin, and at
most ``limits.max_sessions`` sessions run at once. Every HTTP response, a 500 included,
carries the security headers; an unexpected exception is logged with a request id and the
client gets only ``internal error (id …)``.
"""

from __future__ import annotations

import ipaddress
import warnings
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from actlab import __version__
from actlab.errors import ActlabError
from actlab.playground import FEATURES, PlaygroundConfig
from actlab.playground.datasets import CLASSIFICATION_DATASETS, REGRESSION_DATASETS
from actlab.web import curves, thumbnails
from actlab.web.connection import Connection, internal_error
from actlab.web.limits import Limits

STATIC = Path(__file__).resolve().parent / "static"
#: Host names served by default: the loopback interface only.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: WebSocket close code when the server is full ("try again later").
CLOSE_FULL = 1013
CLOSE_POLICY = 1008

_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"
    ),
}


class _SecurityHeaders:
    """Add conservative security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in _HEADERS.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def split_host(header: str) -> str:
    """The host part of a ``Host`` header: ``[::1]:8000`` → ``::1``, ``a.b:80`` → ``a.b``."""
    header = header.strip().lower()
    if header.startswith("["):
        end = header.find("]")
        return header[1:end] if end > 0 else ""
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header  # a bare name, or an unbracketed IPv6 address


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class HostCheck:
    """Serve only requests whose ``Host`` names an allowed host (else 400).

    A DNS-rebinding attack reaches the server under the attacker's domain name, so names
    are checked against ``allowed`` (loopback names by default; ``"*"`` allows any).
    With ``ip_literals`` (serving on a non-loopback interface) any IP-address Host is
    accepted too: an address cannot be rebound.
    """

    def __init__(self, app: ASGIApp, allowed: Sequence[str], ip_literals: bool = False) -> None:
        self.app = app
        self.any = "*" in allowed
        self.allowed = {split_host(h) if h.startswith("[") else h.lower() for h in allowed}
        self.ip_literals = ip_literals

    def accepts(self, header: str) -> bool:
        host = split_host(header)
        if self.any or host in self.allowed:
            return True
        return self.ip_literals and _is_ip(host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if self.accepts(host):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": CLOSE_POLICY})
            return
        response = PlainTextResponse("Invalid host header", status_code=400)
        await response(scope, receive, send)


class _App(Starlette):
    """Starlette with the security headers outside every other layer (500s included)."""

    def build_middleware_stack(self) -> ASGIApp:
        return _SecurityHeaders(super().build_middleware_stack())


class SessionCounter:
    """How many sessions are open; refuses more than ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def try_acquire(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        return True

    def release(self) -> None:
        self.open = max(0, self.open - 1)


def create_app(
    limits: Limits | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    backend: str = "auto",
    ip_literals: bool = False,
) -> Starlette:
    """The playground app, serving the Host names in ``allowed_hosts`` (``"*"``: any) and,
    with ``ip_literals``, any IP-address Host (see :class:`HostCheck`).

    ``backend`` is the engine's (:class:`~actlab.playground.Trainer`): ``"auto"``,
    ``"numba"`` or ``"numpy"``.
    """
    limits = limits or Limits()
    counter = SessionCounter(limits.max_sessions)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    def info(request: Request) -> Response:
        return JSONResponse(
            {
                "version": __version__,
                "limits": limits.to_dict(),
                "features": list(FEATURES),
                "datasets": {
                    "classification": list(CLASSIFICATION_DATASETS),
                    "regression": list(REGRESSION_DATASETS),
                },
                "sessions": {"open": counter.open, "limit": counter.limit},
            }
        )

    def activations(request: Request) -> Response:
        return JSONResponse(curves.catalog())

    def datasets(request: Request) -> Response:
        return JSONResponse(thumbnails.thumbnails())

    def config(request: Request) -> Response:
        url = request.query_params.get("url", "")
        if len(url) > 4096:
            return JSONResponse({"error": "url is too long (limit 4096 characters)"}, 400)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cfg = PlaygroundConfig.from_url(url)
        except ActlabError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(
            {
                "hash": cfg.to_hash(),
                "url": cfg.to_url(),
                "config": cfg.to_dict(),
                "notices": [str(w.message) for w in caught],
            }
        )

    async def socket(websocket: WebSocket) -> None:
        if not _same_origin(websocket):
            await websocket.close(code=CLOSE_POLICY)
            return
        await websocket.accept()
        if not counter.try_acquire():
            await websocket.send_json(
                {
                    "type": "error",
                    "message": f"the server is busy: {counter.limit} sessions are open "
                    "(the limit); close another tab and reload",
                    "request": None,
                }
            )
            await websocket.close(code=CLOSE_FULL)
            return
        try:
            url = websocket.query_params.get("url", "")
            await Connection(websocket, limits, backend).serve(url)
        finally:
            counter.release()

    routes = [
        Route("/", index),
        Route("/api/info", info),
        Route("/api/activations", activations),
        Route("/api/datasets", datasets),
        Route("/api/config", config),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    async def crashed(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": internal_error(f"serving {request.url.path}")}, 500)

    middleware = [Middleware(HostCheck, allowed=list(allowed_hosts), ip_literals=ip_literals)]
    app = _App(routes=routes, middleware=middleware, exception_handlers={500: crashed})
    app.state.limits = limits
    app.state.sessions = counter
    return app


def _same_origin(websocket: WebSocket) -> bool:
    """A browser always sends Origin; it must name the host the page was served from."""
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser (a script or a test client)
        return True
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()
