"""``actlab train``: replay a playground run (URL or flags) and report its losses."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError
from actlab.plots import FORMATS

#: (flag, config field, type, help) for every config key of the playground URL.
CONFIG_FLAGS: tuple[tuple[str, str, Any, str], ...] = (
    ("--activation", "activation", str, "hidden activation: any registry name (default tanh)"),
    ("--regularization", "regularization", str, "none, L1 or L2"),
    ("--regularization-rate", "regularization_rate", float, "regularization rate (>= 0)"),
    ("--learning-rate", "learning_rate", float, "learning rate (> 0; default 0.03)"),
    ("--batch-size", "batch_size", int, "batch size (>= 1; default 10)"),
    ("--dataset", "dataset", str,
     "circle, xor, gauss, spiral (classification) or reg-plane, reg-gauss (regression)"),
    ("--noise", "noise", float, "noise percent, 0..50 (default 0)"),
    ("--network-shape", "network_shape", str, "hidden layer sizes, e.g. 4,2 ('' for none)"),
    ("--seed", "seed", str, "seed string, as in the playground URL"),
    ("--perc-train-data", "perc_train_data", float, "percent of points to train on, 10..90"),
    ("--features", "features", str,
     "enabled inputs, comma list of x,y,xSquared,ySquared,xTimesY,sinX,sinY"),
    ("--problem", "problem", str, "classification or regression"),
)


def add_config_arguments(parser: argparse.ArgumentParser, *, activation: bool = True) -> None:
    """Flags for every playground config key; ``--url`` gives the base config."""
    group = parser.add_argument_group("run configuration (override --url)")
    group.add_argument("--url", help="a playground URL or its hash: the base configuration")
    group.add_argument("--data", metavar="CSV",
                       help="train on your own CSV file instead of a playground dataset: a "
                       "header, two or more numeric input columns, then label (two classes "
                       "-1/1, 0/1 or two names; or numbers for regression)")
    group.add_argument("--no-scale", dest="data_no_scale", action="store_true",
                       help="with --data: use the inputs as they are (default: each column "
                       "scaled linearly into the playground's [-6, 6])")
    for flag, field, typ, text in CONFIG_FLAGS:
        if flag == "--activation" and not activation:
            continue
        group.add_argument(flag, dest=f"cfg_{field}", type=typ, default=None, help=text)
    if activation:
        group.add_argument("--activation-param", dest="cfg_activation_params", action="append",
                           default=None, metavar="KEY=VALUE",
                           help="activation parameter, e.g. negative_slope=0.05 (repeatable)")
    from actlab.cli.plot import add_formula_option

    add_formula_option(group)
    group.add_argument("--init-zero", dest="cfg_init_zero", action="store_true", default=None,
                       help="start from all-zero weights and biases")


def config_from_args(args: argparse.Namespace):
    """The :class:`PlaygroundConfig` described by ``--url`` plus explicit flags."""
    from actlab import activations
    from actlab.playground import PlaygroundConfig
    from actlab.playground.datasets import REGRESSION_DATASETS

    base = PlaygroundConfig.from_url(args.url) if args.url else PlaygroundConfig()
    changes: dict[str, Any] = {}
    data_file = getattr(args, "data", None)
    if data_file is not None:
        from actlab.data import load_csv

        if args.cfg_dataset is not None:
            raise ActlabError("--data and --dataset exclude each other: train on a CSV file "
                              "or on a playground dataset")
        dataset = load_csv(data_file, scale=not args.data_no_scale,
                           problem=args.cfg_problem or "auto")
        changes.update(dataset.config_fields())
        if dataset.n_inputs > 2 and args.cfg_features is None:
            changes["features"] = ("x", "y")
    elif getattr(args, "data_no_scale", False):
        raise ActlabError("--no-scale applies to --data only")
    for key, value in vars(args).items():
        if not key.startswith("cfg_") or value is None:
            continue
        field = key[4:]
        if field == "problem" and data_file is not None:
            continue  # the CSV was read as this problem above
        if field == "regularization":
            value = None if value == "none" else value
        elif field == "network_shape":
            value = PlaygroundConfig.from_dict({"networkShape": value}).network_shape
        elif field == "features":
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        elif field == "activation_params":
            name = changes.get("activation", base.activation)
            params = {}
            for item in value:
                k, sep, v = item.partition("=")
                if not sep:
                    raise ActlabError(f"--activation-param must look like KEY=VALUE, got {item!r}")
                params[k] = activations.parse_param(name, k, v)
            value = params
        elif field == "dataset" and value in REGRESSION_DATASETS:
            changes["reg_dataset"] = value
            changes.setdefault("problem", "regression")
            continue
        elif field == "dataset":
            changes.setdefault("problem", "classification")
        changes[field] = value
    if "activation" in changes and "activation_params" not in changes:
        changes["activation_params"] = {}
    return base.replace(**changes)


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
    from actlab.playground import Trainer

    if args.epochs < 0:
        raise ActlabError(f"--epochs must be >= 0, got {args.epochs}")
    _check_output(args.json, (".json",), "--json")
    _check_output(args.plot, FORMATS, "--plot")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg = config_from_args(args)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    for note in cfg.exceeds_ui():
        print(f"note: the playground's page cannot show this run: {note}", file=sys.stderr)
    describe_data(cfg, sys.stderr if args.json == "-" else sys.stdout)

    trainer = Trainer([cfg], backend=args.backend)
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


def describe_data(cfg, out) -> None:
    """Print what CSV data a config trains on (its rows, scaling, labels, hash)."""
    if cfg.data is None:
        return
    from actlab.data import resolve

    dataset = resolve(cfg.data, cfg.data_path, scale=cfg.data_scale, problem=cfg.problem)
    print(dataset.describe(), file=out)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)
