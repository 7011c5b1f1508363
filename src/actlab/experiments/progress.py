"""A one-line progress display with ETA, for long experiments (written to stderr)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    minutes, s = divmod(seconds, 60)
    return f"{minutes}:{s:02d}"


class ProgressLine:
    """Callable ``progress(done, total)`` that rewrites one status line.

    On a terminal the line is redrawn in place (at most 10 times a second); elsewhere (a log
    file, a pipe) a full line is printed every ``log_every`` seconds, so logs stay short.
    ``unit`` names what ``done`` counts; ``scale`` converts it for display (e.g. network-
    epochs → runs); with ``unit=""`` only the percentage is shown. Nothing is shown during
    the first ``delay`` seconds (work that ends sooner stays silent); a ``transient`` line
    is erased from a terminal when the work is done, instead of being kept.
    """

    def __init__(
        self,
        label: str,
        unit: str = "runs",
        scale: float = 1.0,
        stream: TextIO | None = None,
        log_every: float = 5.0,
        delay: float = 0.0,
        transient: bool = False,
    ) -> None:
        self.label = label
        self.unit = unit
        self.scale = scale
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.1 if self.tty else log_every
        self.delay = delay
        self.transient = transient
        self.start = time.monotonic()
        self._last = -1e9
        self._drawn = False

    def __call__(self, done: float, total: float) -> None:
        now = time.monotonic()
        final = done >= total
        if now - self.start < self.delay:
            return
        if not final and now - self._last < self.interval:
            return
        self._last = now
        elapsed = now - self.start
        share = done / total if total else 1.0
        eta = elapsed * (1 - share) / share if share > 0 else float("nan")
        eta_text = _clock(eta) if eta == eta else "?"
        count = ""
        if self.unit:
            count = f"{done * self.scale:.0f}/{total * self.scale:.0f} {self.unit} "
        text = (
            f"{self.label}: {count}({100 * share:3.0f}%) "
            f"elapsed {_clock(elapsed)} ETA {eta_text}"
        )
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self._drawn = True
            if final:
                self.stream.write("\r\x1b[K" if self.transient else "\n")
                self._drawn = False
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End (or, if ``transient``, erase) a line left open on a terminal."""
        if self._drawn:
            self.stream.write("\r\x1b[K" if self.transient else "\n")
            self.stream.flush()
            self._drawn = False


class BuildLine:
    """``build_progress(built, total)`` for the CLI (:class:`~actlab.playground.Trainer`).

    Each build (it starts at ``built == 0``) gets its own transient :class:`ProgressLine`,
    shown only once that build has taken ``delay`` seconds: the usual builds stay silent,
    one of 10,000 networks or of millions of weights says how far it is.
    """

    def __init__(self, delay: float = 2.0, stream: TextIO | None = None) -> None:
        self.delay = delay
        self.stream = stream
        self._line: ProgressLine | None = None

    def __call__(self, done: float, total: float) -> None:
        if self._line is None or done == 0:
            self.close()
            many = total > 1  # one network: its share of weights drawn, in percent
            self._line = ProgressLine("building networks" if many else "building the network",
                                      unit="networks" if many else "", stream=self.stream,
                                      delay=self.delay, transient=True)
        self._line(done, total)
        if done >= total:
            self._line = None

    def close(self) -> None:
        """Erase a line left on a terminal by an interrupted build."""
        if self._line is not None:
            self._line.close()
            self._line = None


def note(message: str, stream: TextIO | None = None) -> None:
    """One status line on stderr."""
    out = stream if stream is not None else sys.stderr
    out.write(message + "\n")
    out.flush()


class Work:
    """Counts work done across many steps and forwards ``(done, total)`` to a callback."""

    def __init__(self, total: float, progress: Callable[[float, float], None] | None) -> None:
        self.total = float(total)
        self.done = 0.0
        self.progress = progress

    def add(self, amount: float) -> None:
        self.done += amount
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)
