"""Running the app on uvicorn: in the foreground (``actlab serve``) or in a thread.

:class:`BackgroundServer` starts the real server on a free loopback port in a thread;
the browser tests and ``benchmarks/web_speed.py`` use it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence
from types import TracebackType

import uvicorn
from uvicorn.config import WS_PROTOCOLS

from actlab.errors import ActlabError
from actlab.web.app import LOOPBACK_HOSTS, create_app
from actlab.web.limits import Limits
from actlab.web.session import Session

log = logging.getLogger("actlab.web")


#: uvicorn's WebSocket implementation on the websockets library (the sans-I/O one where
#: this uvicorn has it).
_WS = "websockets-sansio" if "websockets-sansio" in WS_PROTOCOLS else "websockets"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; an :class:`ActlabError` if that is impossible."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ActlabError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ActlabError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def make_server(
    host: str,
    limits: Limits | None = None,
    backend: str = "auto",
    allowed_hosts: Sequence[str] = (),
) -> uvicorn.Server:
    """A uvicorn server for the app.

    Host headers naming a loopback host or one of ``allowed_hosts`` are served (``"*"``:
    any). Listening on a non-loopback interface, IP-address Hosts are served too (an
    address cannot be DNS-rebound); a name other than those needs ``allowed_hosts``.
    """
    allowed = [*LOOPBACK_HOSTS, *allowed_hosts]
    app = create_app(limits, allowed_hosts=allowed, backend=backend,
                     ip_literals=not is_loopback(host))
    config = uvicorn.Config(
        app, log_level="warning", ws=_WS, lifespan="off", ws_max_size=1 << 16
    )
    return uvicorn.Server(config)


def warm_up(backend: str = "auto") -> None:
    """Train one epoch of the default run, so that the engine's compiled kernel is ready
    (or loaded from Numba's cache) before the first page presses play. Run it before
    serving: compiling holds the interpreter, which would stall every open page."""
    try:
        Session(Limits(), backend=backend).step(1)
    except Exception:  # a failed warm-up only costs the first page some waiting
        log.exception("engine warm-up failed")


class BackgroundServer:
    """The real server on ``127.0.0.1`` and a free port, in a daemon thread."""

    def __init__(
        self, limits: Limits | None = None, host: str = "127.0.0.1", backend: str = "auto"
    ) -> None:
        self.sock = bind(host, 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/"
        self.server = make_server(host, limits, backend)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the playground server did not start")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
