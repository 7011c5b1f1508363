"""Vanishing gradients: how the gradient shrinks from the output back to the first layer.

For each activation and depth (``depth`` hidden layers of ``width`` units, playground data),
networks start from the playground's own initialization (weights ``U(-0.5, 0.5)``, biases
0.1) for every seed. We measure the gradient of the mean training loss with respect to each
layer's weights, as the RMS over that layer's weights (``‖∂L/∂W‖ / √(#weights)``, so
layers of different sizes compare), at initialization and after ``grad_epochs`` epochs, and
take the median over seeds. Layer 1 is the input → first hidden layer, the last layer the
last hidden → output layer. ``ratio`` = first-layer ÷ last-layer median RMS: 1 means the
gradient reaches the first layer undiminished, 1e-3 that it arrives a thousand times
weaker. Networks then train on to ``epochs`` to measure epochs-to-converge against depth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.experiments.compare import ActivationChoice, parse_activations, seed_strings
from actlab.experiments.progress import Work
from actlab.experiments.stats import Summary, convergence_epochs, summarize
from actlab.playground import PlaygroundConfig, Trainer

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu:0.05")
DEFAULT_DEPTHS = tuple(range(1, 13))
#: The first layer's gradient is called vanished when below this share of the last layer's.
VANISHED_RATIO = 0.01


def layer_rms(grads: Sequence[np.ndarray]) -> np.ndarray:
    """RMS of each layer's gradient, ``[K, layers]`` from a list of ``[K, out, in]``."""
    return np.stack([np.sqrt(np.mean(g**2, axis=(1, 2))) for g in grads], axis=1)


@dataclass
class GradientStudy:
    """Gradient RMS per layer (median over seeds) and convergence, per activation × depth.

    Arrays are indexed ``[activation, depth, layer]`` with layers NaN-padded to the deepest
    network (``depth + 1`` weight layers).
    """

    activations: list[str]
    depths: list[int]
    width: int
    seeds: list[str]
    base: PlaygroundConfig
    grad_epochs: int
    epochs: int
    threshold: float
    rms_init: np.ndarray
    rms_trained: np.ndarray
    zero_first_init: np.ndarray  # [A, D] share of seeds whose first-layer gradient is all 0
    diverged: np.ndarray  # [A, D] runs that diverged within ``epochs``
    converged: np.ndarray  # [A, D, seeds] convergence epoch, -1 = never
    example_urls: dict[str, str]  # activation -> URL of the depth-6 (or deepest) seed-1 run

    def ratio(self, trained: bool = False) -> np.ndarray:
        """First-layer ÷ last-layer median RMS gradient, ``[A, D]`` (NaN when 0/0)."""
        rms = self.rms_trained if trained else self.rms_init
        first = rms[:, :, 0]
        last = np.array([[rms[a, d, depth] for d, depth in enumerate(self.depths)]
                         for a in range(len(self.activations))])
        with np.errstate(divide="ignore", invalid="ignore"):
            return first / last

    def summary(self, activation: str, depth: int) -> Summary:
        a, d = self.activations.index(activation), self.depths.index(depth)
        return summarize(self.converged[a, d], self.epochs, int(self.diverged[a, d]))

    def vanished_depths(self, activation: str) -> list[int]:
        """Depths at which the first-layer gradient is below ``VANISHED_RATIO`` of the last."""
        r = self.ratio()[self.activations.index(activation)]
        return [d for d, v in zip(self.depths, r, strict=True) if not v >= VANISHED_RATIO]

    def to_dict(self) -> dict[str, Any]:
        def clean(a: np.ndarray) -> Any:
            return [clean(x) for x in a] if a.ndim else (float(a) if np.isfinite(a) else None)

        ratio_init, ratio_trained = self.ratio(), self.ratio(trained=True)
        rows = []
        for a, act in enumerate(self.activations):
            for d, depth in enumerate(self.depths):
                rows.append({
                    "activation": act,
                    "depth": depth,
                    "rms_init": clean(self.rms_init[a, d, :depth + 1]),
                    "rms_trained": clean(self.rms_trained[a, d, :depth + 1]),
                    "ratio_first_last_init": clean(ratio_init[a, d]),
                    "ratio_first_last_trained": clean(ratio_trained[a, d]),
                    "zero_first_layer_gradient_share": float(self.zero_first_init[a, d]),
                    "convergence": self.summary(act, depth).to_dict(),
                })
        return {
            "dataset": self.base.dataset,
            "width": self.width,
            "seeds": self.seeds,
            "grad_epochs": self.grad_epochs,
            "epochs": self.epochs,
            "threshold": self.threshold,
            "learning_rate": self.base.learning_rate,
            "vanished_ratio": VANISHED_RATIO,
            "rows": rows,
            "example_urls": self.example_urls,
        }


