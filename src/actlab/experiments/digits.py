"""Real data: scikit-learn's bundled handwritten digits (1,797 images of 8×8 pixels).

The lesson speaks about deep learning in general; the playground is 2-D toy data. This study
repeats the two central claims on real images, with many seeds trained at once:

* **data** — ``sklearn.datasets.load_digits`` (package data, never downloaded), inputs
  standardised with the training split's mean and standard deviation, one fixed stratified
  80/20 split (per class, a permutation from ``numpy.random.default_rng(0)``; the first 20%
  of each class is test);
* **networks** — an MLP 64-32-32-10 and a deep 64-[32×8]-10, the hidden activation
  throughout, softmax output, mean cross-entropy ``−(1/B) Σ log softmax(z)_y``;
* **training** — mini-batch SGD, batch 32 (a fresh permutation of the training set every
  epoch, the last batch smaller), plain or with momentum 0.9 (``v ← μv + g; w ← w − ηv``,
  PyTorch's convention);
* **initialisation** — *default*: PyTorch's ``nn.Linear`` (weights and biases
  U(−1/√fan_in, 1/√fan_in)); *matched*: He normal (std √(2/fan_in)) for ReLU-like
  activations, Glorot uniform (±√(6/(fan_in + fan_out))) for Tanh/Sigmoid, biases 0.

Seeds are integers; seed ``s`` fixes the initial weights (``default_rng([s, 1])``) and the
batch order (``default_rng([s, 2])``). Many networks — every seed and learning rate of one
activation — train at once: weights are stacked ``[S, out, in]`` and every step is one
batched matmul ``[S, B, n]`` per layer.

Protocol: the rate is tuned per activation over {0.01, 0.03, 0.1, 0.3, 1, 3} on the tuning
seeds (lowest median epochs to training error ≤ 2%, ties → fewer never, then the smaller
rate), then measured on held-out seeds: epochs (and SGD steps) to training error ≤ 5%, 2%,
1%, and the final test error. A network stops training once its training error is ≤ 1% (its
final test error is measured there) or once it diverged (error counted as 100%); otherwise
it trains for the whole budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from actlab import activations as registry
from actlab.errors import ActlabError
from actlab.experiments.compare import ActivationChoice
from actlab.experiments.stats import median, summarize, text_table

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu:0.05")
RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
TARGETS = (0.05, 0.02, 0.01)
MAIN_TARGET = 0.02
BATCH = 32
MOMENTUM = 0.9
NETWORKS = {"mlp": (32, 32), "deep": (32,) * 8}
#: Panels: (initialisation, optimiser).
PANELS = (("default", "sgd"), ("matched", "sgd"), ("default", "momentum"))
RELU_LIKE = ("relu", "leaky_relu", "elu")


@lru_cache(maxsize=1)
def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: standardised, stratified 80/20, fixed."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ActlabError("the digits study needs scikit-learn: pip install "
                          "'actlab[digits]'") from None
    d = load_digits()
    x, y = np.asarray(d.data, dtype=np.float64), np.asarray(d.target, dtype=np.int64)
    rng = np.random.default_rng(0)
    test = np.zeros(y.size, dtype=bool)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[:int(round(0.2 * idx.size))]] = True
    mean = x[~test].mean(axis=0)
    std = x[~test].std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    out = (x[~test], y[~test], x[test], y[test])
    for a in out:
        a.setflags(write=False)
    return out


def layer_sizes(network: str) -> tuple[int, ...]:
    return (64, *NETWORKS[network], 10)


def initial_weights(seeds: Sequence[int], activation: str, network: str,
                    init: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Stacked weights ``[S, out, in]`` and biases ``[S, out]`` for each seed."""
    sizes = layer_sizes(network)
    name = ActivationChoice.parse(activation).name
    ws: list[list[np.ndarray]] = [[] for _ in sizes[1:]]
    bs: list[list[np.ndarray]] = [[] for _ in sizes[1:]]
    for s in seeds:
        rng = np.random.default_rng([int(s), 1])
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if init == "default":
                bound = 1.0 / math.sqrt(n_in)
                w = rng.uniform(-bound, bound, (n_out, n_in))
                b = rng.uniform(-bound, bound, n_out)
            elif init == "matched":
                if name in RELU_LIKE:
                    w = rng.normal(0.0, math.sqrt(2.0 / n_in), (n_out, n_in))
                else:
                    bound = math.sqrt(6.0 / (n_in + n_out))
                    w = rng.uniform(-bound, bound, (n_out, n_in))
                b = np.zeros(n_out)
            else:
                raise ActlabError(f"init must be default or matched, got {init!r}")
            ws[i].append(w)
            bs[i].append(b)
    return [np.stack(w) for w in ws], [np.stack(b) for b in bs]


