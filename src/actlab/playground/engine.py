"""K playground networks trained at once, with the playground's exact training semantics.

The state of K networks of one shape lives in stacked arrays: ``weights[l]`` is
``[K, n_out, n_in]`` (the links into layer ``l + 1``), ``biases[l]`` is ``[K, n_out]``,
``dead[l]`` marks links killed by L1. One epoch, for every network (``nn.ts``):

* for each training point ``i`` in stored order: forward pass, error ``½ (out − label)²``,
  back-propagation, and each node's ``dE/dz`` and each link's ``dE/dw`` added to
  accumulators;
* when ``(i + 1) % batch_size == 0``: ``b −= lr·acc_b / count``, ``w −= (lr / count)·acc_w``,
  then regularization ``w −= lr·rate·R'(w_before)`` (L1: a weight that would cross zero is
  set to 0 and its link dies); accumulators are zeroed. Leftover points carry into the next
  epoch;
* after the epoch, train and test loss = mean ``½ (out − label)²``.

Within one batch the weights do not change, so the per-point sums are matrix products over
the batch's points: :func:`train_epochs_numpy` is that, vectorised over the K networks. A
fused kernel (:mod:`actlab.playground.kernel`, Numba) implements the same contract faster;
both are checked against runs made with the playground's own code.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from actlab import activations
from actlab.errors import ActlabError, ActlabNote, KernelUnavailable
from actlab.playground import fields
from actlab.playground.config import PlaygroundConfig
from actlab.playground.datasets import NUM_SAMPLES, Data, features, generate
from actlab.playground.rng import SeedRandom

REG_NONE, REG_L1, REG_L2 = 0, 1, 2
_REG_CODES = {None: REG_NONE, "L1": REG_L1, "L2": REG_L2}
INIT_BIAS = 0.1
#: A weight beyond this magnitude marks a run as diverged even while its loss stays finite
#: (a tanh output keeps the loss bounded while weights grow to 1e299).
WEIGHT_LIMIT = 1e6
#: Bumped whenever a change to the engine or kernel changes any trained number; part of
#: every stored run's key (:func:`actlab.sweep.spec.run_key`), so stale results are
#: never mistaken for current ones.
ENGINE_VERSION = "tfpg-1"

Progress = Callable[[int, int], None]
#: ``build_progress(built, total)``: networks built so far (a fraction within one large
#: network while its weights are drawn) out of the networks of one build.
BuildProgress = Callable[[float, float], None]


def whole_number(name: str, value: Any, lo: int = 0, hi: int | None = None) -> int:
    """``value`` as an ``int`` if it is a whole number in ``lo..hi`` (NumPy integers
    accepted; ``bool`` and ``1.5`` are not), else :class:`ActlabError` naming ``name``."""
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if ok and lo <= int(value) and (hi is None or int(value) <= hi):
        return int(value)
    allowed = f">= {lo}" if hi is None else f"in {lo}..{hi}"
    raise ActlabError(f"{name} must be a whole number {allowed}, got {fields._shown(value)}")


def _configs(configs: Any, what: str) -> list[PlaygroundConfig]:
    if isinstance(configs, PlaygroundConfig):
        return [configs]
    if isinstance(configs, str | bytes | dict) or not hasattr(configs, "__iter__"):
        raise ActlabError(f"{what} must be a PlaygroundConfig or a list of them, got "
                          f"{type(configs).__name__}")
    items = list(configs)
    for c in items:
        if not isinstance(c, PlaygroundConfig):
            raise ActlabError(f"{what} must hold PlaygroundConfig objects, got "
                              f"{type(c).__name__}")
    return items


# ---------------------------------------------------------------------------- set-up
Built = tuple[Data, tuple[np.ndarray, ...], tuple[np.ndarray, ...]]


@lru_cache(maxsize=4096)
def _build(
    seed: str,
    dataset: str,
    problem: str,
    noise: float,
    perc_train: float,
    layer_sizes: tuple[int, ...],
    init_zero: bool,
) -> Built:
    rng = SeedRandom(seed)
    return _finish(generate(dataset, problem, noise, perc_train, rng), rng, layer_sizes,
                   init_zero)


@lru_cache(maxsize=32)  # CSV data can be large: keep fewer splits than of generated sets
def _build_csv(
    seed: str,
    sha256: str,
    path: str | None,
    scale: bool,
    problem: str,
    columns: tuple[str, ...],
    perc_train: float,
    layer_sizes: tuple[int, ...],
    init_zero: bool,
) -> Built:
    from actlab.data import resolve

    dataset = resolve(sha256, path, scale=scale, problem=problem)
    if dataset.problem != problem or dataset.columns != columns:
        raise ActlabError(
            f"the config says {problem} on columns {', '.join(columns)}, but dataset "
            f"{sha256[:16]}... is {dataset.problem} on {', '.join(dataset.columns)}"
        )
    rng = SeedRandom(seed)  # no generator draws: the shuffle comes first, then the weights
    return _finish(dataset.split(rng, perc_train), rng, layer_sizes, init_zero)


#: Set while a Trainer builds with ``build_progress``: called with the share (0..1) of the
#: current network's weights drawn so far (only for networks large enough to take time).
_DRAW_PROGRESS: contextvars.ContextVar[Callable[[float], None] | None] = \
    contextvars.ContextVar("actlab_draw_progress", default=None)
#: Networks with at least this many weights report progress while their weights are drawn.
_DRAW_PROGRESS_MIN = 1 << 17


def _finish(data: Data, rng: SeedRandom, layer_sizes: tuple[int, ...], init_zero: bool) -> Built:
    """The initial weights and biases, drawn after the data as the page does."""
    weights, biases = [], []
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    total = weight_count(layer_sizes)
    hook = _DRAW_PROGRESS.get() if total >= _DRAW_PROGRESS_MIN else None
    drawn = 0
    for n_in, n_out in pairs:
        if init_zero:
            w = np.zeros((n_out, n_in))
        else:  # links are made node by node, each node's incoming links in order
            report = None
            if hook is not None:
                def report(done: int, _count: int, before: int = drawn,
                           hook: Callable[[float], None] = hook) -> None:
                    hook((before + done) / total)
            w = rng.random_array(n_out * n_in, progress=report)
            w -= 0.5  # in place: the same bits as ``w - 0.5``, without a second array
            w = w.reshape(n_out, n_in)
        drawn += n_in * n_out
        weights.append(w)
        biases.append(np.full(n_out, 0.0 if init_zero else INIT_BIAS))
    for a in (*weights, *biases, data.train_xy, data.train_labels, data.test_xy, data.test_labels):
        a.setflags(write=False)
    return data, tuple(weights), tuple(biases)


def _initial(config: PlaygroundConfig) -> Built:
    """The cached (read-only) data, weights and biases of ``config``'s page load."""
    if config.data is not None:
        return _build_csv(
            config.seed, config.data, config.data_path, config.data_scale, config.problem,
            config.data_columns, float(config.perc_train_data), config.layer_sizes,
            config.init_zero,
        )
    return _build(
        config.seed,
        config.data_source,
        config.problem,
        float(config.noise),
        float(config.perc_train_data),
        config.layer_sizes,
        config.init_zero,
    )


