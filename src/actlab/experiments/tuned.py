"""The tuned convergence comparison: each activation at its own best learning rate.

Protocol (Krizhevsky et al. 2012: "the learning rates for each network were chosen
independently to make training as fast as possible"), for every dataset and activation:

1. **Tune** on seeds ``0.00001 … 0.000T`` over the rate grid ``{0.01, 0.03, 0.1, 0.3, 1}``
   with the epoch budget ``E``: the best rate has the lowest median epochs to test loss
   ≤ 0.01 (never-converged = +∞); ties go to fewer never-converged runs, then the smaller
   rate. A best rate at the grid's edge (0.01 or 1) is flagged: the optimum may lie beyond.
2. **Measure** on held-out seeds starting at ``0.000(T+1)``, both at the lesson's rate 0.03
   and at each activation's best rate, with the same budget ``E``; the sensitivity panel
   adds hidden layers [8, 8] (at the rates tuned for [4, 2]).

Every run goes through :func:`actlab.experiments.runs.train_specs` (the sweep store when
installed; dataset, activation and learning rate are always axes, so every stored run names
them), and the numbers come back as per-seed epochs so comparisons can be paired.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actlab.experiments.compare import ActivationChoice
from actlab.experiments.runs import Row, epochs_of, seed_range, train_specs
from actlab.experiments.stats import fmt_epochs, median, summarize, text_table

LESSON_RATE = 0.03
RATE_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
TAUS = (0.1, 0.05, 0.02, 0.01)
MAIN_TAU = 0.01
MAIN_SHAPE = (4, 2)
WIDE_SHAPE = (8, 8)


@dataclass
class TunedStudy:
    """Tuning results and held-out runs; epochs come back per seed (``inf`` = never)."""

    datasets: list[str]
    activations: list[str]  # as written, e.g. "leaky_relu:0.05"
    rates: list[float]
    tune_seeds: list[str]
    held_seeds: list[str]
    wide_seeds: list[str]
    budget: int
    tuning: dict[tuple[str, str, float], np.ndarray]  # (dataset, act, rate) -> epochs @ 0.01
    best: dict[tuple[str, str], float]
    rows: dict[tuple[tuple[int, ...], str, str, float], list[Row]] = field(repr=False,
                                                                          default_factory=dict)

    def label(self, activation: str) -> str:
        return ActivationChoice.parse(activation).label

    def at_edge(self, dataset: str, activation: str) -> bool:
        r = self.best[(dataset, activation)]
        return r in (min(self.rates), max(self.rates))

    def rate(self, dataset: str, activation: str, which: str) -> float:
        """``which`` = ``"lesson"`` (0.03) or ``"tuned"`` (the activation's best rate)."""
        return LESSON_RATE if which == "lesson" else self.best[(dataset, activation)]

    def epochs(self, dataset: str, activation: str, which: str = "tuned",
               tau: float = MAIN_TAU, shape: tuple[int, ...] = MAIN_SHAPE) -> np.ndarray:
        """Held-out per-seed epochs to test loss ≤ ``tau`` (``inf`` = never)."""
        return epochs_of(self.rows[(shape, dataset, activation,
                                    self.rate(dataset, activation, which))], tau)

    def curves(self, dataset: str, activation: str, which: str = "lesson") -> np.ndarray:
        rows = self.rows[(MAIN_SHAPE, dataset, activation, self.rate(dataset, activation,
                                                                     which))]
        return np.stack([r["test_loss"] for r in rows])

    def run_rows(self, dataset: str, activation: str, which: str = "tuned") -> list[Row]:
        return self.rows[(MAIN_SHAPE, dataset, activation,
                          self.rate(dataset, activation, which))]

    def table(self) -> list[dict[str, Any]]:
        """One row per dataset × activation: best rate, and held-out medians at both rates."""
        out = []
        for d in self.datasets:
            for a in self.activations:
                tune = {r: self.tuning[(d, a, r)] for r in self.rates}
                lesson = summarize(self.epochs(d, a, "lesson"), self.budget)
                tuned = summarize(self.epochs(d, a, "tuned"), self.budget)
                out.append({
                    "dataset": d, "activation": self.label(a),
                    "best_rate": self.best[(d, a)], "best_at_grid_edge": self.at_edge(d, a),
                    "tuning_median": {f"{r:g}": _num(median(v)) for r, v in tune.items()},
                    "tuning_never": {f"{r:g}": int(np.isinf(v).sum()) for r, v in
                                     tune.items()},
                    "lesson_rate": lesson.to_dict(), "tuned_rate": tuned.to_dict(),
                })
        return out

    def format_table(self) -> str:
        """Plain-text tuned table (the one pasted in reports)."""
        head = ["dataset", "activation", "best lr", "median @0.03 [95% CI] (never)",
                "median @best [95% CI] (never)"]
        lines = [head]
        for row in self.table():
            cells = [row["dataset"], row["activation"],
                     f"{row['best_rate']:g}" + (" (edge)" if row["best_at_grid_edge"] else "")]
            for k in ("lesson_rate", "tuned_rate"):
                s = row[k]
                lines_ = [_fmt(s["median"], self.budget), _fmt(s["median_ci95"][0], self.budget),
                          _fmt(s["median_ci95"][1], self.budget)]
                cells.append(f"{lines_[0]} [{lines_[1]}, {lines_[2]}] "
                             f"({s['never_converged']}/{s['n']})")
            lines.append(cells)
        text = text_table(lines)
        text.append(f"epochs to test loss ≤ {MAIN_TAU:g}; tuned on {len(self.tune_seeds)} seeds "
                    f"({self.tune_seeds[0]}–{self.tune_seeds[-1]}), measured on "
                    f"{len(self.held_seeds)} held-out seeds ({self.held_seeds[0]}–"
                    f"{self.held_seeds[-1]}), budget {self.budget} epochs; never = not within "
                    "the budget (+inf in medians).")
        return "\n".join(text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": {
                "rate_grid": self.rates, "tune_seeds": [self.tune_seeds[0], self.tune_seeds[-1]],
                "held_out_seeds": [self.held_seeds[0], self.held_seeds[-1]],
                "wide_seeds": [self.wide_seeds[0], self.wide_seeds[-1]] if self.wide_seeds
                else [],
                "budget": self.budget, "tau": MAIN_TAU, "lesson_rate": LESSON_RATE,
                "best": "lowest median epochs to test loss <= 0.01 on the tuning seeds; ties: "
                        "fewer never-converged, then the smaller rate",
            },
            "table": self.table(),
        }


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def _fmt(v: float | None, budget: int) -> str:
    return fmt_epochs(math.inf if v is None else v, budget)