def batch_orders(seeds: Sequence[int], epoch: int, n: int) -> np.ndarray:
    """The training-set permutation of every seed in ``epoch`` (0-based), ``[S, n]``."""
    return np.stack([np.random.default_rng([int(s), 2, epoch]).permutation(n) for s in seeds])


class DigitsTrainer:
    """S networks of one activation and shape, trained in lock-step (one per seed × rate).

    ``rates[i]`` is network ``i``'s learning rate, ``seeds[i]`` its seed.
    """

    def __init__(self, activation: str, network: str, init: str, optimiser: str,
                 seeds: Sequence[int], rates: Sequence[float]) -> None:
        if optimiser not in ("sgd", "momentum"):
            raise ActlabError(f"optimiser must be sgd or momentum, got {optimiser!r}")
        choice = ActivationChoice.parse(activation)
        self.f = registry.get(choice.name, **dict(choice.params))
        self.seeds = [int(s) for s in seeds]
        self.lr = np.asarray(rates, dtype=np.float64)
        self.momentum = MOMENTUM if optimiser == "momentum" else 0.0
        self.x, self.y, self.x_test, self.y_test = load()
        self.w, self.b = initial_weights(self.seeds, activation, network, init)
        self.vw = [np.zeros_like(w) for w in self.w]
        self.vb = [np.zeros_like(b) for b in self.b]
        self.epoch = 0
        self.alive = np.ones(len(self.seeds), dtype=bool)

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations and outputs per layer; logits last.

        ``x`` is ``[S, B, 64]`` (one batch per network) or ``[N, 64]`` (the same points for
        every network: the first layer is then one matrix product for all networks).
        """
        zs: list[np.ndarray] = []
        hs = [x]
        n = len(self.w)
        for i, (w, b) in enumerate(zip(self.w, self.b, strict=True)):
            h = hs[-1]
            if h.ndim == 2:
                s_, o_, in_ = w.shape
                z = (h @ w.transpose(2, 0, 1).reshape(in_, s_ * o_)).reshape(
                    h.shape[0], s_, o_).transpose(1, 0, 2)
                z = np.ascontiguousarray(z) + b[:, None, :]
            else:
                z = np.matmul(h, w.transpose(0, 2, 1)) + b[:, None, :]
            zs.append(z)
            hs.append(z if i == n - 1 else self.f(z))
        return zs, hs

    @staticmethod
    def _log_softmax(z: np.ndarray) -> np.ndarray:
        m = z.max(axis=-1, keepdims=True)
        return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[list[np.ndarray],
                                                               list[np.ndarray],
                                                               list[np.ndarray]]:
        """Mean cross-entropy gradients ``dW``, ``db`` and deltas ``∂L/∂z`` per layer."""
        zs, hs = self.forward(x)
        logp = self._log_softmax(zs[-1])
        delta = np.exp(logp)
        s_idx = np.arange(y.shape[0])[:, None]
        b_idx = np.arange(y.shape[1])[None, :]
        delta[s_idx, b_idx, y] -= 1.0
        delta /= y.shape[1]
        n = len(self.w)
        gw, gb, deltas = [None] * n, [None] * n, [None] * n
        for i in range(n - 1, -1, -1):
            if i < n - 1:
                delta = delta * self.f.derivative(zs[i])
            deltas[i] = delta
            h = hs[i] if hs[i].ndim == 3 else np.broadcast_to(hs[i], (len(self.seeds),
                                                                      *hs[i].shape))
            gw[i] = np.matmul(delta.transpose(0, 2, 1), h)
            gb[i] = delta.sum(axis=1)
            if i:
                delta = np.matmul(delta, self.w[i])
        return gw, gb, deltas  # type: ignore[return-value]

    def train_epoch(self, active: np.ndarray | None = None) -> None:
        """One epoch of mini-batch SGD (batch 32) for every network, or only the networks
        ``active`` (indices; the others keep their weights — stopped early)."""
        n = self.x.shape[0]
        order = batch_orders(self.seeds, self.epoch, n)
        full = active is None or len(active) == len(self.seeds)
        sel = slice(None) if full else np.asarray(active)
        w, b = [x[sel] for x in self.w], [x[sel] for x in self.b]
        vw, vb = [x[sel] for x in self.vw], [x[sel] for x in self.vb]
        lr = self.lr[sel][:, None, None]
        saved = self.w, self.b
        self.w, self.b = w, b  # gradients() reads self.w
        order = order[sel]
        with np.errstate(all="ignore"):
            for start in range(0, n, BATCH):
                idx = order[:, start:start + BATCH]
                gw, gb, _ = self.gradients(self.x[idx], self.y[idx])
                for i in range(len(w)):
                    if self.momentum:
                        vw[i] = self.momentum * vw[i] + gw[i]
                        vb[i] = self.momentum * vb[i] + gb[i]
                        gw[i], gb[i] = vw[i], vb[i]
                    w[i] -= lr * gw[i]
                    b[i] -= lr[:, :, 0] * gb[i]
        self.w, self.b = saved
        if full:
            self.w, self.b, self.vw, self.vb = w, b, vw, vb
        else:
            for i in range(len(w)):
                self.w[i][sel], self.b[i][sel] = w[i], b[i]
                self.vw[i][sel], self.vb[i][sel] = vw[i], vb[i]
        self.epoch += 1

    def evaluate(self, test: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Mean cross-entropy and error rate per network on the training (or test) set."""
        x, y = (self.x_test, self.y_test) if test else (self.x, self.y)
        with np.errstate(all="ignore"):
            logits = self.forward(x)[0][-1]
            logp = self._log_softmax(logits)
        loss = -logp[:, np.arange(y.size), y].mean(axis=1)
        err = (logits.argmax(axis=-1) != y[None, :]).mean(axis=1)
        bad = ~np.isfinite(loss)
        loss[bad], err[bad] = np.nan, 1.0
        return loss, err

    def first_last_ratio(self) -> tuple[np.ndarray, np.ndarray]:
        """Per network: first ÷ last layer RMS of the weight gradient and of the deltas on
        the whole training set (at the current weights)."""
        y = np.broadcast_to(self.y, (len(self.seeds), self.y.size))
        with np.errstate(all="ignore"):
            gw, _, deltas = self.gradients(self.x, y)

            def rms(a: np.ndarray) -> np.ndarray:
                return np.sqrt(np.mean(a**2, axis=(1, 2)))

            return rms(gw[0]) / rms(gw[-1]), rms(deltas[0]) / rms(deltas[-1])


