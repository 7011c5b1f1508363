"""Vanishing gradients: how the gradient shrinks from the output back to the first layer.

For each activation and depth (``depth`` hidden layers of ``width`` units, playground data),
networks start from the playground's own initialization (weights ``U(-0.5, 0.5)``, biases
0.1) for every seed. We measure the gradient of the mean training loss with respect to each
layer's weights, as the RMS over that layer's weights (``‖∂L/∂W‖ / √(#weights)``, so
layers of different sizes compare), at initialization and after ``grad_epochs`` epochs, and
take the median over seeds. Layer 1 is the input → first hidden layer, the last layer the
last hidden → output layer. ``ratio`` = first-layer ÷ last-layer median RMS: 1 means the
gradient reaches the first layer undiminished, 1e-3 that it arrives a thousand times
weaker. The same ratio is measured on the back-propagated *deltas* ``∂E/∂z`` (RMS over
points and units of each layer), which do not include the layer's inputs. Per-seed ratios
are kept for paired tests and bootstrap CIs. Epochs-to-converge against depth (the speed
panel) train through :func:`actlab.experiments.runs.train_specs` with the study's budget.
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
from actlab.experiments.runs import epochs_of, train_specs
from actlab.experiments.stats import Summary, summarize
from actlab.playground import PlaygroundConfig, Trainer

DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu:0.05")
DEFAULT_DEPTHS = (1, 2, 3, 4, 6, 8, 12, 16, 20, 24)
#: The first layer's gradient is called vanished when below this share of the last layer's.
VANISHED_RATIO = 0.01


def layer_rms(grads: Sequence[np.ndarray]) -> np.ndarray:
    """RMS of each layer's gradient, ``[K, layers]`` from a list of ``[K, out, in]``."""
    return np.stack([np.sqrt(np.mean(g**2, axis=(1, 2))) for g in grads], axis=1)


def delta_rms(trainer: Trainer) -> np.ndarray:
    """RMS of the back-propagated deltas ``∂E/∂z`` of each layer, ``[K, layers]``.

    ``E = ½ (out − y)²`` per training point; ``δ_L = (out − y) f′_out(z_L)`` and
    ``δ_l = (δ_{l+1} W_{l+1}) ⊙ f′(z_l)``; RMS over the points and the layer's units.
    """
    net, weights = trainer.net, trainer.weights
    with np.errstate(all="ignore"):
        zs, outs = net.forward(trainer.train_x, weights, trainer.biases)
        n = len(weights)
        delta = (outs[-1][..., 0] - trainer.train_y)[..., None]
        out = [None] * n
        for layer in range(n - 1, -1, -1):
            delta = delta * net.act(layer, n).derivative(zs[layer])
            out[layer] = np.sqrt(np.mean(delta**2, axis=(1, 2)))
            if layer:
                delta = np.matmul(delta, weights[layer])
    return np.stack(out, axis=1)


