"""Kernel speed of every activation, and the cold start of the kernel.

Per activation (every registry entry with default parameters, exact and tanh gelu, and
three formula activations): K = 256 networks of shape [4, 2] on circle (the workload of
``engine_speed.py``), trained by the fused kernel; the rate is network-epochs per CPU
second (all threads of this process: it does not drop when other processes take a core),
best of a few repetitions, and its ratio to ReLU measured in the same process. The issue's
bars: every activation >= 1/3 of ReLU's rate, tanh and sigmoid >= 1/2.

``--cold`` also measures the cold start in fresh subprocesses with an empty kernel cache
(``ACTLAB_KERNEL_CACHE``/``NUMBA_CACHE_DIR`` in a temporary directory): seconds until the
first epoch's losses of ``Trainer(...).step(1)`` (backend ``auto``: NumPy while the kernel
compiles in the background), until the kernel is ready, and the same with a warm cache.

    python benchmarks/activation_speed.py            # the table (~2 minutes)
    python benchmarks/activation_speed.py --cold     # plus cold-start timings
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from engine_speed import best_rate  # noqa: E402

from actlab import activations  # noqa: E402
from actlab.playground import PlaygroundConfig, Trainer  # noqa: E402

FORMULAS = {
    "f_swish17": "x*sigmoid(1.702*x)",
    "f_leaky": "x if x > 0 else 0.1*x",
    "f_sinerf": "sin(x) + erf(x)",
}
BASE = PlaygroundConfig(dataset="circle", batch_size=10, learning_rate=0.03,
                        perc_train_data=50, noise=0, network_shape=(4, 2))


def rate(activation: str, params: dict, k: int, min_time: float, repeats: int) -> float:
    cfgs = [BASE.replace(activation=activation, activation_params=params, seed=f"bench-{i}")
            for i in range(k)]
    tr = Trainer(cfgs, backend="numba")
    tr.step(1)  # compile or load outside the timing

    def run(n: int) -> None:
        tr.step(n)

    return best_rate(run, k, min_time, repeats)[1]


_COLD = """
import time, sys
t0 = time.perf_counter()
from actlab import activations
from actlab.playground import PlaygroundConfig, Trainer
if len(sys.argv) > 2:  # a formula activation: defined first (parse, f', checks)
    activations.define(sys.argv[1], sys.argv[2])
tr = Trainer([PlaygroundConfig(activation=sys.argv[1], seed="0.5")])
tr.step(1)
t1 = time.perf_counter()
waited = tr._waiting
if waited is not None:
    while not waited.ready():
        time.sleep(0.05)
t2 = time.perf_counter()
print(f"{t1 - t0:.2f} {t2 - t0:.2f}")
"""


def cold_start(activation: str, formula: str | None = None) -> tuple[str, str]:
    """Seconds from process start to the first epoch's losses and to a ready kernel, with
    an empty kernel cache and then with the cache that run left (``formula``: defined
    first, under the name ``activation``)."""
    extra = [] if formula is None else [formula]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "ACTLAB_KERNEL_CACHE": tmp,
               "NUMBA_CACHE_DIR": tmp}
        out = []
        for _ in range(2):  # cold, then warm (same cache)
            proc = subprocess.run([sys.executable, "-c", _COLD, activation, *extra], env=env,
                                  capture_output=True, text=True, check=True)
            out.append(proc.stdout.strip())
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=256)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="also measure cold starts")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="measure only these activations (repeatable; relu is always measured)")
    args = ap.parse_args()
    for name, text in FORMULAS.items():
        activations.define(name, text)
    rows = [(n, {}) for n in activations.names() if n not in FORMULAS]
    rows.insert(rows.index(("gelu", {})) + 1, ("gelu", {"approximate": "tanh"}))
    rows += [(n, {}) for n in FORMULAS]
    if args.only:
        rows = [r for r in rows if r[0] in {*args.only, "relu"}]
    rates = {}
    for name, params in rows:
        label = activations.get(name, **params).label
        rates[label] = rate(name, params, args.k, args.min_time, args.repeats)
    relu = rates["relu"]
    print(f"K = {args.k}, [4, 2], circle; network-epochs per CPU second (best of "
          f"{args.repeats}); ratio to relu in the same process\n")
    print("| activation | kind | net-epochs / CPU s | ÷ relu | bar |")
    print("|---|---|---:|---:|---|")
    for name, params in rows:
        label = activations.get(name, **params).label
        bar = 0.5 if name in ("tanh", "sigmoid") else 1 / 3
        ratio = rates[label] / relu
        kind = "formula" if name in FORMULAS else "built-in"
        mark = "ok" if ratio >= bar else f"below {bar:.2f}"
        print(f"| {label} | {kind} | {rates[label]:,.0f} | {ratio:.2f} | {mark} |")
    if args.cold:
        print("\ncold start (fresh cache dir), seconds: first epoch done / kernel ready")
        for name in ("relu", "tanh"):
            cold, warm = cold_start(name)
            print(f"  {name}: cold {cold}   warm cache {warm}")
        cold, warm = cold_start("swish17", "x*sigmoid(1.702*x)")
        print(f"  formula swish17 (defined in the process): cold {cold}   warm cache {warm}")
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
