"""``actlab sweep``: run a grid of playground runs into an SQLite store, then query it."""

from __future__ import annotations

import argparse
import json
import sys
import time

from actlab.errors import ActlabError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="train any grid of playground runs (TOML spec) into an SQLite store; resumable",
        description="Sweeps: every combination of the spec's axes × seeds, trained on all "
        "cores (or a Ray cluster) and stored in one SQLite file. Re-running finishes an "
        "interrupted sweep and trains only new cells. See docs/sweeps.md.",
    )
    cmds = p.add_subparsers(dest="sweep_command", metavar="SUBCOMMAND",
                            parser_class=type(p))
    cmds.required = True

    r = cmds.add_parser("run", help="train what is missing from the store",
                        description="Train every run of SPEC not yet in --db; resumable.")
    r.add_argument("spec", metavar="SPEC", help="the sweep spec (TOML file)")
    _db(r)
    r.add_argument("--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: the number of cores, or this "
                   "process alone for sweeps under 2M network-epochs; 1 = this process)")
    r.add_argument("--ray", nargs="?", const=True, default=None, metavar="ADDRESS",
                   help="run on Ray: alone, start a local Ray; with ADDRESS (auto, "
                   "ray://host:10001) join a cluster (extra [ray])")
    r.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="runs per unit of work (default: up to 256, ~2 chunks per worker)")
    r.add_argument("--quiet", action="store_true", help="no progress line")
    r.set_defaults(func=_run)

    s = cmds.add_parser("status", help="sweeps in the store: runs done / total")
    _db(s)
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=_status)

    m = cmds.add_parser("summary", help="epochs to converge per group: median, IQR, 95%% CI",
                        description="Group a sweep's runs by --by and report epochs to reach "
                        "test loss <= tau: median, IQR, bootstrap 95%% CI of the median and "
                        "the share that never converge (the statistics of actlab compare).")
    _db(m)
    _query(m)
    m.add_argument("--json", action="store_true", help="print JSON")
    m.set_defaults(func=_summary)

    e = cmds.add_parser("export", help="write stored runs as JSON or CSV")
    _db(e)
    e.add_argument("--sweep", metavar="NAME", help="only this sweep (default: all)")
    fmt = e.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--json", metavar="PATH", help="write a JSON list of runs ('-': stdout)")
    fmt.add_argument("--csv", metavar="PATH", help="write one CSV line per run ('-': stdout)")
    e.add_argument("--curves", action="store_true",
                   help="include per-epoch train_loss/test_loss (JSON only)")
    e.set_defaults(func=_export)

    f = cmds.add_parser("plot", help="figure: median epochs to converge per group, with CI")
    _db(f)
    _query(f)
    f.add_argument("--out", required=True, metavar="FILE", help="PNG or SVG file")
    f.set_defaults(func=_plot)


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, metavar="PATH", help="the SQLite store")