def initial_state(config: PlaygroundConfig) -> tuple[Data, list[np.ndarray], list[np.ndarray]]:
    """A fresh page load of ``config``'s URL: its data and initial weights and biases.

    Draws happen in the page's order (data, shuffle, then one ``random() − 0.5`` per link).
    Results are cached, so the same seed shared by many runs is generated once.
    """
    data, w, b = _initial(config)
    return data, [x.copy() for x in w], [x.copy() for x in b]


def weight_count(layer_sizes: tuple[int, ...]) -> int:
    """The number of links (weights) of a network with these layer sizes."""
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def build_memory(configs: Sequence[PlaygroundConfig]) -> int:
    """A lower bound, in bytes, of the memory a :class:`Trainer` of ``configs`` (one shape)
    needs: stacked weights, biases and their accumulators, the dead-link masks, the
    stacked data of generated datasets and the cached weights of one network."""
    first = configs[0]
    sizes = first.layer_sizes
    n_w, n_b = weight_count(sizes), sum(sizes[1:])
    points = 0 if first.data is not None else NUM_SAMPLES[first.problem]
    per_network = 16 * (n_w + n_b) + n_w + 8 * points * (sizes[0] + 1)
    return len(configs) * per_network + 8 * n_w


def physical_memory() -> int | None:
    """This machine's memory in bytes, or None where the system does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def check_memory(configs: Sequence[PlaygroundConfig]) -> None:
    """:class:`ActlabError` if building ``configs`` cannot fit in this machine's memory
    (:func:`build_memory` above :func:`physical_memory`): one line instead of minutes of
    swapping. Not a soft limit: ``limits=False`` does not lift it."""
    from actlab.outputs import size_text

    need, have = build_memory(configs), physical_memory()
    if have is None or need <= have:
        return
    n_w = weight_count(configs[0].layer_sizes)
    what = "1 network" if len(configs) == 1 else f"{len(configs):,} networks"
    verb = "needs" if len(configs) == 1 else "need"
    raise ActlabError(f"{what} of {n_w:,} weights {verb} at least {size_text(need)} of "
                      f"memory; this machine has {size_text(have)}: use fewer or smaller "
                      "networks")


@contextlib.contextmanager
def _drawing(hook: Callable[[float], None] | None) -> Iterator[None]:
    token = _DRAW_PROGRESS.set(hook)
    try:
        yield
    finally:
        _DRAW_PROGRESS.reset(token)


def network_inputs(config: PlaygroundConfig, xy: np.ndarray) -> np.ndarray:
    """The input layer's values at points ``xy [..., D]``: the enabled playground features
    of two-input data, or the columns themselves for more than two."""
    if len(config.data_columns) > 2:
        return np.asarray(xy, dtype=np.float64)
    return features(xy, config.features)


def group_key(config: PlaygroundConfig) -> tuple:
    """Configs with equal keys can train together as one stacked batch of networks."""
    return (
        config.layer_sizes,
        config.features,
        config.activation,
        tuple(sorted(config.activation_params.items())),
        config.problem,
        config.batch_size,
        config.data_source,  # same sample count
        config.data,
        float(config.perc_train_data),
    )


# ---------------------------------------------------------------------------- maths
@dataclass
class Network:
    """Activations of the K networks: hidden ``f`` and output (tanh or linear)."""

    hidden: activations.Activation
    output: activations.Activation

    @classmethod
    def of(cls, config: PlaygroundConfig) -> Network:
        return cls(
            activations.get(config.activation, **config.activation_params),
            activations.get(config.output_activation),
        )

    def act(self, layer: int, n_layers: int) -> activations.Activation:
        return self.output if layer == n_layers - 1 else self.hidden

    def forward(
        self, x: np.ndarray, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations ``zs[l]`` and outputs ``outs[l]`` (``outs[0] = x``), ``[K, P, n]``."""
        outs, zs = [x], []
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = np.matmul(outs[-1], w.transpose(0, 2, 1)) + b[:, None, :]
            zs.append(z)
            outs.append(self.act(layer, len(weights))(z))
        return zs, outs

    def backward(
        self,
        zs: list[np.ndarray],
        outs: list[np.ndarray],
        labels: np.ndarray,
        weights: Sequence[np.ndarray],
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Sums over the points of ``dE/dw`` ``[K, out, in]`` and ``dE/db`` ``[K, out]``."""
        n = len(weights)
        delta = (outs[-1][..., 0] - labels)[..., None]  # dE/d out of ½ (out − y)²
        grad_w, grad_b = [None] * n, [None] * n
        for layer in range(n - 1, -1, -1):
            delta = delta * self.act(layer, n).derivative(zs[layer])
            grad_w[layer] = np.matmul(delta.transpose(0, 2, 1), outs[layer])
            grad_b[layer] = delta.sum(axis=1)
            if layer:
                delta = np.matmul(delta, weights[layer])
        return grad_w, grad_b

    def loss(
        self,
        x: np.ndarray,
        labels: np.ndarray,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
    ) -> np.ndarray:
        """Mean ``½ (out − label)²`` per network, ``[K]``."""
        out = self.forward(x, weights, biases)[1][-1][..., 0]
        return np.mean(0.5 * (out - labels) ** 2, axis=1)


@dataclass
class State:
    """Everything that changes while K networks train (arrays stacked over K)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    dead: list[np.ndarray]
    acc_w: list[np.ndarray]
    acc_b: list[np.ndarray]
    pending: int = 0  # points accumulated since the last update


def update(
    state: State, lr: np.ndarray, reg_rate: np.ndarray, reg_kind: np.ndarray
) -> None:
    """One ``updateWeights`` of the playground, for all K networks."""
    count = state.pending
    lr3 = lr[:, None, None]
    rr3 = (lr * reg_rate)[:, None, None]
    kind3 = reg_kind[:, None, None]
    for layer, w in enumerate(state.weights):
        b = state.biases[layer]
        b -= lr[:, None] * state.acc_b[layer] / count
        dead = state.dead[layer]
        reg_der = np.where(kind3 == REG_L1, np.sign(w), np.where(kind3 == REG_L2, w, 0.0))
        stepped = w - (lr3 / count) * state.acc_w[layer]
        new = stepped - rr3 * reg_der
        killed = (kind3 == REG_L1) & (stepped * new < 0) & ~dead
        new = np.where(killed, 0.0, new)
        w[...] = np.where(dead, w, new)
        dead |= killed
        state.acc_w[layer][...] = 0.0
        state.acc_b[layer][...] = 0.0
    state.pending = 0


def train_epochs_numpy(
    net: Network,
    state: State,
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    lr: np.ndarray,
    reg_rate: np.ndarray,
    reg_kind: np.ndarray,
    batch_size: int,
    epochs: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``epochs`` epochs in place; return train and test loss ``[K, epochs]``."""
    n = train_x.shape[1]
    k = train_x.shape[0]
    losses = np.empty((2, k, epochs))
    for epoch in range(epochs):
        start = 0
        while start < n:
            # the next update comes after point i with (i + 1) % batch_size == 0, where i
            # counts within the epoch (leftovers of the last epoch stay accumulated)
            end = min(n, (start // batch_size + 1) * batch_size)
            zs, outs = net.forward(train_x[:, start:end], state.weights, state.biases)
            gw, gb = net.backward(zs, outs, train_y[:, start:end], state.weights)
            for layer in range(len(gw)):
                state.acc_w[layer] += np.where(state.dead[layer], 0.0, gw[layer])
                state.acc_b[layer] += gb[layer]
            state.pending += end - start
            if end % batch_size == 0:
                update(state, lr, reg_rate, reg_kind)
            start = end
        losses[0, :, epoch] = net.loss(train_x, train_y, state.weights, state.biases)
        losses[1, :, epoch] = net.loss(test_x, test_y, state.weights, state.biases)
    return losses[0], losses[1]


# ---------------------------------------------------------------------------- trainer
@dataclass
class RunResult:
    """One network's run: its config, loss curves and final parameters.

    ``train_loss``/``test_loss`` have ``epochs + 1`` entries (index 0 = untrained).
    ``diverged_at`` is the first epoch whose loss was NaN/inf (None if none); the curves
    hold NaN after it and ``last_finite_loss`` is the train loss just before it.
    ``exploded_at`` is the first epoch (as checked, at the end of each training call) at
    which a weight's magnitude exceeded :data:`WEIGHT_LIMIT`. :attr:`divergence` says, in
    words, why a run counts as diverged — NaN/inf loss, exploded weights, or (classification)
    a final loss above the untrained loss — or None.
    """

    config: PlaygroundConfig
    train_loss: np.ndarray
    test_loss: np.ndarray
    diverged_at: int | None
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    dead: list[np.ndarray] = field(default_factory=list)
    exploded_at: int | None = None

    @property
    def divergence(self) -> str | None:
        """Why this run diverged, in words, or None."""
        if self.diverged_at is not None:
            return f"loss became NaN/inf at epoch {self.diverged_at}"
        if self.exploded_at is not None:
            return (f"weights exceeded {WEIGHT_LIMIT:g} in magnitude by epoch "
                    f"{self.exploded_at}")
        first, last = self.train_loss[0], self.train_loss[-1]
        if self.config.problem == "classification" and self.epochs > 0 and last > first:
            return f"final train loss {last:.6g} is above the untrained loss {first:.6g}"
        return None

    @property
    def url(self) -> str:
        return self.config.to_url()

    @property
    def epochs(self) -> int:
        return len(self.train_loss) - 1

    @property
    def last_finite_loss(self) -> float | None:
        finite = self.train_loss[np.isfinite(self.train_loss)]
        return float(finite[-1]) if finite.size else None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (non-finite numbers become ``None``)."""
        cfg = self.config
        dead_links = []
        ids = _node_ids(cfg)
        for layer, mask in enumerate(self.dead):
            for o, i in zip(*np.nonzero(mask), strict=True):
                dead_links.append(f"{ids[layer][i]}-{ids[layer + 1][o]}")
        return {
            "config": cfg.to_dict(),
            "url": self.url,
            "epochs": self.epochs,
            "train_loss": _json_floats(self.train_loss),
            "test_loss": _json_floats(self.test_loss),
            "diverged_at": self.diverged_at,
            "exploded_at": self.exploded_at,
            "divergence": self.divergence,
            "last_finite_loss": self.last_finite_loss,
            "final": {
                "weights": [_json_floats(w) for w in self.weights],
                "biases": [_json_floats(b) for b in self.biases],
                "dead_links": dead_links,
            },
        }


def run_json_bytes(config: PlaygroundConfig, epochs: int) -> int:
    """A lower bound of the size of a run's JSON (:meth:`RunResult.to_dict` written with
    ``indent=1``, as ``actlab train --json`` does): at least 7 bytes (``"  null,\\n"``) for
    each number of the two loss curves and the final weights and biases."""
    sizes = config.layer_sizes
    return 7 * (2 * (epochs + 1) + weight_count(sizes) + sum(sizes[1:]))


def _json_floats(a: np.ndarray) -> Any:
    if a.ndim == 0:
        v = float(a)
        return v if np.isfinite(v) else None
    return [_json_floats(x) for x in a]


def _node_ids(config: PlaygroundConfig) -> list[list[str]]:
    """The playground's node ids: feature names, then 1, 2, ... layer by layer."""
    ids = [list(config.inputs)]
    counter = 1
    for size in config.layer_sizes[1:]:
        ids.append([str(counter + i) for i in range(size)])
        counter += size
    return ids


class Trainer:
    """K playground networks of one shape, trained in lock-step.

    >>> tr = Trainer([PlaygroundConfig(activation="relu", seed="0.59704")])
    >>> tr.step(5); tr.epoch
    5

    Every config may differ in seed (hence data and initial weights), learning rate,
    regularization and its rate, noise and initZero; they must share what shapes the
    arrays (see :func:`group_key`). ``backend`` is ``"numba"`` (fused kernel), ``"numpy"``
    or ``"auto"`` (Numba when importable). ``build_progress(built, total)`` is called while
    the networks are built (data and initial weights, in pure Python: 10,000 small networks
    or one with millions of weights take a while); a build that cannot fit in memory is
    refused first (:func:`check_memory`).
    """

    def __init__(self, configs: Sequence[PlaygroundConfig] | PlaygroundConfig,
                 backend: str = "auto", limits: bool = True,
                 build_progress: BuildProgress | None = None) -> None:
        configs = _configs(configs, "configs")
        if not configs:
            raise ActlabError("Trainer needs at least one config")
        fields.check_limits(networks=len(configs), shapes=[configs[0].network_shape],
                            enabled=limits)
        self.limits = limits
        keys = {group_key(c) for c in configs}
        if len(keys) > 1:
            raise ActlabError(
                "Trainer configs must share shape, features, activation, problem, batch size "
                "and data size; use train_many() for a mix"
            )
        if not isinstance(backend, str) or backend not in ("auto", "numba", "numpy"):
            raise ActlabError(f"backend must be auto, numba or numpy, got {backend!r}")
        if build_progress is not None and not callable(build_progress):
            raise ActlabError(f"build_progress must be callable, got "
                              f"{type(build_progress).__name__}")
        check_memory(configs)
        self.configs = configs
        first = configs[0]
        self.net = Network.of(first)
        self.batch_size = first.batch_size
        built = _build_all(configs, build_progress)
        self.data = [b[0] for b in built]
        self.train_x = np.stack([network_inputs(first, d.train_xy) for d in self.data])
        self.train_y = np.stack([d.train_labels for d in self.data])
        self.test_x = np.stack([network_inputs(first, d.test_xy) for d in self.data])
        self.test_y = np.stack([d.test_labels for d in self.data])
        if self.batch_size > self.train_x.shape[1]:
            raise ActlabError(
                f"batch_size {self.batch_size} is larger than the {self.train_x.shape[1]} "
                "training points: the weights would never update"
            )
        weights = [np.stack(ws) for ws in zip(*(b[1] for b in built), strict=True)]
        biases = [np.stack(bs) for bs in zip(*(b[2] for b in built), strict=True)]
        self.state = State(
            weights=weights,
            biases=biases,
            dead=[np.zeros(w.shape, dtype=bool) for w in weights],
            acc_w=[np.zeros_like(w) for w in weights],
            acc_b=[np.zeros_like(b) for b in biases],
        )
        self.lr = np.array([c.learning_rate for c in configs], dtype=np.float64)
        self.reg_rate = np.array([c.regularization_rate for c in configs], dtype=np.float64)
        self.reg_kind = np.array([_REG_CODES[c.regularization] for c in configs], dtype=np.int8)
        self._backend_requested = backend
        self._kernel = _select_kernel(backend, first)
        self._waiting = None  # a kernel still compiling in the background (backend "auto")
        if backend == "auto" and self._kernel is not None and not self._kernel.ready() \
                and not self._kernel.cached():
            self._waiting, self._kernel = self._kernel, None  # cold: start on NumPy
            self._waiting.warm()
        # loss history [2 (train, test), K, capacity], grown by doubling; NaN after divergence
        self._loss = np.empty((2, len(configs), 64))
        self._epoch = -1
        self.diverged_at = np.full(len(configs), -1, dtype=np.int64)
        self.exploded_at = np.full(len(configs), -1, dtype=np.int64)
        with np.errstate(all="ignore"):
            self._record(self._losses()[:, :, None])

    # -------------------------------------------------------------- properties
    @property
    def k(self) -> int:
        return len(self.configs)

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def weights(self) -> list[np.ndarray]:
        return self.state.weights

    @property
    def biases(self) -> list[np.ndarray]:
        return self.state.biases

    @property
    def dead(self) -> list[np.ndarray]:
        return self.state.dead

    @property
    def backend(self) -> str:
        """``"numba"`` or ``"numpy"``: what the next step trains with. With ``"auto"`` a
        trainer uses the kernel, loading it from the disk cache; only when its code was
        never compiled on this machine (a cold cache) does it start on NumPy while the kernel
        compiles in the background, and switch to it once ready — the first epoch never
        waits for the compiler. Both agree with the playground (the kernel bit for bit,
        NumPy to ~1e-14); ``"numba"`` always waits for the kernel."""
        return "numpy" if self._kernel is None else "numba"

    @property
    def train_loss(self) -> np.ndarray:
        """``[K, epoch + 1]`` (a read-only view); NaN after a network diverged."""
        return self._history(0)

    @property
    def test_loss(self) -> np.ndarray:
        return self._history(1)

    def _history(self, which: int) -> np.ndarray:
        view = self._loss[which, :, : self._epoch + 1]
        view.flags.writeable = False
        return view

    # -------------------------------------------------------------- training
    def step(self, epochs: int = 1) -> None:
        """Train every network ``epochs`` more epochs."""
        epochs = whole_number("epochs", epochs)
        if self.limits:
            fields.check_limits(epochs=self.epoch + epochs)
        if epochs == 0:
            return
        if self._waiting is not None and self._waiting.ready():
            self._kernel, self._waiting = self._waiting, None  # compiled: switch to it
        elif self._waiting is not None and (problem := self._waiting.failed()):
            warnings.warn(f"{problem}; training with NumPy", ActlabNote, stacklevel=2)
            self._waiting = None
        with np.errstate(all="ignore"):
            if self._kernel is not None:
                try:
                    train, test = self._kernel(self, epochs)
                except KernelUnavailable as exc:  # the state is untouched: use NumPy
                    self._kernel_failed(exc)
            if self._kernel is None:
                train, test = train_epochs_numpy(
                    self.net, self.state, self.train_x, self.train_y, self.test_x,
                    self.test_y, self.lr, self.reg_rate, self.reg_kind, self.batch_size, epochs,
                )
        self._record(np.stack([train, test]))
        self._check_weights()

    def _check_weights(self) -> None:
        """Mark networks whose weights exploded (checked after each training call)."""
        with np.errstate(all="ignore"):
            big = np.zeros(self.k, dtype=bool)
            for w in self.state.weights:
                big |= ~(np.abs(w) <= WEIGHT_LIMIT).reshape(self.k, -1).all(axis=1)
        self.exploded_at = np.where((self.exploded_at < 0) & big, self._epoch, self.exploded_at)

    def run(self, epochs: int, progress: Progress | None = None, chunk: int = 50) -> None:
        """Train to ``epochs`` total, calling ``progress(done, total)`` every ``chunk``."""
        epochs = whole_number("epochs", epochs)
        chunk = whole_number("chunk", chunk, lo=1)
        fields.check_limits(epochs=epochs, enabled=self.limits)
        if progress is not None and not callable(progress):
            raise ActlabError(f"progress must be callable, got {type(progress).__name__}")
        while self.epoch < epochs:
            self.step(min(chunk, epochs - self.epoch))
            if progress is not None:
                progress(self.epoch, epochs)

    def _losses(self) -> np.ndarray:
        """Current train and test loss ``[2, K]`` (the kernel's forward pass if it has one:
        the playground's summation order, and no ``[K, points, width]`` temporaries)."""
        if self._kernel is not None:
            try:
                return np.stack(self._kernel.losses(self))
            except KernelUnavailable as exc:
                self._kernel_failed(exc)
        w, b = self.state.weights, self.state.biases
        return np.stack([self.net.loss(self.train_x, self.train_y, w, b),
                         self.net.loss(self.test_x, self.test_y, w, b)])

    def _kernel_failed(self, exc: Exception) -> None:
        if self._backend_requested == "numba":
            raise ActlabError(f"backend 'numba' is unavailable here: {exc}") from None
        warnings.warn(f"{exc}; training with NumPy", ActlabNote, stacklevel=3)
        self._kernel = None

    def _record(self, losses: np.ndarray) -> None:
        """Append ``losses [2, K, epochs]``; mark divergence, NaN everything after it."""
        start, count = self._epoch + 1, losses.shape[2]
        if start + count > self._loss.shape[2]:
            grown = np.empty((2, self.k, max(2 * self._loss.shape[2], start + count)))
            grown[:, :, :start] = self._loss[:, :, :start]
            self._loss = grown
        view = self._loss[:, :, start : start + count]
        view[...] = losses
        bad = ~np.isfinite(view).all(axis=0)  # [K, epochs]
        first = np.where(bad.any(axis=1), start + bad.argmax(axis=1), -1)
        self.diverged_at = np.where(self.diverged_at < 0, first, self.diverged_at)
        after = np.arange(start, start + count)[None, :] > self.diverged_at[:, None]
        view[:, (self.diverged_at[:, None] >= 0) & after] = np.nan
        self._epoch += count

    # -------------------------------------------------------------- inspection
    def layer_outputs(self, xy: np.ndarray) -> list[np.ndarray]:
        """Every node's output at points ``xy`` (``[P, D]`` or ``[K, P, D]``; ``D = 2``
        except for CSV data with more input columns).

        Returns one ``[K, P, n_nodes]`` array per layer, layer 0 being the input features.
        """
        xy = np.asarray(xy, dtype=np.float64)
        x = network_inputs(self.configs[0], xy)
        if x.ndim == 2:
            x = np.broadcast_to(x, (self.k, *x.shape))
        with np.errstate(all="ignore"):
            return self.net.forward(x, self.state.weights, self.state.biases)[1]

    def predict(self, xy: np.ndarray) -> np.ndarray:
        """The network output at points ``xy``, ``[K, P]``."""
        return self.layer_outputs(xy)[-1][..., 0]

    def gradients(self, split: str = "train") -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Gradient of the mean loss over a split w.r.t. weights and biases, per network."""
        x, y = (self.train_x, self.train_y) if split == "train" else (self.test_x, self.test_y)
        with np.errstate(all="ignore"):
            zs, outs = self.net.forward(x, self.state.weights, self.state.biases)
            gw, gb = self.net.backward(zs, outs, y, self.state.weights)
        n = x.shape[1]
        return [g / n for g in gw], [g / n for g in gb]

    def result(self, k: int = 0) -> RunResult:
        """Network ``k``'s run so far."""
        k = whole_number("k", k, 0, self.k - 1)
        d = int(self.diverged_at[k])
        x = int(self.exploded_at[k])
        return RunResult(
            config=self.configs[k],
            train_loss=self.train_loss[k].copy(),
            test_loss=self.test_loss[k].copy(),
            diverged_at=None if d < 0 else d,
            weights=[w[k].copy() for w in self.state.weights],
            biases=[b[k].copy() for b in self.state.biases],
            dead=[m[k].copy() for m in self.state.dead],
            exploded_at=None if x < 0 else x,
        )

    def results(self) -> list[RunResult]:
        return [self.result(k) for k in range(self.k)]

    # -------------------------------------------------------------- live changes
    def set_learning_rate(self, k: int, rate: float) -> None:
        """Network ``k`` trains on with learning rate ``rate`` from the next epoch (the
        playground applies a new rate live, without a reset)."""
        self.configs[k] = self.configs[k].replace(learning_rate=rate)
        self.lr[k] = self.configs[k].learning_rate

    def set_data(self, k: int, seed: str) -> None:
        """Network ``k`` trains on from the next epoch on the data of ``seed``, keeping its
        weights (the playground's Regenerate: new data, same network, training goes on).
        The loss history is not recomputed, as on the page."""
        config = self.configs[k].replace(seed=seed)
        data = initial_state(config)[0]
        feats = config.features
        arrays = {
            "train_x": features(data.train_xy, feats), "train_y": data.train_labels,
            "test_x": features(data.test_xy, feats), "test_y": data.test_labels,
        }
        for name, value in arrays.items():
            stacked = getattr(self, name).copy()
            if stacked[k].shape != value.shape:
                raise ActlabError("set_data: the new data must have the same size")
            stacked[k] = value
            setattr(self, name, stacked)
        self.configs[k], self.data[k] = config, data
        if self._kernel is not None:  # its packed copy of the data is stale
            from actlab.playground import kernel

            kernel.forget_data(self)

    def set_initial_parameters(
        self, k: int, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]
    ) -> None:
        """Start network ``k`` from other initial weights and biases (epoch 0 only); its
        epoch-0 losses are recomputed."""
        if self._epoch != 0:
            raise ActlabError("set_initial_parameters: only before the first epoch")
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            self.state.weights[layer][k] = w
            self.state.biases[layer][k] = b
        self._epoch = -1
        self.diverged_at[:] = -1
        self.exploded_at[:] = -1
        with np.errstate(all="ignore"):
            self._record(self._losses()[:, :, None])


def _build_all(configs: Sequence[PlaygroundConfig],
               progress: BuildProgress | None) -> list[Built]:
    """Every config's cached data, weights and biases, reporting ``progress``."""
    if progress is None:
        return [_initial(c) for c in configs]
    total = len(configs)
    progress(0, total)
    built = []
    for k, c in enumerate(configs):
        with _drawing(lambda share, k=k: progress(k + min(share, 1.0), total)):
            built.append(_initial(c))
        progress(k + 1, total)
    return built


@lru_cache(maxsize=1024)
def _kernel_supports(activation: str, params: tuple) -> bool:
    try:
        from actlab.playground import kernel
    except ImportError:
        return False
    probe = PlaygroundConfig(activation=activation, activation_params=dict(params))
    return kernel.for_config(probe) is not None


def resolved_backend(config: PlaygroundConfig, backend: str = "auto") -> str:
    """``"numba"`` or ``"numpy"``: what a :class:`Trainer` with ``backend`` would use."""
    if backend == "numpy":
        return "numpy"
    params = tuple(sorted(config.activation_params.items()))
    return "numba" if _kernel_supports(config.activation, params) else "numpy"


def _select_kernel(backend: str, config: PlaygroundConfig):
    if backend == "numpy":
        return None
    try:
        from actlab.playground import kernel
    except Exception as exc:  # no numba, or numba failing at import: NumPy it is
        if backend == "numba":
            raise ActlabError(f"backend 'numba' is unavailable: {exc}") from None
        warnings.warn(f"the Numba kernel is unavailable ({type(exc).__name__}: {exc}); "
                      "training with NumPy", ActlabNote, stacklevel=3)
        return None
    fn = kernel.for_config(config)
    if fn is None and backend == "numba":
        raise ActlabError("backend 'numba' is unavailable here (NUMBA_DISABLE_JIT is set)")
    return fn


# ---------------------------------------------------------------------------- one call
def train(
    config: PlaygroundConfig, epochs: int, progress: Progress | None = None,
    backend: str = "auto", limits: bool = True, build_progress: BuildProgress | None = None,
) -> RunResult:
    """Train one network for ``epochs`` epochs, exactly as the playground would."""
    if not isinstance(config, PlaygroundConfig):
        raise ActlabError(f"config must be a PlaygroundConfig, got {type(config).__name__}")
    return train_many([config], epochs, progress=progress, backend=backend, limits=limits,
                      build_progress=build_progress)[0]


def train_many(
    configs: Sequence[PlaygroundConfig],
    epochs: int,
    progress: Progress | None = None,
    backend: str = "auto",
    limits: bool = True,
    build_progress: BuildProgress | None = None,
) -> list[RunResult]:
    """Train any mix of configs; compatible ones are stacked and trained together.

    Returns one :class:`RunResult` per config, in input order. Each network's numbers do
    not depend on which others it trained beside. ``progress(done, total)`` counts
    network-epochs. ``limits=False`` lifts the soft limits of
    :data:`actlab.playground.fields.LIMITS` (epochs, networks, layers, neurons).
    ``build_progress(built, total)`` reports each group's build (see :class:`Trainer`).
    """
    configs = _configs(configs, "configs")
    epochs = whole_number("epochs", epochs)
    fields.check_limits(epochs=epochs, networks=len(configs),
                        shapes={c.network_shape for c in configs}, enabled=limits)
    groups: dict[tuple, list[int]] = {}
    for i, c in enumerate(configs):
        groups.setdefault(group_key(c), []).append(i)
    results: list[RunResult | None] = [None] * len(configs)
    total = len(configs) * epochs
    done = 0
    for indices in groups.values():
        trainer = Trainer([configs[i] for i in indices], backend=backend, limits=limits,
                          build_progress=build_progress)
        base = done

        def report(e: int, _total: int, base: int = base, k: int = len(indices)) -> None:
            if progress is not None:
                progress(base + e * k, total)

        trainer.run(epochs, progress=report)
        done += epochs * len(indices)
        for i, r in zip(indices, trainer.results(), strict=True):
            results[i] = r
    return results  # type: ignore[return-value]
