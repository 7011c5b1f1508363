"""``actlab train``: replay a playground run (URL or flags) and report its losses."""

from __future__ import annotations

import argparse
import json
import sys
import time

from actlab.cli.common import (  # noqa: F401 (config_from_args: re-exported)
    LIMIT_NAMES,
    add_config_arguments,
    add_limits_argument,
    config_from_args,
    describe_data,
    printed_warnings,
)
from actlab.errors import ActlabError
from actlab.plots import FORMATS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train one playground network (URL or flags), print/save its losses",
        description="Replay a TensorFlow Playground run exactly: same data, same initial "
        "weights, same losses per epoch. Example: actlab train --url "
        "'https://playground.tensorflow.org/#activation=relu&seed=0.59704&...' --epochs 300",
    )
    add_config_arguments(p)
    p.add_argument("--epochs", type=int, default=300, help="epochs to train (default 300)")
    p.add_argument("--json", metavar="PATH", help="write the run as JSON ('-' for stdout)")
    p.add_argument("--plot", metavar="PATH", help="write the playground view as PNG/SVG")
    p.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto",
                   help="training backend (default: numba when available)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    add_limits_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.experiments.progress import BuildLine
    from actlab.outputs import Outputs, check_output, check_space
    from actlab.playground import Trainer, fields
    from actlab.playground.engine import run_json_bytes

    if args.epochs < 0:
        raise ActlabError(f"--epochs must be >= 0, got {args.epochs}")
    fields.check_limits(epochs=args.epochs, enabled=not args.no_limits, names=LIMIT_NAMES)
    json_path = None if args.json in (None, "-") else check_output(
        args.json, what="--json", suffixes=(".json",))
    plot_path = None if args.plot is None else check_output(
        args.plot, what="--plot", suffixes=FORMATS)
    cfg = config_from_args(args)
    fields.check_limits(shapes=[cfg.network_shape], enabled=not args.no_limits,
                        names=LIMIT_NAMES)
    if json_path is not None:  # its disk must hold the curves of every epoch
        check_space(json_path, run_json_bytes(cfg, args.epochs), what="--json")
    for note in cfg.exceeds_ui():
        print(f"note: the playground's page cannot show this run: {note}", file=sys.stderr)
    describe_data(cfg, sys.stderr if args.json == "-" else sys.stdout)
    show = not args.quiet and args.json != "-"
    building = BuildLine() if show else None
    try:
        trainer = Trainer([cfg], backend=args.backend, limits=not args.no_limits,
                          build_progress=building)
    finally:
        if building is not None:
            building.close()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not show:
            return
        tl, te = trainer.train_loss[0, -1], trainer.test_loss[0, -1]
        rate = done / max(time.perf_counter() - started, 1e-9)
        eta = (total - done) / rate if rate else 0.0
        end = "" if sys.stderr.isatty() else "\n"  # redraw one line on a terminal
        sys.stderr.write(f"\repoch {done:>6}/{total}  train loss {tl:.6f}  "
                         f"test loss {te:.6f}  ETA {eta:4.1f}s {end}")
        sys.stderr.flush()

    chunk = max(1, args.epochs // (20 if sys.stderr.isatty() else 5))
    trainer.run(args.epochs, progress=progress, chunk=min(chunk, 500))
    if show and sys.stderr.isatty():
        sys.stderr.write("\n")
    result = trainer.result(0)
    with Outputs() as out:  # both files appear, or neither
        if json_path is not None:
            out.write_text(json_path, json.dumps(result.to_dict(), indent=1) + "\n")
        if plot_path is not None:
            from actlab.plots.playground import run_figure

            out.save_figure(run_figure(trainer), plot_path)
    report = sys.stderr if args.json == "-" else sys.stdout  # keep JSON on stdout pure
    if result.diverged_at is not None:
        print(f"diverged at epoch {result.diverged_at}: loss became NaN/inf "
              f"(last finite train loss {result.last_finite_loss})", file=report)
    elif result.divergence is not None:
        print(f"diverged: {result.divergence}", file=report)
    if args.json != "-" and result.diverged_at is None:
        print(f"epoch {result.epochs}: train loss {result.train_loss[-1]:.6f}, "
              f"test loss {result.test_loss[-1]:.6f}")
    if args.json != "-":
        print(f"replay: {result.url}")
    if args.json == "-":
        sys.stdout.write(json.dumps(result.to_dict(), indent=1) + "\n")
    return 0
