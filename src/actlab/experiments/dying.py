"""Dying units: hidden units that output exactly 0 on every training point.

A ReLU unit whose pre-activation is negative on all training points outputs 0 everywhere
and gets zero gradient, so nothing can revive it ("dead"). Leaky ReLU and ELU keep a
non-zero output and slope for negative inputs. For each activation × learning rate ×
dataset × seed we train the playground network and, every ``every`` epochs, count

* *dead* units: output exactly 0 for every training point;
* *negative* units: pre-activation < 0 for every training point (the unit works only in its
  negative regime: dead for ReLU, a small slope for Leaky ReLU, saturating for ELU).

* *stuck* units — one definition for every activation: the unit's slope is below
  :data:`STUCK_SLOPE` (1 %) of the activation's largest slope on every training point, so
  almost no gradient passes through it (for ReLU: exactly the dead units; Leaky ReLU 0.05
  keeps 5 % and is never stuck; a saturated Sigmoid or Tanh unit can be).

A run *has stuck units* when at least one hidden unit is stuck at the end of training;
:meth:`DyingStudy.strata` crosses that with whether the run converged (test loss ≤ threshold
within the budget), one 2×2 table per (dataset, learning rate) stratum, since both change
how often units get stuck and how often runs converge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.experiments.compare import ActivationChoice, parse_activations, seed_strings
from actlab.experiments.progress import Work
from actlab.experiments.stats import convergence_epochs, fisher_exact
from actlab.playground import PlaygroundConfig, Trainer

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu:0.01", "leaky_relu:0.05", "elu")
DEFAULT_LEARNING_RATES = (0.03, 0.1, 0.3, 1.0)
DEFAULT_DATASETS = ("xor", "circle")
#: A unit is stuck when |f′(z)| < STUCK_SLOPE × max|f′| on every training point.
STUCK_SLOPE = 0.01


def max_slope(trainer: Trainer) -> float:
    """Largest |f′| of the hidden activation on a grid x ∈ [−10, 10] (step 0.001)."""
    grid = np.linspace(-10.0, 10.0, 20001)
    return float(np.max(np.abs(trainer.net.hidden.derivative(grid))))


def hidden_unit_states(trainer: Trainer,
                       slope: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per network: counts of dead, all-negative and stuck hidden units (training points).

    Returns three ``[K]`` integer arrays. Diverged networks (NaN outputs) count none.
    ``slope`` is the activation's largest slope (computed when None).
    """
    top = max_slope(trainer) if slope is None else slope
    with np.errstate(all="ignore"):
        zs, outs = trainer.net.forward(trainer.train_x, trainer.weights, trainer.biases)
        dead = np.zeros(trainer.k, dtype=np.int64)
        negative = np.zeros(trainer.k, dtype=np.int64)
        stuck = np.zeros(trainer.k, dtype=np.int64)
        for z, out in zip(zs[:-1], outs[1:-1], strict=True):  # hidden layers only
            dead += np.all(out == 0.0, axis=1).sum(axis=1)
            negative += np.all(z < 0.0, axis=1).sum(axis=1)
            d = np.abs(trainer.net.hidden.derivative(z))
            stuck += np.all(d < STUCK_SLOPE * top, axis=1).sum(axis=1)
    return dead, negative, stuck


