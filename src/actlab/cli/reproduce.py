"""``actlab reproduce``: the whole lesson, measured, into one report with verdicts."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce",
        help="rebuild the lesson end to end: figures, experiments, report.html, claims.json",
        description="Regenerate the lesson's figures and properties table, run the convergence "
        "comparison (circle, xor, gauss, spiral), the vanishing-gradient, dying-unit and "
        "zero-centring experiments, and write report.html (self-contained), claims.json "
        "(each claim with evidence and a computed verdict), measurements.json and figures/ "
        "into --out. About 3 minutes on 2 cores; --quick for a smoke test.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="few seeds and epochs (seconds; numbers not meant to be read)")
    p.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto",
                   help="training backend (default: numba when available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.experiments.reproduce import reproduce, verdict_lines

    rep, files = reproduce(args.out, quick=args.quick, stream=sys.stderr, backend=args.backend)
    for line in verdict_lines(rep):
        print(line)
    report = next(f for f in files if f.name == "report.html")
    print(f"report: {report}  ({len(files)} files, {rep.timings['total']:.0f} s)")
    return 0
