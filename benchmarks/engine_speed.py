"""Training speed of the playground engine: fused Numba kernel, NumPy path, PyTorch loop.

Unit: network-epochs per second: one network, one epoch (250 training points in batches
of 10, each with forward, backward and the updates), *including* that epoch's train and
test loss (500 more forward passes). Workload (issue #3): circle, 250 train / 250 test
points, batch 10, lr 0.03, ReLU, float64; K networks trained together (seeds from a pool
of 256, so networks differ in data and initial weights).

Every rate is measured in this process, next to a plain PyTorch loop (``nn.Sequential`` +
``torch.optim.SGD``, float64, one network at a time, default threads) on the same data,
so the printed ratios stay meaningful on a noisy machine: each measurement is repeated and
the best repetition kept. Also reported: the share of the machine's float64 matmul speed
(``np.matmul``, same process) that the kernel reaches on an analytic FLOP count, peak
memory at K = 4096 and the one-time JIT compilation cost (fresh cache vs. cached).

    python benchmarks/engine_speed.py            # full table (~10 minutes)
    python benchmarks/engine_speed.py --quick    # K = 1 and 256, short timings (~1 minute)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from actlab.playground import PlaygroundConfig, Trainer  # noqa: E402

SHAPES = ((4, 2), (8, 8), (8, 8, 8, 8, 8, 8))
KS = (1, 16, 256, 1024, 4096)
SEED_POOL = 256
BASE = PlaygroundConfig(activation="relu", dataset="circle", batch_size=10, learning_rate=0.03,
                        perc_train_data=50, noise=0)


def configs(shape: tuple[int, ...], k: int) -> list[PlaygroundConfig]:
    return [BASE.replace(network_shape=shape, seed=f"bench-{i % SEED_POOL}") for i in range(k)]


def best_rate(run: Callable[[int], None], units_per_call: int, min_time: float,
              repeats: int) -> tuple[float, float]:
    """Units per wall-clock second and per CPU second of ``run(n)`` (n epochs).

    ``n`` grows until one call takes ``min_time``; that ``n`` is then timed ``repeats``
    times and the fastest kept (other load on a shared machine only ever slows a run
    down). CPU seconds are this process's, all threads: per-CPU-second rates do not drop
    when another process takes a core away, so they show what the code does per core.
    """
    n = 1
    while True:
        t = time.perf_counter()
        run(n)
        dt = time.perf_counter() - t
        if dt >= min_time or n >= 1 << 20:
            break
        n *= 2 if dt < min_time / 4 else max(2, round(min_time / max(dt, 1e-9)))
    wall, cpu = 0.0, 0.0
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        run(n)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        wall = max(wall, n * units_per_call / dt)
        cpu = max(cpu, n * units_per_call / max(dc, 1e-9))
    return wall, cpu


# ---------------------------------------------------------------------------- engines
def actlab_rate(shape, k, backend, min_time, repeats) -> tuple[float, float]:
    tr = Trainer(configs(shape, k), backend=backend)
    tr.step(1)  # compile / warm up

    def run(n: int) -> None:
        tr.step(n)

    return best_rate(run, k, min_time, repeats)


def torch_loop(shape: tuple[int, ...]):
    """A plain PyTorch training loop for one network of ``shape`` on the benchmark data.

    Same computation as the playground: batches of 10 in stored order, loss
    ``mean ½ (out − y)²`` per batch (so the gradient is the playground's ``acc / count``),
    SGD with lr 0.03, ReLU hidden layers, tanh output, float64; train and test loss after
    every epoch. Initial weights are the playground's, so losses can be compared.
    """
    import torch
    from torch import nn

    cfg = configs(shape, 1)[0]
    tr = Trainer([cfg], backend="numpy")
    sizes = cfg.layer_sizes
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(tr.weights, tr.biases, strict=True)):
        lin = nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w[0]))
            lin.bias.copy_(torch.from_numpy(b[0]))
        layers += [lin, nn.ReLU() if i < len(sizes) - 2 else nn.Tanh()]
    net = nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=cfg.learning_rate)
    x, y = torch.from_numpy(tr.train_x[0]), torch.from_numpy(tr.train_y[0])
    tx, ty = torch.from_numpy(tr.test_x[0]), torch.from_numpy(tr.test_y[0])
    losses: list[tuple[float, float]] = []

    def epochs(n: int) -> None:
        for _ in range(n):
            for s in range(0, x.shape[0], cfg.batch_size):
                opt.zero_grad()
                out = net(x[s:s + cfg.batch_size]).squeeze(1)
                loss = 0.5 * ((out - y[s:s + cfg.batch_size]) ** 2).mean()
                loss.backward()
                opt.step()
            with torch.no_grad():
                losses.append((float(0.5 * ((net(x).squeeze(1) - y) ** 2).mean()),
                               float(0.5 * ((net(tx).squeeze(1) - ty) ** 2).mean())))

    return epochs, losses


def torch_rate(shape, min_time, repeats) -> tuple[float, float]:
    """(epochs per wall second, max relative loss difference from actlab, 5 epochs)."""
    epochs, losses = torch_loop(shape)
    epochs(5)
    ref = Trainer(configs(shape, 1), backend="numba")
    ref.step(5)
    ours = np.array(losses[:5]).T
    theirs = np.stack([ref.train_loss[0, 1:], ref.test_loss[0, 1:]])
    diff = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
    return best_rate(epochs, 1, min_time, repeats)[0], diff


# ---------------------------------------------------------------------------- machine
def flops_per_network_epoch(shape: tuple[int, ...], n_train=250, n_test=250, batch=10) -> int:
    """Arithmetic of one network-epoch, counted from the algorithm (each +, −, ×, ÷ is one
    flop; each activation evaluation one, although tanh costs ~40): a lower bound."""
    sizes = (2, *shape, 1)
    links = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    nodes = sum(sizes[1:])
    forward = 2 * links + nodes  # bias + Σ w·a, then f
    backward = (1 + 2 * nodes  # out − y; δ = d·f', acc_b += δ
                + 2 * links  # acc_w += δ·a
                + 2 * (links - sizes[0] * sizes[1]))  # d = Σ w·δ for hidden nodes
    loss = forward + 4  # e = out − y; s += ½·e·e
    update = 3 * nodes + 6 * links  # b −= lr·acc/count; w step, regularization, L1 test
    return (n_train * (forward + backward) + (n_train + n_test) * loss
            + (n_train // batch) * update)


def matmul_ceiling(seconds: float = 2.0) -> float:
    """float64 flop/s of a large ``np.matmul`` (BLAS, all cores, FMA): the machine's
    practical ceiling (the kernel, compiled without FMA contraction, can reach half)."""
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n))
    b = a.T.copy()
    a @ b
    best, t_end = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def _vm(field: str) -> float:
    """A ``/proc/self/status`` memory field in MiB (VmRSS now, VmHWM peak; Linux only)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(shape: tuple[int, ...], k: int) -> dict:
    """Memory of building and training K networks (run in a fresh subprocess), in MiB.

    tracemalloc sees NumPy's arrays (data, states, the kernel's packed copies), not the
    kernel's own scratch rows (a few node values per lane, negligible).
    """
    mib = 2**20
    before = _vm("VmRSS")
    cf = configs(shape, k)
    tracemalloc.start()
    tr = Trainer(cf, backend="numba")
    built, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    tr.step(2)
    trained, step_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"trainer_mb": built / mib, "trainer_peak_mb": build_peak / mib,
            "after_step_mb": trained / mib, "step_peak_mb": step_peak / mib,
            "rss_peak_mb": _vm("VmHWM"), "rss_before_mb": before}