@dataclass
class DyingStudy:
    """Dead-unit shares over training and the dead × converged table.

    Arrays are ``[activation, learning rate, dataset, seed, checkpoint]`` (unit counts) or
    ``[activation, learning rate, dataset, seed]`` (per run).
    """

    activations: list[str]
    learning_rates: list[float]
    datasets: list[str]
    seeds: list[str]
    network_shape: tuple[int, ...]
    epochs: int
    threshold: float
    checkpoints: np.ndarray  # epochs at which units were counted
    dead: np.ndarray  # [A, R, D, S, T] dead units
    negative: np.ndarray  # [A, R, D, S, T] all-negative units
    stuck: np.ndarray  # [A, R, D, S, T] stuck units (same definition for every activation)
    converged: np.ndarray  # [A, R, D, S] convergence epoch, -1 = never
    epochs_to: np.ndarray  # [A, R, D, S] epochs to converge, inf = never
    diverged: np.ndarray  # [A, R, D, S] bool
    urls: dict[tuple[str, float, str], str]  # (activation, lr, dataset) -> seed-1 URL

    @property
    def hidden_units(self) -> int:
        return int(sum(self.network_shape))

    def dead_share(self) -> np.ndarray:
        """Mean share of dead hidden units over seeds, ``[A, R, D, T]``."""
        return self.dead.mean(axis=3) / self.hidden_units

    def negative_share(self) -> np.ndarray:
        return self.negative.mean(axis=3) / self.hidden_units

    def has_dead(self) -> np.ndarray:
        """``[A, R, D, S]``: at least one dead unit at the end of training."""
        return self.dead[..., -1] > 0

    def has_stuck(self) -> np.ndarray:
        """``[A, R, D, S]``: at least one stuck unit at the end of training."""
        return self.stuck[..., -1] > 0

    def strata(self, activation: str) -> list[dict[str, Any]]:
        """One 2×2 table per (dataset, learning rate): stuck units at the end × converged.

        ``table`` is ``[[stuck & converged, stuck & never], [none & converged, none &
        never]]``.
        """
        a = self.activations.index(activation)
        out = []
        for d, dataset in enumerate(self.datasets):
            for r, lr in enumerate(self.learning_rates):
                st = self.has_stuck()[a, r, d]
                conv = self.converged[a, r, d] >= 0
                out.append({"dataset": dataset, "learning_rate": lr, "table": [
                    [int(np.sum(st & conv)), int(np.sum(st & ~conv))],
                    [int(np.sum(~st & conv)), int(np.sum(~st & ~conv))]]})
        return out

    def contingency(
        self, activation: str, learning_rates: Sequence[float] | None = None
    ) -> dict[str, Any]:
        """Dead units at the end × converged, pooled over datasets (and the given rates).

        ``table`` is ``[[dead & converged, dead & never], [no dead & converged, no dead &
        never]]``; ``p_value`` is the two-sided Fisher exact test of independence.
        """
        a = self.activations.index(activation)
        rates = self.learning_rates if learning_rates is None else list(learning_rates)
        r = [self.learning_rates.index(x) for x in rates]
        has_dead = self.has_dead()[a, r].ravel()
        conv = (self.converged[a, r] >= 0).ravel()
        table = [[int(np.sum(has_dead & conv)), int(np.sum(has_dead & ~conv))],
                 [int(np.sum(~has_dead & conv)), int(np.sum(~has_dead & ~conv))]]
        dead_n, alive_n = sum(table[0]), sum(table[1])
        return {
            "activation": activation,
            "learning_rates": rates,
            "table": table,
            "never_share_with_dead": table[0][1] / dead_n if dead_n else None,
            "never_share_without_dead": table[1][1] / alive_n if alive_n else None,
            "diverged": int(self.diverged[a, r].sum()),
            "p_value": fisher_exact(table),
        }

    def cell(self, activation: str, lr: float, dataset: str) -> dict[str, Any]:
        """Final dead share, runs with dead units, never-converged and diverged counts."""
        a, r, d = (self.activations.index(activation), self.learning_rates.index(lr),
                   self.datasets.index(dataset))
        return {
            "activation": activation,
            "learning_rate": lr,
            "dataset": dataset,
            "final_dead_share": float(self.dead_share()[a, r, d, -1]),
            "final_negative_share": float(self.negative_share()[a, r, d, -1]),
            "runs_with_dead_units": int(self.has_dead()[a, r, d].sum()),
            "runs_with_stuck_units": int(self.has_stuck()[a, r, d].sum()),
            "final_stuck_share": float(self.stuck[a, r, d, :, -1].mean() / self.hidden_units),
            "never_converged": int((self.converged[a, r, d] < 0).sum()),
            "diverged": int(self.diverged[a, r, d].sum()),
            "runs": len(self.seeds),
            "url": self.urls.get((activation, lr, dataset)),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "network_shape": list(self.network_shape),
            "seeds": self.seeds,
            "epochs": self.epochs,
            "threshold": self.threshold,
            "checkpoints": self.checkpoints.tolist(),
            "cells": [self.cell(a, r, d) for a in self.activations
                      for r in self.learning_rates for d in self.datasets],
            "dead_share_curves": {
                f"{a}|{r:g}|{d}": self.dead_share()[i, j, k].round(5).tolist()
                for i, a in enumerate(self.activations)
                for j, r in enumerate(self.learning_rates)
                for k, d in enumerate(self.datasets)
            },
            "contingency": [self.contingency(a) for a in self.activations],
            "strata": {a: self.strata(a) for a in self.activations},
            "stuck_definition": f"|f'(z)| < {STUCK_SLOPE:g} x max|f'| on every training "
                                "point",
        }


