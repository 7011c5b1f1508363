"""``actlab serve``: the browser playground, trained by actlab's engine on this machine."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import threading
import webbrowser

from actlab.errors import ActlabError

_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
MISSING_EXTRA = "actlab serve needs the web extra: pip install 'actlab[web]'"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="open the playground in a browser (training runs here)",
        description=(
            "Serve the TensorFlow-Playground-style page. Paste a playground URL's hash "
            "after the address (e.g. http://127.0.0.1:8000/#activation=relu&seed=0.59704) "
            "to open the same run: same data, same initial weights."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--allowed-hosts", default="", metavar="NAMES",
                        help="comma-separated host names the page may be opened under when "
                        "serving beyond loopback (e.g. lab.example.org; '*' allows any). "
                        "Loopback names and IP addresses are always allowed")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument("--max-sessions", type=int, default=None, metavar="N",
                        help="most browser tabs served at once (default 8)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if any(importlib.util.find_spec(m) is None for m in ("starlette", "uvicorn", "websockets")):
        raise ActlabError(MISSING_EXTRA)
    from actlab.web.limits import Limits
    from actlab.web.server import bind, is_loopback, make_server, warm_up

    if not 0 <= args.port <= 65535:
        raise ActlabError(f"--port must be 0..65535, got {args.port}")
    limits = Limits()
    if args.max_sessions is not None:
        if args.max_sessions < 1:
            raise ActlabError(f"--max-sessions must be >= 1, got {args.max_sessions}")
        limits = Limits(max_sessions=args.max_sessions)
    allowed = [h.strip() for h in args.allowed_hosts.split(",") if h.strip()]
    for name in allowed:
        if name != "*" and not _HOST_NAME.fullmatch(name):
            raise ActlabError(
                f"--allowed-hosts: {name!r} is not a host name (letters, digits, '-', '.'; "
                "or '*' for any)"
            )
    if not is_loopback(args.host):
        sys.stderr.write(
            f"warning: listening on {args.host}: anyone who can reach this address can use "
            "the playground and run training on this machine\n"
        )
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    shown = args.host.strip("[]")
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/"
    print("actlab playground: preparing the training engine…", flush=True)
    warm_up()
    print(f"actlab playground at {url}  (Ctrl-C to stop)", flush=True)
    if args.open:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    make_server(args.host, limits, allowed_hosts=allowed).run(sockets=[sock])
    return 0