def compile_probe() -> dict:
    """Seconds to the first trained epoch: imports, then Trainer + step (JIT or cache)."""
    t0 = time.perf_counter()
    import actlab.playground.kernel  # noqa: F401
    t1 = time.perf_counter()
    tr = Trainer(configs((4, 2), 8), backend="numba")
    t2 = time.perf_counter()
    tr.step(1)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "setup_s": t2 - t1, "first_step_s": t3 - t2}


def in_subprocess(probe: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, __file__, "--probe", probe, *args],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_note() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    try:
        import torch

        tv = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        tv = "torch not installed"
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, Numba {numba.__version__} "
            f"({numba.get_num_threads()} threads), {tv}; load average {load}")


# ---------------------------------------------------------------------------- main
def fmt(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:,.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or not b else f"{a / b:,.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="K = 1 and 256, short timings")
    ap.add_argument("--ks", type=int, nargs="+", help=f"numbers of networks (default {KS})")
    ap.add_argument("--shapes", nargs="+", help="hidden layers, e.g. 4,2 8,8")
    ap.add_argument("--min-time", type=float, help="seconds per timed call")
    ap.add_argument("--repeats", type=int, help="timed calls per measurement (best kept)")
    ap.add_argument("--no-numpy", action="store_true", help="skip the NumPy backend")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch baseline")
    ap.add_argument("--no-compile", action="store_true", help="skip the JIT-cost probe")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("probe_args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.probe:  # internal: one measurement in a fresh process, printed as JSON
        if a.probe == "memory":
            shape = tuple(int(v) for v in a.probe_args[0].split(","))
            print(json.dumps(memory_probe(shape, int(a.probe_args[1]))))
        else:
            print(json.dumps(compile_probe()))
        return

    ks = tuple(a.ks or ((1, 256) if a.quick else KS))
    shapes = (tuple(tuple(int(v) for v in s.split(",")) for s in a.shapes)
              if a.shapes else SHAPES)
    min_time = a.min_time or (0.3 if a.quick else 1.0)
    repeats = a.repeats or (2 if a.quick else 3)
    print(f"# actlab engine speed ({'quick' if a.quick else 'full'})")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {machine_note()}")
    results: dict = {"machine": machine_note(), "rows": [], "torch": {}}

    ceiling = matmul_ceiling()
    results["matmul_gflops"] = ceiling / 1e9
    print(f"float64 np.matmul ceiling: {ceiling / 1e9:.1f} GFLOP/s")

    torch_rates: dict[tuple, float | None] = {}
    for shape in shapes:
        if a.no_torch:
            torch_rates[shape] = None
            continue
        try:
            rate, diff = torch_rate(shape, min_time, repeats)
        except ImportError:
            torch_rates[shape] = None
            continue
        torch_rates[shape] = rate
        results["torch"][str(list(shape))] = {"epochs_per_s": rate, "max_rel_loss_diff": diff}
        print(f"PyTorch loop {list(shape)}: {fmt(rate)} epochs/s (its losses vs actlab's over "
              f"5 epochs: max rel. diff {diff:.1e})", flush=True)

    print()
    print("| hidden | K | actlab Numba (net-epochs/s) | per CPU-second | ÷ PyTorch loop "
          "| NumPy backend | ÷ PyTorch loop | Numba ÷ NumPy | FLOP share of matmul | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in shapes:
        flops = flops_per_network_epoch(shape)
        for k in ks:
            nb, nb_cpu = actlab_rate(shape, k, "numba", min_time, repeats)
            npy = None
            if not a.no_numpy:
                npy = actlab_rate(shape, k, "numpy", min_time, max(1, repeats - 1))[0]
            share = nb * flops / ceiling
            tr = torch_rates[shape]
            load = os.getloadavg()[0]
            row = {"shape": list(shape), "k": k, "numba": nb, "numba_per_cpu_s": nb_cpu,
                   "numpy": npy, "torch": tr, "flops_per_network_epoch": flops,
                   "matmul_share": share, "load1": load}
            results["rows"].append(row)
            print(f"| {list(shape)} | {k} | {fmt(nb)} | {fmt(nb_cpu)} | {ratio(nb, tr)} | "
                  f"{fmt(npy)} | {ratio(npy, tr)} | {ratio(nb, npy)} | {share:.1%} | "
                  f"{load:.1f} |", flush=True)

    print()
    for shape in shapes:
        m = in_subprocess("memory", ",".join(map(str, shape)), "4096")
        results.setdefault("memory_k4096", {})[str(list(shape))] = m
        print(f"memory, K = 4096 {list(shape)}: Trainer {m['trainer_mb']:.0f} MiB (peak "
              f"{m['trainer_peak_mb']:.0f} MiB while building), after training "
              f"{m['after_step_mb']:.0f} MiB (peak {m['step_peak_mb']:.0f} MiB); process peak "
              f"RSS {m['rss_peak_mb']:.0f} MiB", flush=True)

    if not a.no_compile:
        with tempfile.TemporaryDirectory() as cache:
            env = {"NUMBA_CACHE_DIR": cache}
            fresh = in_subprocess("compile", env=env)
            cached = in_subprocess("compile", env=env)
        results["compile"] = {"fresh": fresh, "cached": cached}
        print(f"JIT: first step {fresh['first_step_s']:.1f} s with an empty cache (compiles the "
              f"kernel for every activation), {cached['first_step_s']:.2f} s from the cache; "
              f"import {fresh['import_s']:.2f} s")
    print(f"load average at the end: {'/'.join(f'{v:.1f}' for v in os.getloadavg())}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
