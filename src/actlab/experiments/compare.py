"""Train one playground config across activations × seeds and compare epochs to converge.

Every activation sees the same seed strings, hence the same data and the same initial
weights (the playground draws both from the seed), so differences come from the activation
alone. A run *converges* at the first epoch whose test loss is ``<= threshold``; runs that
never get there within the epoch budget are censored (see :mod:`actlab.experiments.stats`).

>>> from actlab.playground import PlaygroundConfig
>>> c = compare(PlaygroundConfig(dataset="xor"), ["relu", "tanh"], seed_strings(3), epochs=50)
>>> sorted(c.activations)
['relu', 'tanh']
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from actlab import activations as registry
from actlab.errors import ActlabError
from actlab.experiments.stats import Summary, convergence_epochs, fmt_epochs, summarize
from actlab.playground import PlaygroundConfig, fields
from actlab.playground.config import PLAYGROUND_ACTIVATIONS

DEFAULT_ACTIVATIONS = ("relu", "tanh", "sigmoid")
DEFAULT_THRESHOLD = 0.01
#: Thresholds always reported besides the main one.
EXTRA_THRESHOLDS = (0.1, 0.05, 0.02)
DEFAULT_EPOCHS = 3000
DEFAULT_SEEDS = 100


def seed_strings(n: int) -> list[str]:
    """``n`` playground seed strings ``0.00001, 0.00002, …`` (``f"{i/100000:.5f}"``)."""
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 99_999:
        raise ActlabError(f"number of seeds must be a whole number in 1..99999, got {n!r}")
    return [f"{i / 100000:.5f}" for i in range(1, n + 1)]


@dataclass(frozen=True)
class ActivationChoice:
    """A hidden activation and its parameters, e.g. ``leaky_relu:0.05``."""

    name: str
    params: tuple[tuple[str, float | str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> ActivationChoice:
        """``relu``, ``leaky_relu:0.05`` (the only parameter) or ``elu:alpha=0.5``."""
        name, _, rest = text.strip().partition(":")
        spec = registry.spec(name)  # raises for unknown names, with a suggestion
        params: dict[str, float | str] = {}
        for item in filter(None, rest.split(":")):
            key, eq, value = item.partition("=")
            if not eq:
                if len(spec.params) != 1:
                    raise ActlabError(
                        f"{spec.name}: write parameters as key=value (allowed: "
                        f"{', '.join(p.name for p in spec.params) or 'none'}), got {item!r}"
                    )
                key, value = spec.params[0].name, item
            params[key.strip()] = registry.parse_param(spec.name, key.strip(), value.strip())
        registry.get(spec.name, **params)  # validates values
        return cls(spec.name, tuple(sorted(params.items())))

    @property
    def label(self) -> str:
        """``relu``, ``leaky_relu(0.05)``, ``elu(alpha=0.5)``: short, unique per choice."""
        if not self.params:
            return self.name
        if len(self.params) == 1 and len(registry.spec(self.name).params) == 1:
            return f"{self.name}({_num(self.params[0][1])})"
        return f"{self.name}({', '.join(f'{k}={_num(v)}' for k, v in self.params)})"

    @property
    def on_playground(self) -> bool:
        """Whether playground.tensorflow.org itself can replay runs with it."""
        return self.name in PLAYGROUND_ACTIVATIONS and not self.params

    def apply(self, config: PlaygroundConfig) -> PlaygroundConfig:
        return config.replace(activation=self.name, activation_params=dict(self.params))


def _num(v: float | str) -> str:
    return v if isinstance(v, str) else f"{v:g}"


def parse_activations(items: str | Sequence[str | ActivationChoice]) -> list[ActivationChoice]:
    """A comma list (``"relu,tanh,leaky_relu:0.05"``) or a sequence, without repeats."""
    if isinstance(items, str):
        items = [s for s in items.split(",") if s.strip()]
    choices = [a if isinstance(a, ActivationChoice) else ActivationChoice.parse(a)
               for a in items]
    if not choices:
        raise ActlabError("give at least one activation, e.g. relu,tanh,sigmoid")
    labels = [c.label for c in choices]
    repeated = sorted({x for x in labels if labels.count(x) > 1})
    if repeated:
        raise ActlabError(f"activation listed twice: {', '.join(repeated)}")
    return choices


@dataclass(frozen=True)
class RunRecord:
    """One run of the comparison, as it goes into the JSON."""

    activation: str
    seed: str
    url: str
    converged: dict[float, int | None]
    threshold: float
    diverged_at: int | None
    final_test_loss: float | None

    @property
    def converged_epoch(self) -> int | None:
        return self.converged[self.threshold]

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "seed": self.seed,
            "url": self.url,
            "converged_epoch": self.converged_epoch,
            "converged_epochs": {_tau_key(t): e for t, e in self.converged.items()},
            "diverged_at": self.diverged_at,
            "final_test_loss": self.final_test_loss,
        }


def json_bytes(base: PlaygroundConfig, runs: int) -> int:
    """A lower bound of the size of :meth:`Comparison.to_dict` as JSON for ``runs`` runs:
    each run's entry holds its URL (about as long as ``base``'s)."""
    return runs * len(base.to_url())


def _tau_key(tau: float) -> str:
    return f"{tau:g}"


@dataclass
class Comparison:
    """Loss curves of every (activation, seed) run, and statistics over seeds."""

    base: PlaygroundConfig
    choices: list[ActivationChoice]
    seeds: list[str]
    epochs: int
    threshold: float
    test_loss: dict[str, np.ndarray]  # label -> [seeds, epochs + 1], NaN after divergence
    train_loss: dict[str, np.ndarray]
    diverged_at: dict[str, np.ndarray]  # label -> [seeds], -1 = never diverged
    seconds: float = 0.0
    _summaries: dict[tuple[str, float], Summary] = field(default_factory=dict, repr=False)

    @property
    def activations(self) -> list[str]:
        return [c.label for c in self.choices]

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The main threshold and the extra ones, largest first."""
        return tuple(sorted({self.threshold, *EXTRA_THRESHOLDS}, reverse=True))

    def config(self, label: str, seed: str) -> PlaygroundConfig:
        choice = self.choices[self.activations.index(label)]
        return choice.apply(self.base).replace(seed=seed)

    def converged(self, label: str, tau: float | None = None) -> np.ndarray:
        """Convergence epoch per seed (``-1`` = never within the budget)."""
        return convergence_epochs(self.test_loss[label], self.threshold if tau is None else tau)

    def summary(self, label: str, tau: float | None = None) -> Summary:
        tau = self.threshold if tau is None else tau
        key = (label, tau)
        if key not in self._summaries:
            self._summaries[key] = summarize(
                self.converged(label, tau), self.epochs,
                diverged=int((self.diverged_at[label] >= 0).sum()),
            )
        return self._summaries[key]

    @cached_property
    def runs(self) -> list[RunRecord]:
        out = []
        for label in self.activations:
            per_tau = {t: self.converged(label, t) for t in self.thresholds}
            for s, seed in enumerate(self.seeds):
                d = int(self.diverged_at[label][s])
                last = self.test_loss[label][s, -1]
                out.append(RunRecord(
                    activation=label,
                    seed=seed,
                    url=self.config(label, seed).to_url(),
                    converged={t: (None if e[s] < 0 else int(e[s])) for t, e in per_tau.items()},
                    threshold=self.threshold,
                    diverged_at=None if d < 0 else d,
                    final_test_loss=float(last) if math.isfinite(last) else None,
                ))
        return out

    def median_run(self, label: str) -> RunRecord:
        """The run whose convergence epoch is the median one (lower median; for links)."""
        epochs = self.converged(label).astype(float)
        epochs[epochs < 0] = math.inf
        order = np.argsort(epochs, kind="stable")
        s = int(order[(len(order) - 1) // 2])
        return next(r for r in self.runs if r.activation == label and r.seed == self.seeds[s])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the base config, one object per run and a summary per activation."""
        base = self.base.to_dict()
        for key in ("activation", "activationParams", "seed"):
            base.pop(key, None)
        return {
            "base_config": base,
            "activations": self.activations,
            "seeds": self.seeds,
            "epochs": self.epochs,
            "threshold": self.threshold,
            "thresholds": list(self.thresholds),
            "convergence": (
                "converged_epoch = first epoch whose test loss <= threshold (epoch 0 = "
                "untrained); null = never within the budget. In summaries never-converged "
                "runs count as +inf, and a null median/quartile/CI bound means 'more than "
                "the budget'."
            ),
            "seconds": round(self.seconds, 3),
            "runs": [r.to_dict() for r in self.runs],
            "summary": {
                label: {
                    "threshold": self.threshold,
                    **self.summary(label).to_dict(),
                    "by_threshold": {
                        _tau_key(t): self.summary(label, t).to_dict() for t in self.thresholds
                    },
                }
                for label in self.activations
            },
        }


def compare(
    base: PlaygroundConfig,
    activations: Sequence[str | ActivationChoice] | str = DEFAULT_ACTIVATIONS,
    seeds: Sequence[str] | None = None,
    epochs: int = DEFAULT_EPOCHS,
    threshold: float = DEFAULT_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
    backend: str = "auto",
    *,
    db: str | Path | None = None,
    workers: int | None = 1,
    ray: str | bool | None = None,
    limits: bool = True,
    build_progress: Callable[[float, float], None] | None = None,
) -> Comparison:
    """Train ``base`` with every activation and seed, through the sweep machinery.

    The comparison is a sweep (axis ``activation``, the given seeds) run by
    :func:`actlab.sweep.execute`: with ``db`` its runs are stored there under the sweep
    name ``compare-<dataset>-<hash>`` and a repeated or interrupted comparison trains only
    what is missing; without, an in-memory store is used. ``workers``/``ray`` choose the
    backend (default: this process, Numba on every core). ``progress(done, total)``
    counts network-epochs; ``build_progress(built, total)`` reports the building of the
    networks trained in this process. ``limits=False`` lifts the soft limits
    (:data:`actlab.playground.fields.LIMITS`) on seeds and epochs.
    """
    from actlab.sweep import execute
    from actlab.sweep.spec import activation_text, canonical_config, load_spec
    from actlab.sweep.store import Store

    choices = parse_activations(activations)
    seeds = seed_strings(DEFAULT_SEEDS) if seeds is None else [str(s) for s in seeds]
    if not seeds:
        raise ActlabError("give at least one seed")
    if len(set(seeds)) != len(seeds):
        raise ActlabError("seed strings must not repeat")
    fields.check_limits(seeds=len(seeds), enabled=limits)
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ActlabError(f"epochs must be a whole number >= 1, got {epochs!r}")
    fields.check_limits(epochs=epochs, enabled=limits)
    if not (isinstance(threshold, int | float) and math.isfinite(threshold) and threshold > 0):
        raise ActlabError(f"threshold must be a number > 0, got {threshold!r}")
    texts = [activation_text(c) for c in choices]
    shared = {k: v for k, v in canonical_config(base).items() if k != "seed"}
    identity = json.dumps({"base": shared, "activations": texts,
                           "seeds": seeds, "epochs": epochs}, sort_keys=True)
    name = f"compare-{base.data_source}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"
    thresholds = sorted({float(threshold), *EXTRA_THRESHOLDS}, reverse=True)
    spec = load_spec({"name": name, "epochs": epochs, "seeds": list(seeds),
                      "taus": thresholds, "curves": True, "base": base,
                      "axes": {"activation": texts}})
    start = time.perf_counter()
    with Store.open(":memory:" if db is None else db) as store:
        execute(store, spec, workers=workers, ray=ray, progress=progress, backend=backend,
                build_progress=build_progress)
        rows = store.rows(name, curves=True)
    seconds = time.perf_counter() - start
    by_run = {(r["activation"], r["seed"]): r for r in rows}
    test, train, diverged = {}, {}, {}
    for choice, text in zip(choices, texts, strict=True):
        chunk = [by_run[(text, s)] for s in seeds]
        test[choice.label] = np.array([r["test_loss"] for r in chunk], dtype=np.float64)
        train[choice.label] = np.array([r["train_loss"] for r in chunk], dtype=np.float64)
        diverged[choice.label] = np.array(
            [-1 if r["diverged_at"] is None else r["diverged_at"] for r in chunk],
            dtype=np.int64)
    return Comparison(
        base=base, choices=choices, seeds=list(seeds), epochs=epochs,
        threshold=float(threshold), test_loss=test, train_loss=train,
        diverged_at=diverged, seconds=seconds,
    )


def format_table(comparison: Comparison) -> str:
    """An aligned text table: one row per activation (main threshold, then the others)."""
    c = comparison
    others = [t for t in c.thresholds if t != c.threshold]
    header = ["activation", "runs", f"median (τ={c.threshold:g})", "95% CI of median",
              "IQR (q1–q3)", "never", "diverged",
              *[f"τ={t:g}: median (never)" for t in others]]
    rows = [header]
    for label in c.activations:
        s = c.summary(label)
        cells = [
            label, str(s.n), fmt_epochs(s.median, c.epochs),
            f"[{fmt_epochs(s.ci_low, c.epochs)}, {fmt_epochs(s.ci_high, c.epochs)}]",
            f"{fmt_epochs(s.q1, c.epochs)}–{fmt_epochs(s.q3, c.epochs)}",
            f"{s.never}/{s.n}", str(s.diverged),
        ]
        for t in others:
            st = c.summary(label, t)
            cells.append(f"{fmt_epochs(st.median, c.epochs)} ({100 * st.never_share:.0f}%)")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for j, r in enumerate(rows):
        line = "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
            enumerate(zip(r, widths, strict=True))
        )
        lines.append(line.rstrip())
        if j == 0:
            lines.append("-" * len(line))
    lines.append(
        f"epochs to reach test loss ≤ τ on {c.base.data_source}, {len(c.seeds)} seeds, budget "
        f"{c.epochs} epochs; 'never' = not within the budget, counted as +inf (>{c.epochs}) "
        "in median, IQR and the bootstrap CI (2000 resamples)."
    )
    return "\n".join(lines)
