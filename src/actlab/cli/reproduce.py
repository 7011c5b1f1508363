"""``actlab reproduce``: the whole lesson, measured, into one report with verdicts."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce",
        help="rebuild the lesson end to end: figures, experiments, report.html, claims.json",
        description="Regenerate the lesson's figures and properties table, run the tuned "
        "convergence comparison (circle, xor, gauss, spiral; lr tuned per activation, "
        "measured on held-out seeds, with a sensitivity panel), the vanishing-gradient, "
        "dying-unit and zero-centring experiments and the digits real-data study, and write "
        "report.html (one-screen summary first), claims.json (per claim and case: outcome, "
        "test, p-value, effect size and CI), measurements.json and figures/ into --out. "
        "About 6 minutes on 2 cores (default settings, fewer seeds than --full); --quick "
        "for a smoke test.",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--quick", action="store_true",
                   help="few seeds and epochs (seconds; numbers not meant to be read)")
    p.add_argument("--full", action="store_true",
                   help="the full protocol (40 tuning seeds, 80 held-out, ...; much longer)")
    p.add_argument("--db", metavar="FILE", default=None,
                   help="keep every playground run in this sweep store (SQLite) and resume "
                        "from it; default: a temporary store")
    p.add_argument("--backend", choices=("auto", "numba", "numpy"), default="auto",
                   help="training backend (default: numba when available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from actlab.errors import ActlabError
    from actlab.experiments.reproduce import reproduce, verdict_lines

    if args.quick and args.full:
        raise ActlabError("--quick and --full exclude each other")
    rep, files = reproduce(args.out, quick=args.quick, stream=sys.stderr, backend=args.backend,
                           db=args.db, full=args.full)
    for line in verdict_lines(rep):
        print(line)
    report = next(f for f in files if f.name == "report.html")
    print(f"report: {report}  ({len(files)} files, {rep.timings['total']:.0f} s)")
    return 0