@dataclass
class GradientStudy:
    """Gradient RMS per layer and per seed, per activation × depth, and the speed panel.

    ``rms_*`` arrays are ``[activation, depth, layer]`` medians over seeds, NaN-padded to the
    deepest network (``depth + 1`` weight layers); ``weight_ratio`` and ``delta_ratio`` are
    per seed, ``[activation, depth, seed]`` (first ÷ last layer at initialization).
    """

    activations: list[str]
    depths: list[int]
    width: int
    seeds: list[str]
    base: PlaygroundConfig
    grad_epochs: int
    rms_init: np.ndarray
    rms_trained: np.ndarray
    delta_init: np.ndarray
    weight_ratio: np.ndarray
    delta_ratio: np.ndarray
    zero_first_init: np.ndarray  # [A, D] share of seeds whose first-layer gradient is all 0
    speed_depths: list[int]
    speed_seeds: list[str]
    epochs: int  # budget of the speed panel
    threshold: float
    converged: np.ndarray  # [A, speed depth, speed seed] epochs, inf = never
    diverged: np.ndarray  # [A, speed depth]
    example_urls: dict[str, str]  # activation -> URL of the depth-6 (or nearest) seed-1 run

    def ratio(self, trained: bool = False) -> np.ndarray:
        """First-layer ÷ last-layer median RMS gradient, ``[A, D]`` (NaN when 0/0)."""
        rms = self.rms_trained if trained else self.rms_init
        first = rms[:, :, 0]
        last = np.array([[rms[a, d, depth] for d, depth in enumerate(self.depths)]
                         for a in range(len(self.activations))])
        with np.errstate(divide="ignore", invalid="ignore"):
            return first / last

    def per_seed(self) -> dict[str, dict[str, dict[int, np.ndarray]]]:
        """activation → ``"weights"``/``"deltas"`` → depth → per-seed first÷last ratio."""
        return {a: {"weights": {d: self.weight_ratio[i, j] for j, d in enumerate(self.depths)},
                    "deltas": {d: self.delta_ratio[i, j] for j, d in enumerate(self.depths)}}
                for i, a in enumerate(self.activations)}

    def summary(self, activation: str, depth: int) -> Summary:
        a, d = self.activations.index(activation), self.speed_depths.index(depth)
        return summarize(self.converged[a, d], self.epochs, int(self.diverged[a, d]))

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
                    "delta_rms_init": clean(self.delta_init[a, d, :depth + 1]),
                    "ratio_first_last_init": clean(ratio_init[a, d]),
                    "ratio_first_last_trained": clean(ratio_trained[a, d]),
                    "weight_ratio_per_seed": clean(self.weight_ratio[a, d]),
                    "delta_ratio_per_seed": clean(self.delta_ratio[a, d]),
                    "zero_first_layer_gradient_share": float(self.zero_first_init[a, d]),
                })
        speed = [{"activation": act, "depth": depth,
                  "convergence": self.summary(act, depth).to_dict()}
                 for act in self.activations for depth in self.speed_depths]
        return {
            "dataset": self.base.dataset,
            "width": self.width,
            "seeds": [self.seeds[0], self.seeds[-1]],
            "grad_epochs": self.grad_epochs,
            "learning_rate": self.base.learning_rate,
            "vanished_ratio": VANISHED_RATIO,
            "rows": rows,
            "speed_panel": {"depths": self.speed_depths, "budget": self.epochs,
                            "threshold": self.threshold,
                            "seeds": [self.speed_seeds[0], self.speed_seeds[-1]],
                            "rows": speed},
            "example_urls": self.example_urls,
        }