def gradient_study(
    activations: Sequence[str | ActivationChoice] | str = DEFAULT_ACTIVATIONS,
    depths: Sequence[int] = DEFAULT_DEPTHS,
    seeds: Sequence[str] | None = None,
    base: PlaygroundConfig | None = None,
    width: int = 8,
    grad_epochs: int = 50,
    epochs: int = 300,
    threshold: float = 0.01,
    progress: Callable[[float, float], None] | None = None,
    backend: str = "auto",
) -> GradientStudy:
    """Measure per-layer gradients and convergence for every activation × depth."""
    choices = parse_activations(activations)
    seeds = seed_strings(10) if seeds is None else list(seeds)
    base = PlaygroundConfig(dataset="circle") if base is None else base
    depths = sorted(set(int(d) for d in depths))
    if not depths or depths[0] < 1:
        raise ActlabError(f"depths must be whole numbers >= 1, got {list(depths)}")
    grad_epochs = min(grad_epochs, epochs)
    n_a, n_d, n_l = len(choices), len(depths), max(depths) + 1
    rms_init = np.full((n_a, n_d, n_l), np.nan)
    rms_trained = np.full((n_a, n_d, n_l), np.nan)
    zero_first = np.zeros((n_a, n_d))
    diverged = np.zeros((n_a, n_d), dtype=np.int64)
    converged = np.full((n_a, n_d, len(seeds)), -1, dtype=np.int64)
    cost = {d: len(seeds) * (2 * width + (d - 1) * width * width + width) for d in depths}
    work = Work(n_a * sum(cost.values()) * epochs, progress)
    urls: dict[str, str] = {}
    for a, choice in enumerate(choices):
        for d, depth in enumerate(depths):
            cfg = choice.apply(base).replace(network_shape=(width,) * depth)
            trainer = Trainer([cfg.replace(seed=s) for s in seeds], backend=backend)
            rms0 = layer_rms(trainer.gradients("train")[0])
            rms_init[a, d, :depth + 1] = np.nanmedian(rms0, axis=0)
            zero_first[a, d] = float(np.mean(rms0[:, 0] == 0))
            for target in (grad_epochs, epochs):
                while trainer.epoch < target:
                    n = min(50, target - trainer.epoch)
                    trainer.step(n)
                    work.add(cost[depth] * n)
                if target == grad_epochs:
                    with np.errstate(invalid="ignore"):
                        rms1 = layer_rms(trainer.gradients("train")[0])
                    rms_trained[a, d, :depth + 1] = _finite_median(rms1)
            converged[a, d] = convergence_epochs(trainer.test_loss, threshold)
            diverged[a, d] = int((trainer.diverged_at >= 0).sum())
            if depth == min(depths, key=lambda x: abs(x - 6)) and choice.on_playground:
                urls[choice.label] = trainer.configs[0].to_url()
    return GradientStudy(
        activations=[c.label for c in choices], depths=depths, width=width, seeds=seeds,
        base=base, grad_epochs=grad_epochs, epochs=epochs, threshold=threshold,
        rms_init=rms_init, rms_trained=rms_trained, zero_first_init=zero_first,
        diverged=diverged, converged=converged, example_urls=urls,
    )


def _finite_median(values: np.ndarray) -> np.ndarray:
    """Median over seeds (axis 0) of the finite entries; NaN where none is finite."""
    out = np.full(values.shape[1], math.nan)
    for j in range(values.shape[1]):
        col = values[:, j][np.isfinite(values[:, j])]
        if col.size:
            out[j] = float(np.median(col))
    return out
