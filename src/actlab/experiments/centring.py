"""Zero-centring: the mean and spread of each hidden layer's outputs over training.

For each activation and seed, every ``every`` epochs we take all outputs of a hidden layer
on the training points (all units × all points) and record their mean, standard deviation
and largest value; then the median over seeds. The *centring index* ``|mean| / RMS`` (RMS
= ``√(mean² + std²)``) is 0 for outputs balanced around zero and 1 for outputs that are a
constant offset: it measures "mean ≠ 0" relative to the outputs' own size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.experiments.compare import ActivationChoice, parse_activations, seed_strings
from actlab.experiments.progress import Work
from actlab.playground import PlaygroundConfig, Trainer

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu:0.05")


@dataclass
class CentringStudy:
    """Layer statistics ``[activation, hidden layer, checkpoint]`` (medians over seeds)."""

    activations: list[str]
    base: PlaygroundConfig
    seeds: list[str]
    checkpoints: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    max: np.ndarray  # largest output of the layer
    min: np.ndarray  # smallest output of the layer
    diverged: np.ndarray  # [A] runs that diverged

    @property
    def centring_index(self) -> np.ndarray:
        """``|mean| / √(mean² + std²)`` per activation, layer and checkpoint."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.abs(self.mean) / np.sqrt(self.mean**2 + self.std**2)

    def to_dict(self) -> dict[str, Any]:
        def clean(a: np.ndarray) -> Any:
            return [clean(x) for x in a] if a.ndim else (
                round(float(a), 6) if np.isfinite(a) else None)

        return {
            "dataset": self.base.dataset,
            "network_shape": list(self.base.network_shape),
            "learning_rate": self.base.learning_rate,
            "seeds": self.seeds,
            "checkpoints": self.checkpoints.tolist(),
            "layers": {
                act: [
                    {
                        "layer": layer + 1,
                        "mean": clean(self.mean[a, layer]),
                        "std": clean(self.std[a, layer]),
                        "centring_index": clean(self.centring_index[a, layer]),
                        "max": clean(self.max[a, layer]),
                        "min": clean(self.min[a, layer]),
                    }
                    for layer in range(self.mean.shape[1])
                ]
                for a, act in enumerate(self.activations)
            },
            "diverged": dict(zip(self.activations, self.diverged.tolist(), strict=True)),
        }


def centring_study(
    activations: Sequence[str | ActivationChoice] | str = DEFAULT_ACTIVATIONS,
    seeds: Sequence[str] | None = None,
    base: PlaygroundConfig | None = None,
    epochs: int = 300,
    every: int = 10,
    progress: Callable[[float, float], None] | None = None,
    backend: str = "auto",
) -> CentringStudy:
    """Train ``base`` with each activation and record each hidden layer's output statistics."""
    choices = parse_activations(activations)
    seeds = seed_strings(20) if seeds is None else list(seeds)
    base = PlaygroundConfig() if base is None else base
    checkpoints = np.array(sorted({0, *range(every, epochs + 1, every), epochs}))
    n_layers = len(base.network_shape)
    shape = (len(choices), n_layers, checkpoints.size)
    stats = {k: np.full(shape, np.nan) for k in ("mean", "std", "max", "min")}
    diverged = np.zeros(len(choices), dtype=np.int64)
    work = Work(len(choices) * len(seeds) * epochs, progress)
    for a, choice in enumerate(choices):
        trainer = Trainer([choice.apply(base).replace(seed=s) for s in seeds], backend=backend)
        for t, epoch in enumerate(checkpoints):
            n = int(epoch) - trainer.epoch
            if n:
                trainer.step(n)
                work.add(n * trainer.k)
            outs = _hidden_outputs(trainer)
            for layer, out in enumerate(outs):
                flat = out.reshape(trainer.k, -1)  # [K, points × units]
                with np.errstate(all="ignore"):
                    per_seed = {"mean": flat.mean(axis=1), "std": flat.std(axis=1),
                                "max": flat.max(axis=1), "min": flat.min(axis=1)}
                for key, values in per_seed.items():
                    finite = values[np.isfinite(values)]
                    if finite.size:
                        stats[key][a, layer, t] = float(np.median(finite))
        diverged[a] = int((trainer.diverged_at >= 0).sum())
    return CentringStudy(
        activations=[c.label for c in choices], base=base, seeds=seeds,
        checkpoints=checkpoints, diverged=diverged, **stats,
    )


def _hidden_outputs(trainer: Trainer) -> list[np.ndarray]:
    """Each hidden layer's outputs on each network's own training points, ``[K, P, n]``."""
    with np.errstate(all="ignore"):
        _, outs = trainer.net.forward(trainer.train_x, trainer.weights, trainer.biases)
    return outs[1:-1]
