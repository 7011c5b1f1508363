"""``actlab serve``: the TensorFlow Playground in the browser, trained by actlab's engine.

The page (``static/``, plain HTML/CSS/JS, no build step) only draws; training runs on
the server in :mod:`actlab.playground`, one session per browser tab over a WebSocket.

- :mod:`~actlab.web.app` — the Starlette app (needs the ``web`` extra);
- :mod:`~actlab.web.connection` — one WebSocket: messages in, paced frames out;
- :mod:`~actlab.web.session` — one tab's config, trainers and what the page draws;
- :mod:`~actlab.web.protocol` — validation of every message from the page;
- :mod:`~actlab.web.encode`, :mod:`~actlab.web.curves`, :mod:`~actlab.web.thumbnails` —
  packing numbers for the page;
- :mod:`~actlab.web.limits` — per-server and per-session limits.

Only :mod:`~actlab.web.app`, :mod:`~actlab.web.connection` and :mod:`~actlab.web.server`
import Starlette; ``import actlab`` never does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette


def create_app(*args: Any, **kwargs: Any) -> Starlette:
    """The playground's ASGI app (see :func:`actlab.web.app.create_app`)."""
    from actlab.web.app import create_app as _create_app

    return _create_app(*args, **kwargs)
