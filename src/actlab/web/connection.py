"""One WebSocket connection: messages in, frames out, training paced on the server.

While playing, a task steps the engine several epochs per frame so that the requested
speed (epochs per second) is met while the page still gets about
:attr:`~actlab.web.limits.Limits.frame_rate` frames a second. The page acknowledges every
frame it draws; with :attr:`~actlab.web.limits.Limits.max_frames_in_flight` frames
unacknowledged the server keeps training but sends no more frames, so a slow page never
builds a queue. Engine work runs in a worker thread, one operation at a time per session,
so the event loop stays free for other tabs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from actlab.errors import ActlabError
from actlab.web.limits import Limits
from actlab.web.protocol import Message, parse_message
from actlab.web.session import Session

log = logging.getLogger("actlab.web")
T = TypeVar("T")

#: Epochs per second when a page starts playing (the playground: one epoch per frame).
DEFAULT_SPEED = 60.0
#: Share of a frame's time (at ``min_frame_rate``) that training always gets, however slow
#: frames are to build: on a busy machine the requested speed wins over the frame rate.
MIN_TRAIN_SHARE = 0.5
#: Seconds over which the achieved training speed is measured.
RATE_WINDOW = 1.0


def request_id() -> str:
    """A short random id naming one failure in the server's log and in the page."""
    return uuid.uuid4().hex[:10]


def internal_error(context: str) -> str:
    """Log the exception being handled with a fresh id; the text the client gets."""
    rid = request_id()
    log.exception("internal error (id %s) while %s", rid, context)
    return f"internal error (id {rid})"