@dataclass
class DigitsRuns:
    """Per network: epochs to each training-error target (inf = never), final errors."""

    seeds: list[int]
    rates: list[float]
    epochs_to: dict[float, np.ndarray]  # target -> [S]
    final_train_error: np.ndarray
    final_test_error: np.ndarray
    diverged: np.ndarray


def train_runs(activation: str, network: str, init: str, optimiser: str,
               seeds: Sequence[int], rates: Sequence[float], epochs: int,
               tick: Callable[[float], None] | None = None) -> DigitsRuns:
    """Train every (rate, seed) pair for ``epochs`` epochs, all at once."""
    pairs = [(r, s) for r in rates for s in seeds]
    tr = DigitsTrainer(activation, network, init, optimiser, [s for _, s in pairs],
                       [r for r, _ in pairs])
    reached = {t: np.full(len(pairs), np.inf) for t in TARGETS}
    last = min(TARGETS)
    _, err = tr.evaluate()
    for e in range(1, epochs + 1):
        # early stop: a network that reached the last target, or diverged, trains no more
        active = np.flatnonzero(np.isinf(reached[last]) & (err < 1.0))
        if active.size == 0:
            break
        tr.train_epoch(active)
        _, err = tr.evaluate()
        for t in TARGETS:
            hit = (err <= t) & np.isinf(reached[t])
            reached[t][hit] = e
        if tick is not None:
            tick(active.size)
    loss, _ = tr.evaluate()
    _, test_err = tr.evaluate(test=True)
    return DigitsRuns(seeds=[s for _, s in pairs], rates=[r for r, _ in pairs],
                      epochs_to=reached, final_train_error=err, final_test_error=test_err,
                      diverged=~np.isfinite(loss))