def dying_study(
    activations: Sequence[str | ActivationChoice] | str = DEFAULT_ACTIVATIONS,
    learning_rates: Sequence[float] = DEFAULT_LEARNING_RATES,
    datasets: Sequence[str] = DEFAULT_DATASETS,
    seeds: Sequence[str] | None = None,
    base: PlaygroundConfig | None = None,
    epochs: int = 500,
    every: int = 10,
    threshold: float = 0.01,
    progress: Callable[[float, float], None] | None = None,
    backend: str = "auto",
) -> DyingStudy:
    """Train every activation × learning rate × dataset × seed; count dead units."""
    choices = parse_activations(activations)
    seeds = seed_strings(20) if seeds is None else list(seeds)
    base = PlaygroundConfig() if base is None else base
    rates = [float(r) for r in learning_rates]
    checkpoints = np.array(sorted({0, *range(every, epochs + 1, every), epochs}))
    shape = (len(choices), len(rates), len(datasets), len(seeds))
    dead = np.zeros((*shape, checkpoints.size), dtype=np.int64)
    negative = np.zeros_like(dead)
    stuck = np.zeros_like(dead)
    converged = np.full(shape, -1, dtype=np.int64)
    diverged = np.zeros(shape, dtype=bool)
    urls: dict[tuple[str, float, str], str] = {}
    work = Work(len(choices) * len(datasets) * len(rates) * len(seeds) * epochs, progress)
    for a, choice in enumerate(choices):
        for d, dataset in enumerate(datasets):
            configs = [choice.apply(base).replace(dataset=dataset, learning_rate=r, seed=s)
                       for r in rates for s in seeds]
            trainer = Trainer(configs, backend=backend)
            top = max_slope(trainer)
            for t, epoch in enumerate(checkpoints):
                n = int(epoch) - trainer.epoch
                if n:
                    trainer.step(n)
                    work.add(n * trainer.k)
                counts = hidden_unit_states(trainer, top)
                dead[a, :, d, :, t] = counts[0].reshape(len(rates), len(seeds))
                negative[a, :, d, :, t] = counts[1].reshape(len(rates), len(seeds))
                stuck[a, :, d, :, t] = counts[2].reshape(len(rates), len(seeds))
            conv = convergence_epochs(trainer.test_loss, threshold)
            converged[a, :, d] = conv.reshape(len(rates), len(seeds))
            diverged[a, :, d] = (trainer.diverged_at >= 0).reshape(len(rates), len(seeds))
            if choice.on_playground:
                for j, r in enumerate(rates):
                    urls[(choice.label, r, dataset)] = configs[j * len(seeds)].to_url()
    return DyingStudy(
        activations=[c.label for c in choices], learning_rates=rates,
        datasets=list(datasets), seeds=seeds, network_shape=tuple(base.network_shape),
        epochs=epochs, threshold=threshold, checkpoints=checkpoints, dead=dead,
        negative=negative, stuck=stuck, converged=converged,
        epochs_to=np.where(converged >= 0, converged, np.inf).astype(float),
        diverged=diverged, urls=urls,
    )