class Connection:
    """Serve one page over ``websocket`` until it closes."""

    def __init__(self, websocket: WebSocket, limits: Limits, backend: str = "auto") -> None:
        self.ws = websocket
        self.limits = limits
        self.backend = backend
        self.session: Session | None = None
        self.playing = False
        self.speed = min(DEFAULT_SPEED, limits.max_epochs_per_second)
        self.sent = 0  # frames sent
        self.acked = 0  # last frame the page has drawn
        self._engine = asyncio.Lock()  # one engine operation at a time
        self._send_lock = asyncio.Lock()
        self._player: asyncio.Task[None] | None = None
        self._epoch_seconds = 0.0  # running estimates of one epoch's and one frame's cost
        self._frame_seconds = 0.0
        self._layout_sent = -1  # the session's layout_version the page has
        self._rate: deque[tuple[float, int]] = deque()  # (time, epoch) while playing

    # ------------------------------------------------------------------ main loop
    async def serve(self, url: str = "") -> None:
        """Send the first state — the run of playground ``url`` (a URL or its hash) if one is
        given, else the default — then handle messages until the page goes away."""
        try:
            self.session = await asyncio.to_thread(Session, self.limits, None, self.backend)
            await self._send(
                {
                    "type": "hello",
                    "limits": self.limits.to_dict(),
                    "speed": self.speed,
                }
            )
            if url:
                await self._open(url)
            await self._send_layout(rebuilt=True)
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self._handle(message.get("text"), message.get("bytes"))
        except WebSocketDisconnect:
            pass
        finally:
            await self._stop_playing()

    async def _open(self, url: str) -> None:
        """Load the page's URL before the first layout (an error leaves the default run)."""
        try:
            msg = parse_message(json.dumps({"type": "load", "url": url}), self.limits)
            outcome = await asyncio.to_thread(self._session.apply, msg.type, msg.args)
        except ActlabError as exc:
            await self._error(f"cannot open this page's URL: {exc}", "load")
            return
        except Exception:  # the default run still opens
            await self._error(internal_error("opening the page's URL"), "load")
            return
        for notice in outcome.notices:
            await self._send({"type": "notice", "message": notice})

    async def _handle(self, text: str | None, data: bytes | None) -> None:
        kind, fields = None, None
        try:
            msg = parse_message(text if text is not None else data, self.limits)
            kind = msg.type
            if kind == "set":
                fields = sorted(msg.args["changes"])
            await self._dispatch(msg)
        except ActlabError as exc:
            await self._error(str(exc), kind, fields)
        except WebSocketDisconnect:
            raise
        except Exception:  # the session must survive whatever a message does
            await self._error(internal_error(f"handling a {kind} message"), kind, fields)

    async def _dispatch(self, msg: Message) -> None:
        if msg.type == "ack":
            self.acked = max(self.acked, min(msg.args["frame"], self.sent))
            return
        if msg.type == "play":
            await self._start_playing()
            return
        if msg.type == "pause":
            await self._stop_playing()
            await self._send_status()
            return
        if msg.type == "speed":
            self.speed = msg.args["epochs_per_second"]
            await self._send_status()
            return
        if msg.type == "step":
            await self._stop_playing()
        await self._apply(msg)

    async def _apply(self, msg: Message) -> None:
        was_playing = self.playing
        async with self._engine:
            outcome = await asyncio.to_thread(self._session.apply, msg.type, msg.args)
            if outcome.rebuilt:
                self.playing = False
            for notice in outcome.notices:
                await self._send({"type": "notice", "message": notice})
            if outcome.reply is not None:
                await self._send(outcome.reply)
                return
            if msg.type in ("set", "load", "reset", "regenerate", "compare", "edit"):
                await self._send_layout_locked(outcome.rebuilt)
            else:
                await self._send_frame_locked()
        if outcome.rebuilt:
            await self._stop_playing()
            if was_playing:
                await self._send_status()

    # ------------------------------------------------------------------ playing
    async def _start_playing(self) -> None:
        if self.playing:
            return
        if self._session.all_diverged:
            await self._error("every run has diverged; press reset to start again", "play")
            return
        if self._session.epoch >= self.limits.max_epochs:
            await self._error(f"epoch limit ({self.limits.max_epochs}) reached", "play")
            return
        await self._stop_playing()  # a finishing player task
        self.playing = True
        self._rate.clear()
        self._player = asyncio.create_task(self._play())
        await self._send_status()

    async def _stop_playing(self) -> None:
        self.playing = False
        task, self._player = self._player, None
        if task is not None and task is not asyncio.current_task():
            await asyncio.gather(task, return_exceptions=True)

    async def _play(self) -> None:
        interval = 1.0 / self.limits.frame_rate
        backlog = 0.0
        last = time.perf_counter()
        try:
            while self.playing:
                tick = time.perf_counter()
                backlog = min(backlog + (tick - last) * self.speed, self.speed / 4 + 1)
                last = tick
                epochs = self._epochs_this_frame(backlog)
                if epochs:
                    backlog -= epochs
                    await self._train(epochs)
                if self.sent - self.acked < self.limits.max_frames_in_flight:
                    async with self._engine:
                        if self._session.layout_version != self._layout_sent:
                            await self._send_layout_locked(False)  # a logged change
                        else:
                            await self._send_frame_locked()
                if not self.playing:
                    await self._send_status()
                    break
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - tick)))
        except WebSocketDisconnect:
            self.playing = False
        except Exception:
            self.playing = False
            await self._error(f"training stopped: {internal_error('training')}", "play")

    def _epochs_this_frame(self, backlog: float) -> int:
        """The backlog, cut to what fits beside a frame at ``min_frame_rate``."""
        epochs = int(backlog)
        if self._epoch_seconds == 0:  # measure one epoch's cost before training more
            return min(epochs, 1)
        if self._epoch_seconds > 0:
            frame = 1.0 / self.limits.min_frame_rate
            budget = max(frame - self._frame_seconds, MIN_TRAIN_SHARE * frame)
            epochs = min(epochs, max(1, int(budget / self._epoch_seconds)))
        return epochs

    async def _train(self, epochs: int) -> None:
        async with self._engine:
            done, seconds = await _timed(self._session.step, epochs)
            if done:
                self._epoch_seconds = _smoothed(self._epoch_seconds, seconds / done)
            if done < epochs:
                self.playing = False
                await self._send(
                    {
                        "type": "notice",
                        "message": f"paused: epoch limit ({self.limits.max_epochs}) reached",
                    }
                )
            elif self._session.all_diverged:
                self.playing = False

    # ------------------------------------------------------------------ sending
    @property
    def _session(self) -> Session:
        assert self.session is not None
        return self.session

    async def _send_layout(self, rebuilt: bool) -> None:
        async with self._engine:
            await self._send_layout_locked(rebuilt)

    async def _send_layout_locked(self, rebuilt: bool) -> None:
        self._layout_sent = self._session.layout_version
        layout = await asyncio.to_thread(self._session.describe)
        layout["rebuilt"] = rebuilt
        await self._send(layout)
        await self._send_frame_locked(full_history=rebuilt)

    async def _send_frame_locked(self, full_history: bool = False) -> None:
        frame, seconds = await _timed(self._session.frame, full_history)
        self._frame_seconds = _smoothed(self._frame_seconds, seconds)
        self.sent += 1
        frame["frame"] = self.sent
        frame["playing"] = self.playing
        frame["achieved"] = self._achieved(frame["epoch"]) if self.playing else None
        await self._send(frame, encode=True)

    def _achieved(self, epoch: int) -> float | None:
        """Epochs per second trained over about the last second of playing."""
        now = time.perf_counter()
        samples = self._rate
        if samples and epoch < samples[-1][1]:
            samples.clear()
        samples.append((now, epoch))
        while len(samples) > 2 and now - samples[1][0] >= RATE_WINDOW:
            samples.popleft()
        (t0, e0), (t1, e1) = samples[0], samples[-1]
        return round((e1 - e0) / (t1 - t0), 1) if t1 - t0 >= 0.25 else None

    async def _send_status(self) -> None:
        await self._send({"type": "status", "playing": self.playing, "speed": self.speed})

    async def _error(
        self, message: str, request: str | None, fields: list[str] | None = None
    ) -> None:
        """An error for the page: ``request`` is the message type that failed and
        ``fields`` the config fields it tried to set (the page shows the error there)."""
        await self._send(
            {"type": "error", "message": message, "request": request, "fields": fields}
        )

    async def _send(self, payload: dict[str, Any], encode: bool = False) -> None:
        dump: Callable[[], str] = lambda: json.dumps(payload, allow_nan=False)  # noqa: E731
        text = await asyncio.to_thread(dump) if encode else dump()
        if self.ws.application_state != WebSocketState.CONNECTED:
            raise WebSocketDisconnect(1006)
        async with self._send_lock:
            await self.ws.send_text(text)


def _smoothed(estimate: float, sample: float) -> float:
    return sample if not estimate else 0.7 * estimate + 0.3 * sample


async def _timed(fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    """Run ``fn(*args)`` in a worker thread; its result and the seconds it ran there."""

    def run() -> tuple[T, float]:
        started = time.perf_counter()
        result = fn(*args)
        return result, time.perf_counter() - started

    return await asyncio.to_thread(run)