@dataclass
class DigitsStudy:
    """Tuning and held-out measurements for every network × panel × activation."""

    activations: list[str]
    rates: list[float]
    tune_seeds: list[int]
    held_seeds: list[int]
    budget: int
    steps_per_epoch: int
    best: dict[tuple[str, str, str, str], float]  # (network, init, optimiser, act) -> rate
    tuning: dict[tuple[str, str, str, str], dict[float, np.ndarray]]
    held: dict[tuple[str, str, str, str], DigitsRuns]
    ratios: dict[tuple[str, str, str], dict[str, np.ndarray]] = field(default_factory=dict)
    # (network, init, act) -> {"weights": [S], "deltas": [S]} at initialisation

    def panels(self) -> list[tuple[str, str, str]]:
        return sorted({k[:3] for k in self.best}, key=lambda k: (
            list(NETWORKS).index(k[0]), PANELS.index(k[1:])))

    def table(self) -> list[dict[str, Any]]:
        out = []
        for net, init, opt in self.panels():
            for a in self.activations:
                key = (net, init, opt, a)
                runs = self.held[key]
                row: dict[str, Any] = {"network": net, "init": init, "optimiser": opt,
                                       "activation": ActivationChoice.parse(a).label,
                                       "best_rate": self.best[key],
                                       "best_at_grid_edge": self.best[key] in (
                                           min(self.rates), max(self.rates))}
                for t in TARGETS:
                    s = summarize(runs.epochs_to[t], self.budget)
                    row[f"epochs_to_{t:g}"] = s.to_dict()
                    row[f"steps_to_{t:g}"] = (None if not math.isfinite(s.median) else
                                              s.median * self.steps_per_epoch)
                row["final_test_error_median"] = float(np.median(runs.final_test_error))
                row["diverged"] = int(runs.diverged.sum())
                out.append(row)
        return out

    def format_table(self) -> str:
        head = ["network", "init", "optimiser", "activation", "best lr",
                *[f"epochs to {100 * t:g}% (never)" for t in TARGETS],
                "steps to 2%", "test error"]
        rows = [head]
        for r in self.table():
            cells = [r["network"], r["init"], r["optimiser"], r["activation"],
                     f"{r['best_rate']:g}" + ("*" if r["best_at_grid_edge"] else "")]
            for t in TARGETS:
                s = r[f"epochs_to_{t:g}"]
                m = ">" + str(self.budget) if s["median"] is None else f"{s['median']:g}"
                cells.append(f"{m} ({s['never_converged']}/{s['n']})")
            st = r["steps_to_0.02"]
            cells.append("-" if st is None else f"{st:.0f}")
            cells.append(f"{100 * r['final_test_error_median']:.1f}%")
            rows.append(cells)
        text = text_table(rows)
        text.append(f"median epochs to training error ≤ 5/2/1% on {len(self.held_seeds)} "
                    f"held-out seeds ({self.held_seeds[0]}–{self.held_seeds[-1]}), each "
                    f"activation at its best rate (tuned on seeds {self.tune_seeds[0]}–"
                    f"{self.tune_seeds[-1]}; * = grid edge), budget {self.budget} epochs, "
                    f"{self.steps_per_epoch} steps per epoch; test error = median final.")
        return "\n".join(text)

    def epochs(self, network: str, init: str, optimiser: str, activation: str,
               target: float = MAIN_TARGET) -> np.ndarray:
        return self.held[(network, init, optimiser, activation)].epochs_to[target]

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": {"rates": self.rates, "tune_seeds": self.tune_seeds,
                         "held_out_seeds": self.held_seeds, "epochs": self.budget,
                         "batch": BATCH, "momentum": MOMENTUM,
                         "steps_per_epoch": self.steps_per_epoch,
                         "tuning_target": MAIN_TARGET},
            "table": self.table(),
            "tuning_median_epochs": {
                "|".join(k): {f"{r:g}": (None if not math.isfinite(m := median(v)) else m)
                              for r, v in t.items()} for k, t in self.tuning.items()},
            "gradient_ratios": {"|".join(k): {m: v.tolist() for m, v in r.items()}
                                for k, r in self.ratios.items()},
        }


