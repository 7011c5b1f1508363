"""How fast does ``actlab serve`` train and redraw, for one tab and for five?

Starts the real server (uvicorn, 127.0.0.1, a free port) in this process and drives
sessions over its WebSocket like pages that draw instantly: each loads a playground URL,
presses play at a requested speed and acknowledges every frame. With ``--browser`` one page
runs in headless Chromium (Playwright) and the counts are what it drew.

    .venv/bin/python benchmarks/web_speed.py            # all measurements, WebSocket clients
    .venv/bin/python benchmarks/web_speed.py --browser  # one tab: the real page in Chromium

Measured, for hidden layers 6 × 8 with all 7 features (the playground's largest network):

- **one tab** at 60, 300 and the maximum epochs/s: epochs/s and frames/s received, and the
  ratio of the epochs/s to the bare engine's (``Trainer.step`` in a loop, measured in this
  process just before: what the web costs on top of training);
- **frame cost**: the server's time to build one frame (``Session.frame``) and its size;
- **five tabs** playing at the maximum at once: each one's frames/s and epochs/s, and the
  slowest tab's epochs/s over the fastest's (fair sharing);
- **a closed tab**: a 12 × 32, four-activation compare session playing at the maximum is
  closed; the time until its last engine call ends.

Targets (issue #11): one tab ≥ 60 epochs/s at ≥ 25 frames/s; five tabs each ≥ 12 frames/s
with slowest/fastest ≥ 0.7; a closed tab's work stops within 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from typing import Any

from actlab.playground import PlaygroundConfig, Trainer
from actlab.web.limits import Limits
from actlab.web.server import BackgroundServer, warm_up
from actlab.web.session import Session

URL = (
    "activation=tanh&batchSize=10&dataset=circle&learningRate=0.03&noise=0&"
    "networkShape=8,8,8,8,8,8&seed=0.59704&percTrainData=50&x=true&y=true&xTimesY=true&"
    "xSquared=true&ySquared=true&sinX=true&sinY=true&problem=classification"
)
BIG = "activation=relu&networkShape=32,32,32,32,32,32,32,32,32,32,32,32&seed=0.5"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class Tab:
    """One page over a WebSocket that draws instantly (acknowledges every frame)."""

    def __init__(self, base: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(base.replace("http://", "ws://") + "ws", max_size=None)
        self.bytes = 0

    def send(self, **message: Any) -> None:
        self.ws.send(json.dumps(message))

    def until(self, kind: str, check: Any = None) -> dict[str, Any]:
        while True:
            text = self.ws.recv(timeout=600)
            message = json.loads(text)
            if message["type"] == "error":
                raise RuntimeError(message["message"])
            if message["type"] == "frame":
                self.bytes = len(text)
                self.send(type="ack", frame=message["frame"])
            if message["type"] == kind and (check is None or check(message)):
                return message

    def open(self, url: str) -> None:
        self.send(type="load", url=url)
        self.until("config")
        self.until("frame")
        self.send(type="step", epochs=2)  # warm-up
        self.until("frame")

    def play(self, speed: float, seconds: float) -> dict[str, float]:
        self.send(type="speed", epochs_per_second=speed)
        self.send(type="play")
        first = self.until("frame")
        start, epoch0, frames, last = time.perf_counter(), first["epoch"], 0, first
        while time.perf_counter() - start < seconds:
            last = self.until("frame")
            frames += 1
        elapsed = time.perf_counter() - start
        self.send(type="pause")
        self.until("status", lambda m: not m["playing"])
        return {"speed": speed, "epochs_per_s": (last["epoch"] - epoch0) / elapsed,
                "frames_per_s": frames / elapsed, "frame_bytes": self.bytes}

    def close(self) -> None:
        self.ws.close()


def bare_engine(url: str, seconds: float) -> float:
    """Epochs/s of ``Trainer.step`` alone for ``url``'s network (the baseline)."""
    trainer = Trainer([PlaygroundConfig.from_url(url)])
    trainer.step(2)
    start, epochs = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        trainer.step(10)
        epochs += 10
    return epochs / (time.perf_counter() - start)


def frame_cost(url: str, repeats: int = 20) -> float:
    """Median seconds to build one frame of ``url``'s session."""
    session = Session(Limits())
    session.apply("load", {"url": url})
    session.step(2)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        json.dumps(session.frame())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def one_tab(base: str, speeds: list[float], seconds: float) -> list[dict[str, float]]:
    tab = Tab(base)
    tab.open(URL)
    results = []
    for speed in speeds:
        tab.send(type="reset")
        tab.until("frame", lambda m: m["epoch"] == 0)
        results.append(tab.play(speed, seconds))
    tab.close()
    return results


