"""``actlab compare``: one playground config across activations × seeds, epochs to converge."""

from __future__ import annotations

import argparse
import json
import sys

from actlab.cli.common import (
    LIMIT_NAMES,
    add_config_arguments,
    add_limits_argument,
    config_from_args,
    describe_data,
)
from actlab.errors import ActlabError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="train one config with several activations over many seeds; epochs to converge",
        description="Train the same playground run with each activation and each seed (same "
        "seed = same data and initial weights), then report how many epochs each needs to "
        "reach test loss <= threshold: median, IQR, 95% bootstrap CI of the median and the "
        "share that never converge. Example: actlab compare --dataset xor --seeds 100 "
        "--epochs 3000 --plot xor.png",
    )
    p.add_argument("--activations", default="relu,tanh,sigmoid",
                   help="comma list of activations; parameters as name:value or "
                   "name:key=value, e.g. relu,tanh,leaky_relu:0.05 (default relu,tanh,sigmoid)")
    add_config_arguments(p, exclude=("activation", "activation_params"))
    seeds = p.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=int, default=100, metavar="N",
                       help="use seeds 0.00001 ... N/100000 (default 100)")
    seeds.add_argument("--seed-list", metavar="A,B,...",
                       help="comma list of seed strings, e.g. 0.12345,0.59704")
    p.add_argument("--epochs", type=int, default=3000, help="epoch budget (default 3000)")
    p.add_argument("--threshold", type=float, default=0.01,
                   help="converged = test loss <= this (default 0.01)")
    p.add_argument("--json", metavar="PATH", help="write runs and summaries as JSON")
    p.add_argument("--plot", metavar="PATH", help="write the figure (PNG or SVG)")
    p.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto",
                   help="training backend (default: numba when available)")
    p.add_argument("--db", metavar="PATH",
                   help="store the runs in this SQLite sweep store (actlab sweep ...); a "
                   "repeated or interrupted comparison trains only what is missing")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="local worker processes (default 1: this process, Numba on every core)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    add_limits_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.experiments.compare import (
        compare,
        format_table,
        json_bytes,
        parse_activations,
        seed_strings,
    )
    from actlab.experiments.progress import BuildLine, ProgressLine
    from actlab.outputs import Outputs, check_output, check_space
    from actlab.plots import FORMATS

    choices = parse_activations(args.activations)
    if args.seed_list is not None:
        seeds = [s.strip() for s in args.seed_list.split(",") if s.strip()]
        if not seeds:
            raise ActlabError("--seed-list must name at least one seed string")
    else:
        seeds = seed_strings(args.seeds)
    if args.epochs < 1:
        raise ActlabError(f"--epochs must be >= 1, got {args.epochs}")
    if args.workers < 1:
        raise ActlabError(f"--workers must be >= 1, got {args.workers}")
    from actlab.playground import fields

    if args.cfg_seed is not None:
        raise ActlabError("compare trains the seeds of --seeds or --seed-list; --seed is not "
                          "used (give --seed-list SEED for one seed)")
    fields.check_limits(seeds=len(seeds), epochs=args.epochs, enabled=not args.no_limits,
                        names=LIMIT_NAMES)
    json_path = None if args.json is None else check_output(
        args.json, what="--json", suffixes=(".json",))
    plot_path = None if args.plot is None else check_output(
        args.plot, what="--plot", suffixes=FORMATS)
    base = config_from_args(args)
    if json_path is not None:
        check_space(json_path, json_bytes(base, len(choices) * len(seeds)), what="--json")
    if args.db is not None:
        from actlab.sweep.store import Store

        Store.open(args.db).close()  # refuse an unusable --db before anything trains
    describe_data(base, sys.stdout)

    progress = None if args.quiet else ProgressLine(
        f"{base.data_source}: {len(choices)} activations × {len(seeds)} seeds",
        unit="runs", scale=1 / args.epochs)
    building = None if args.quiet else BuildLine()
    try:
        result = compare(base, choices, seeds, epochs=args.epochs, threshold=args.threshold,
                         progress=progress, backend=args.backend, db=args.db,
                         workers=args.workers, limits=not args.no_limits,
                         build_progress=building)
    finally:
        if building is not None:
            building.close()
    if progress is not None:
        progress.close()
    with Outputs() as out:  # written before printing: a closed pipe cannot lose them
        if json_path is not None:
            out.write_text(json_path, json.dumps(result.to_dict(), indent=1) + "\n")
        if plot_path is not None:
            from actlab.plots.experiments import comparison_figure

            out.save_figure(comparison_figure(result), plot_path)
    print(format_table(result))
    for label in result.activations:
        n_div = int((result.diverged_at[label] >= 0).sum())
        if n_div:
            print(f"warning: {n_div} {label} run(s) diverged (loss NaN/inf); counted as never "
                  "converged", file=sys.stderr)
    for choice in result.choices:
        r = result.median_run(choice.label)
        where = "" if choice.on_playground else " (the playground page lacks this activation)"
        print(f"median {choice.label} run: {r.url}{where}")
    return 0
