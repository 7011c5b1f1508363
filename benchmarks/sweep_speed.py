"""Sweep speed: store overhead, worker processes, Ray — ratios against baselines run here.

1. Store overhead: ``actlab.sweep.run`` (serial, curves kept, fresh store) against
   ``train_many`` on the same configs alone (256 runs × 300 epochs). Goal ≤ 1.05×.
2. Processes: the lesson's full check (4 datasets × 3 activations × seeds × epochs) with
   ``--workers`` 2 against one worker process (one Numba thread); rate = network-epochs/s.
   Goal ≥ 1.7× on 2 cores; the full sweep's wall time (goal < 30 s).
3. Ray on one machine: the same sweep on a local Ray (started once, its start-up time
   stated separately) against local processes. Goal within 1.3×.

Each timing is the best of ``--repeat`` runs (other load only slows a run down). Run::

    .venv/bin/python benchmarks/sweep_speed.py                 # everything (several minutes)
    .venv/bin/python benchmarks/sweep_speed.py --seeds 25      # a quarter of the big sweep
    .venv/bin/python benchmarks/sweep_speed.py --only store
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from actlab import sweep
from actlab.playground import train_many
from actlab.sweep.backends import make_chunks, run_processes
from actlab.sweep.spec import load_spec
from actlab.sweep.store import Store


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def store_overhead(repeat: int, tmp: Path) -> dict:
    spec = {"name": "overhead", "epochs": 300, "seeds": 256, "curves": True,
            "base": {"dataset": "circle", "activation": "relu"}}
    configs = [r.config for r in load_spec(spec).runs()]
    train_many(configs, 1)  # warm the JIT cache and the data cache (seeded generation)
    counter = iter(range(10_000))

    def with_store() -> None:
        sweep.run(spec, tmp / f"o{next(counter)}.sqlite", workers=1)

    # interleave, so both see the same machine load
    t_plain, t_store = [], []
    for _ in range(repeat):
        t_plain.append(best(lambda: train_many(configs, 300), 1))
        t_store.append(best(with_store, 1))
    plain, stored = min(t_plain), min(t_store)
    return {"runs": 256, "epochs": 300, "train_many_s": round(plain, 3),
            "sweep_run_s": round(stored, 3), "ratio": round(stored / plain, 3)}


def lesson_spec(seeds: int, epochs: int) -> dict:
    return {"name": "lesson", "epochs": epochs, "seeds": seeds, "taus": [0.01],
            "curves": True,
            "axes": {"dataset": ["circle", "xor", "gauss", "spiral"],
                     "activation": ["relu", "tanh", "sigmoid"]}}


def processes(seeds: int, epochs: int, repeat: int, tmp: Path) -> dict:
    spec = load_spec(lesson_spec(seeds, epochs))
    runs = [(r.key, r.config) for r in spec.runs()]
    net_epochs = len(runs) * epochs
    chunks = make_chunks(runs, epochs, spec.taus, True, workers=2)
    one = best(lambda: list(run_processes(chunks, 1)), repeat)
    counter = iter(range(10_000))
    two = best(lambda: sweep.run(spec, tmp / f"p{next(counter)}.sqlite", workers=2), repeat)
    return {"runs": len(runs), "epochs": epochs, "network_epochs": net_epochs,
            "one_worker_s": round(one, 2), "one_worker_rate": round(net_epochs / one),
            "two_workers_s": round(two, 2), "two_workers_rate": round(net_epochs / two),
            "speed_up": round(one / two, 2)}


def ray_vs_processes(seeds: int, epochs: int, repeat: int, tmp: Path) -> dict:
    import ray

    spec = load_spec(lesson_spec(seeds, epochs))
    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - start
    counter = iter(range(10_000))
    try:
        # first call warms Ray's worker processes (their import of actlab and the kernel)
        sweep.run({**lesson_spec(1, 10), "name": "warm"}, tmp / "warm.sqlite", ray=True)
        t_ray = best(lambda: sweep.run(spec, tmp / f"r{next(counter)}.sqlite", ray=True),
                     repeat)
    finally:
        ray.shutdown()
    t_proc = best(lambda: sweep.run(spec, tmp / f"q{next(counter)}.sqlite", workers=2),
                  repeat)
    return {"ray_start_s": round(startup, 2), "ray_s": round(t_ray, 2),
            "processes_s": round(t_proc, 2), "ratio": round(t_ray / t_proc, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("store", "processes", "ray"), action="append")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()
    parts = args.only or ["store", "processes", "ray"]
    out: dict = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        Store.open(tmp / "init.sqlite").close()
        if "store" in parts:
            out["store"] = r = store_overhead(args.repeat, tmp)
            print(f"store overhead: train_many {r['train_many_s']} s, sweep.run "
                  f"{r['sweep_run_s']} s -> {r['ratio']}x  (goal <= 1.05x)")
        if "processes" in parts:
            out["processes"] = r = processes(args.seeds, args.epochs, args.repeat, tmp)
            print(f"processes: {r['network_epochs']:,} network-epochs; 1 worker "
                  f"{r['one_worker_s']} s ({r['one_worker_rate']:,}/s), 2 workers "
                  f"{r['two_workers_s']} s ({r['two_workers_rate']:,}/s) -> "
                  f"{r['speed_up']}x  (goal >= 1.7x, < 30 s)")
        if "ray" in parts:
            out["ray"] = r = ray_vs_processes(args.seeds, args.epochs, args.repeat, tmp)
            print(f"ray: start-up {r['ray_start_s']} s; sweep on Ray {r['ray_s']} s vs "
                  f"processes {r['processes_s']} s -> {r['ratio']}x  (goal <= 1.3x)")
    out["load_after"] = os.getloadavg()
    print(f"load average before {out['load_before']}, after {out['load_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