def five_tabs(base: str, speed: float, seconds: float) -> list[dict[str, float]]:
    tabs = [Tab(base) for _ in range(5)]
    for tab in tabs:
        tab.open(URL)
    results: list[dict[str, float]] = [{} for _ in tabs]
    ready = threading.Barrier(len(tabs))

    def run(k: int) -> None:
        ready.wait()
        results[k] = tabs[k].play(speed, seconds)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(tabs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tab in tabs:
        tab.close()
    return results


def closed_tab(base: str, speed: float) -> float:
    """Seconds from closing a busy tab until its last engine call returned."""
    calls: list[float] = []
    real = Trainer.step

    def step(self: Trainer, epochs: int = 1) -> None:
        real(self, epochs)
        calls.append(time.perf_counter())

    tab = Tab(base)
    tab.send(type="load", url=BIG)
    tab.until("frame")
    tab.send(type="compare", activations=["tanh", "sigmoid", "elu"])
    tab.until("frame")
    Trainer.step = step  # type: ignore[method-assign]
    try:
        tab.send(type="speed", epochs_per_second=speed)
        tab.send(type="play")
        tab.until("frame")
        time.sleep(1.0)
        closed = time.perf_counter()
        tab.ws.close()
        time.sleep(3.0)
    finally:
        Trainer.step = real  # type: ignore[method-assign]
    return max(0.0, max(calls) - closed) if calls else 0.0


def in_browser(base: str, speeds: list[float], seconds: float) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{base}#{URL}")
        stats = "() => window.actlab.stats"
        page.wait_for_function("() => window.actlab && window.actlab.stats.rendered >= 1")
        page.click("#next-step-button")  # warm-up (JIT compile)
        page.wait_for_function("() => window.actlab.stats.epoch >= 1", timeout=600_000)
        for speed in speeds:
            page.click("#reset-button")
            page.wait_for_function("() => window.actlab.stats.epoch === 0")
            page.select_option("#speed", str(int(speed)))
            page.click("#play-pause-button")
            page.wait_for_function("() => window.actlab.stats.epoch > 0")
            before = page.evaluate(stats)
            start = time.perf_counter()
            page.wait_for_timeout(seconds * 1000)
            after = page.evaluate(stats)
            elapsed = time.perf_counter() - start
            page.click("#play-pause-button")
            results.append(
                {
                    "speed": speed,
                    "epochs_per_s": (after["epoch"] - before["epoch"]) / elapsed,
                    "frames_per_s": (after["rendered"] - before["rendered"]) / elapsed,
                }
            )
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--browser", action="store_true", help="one tab: the page in Chromium")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--backend", default="auto", choices=["auto", "numba", "numpy"])
    args = parser.parse_args()
    limits = Limits()
    top = limits.max_epochs_per_second
    speeds = [60.0, 300.0, top]
    warm_up(args.backend)  # compile (or load) the engine's kernel before serving
    print("hidden 6 × 8, all 7 features, tanh, circle, batch 10; backend "
          f"{args.backend}; {args.seconds:g} s per measurement")
    bare = bare_engine(URL, args.seconds)
    print(f"bare engine (Trainer.step in a loop): {bare:7.1f} epochs/s")
    cost = frame_cost(URL)
    print(f"building one frame (Session.frame + JSON): {cost * 1000:5.1f} ms")
    with BackgroundServer(limits, backend=args.backend) as server:
        if args.browser:
            for r in in_browser(server.url, speeds, args.seconds):
                print(f"Chromium page, requested {r['speed']:6.0f} epochs/s: "
                      f"{r['epochs_per_s']:7.1f} epochs/s ({r['epochs_per_s'] / bare:4.2f} × "
                      f"bare), {r['frames_per_s']:5.1f} frames/s")
            return
        for r in one_tab(server.url, speeds, args.seconds):
            print(f"one tab, requested {r['speed']:6.0f} epochs/s: {r['epochs_per_s']:7.1f} "
                  f"epochs/s ({r['epochs_per_s'] / bare:4.2f} × bare), "
                  f"{r['frames_per_s']:5.1f} frames/s, {r['frame_bytes'] / 1000:.1f} kB/frame")
        tabs = five_tabs(server.url, top, args.seconds)
        for k, r in enumerate(tabs):
            print(f"five tabs at {top:.0f}: tab {k + 1}: {r['epochs_per_s']:7.1f} epochs/s, "
                  f"{r['frames_per_s']:5.1f} frames/s")
        rates = [r["epochs_per_s"] for r in tabs]
        print(f"five tabs: slowest/fastest epochs/s = {min(rates) / max(rates):.2f}, "
              f"lowest frames/s = {min(r['frames_per_s'] for r in tabs):.1f}")
        stop = closed_tab(server.url, top)
        print(f"closed 12 × 32 compare-×4 tab: its work ended {stop:.2f} s after closing")


if __name__ == "__main__":
    main()
