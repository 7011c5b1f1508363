"""``actlab train``: replay a playground run (URL or flags) and report its losses."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

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


def _check_output(path: str | None, suffixes: tuple[str, ...], what: str) -> None:
    if path is None or path == "-":
        return
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise ActlabError(f"{what} must end in {' or '.join(suffixes)}, got {path!r}")
    if not target.parent.exists():
        raise ActlabError(f"directory {str(target.parent)!r} does not exist")


def run(args: argparse.Namespace) -> int:
    from actlab.playground import Trainer, fields

    if args.epochs < 0:
        raise ActlabError(f"--epochs must be >= 0, got {args.epochs}")
    fields.check_limits(epochs=args.epochs, enabled=not args.no_limits, names=LIMIT_NAMES)
    _check_output(args.json, (".json",), "--json")
    _check_output(args.plot, FORMATS, "--plot")
    cfg = config_from_args(args)
    for note in cfg.exceeds_ui():
        print(f"note: the playground's page cannot show this run: {note}", file=sys.stderr)
    describe_data(cfg, sys.stderr if args.json == "-" else sys.stdout)

    fields.check_limits(shapes=[cfg.network_shape], enabled=not args.no_limits,
                        names=LIMIT_NAMES)
    trainer = Trainer([cfg], backend=args.backend, limits=not args.no_limits)
    started = time.perf_counter()
    show = not args.quiet and args.json != "-"

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
    out = sys.stderr if args.json == "-" else sys.stdout  # keep JSON on stdout pure
    if result.diverged_at is not None:
        print(f"diverged at epoch {result.diverged_at}: loss became NaN/inf "
              f"(last finite train loss {result.last_finite_loss})", file=out)
    elif args.json != "-":
        print(f"epoch {result.epochs}: train loss {result.train_loss[-1]:.6f}, "
              f"test loss {result.test_loss[-1]:.6f}")
    if args.json != "-":
        print(f"replay: {result.url}")
    if args.json:
        text = json.dumps(result.to_dict(), indent=1)
        if args.json == "-":
            sys.stdout.write(text + "\n")
        else:
            _write_atomic(Path(args.json), text + "\n")
    if args.plot:
        from actlab.plots import save_figure
        from actlab.plots.playground import run_figure

        save_figure(run_figure(trainer), args.plot)
    return 0


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