def best_rate(tuning: dict[float, np.ndarray]) -> float:
    """Lowest median epochs (``inf`` = never), then fewer never-converged, then smaller rate."""
    return min(tuning, key=lambda r: (median(tuning[r]), int(np.isinf(tuning[r]).sum()), r))


def tuned_study(
    datasets: Sequence[str],
    activations: Sequence[str],
    tune_seeds: int,
    held_seeds: int,
    budget: int,
    wide_seeds: int = 0,
    rates: Sequence[float] = RATE_GRID,
    db: str | Path | None = None,
    progress: Callable[[str], Callable[[float, float], None] | None] | None = None,
    backend: str = "auto",
) -> TunedStudy:
    """Run the protocol; ``progress(stage)`` returns a ``(done, total)`` callback."""
    rates = [float(r) for r in rates]
    tune = seed_range(1, tune_seeds)
    held = seed_range(tune_seeds + 1, held_seeds)
    wide = held[:wide_seeds]
    base = {"network_shape": list(MAIN_SHAPE)}
    spec = {"name": "tune", "epochs": budget, "seeds": tune, "taus": list(TAUS),
            "curves": False, "base": base,
            "axes": {"dataset": list(datasets), "activation": list(activations),
                     "learning_rate": rates}}
    [rows] = train_specs([spec], db, progress=progress and progress("tuning"),
                         backend=backend)
    tuning: dict[tuple[str, str, float], np.ndarray] = {}
    n = len(tune)
    i = 0
    for d in datasets:
        for a in activations:
            for r in rates:
                tuning[(d, a, r)] = epochs_of(rows[i:i + n], MAIN_TAU)
                i += n
    best = {(d, a): best_rate({r: tuning[(d, a, r)] for r in rates})
            for d in datasets for a in activations}

    specs, keys = [], []
    for d in datasets:
        for a in activations:
            lrs = sorted({LESSON_RATE, best[(d, a)]})
            specs.append({"name": f"held-out {d} {a}", "epochs": budget, "seeds": held,
                          "taus": list(TAUS), "curves": True,
                          "base": base,
                          "axes": {"dataset": [d], "activation": [a], "learning_rate": lrs}})
            keys.append([(MAIN_SHAPE, d, a, r) for r in lrs])
            if wide:
                specs.append({"name": f"wide {d} {a}", "epochs": budget, "seeds": wide,
                              "taus": list(TAUS), "curves": False,
                              "base": {"network_shape": list(WIDE_SHAPE)},
                              "axes": {"dataset": [d], "activation": [a],
                                       "learning_rate": [best[(d, a)]]}})
                keys.append([(WIDE_SHAPE, d, a, best[(d, a)])])
    results = train_specs(specs, db, progress=progress and progress("held-out"),
                          backend=backend)
    by_key: dict[tuple[tuple[int, ...], str, str, float], list[Row]] = {}
    for spec, ks, rows in zip(specs, keys, results, strict=True):
        m = len(spec["seeds"])
        for j, k in enumerate(ks):
            by_key[k] = rows[j * m:(j + 1) * m]
    return TunedStudy(datasets=list(datasets), activations=list(activations), rates=rates,
                      tune_seeds=tune, held_seeds=held, wide_seeds=wide, budget=budget,
                      tuning=tuning, best=best, rows=by_key)