def digits_study(
    activations: Sequence[str] = ACTIVATIONS,
    networks: Sequence[str] = tuple(NETWORKS),
    panels: Sequence[tuple[str, str]] = PANELS,
    rates: Sequence[float] = RATES,
    tune_seeds: int = 20,
    held_seeds: int = 20,
    epochs: int = 30,
    progress: Callable[[float, float], None] | None = None,
) -> DigitsStudy:
    """Tune and measure every network × panel × activation (seeds ``1..T`` tune, then
    ``T+1..T+H`` held out)."""
    tune = list(range(1, tune_seeds + 1))
    held = list(range(tune_seeds + 1, tune_seeds + held_seeds + 1))
    n_train = load()[0].shape[0]
    steps = math.ceil(n_train / BATCH)
    combos = [(n, i, o, a) for n in networks for i, o in panels for a in activations]
    cost = {n: sum(x * y for x, y in zip(layer_sizes(n)[:-1], layer_sizes(n)[1:],
                                         strict=True)) for n in networks}
    total = sum(cost[c[0]] * (len(rates) * len(tune) + len(held)) * epochs for c in combos)
    done = [0.0]

    def ticker(net: str) -> Callable[[float], None]:
        def tick(k: float) -> None:
            done[0] += k * cost[net]
            if progress is not None:
                progress(min(done[0], total), total)
        return tick

    with _one_blas_thread():
        return _study(activations, networks, panels, rates, tune, held, epochs, steps,
                      combos, ticker)


def _one_blas_thread() -> Any:
    """Limit BLAS to one thread: the batched matmuls are many small products, and a
    multi-threaded BLAS competing with other work for two cores slows them ~5×."""
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _study(activations: Sequence[str], networks: Sequence[str],
           panels: Sequence[tuple[str, str]], rates: Sequence[float], tune: list[int],
           held: list[int], epochs: int, steps: int, combos: list[tuple[str, str, str, str]],
           ticker: Callable[[str], Callable[[float], None]]) -> DigitsStudy:
    best, tuning, out = {}, {}, {}
    for key in combos:
        runs = train_runs(key[3], key[0], key[1], key[2], tune, rates, epochs,
                          ticker(key[0]))
        per_rate = {r: runs.epochs_to[MAIN_TARGET][j * len(tune):(j + 1) * len(tune)]
                    for j, r in enumerate(rates)}
        tuning[key] = per_rate
        best[key] = min(per_rate, key=lambda r: (median(per_rate[r]),
                                                 int(np.isinf(per_rate[r]).sum()), r))
        out[key] = train_runs(key[3], key[0], key[1], key[2], held, [best[key]], epochs,
                              ticker(key[0]))
    ratios = {}
    for net in networks:
        for init in sorted({i for i, _ in panels}):
            for a in activations:
                tr = DigitsTrainer(a, net, init, "sgd", held, [0.1] * len(held))
                w, d = tr.first_last_ratio()
                ratios[(net, init, a)] = {"weights": w, "deltas": d}
    return DigitsStudy(activations=list(activations), rates=[float(r) for r in rates],
                       tune_seeds=tune, held_seeds=held, budget=epochs, steps_per_epoch=steps,
                       best=best, tuning=tuning, held=out, ratios=ratios)
