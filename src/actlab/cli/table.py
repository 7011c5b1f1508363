"""``actlab table``: measured properties of activations, as a text table or JSON."""

from __future__ import annotations

import argparse
import json

from actlab import activations
from actlab.cli.plot import add_formula_option, add_param_option, resolve


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "table",
        help="measure activations: range, mean/std on N(0,1), saturation, cost",
        description=(
            "Measure each activation (default: all) on a grid over [-10, 10] and on "
            "10^6 N(0,1) samples; the method is printed under the table. "
            "Example: actlab table relu leaky_relu --param leaky_relu.negative_slope=0.05"
        ),
    )
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="activation names (default: every registry entry)")
    add_param_option(parser)
    add_formula_option(parser)
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of objects, one per activation")
    parser.add_argument("--no-timing", action="store_true",
                        help="skip the cost columns (output is then reproducible)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab import properties

    acts = resolve(args.names or activations.names(), args.param)
    rows = properties.measure_all(acts, timing=not args.no_timing)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(properties.format_table(rows))
    return 0
