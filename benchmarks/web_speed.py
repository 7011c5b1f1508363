"""How fast does ``actlab serve`` train and redraw? Epochs/s and frames/s for hidden [8, 8].

Starts the real server (uvicorn, 127.0.0.1, a free port) in this process and drives one
session over its WebSocket like a page that draws instantly: it loads a playground URL,
presses play at a requested speed and acknowledges every frame. With ``--browser`` the
page itself runs in headless Chromium (Playwright) and the counts are what it drew.

    .venv/bin/python benchmarks/web_speed.py            # WebSocket client
    .venv/bin/python benchmarks/web_speed.py --browser  # real page in Chromium

The target (issue #5): at least 60 epochs/s with the display at 20 frames/s or more.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from actlab.web.limits import Limits
from actlab.web.server import BackgroundServer, warm_up

URL = (
    "activation=tanh&batchSize=10&dataset=circle&learningRate=0.03&noise=0&"
    "networkShape=8,8&seed=0.59704&percTrainData=50&x=true&y=true&problem=classification"
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def over_websocket(base: str, speeds: list[float], seconds: float) -> list[dict[str, Any]]:
    from websockets.sync.client import connect

    results = []
    with connect(base.replace("http://", "ws://") + "ws", max_size=None) as ws:

        def until(kind: str) -> dict[str, Any]:
            while True:
                message = json.loads(ws.recv(timeout=600))
                if message["type"] == "error":
                    raise RuntimeError(message["message"])
                if message["type"] == kind:
                    return message

        ws.send(json.dumps({"type": "load", "url": URL}))
        until("config")
        until("frame")
        ws.send(json.dumps({"type": "step", "epochs": 2}))  # warm-up (JIT compile)
        until("frame")
        for speed in speeds:
            ws.send(json.dumps({"type": "reset"}))
            until("frame")
            ws.send(json.dumps({"type": "speed", "epochs_per_second": speed}))
            ws.send(json.dumps({"type": "play"}))
            first = until("frame")
            ws.send(json.dumps({"type": "ack", "frame": first["frame"]}))
            start, epoch0, frames = time.perf_counter(), first["epoch"], 0
            last = first
            while time.perf_counter() - start < seconds:
                last = until("frame")
                frames += 1
                ws.send(json.dumps({"type": "ack", "frame": last["frame"]}))
            elapsed = time.perf_counter() - start
            ws.send(json.dumps({"type": "pause"}))
            results.append(
                {
                    "speed": speed,
                    "epochs_per_s": (last["epoch"] - epoch0) / elapsed,
                    "frames_per_s": frames / elapsed,
                }
            )
    return results


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
    parser.add_argument("--browser", action="store_true", help="measure the page in Chromium")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per speed")
    parser.add_argument("--backend", default="auto", choices=["auto", "numba", "numpy"])
    args = parser.parse_args()
    limits = Limits()
    speeds = [60.0, 300.0, limits.max_epochs_per_second]
    warm_up(args.backend)  # compile (or load) the engine's kernel before serving
    with BackgroundServer(limits, backend=args.backend) as server:
        measure = in_browser if args.browser else over_websocket
        results = measure(server.url, speeds, args.seconds)
    where = "Chromium page" if args.browser else "WebSocket client"
    print(f"hidden [8, 8], tanh, circle, batch 10 — {where}, backend {args.backend}, "
          f"{args.seconds:g} s per speed")
    for r in results:
        print(f"requested {r['speed']:6.0f} epochs/s: {r['epochs_per_s']:7.1f} epochs/s, "
              f"{r['frames_per_s']:5.1f} frames/s")


if __name__ == "__main__":
    main()