def _query(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sweep", metavar="NAME", help="the sweep (needed if the store has several)")
    p.add_argument("--by", metavar="KEYS",
                   help="comma list of axes/config fields to group by (default: the sweep's "
                   "axes), e.g. activation,learning_rate")
    p.add_argument("--tau", type=float, default=None,
                   help="converged = test loss <= tau (default 0.01 if recorded, else the "
                   "smallest recorded)")


def _run(args: argparse.Namespace) -> int:
    from actlab.experiments.progress import BuildLine, ProgressLine
    from actlab.sweep import run
    from actlab.sweep.spec import load_spec
    from actlab.sweep.store import Store

    spec = load_spec(args.spec)
    if args.workers is not None and args.workers < 1:
        raise ActlabError(f"--workers must be >= 1, got {args.workers}")
    Store.open(args.db).close()  # refuse an unusable --db before anything trains
    progress = None if args.quiet else ProgressLine(
        f"sweep {spec.name}", unit="runs", scale=1 / spec.epochs)
    building = None if args.quiet else BuildLine()
    try:
        report = run(spec, args.db, workers=args.workers, ray=args.ray, progress=progress,
                     chunk_size=args.chunk_size, build_progress=building)
    finally:
        if building is not None:
            building.close()
        if progress is not None:
            progress.close()
    print(f"sweep {report.name}: {len(report.rows)}/{spec.size} runs stored in {args.db} "
          f"(trained {report.trained}, already stored {report.skipped}; "
          f"{report.seconds:.1f} s)")
    return 0


def _status(args: argparse.Namespace) -> int:
    from actlab.sweep.store import Store

    with Store.open(args.db, write=False) as store:
        sweeps = store.status()
    if args.json:
        print(json.dumps(sweeps, indent=1))
        return 0
    if not sweeps:
        print(f"{args.db}: no sweeps")
        return 0
    width = max(len(s["sweep"]) for s in sweeps)
    for s in sweeps:
        state = "done" if s["done"] >= s["total"] else "incomplete"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s["updated"]))
        print(f"{s['sweep'].ljust(width)}  {s['done']}/{s['total']} runs  "
              f"{s['epochs']} epochs  {state}  (updated {when})")
    return 0


def _rows_for_query(args: argparse.Namespace) -> tuple[list[dict], list[str], float, str]:
    from actlab.sweep.store import Store
    from actlab.sweep.summary import parse_by

    with Store.open(args.db, write=False) as store:
        names = store.sweep_names()
        name = args.sweep
        if name is None:
            if len(names) != 1:
                raise ActlabError(f"the store has {len(names)} sweeps "
                                  f"({', '.join(names) or 'none'}); choose one with --sweep")
            name = names[0]
        rows = store.rows(name)
        spec = json.loads(store.conn.execute(
            "SELECT spec FROM sweeps WHERE name = ?", (name,)).fetchone()[0])
    by = parse_by(args.by) if args.by else list(spec.get("axes", {}))
    taus = [float(t) for t in spec.get("taus", [])]
    tau = args.tau if args.tau is not None else (0.01 if 0.01 in taus else min(taus))
    return rows, by, tau, name


def _summary(args: argparse.Namespace) -> int:
    from actlab.sweep.summary import format_summary, summarize_rows

    rows, by, tau, name = _rows_for_query(args)
    groups = summarize_rows(rows, by, tau)
    if args.json:
        print(json.dumps({"sweep": name, "by": by, "tau": tau, "groups": groups}, indent=1))
    else:
        print(f"sweep {name}: {len(rows)} stored runs")
        print(format_summary(groups, by, tau))
    return 0


def _export(args: argparse.Namespace) -> int:
    from actlab.outputs import Outputs, check_output
    from actlab.sweep import load
    from actlab.sweep.summary import to_csv, to_json

    if args.csv and args.curves:
        raise ActlabError("--curves is available with --json only")
    path = args.json or args.csv
    flag = "--json" if args.json else "--csv"
    if path != "-":  # '-' is standard output; a file is checked before the (long) read
        check_output(path, what=flag, suffixes=(".json",) if args.json else (".csv",))
    rows = load(args.db, args.sweep, curves=args.curves)
    text = to_json(rows) if args.json else to_csv(rows)
    if path == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    else:
        with Outputs() as out:  # staged and renamed: complete or absent
            out.write_text(path, text)
    print(f"wrote {len(rows)} runs to {'standard output' if path == '-' else path}",
          file=sys.stderr)
    return 0


def _plot(args: argparse.Namespace) -> int:
    from actlab.plots import check_output_path, save_figure
    from actlab.plots.sweep import sweep_figure
    from actlab.sweep.summary import summarize_rows

    check_output_path(args.out)
    rows, by, tau, name = _rows_for_query(args)
    groups = summarize_rows(rows, by, tau)
    save_figure(sweep_figure(groups, by, tau, title=f"sweep {name}"), args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