def gradient_study(
    activations: Sequence[str | ActivationChoice] | str = DEFAULT_ACTIVATIONS,
    depths: Sequence[int] = DEFAULT_DEPTHS,
    seeds: Sequence[str] | None = None,
    base: PlaygroundConfig | None = None,
    width: int = 8,
    grad_epochs: int = 30,
    speed_depths: Sequence[int] = (1, 2, 4, 8),
    speed_seeds: Sequence[str] | None = None,
    epochs: int = 3000,
    threshold: float = 0.01,
    db: Any = None,
    progress: Callable[[float, float], None] | None = None,
    backend: str = "auto",
) -> GradientStudy:
    """Measure per-layer gradients (weights and deltas) for every activation × depth, and
    epochs-to-converge against depth (``speed_depths`` × ``speed_seeds``, budget ``epochs``).
    """
    choices = parse_activations(activations)
    seeds = seed_strings(10) if seeds is None else list(seeds)
    speed_seeds = seeds[:8] if speed_seeds is None else list(speed_seeds)
    base = PlaygroundConfig(dataset="circle") if base is None else base
    depths = sorted(set(int(d) for d in depths))
    speed_depths = sorted(set(int(d) for d in speed_depths))
    if not depths or depths[0] < 1 or (speed_depths and speed_depths[0] < 1):
        raise ActlabError(f"depths must be whole numbers >= 1, got {list(depths)}")
    n_a, n_d, n_l, n_s = len(choices), len(depths), max(depths) + 1, len(seeds)
    rms_init = np.full((n_a, n_d, n_l), np.nan)
    rms_trained = np.full((n_a, n_d, n_l), np.nan)
    delta_init = np.full((n_a, n_d, n_l), np.nan)
    weight_ratio = np.full((n_a, n_d, n_s), np.nan)
    delta_ratio = np.full((n_a, n_d, n_s), np.nan)
    zero_first = np.zeros((n_a, n_d))
    cost = {d: n_s * (2 * width + (d - 1) * width * width + width) for d in depths}
    work = Work(n_a * sum(cost.values()) * max(1, grad_epochs), progress)
    urls: dict[str, str] = {}
    example = min(depths, key=lambda x: abs(x - 6))
    for a, choice in enumerate(choices):
        for d, depth in enumerate(depths):
            cfg = choice.apply(base).replace(network_shape=(width,) * depth)
            trainer = Trainer([cfg.replace(seed=s) for s in seeds], backend=backend)
            rms0 = layer_rms(trainer.gradients("train")[0])
            dl0 = delta_rms(trainer)
            rms_init[a, d, :depth + 1] = np.nanmedian(rms0, axis=0)
            delta_init[a, d, :depth + 1] = np.nanmedian(dl0, axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                weight_ratio[a, d] = rms0[:, 0] / rms0[:, depth]
                delta_ratio[a, d] = dl0[:, 0] / dl0[:, depth]
            zero_first[a, d] = float(np.mean(rms0[:, 0] == 0))
            if grad_epochs:
                trainer.step(grad_epochs)
                with np.errstate(invalid="ignore"):
                    rms1 = layer_rms(trainer.gradients("train")[0])
                rms_trained[a, d, :depth + 1] = _finite_median(rms1)
                work.add(cost[depth] * grad_epochs)
            if depth == example and choice.on_playground:
                urls[choice.label] = trainer.configs[0].to_url()
    converged = np.full((n_a, len(speed_depths), len(speed_seeds)), np.inf)
    diverged = np.zeros((n_a, len(speed_depths)), dtype=np.int64)
    if speed_depths and speed_seeds:
        spec = {"name": "depth-vs-speed", "epochs": epochs, "seeds": speed_seeds,
                "taus": [threshold], "curves": False,
                "base": {},
                "axes": {"dataset": [base.dataset], "learning_rate": [base.learning_rate],
                         "activation": [_spec_name(c) for c in choices],
                         "network_shape": [[width] * d for d in speed_depths]}}
        [rows] = train_specs([spec], db, backend=backend)
        m = len(speed_seeds)
        for a in range(n_a):
            for d in range(len(speed_depths)):
                part = rows[(a * len(speed_depths) + d) * m:(a * len(speed_depths) + d + 1) * m]
                converged[a, d] = epochs_of(part, threshold)
                diverged[a, d] = sum(r["diverged_at"] is not None for r in part)
    return GradientStudy(
        activations=[c.label for c in choices], depths=depths, width=width, seeds=seeds,
        base=base, grad_epochs=grad_epochs, rms_init=rms_init, rms_trained=rms_trained,
        delta_init=delta_init, weight_ratio=weight_ratio, delta_ratio=delta_ratio,
        zero_first_init=zero_first, speed_depths=speed_depths, speed_seeds=speed_seeds,
        epochs=epochs, threshold=threshold, converged=converged, diverged=diverged,
        example_urls=urls,
    )


def _spec_name(choice: ActivationChoice) -> str:
    """The activation in ``compare``/sweep syntax (``leaky_relu:negative_slope=0.05``)."""
    if not choice.params:
        return choice.name
    return choice.name + "".join(f":{k}={v}" for k, v in choice.params)


def _finite_median(values: np.ndarray) -> np.ndarray:
    """Median over seeds (axis 0) of the finite entries; NaN where none is finite."""
    out = np.full(values.shape[1], math.nan)
    for j in range(values.shape[1]):
        col = values[:, j][np.isfinite(values[:, j])]
        if col.size:
            out[j] = float(np.median(col))
    return out
