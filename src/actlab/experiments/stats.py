"""Summary statistics for right-censored "epochs to converge".

A run that never reaches the loss threshold within the budget is *censored*: all we know is
that it would need more than ``budget`` epochs. Such runs enter every statistic here as
``+inf`` (ranked after every run that converged), so a median or quartile that lands on one
of them is reported as ``inf`` ("more than the budget") instead of an invented number.
Quantiles interpolate linearly between order statistics, except that interpolating towards
a censored value gives ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Bootstrap resamples and generator seed: fixed, so every report is reproducible.
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20_240_601


def convergence_epochs(loss: np.ndarray, threshold: float) -> np.ndarray:
    """First epoch whose loss is ``<= threshold``, along the last axis; ``-1`` if none.

    ``loss[..., e]`` is the loss after ``e`` epochs (index 0 = untrained). NaN (a diverged
    run) never counts as converged.
    """
    loss = np.asarray(loss, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        hit = loss <= threshold
    first = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), first, -1)


def convergence_epoch(loss: np.ndarray, threshold: float) -> int | None:
    """First epoch of one loss curve with loss ``<= threshold``, or None if it never is."""
    e = int(convergence_epochs(np.asarray(loss)[None, :], threshold)[0])
    return None if e < 0 else e


def censored(epochs: Sequence[int | None] | np.ndarray) -> np.ndarray:
    """Epochs as floats with never-converged runs (None or negative) as ``+inf``."""
    out = np.array([math.inf if e is None or e < 0 else float(e) for e in epochs], dtype=float)
    return out


def quantile(values: Sequence[float] | np.ndarray, q: float) -> float:
    """Linear-interpolation quantile (NumPy's default) that treats ``inf`` as censored.

    Returns ``inf`` when the quantile lies on or towards an ``inf`` value; NaN for no data.
    """
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0:
        return math.nan
    pos = q * (x.size - 1)
    lo = int(math.floor(pos))
    frac = pos - lo
    if frac == 0.0:
        return float(x[lo])
    a, b = x[lo], x[lo + 1]
    if math.isinf(b):
        return math.inf
    return float(a + (b - a) * frac)


def median(values: Sequence[float] | np.ndarray) -> float:
    return quantile(values, 0.5)


def bootstrap_median_ci(
    values: Sequence[float] | np.ndarray,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the median (``inf`` = censored).

    ``resamples`` samples of the same size are drawn with replacement with a generator of
    fixed ``seed``; the interval is the ``(1 − level)/2`` and ``(1 + level)/2`` quantiles
    of their medians.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    samples = np.sort(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    n = x.size
    medians = 0.5 * (samples[:, (n - 1) // 2] + samples[:, n // 2])  # inf stays inf
    alpha = (1.0 - level) / 2.0
    return quantile(medians, alpha), quantile(medians, 1.0 - alpha)


@dataclass(frozen=True)
class Summary:
    """Epochs to converge of one group of runs (``inf`` = never within ``budget``)."""

    n: int
    converged: int
    diverged: int
    budget: int
    median: float
    q1: float
    q3: float
    ci_low: float
    ci_high: float

    @property
    def never(self) -> int:
        """Runs that did not reach the threshold within the budget (diverged included)."""
        return self.n - self.converged

    @property
    def never_share(self) -> float:
        return self.never / self.n if self.n else math.nan

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``null`` stands for "more than the budget" (never converged)."""
        def num(v: float) -> float | None:
            return None if not math.isfinite(v) else float(v)

        return {
            "n": self.n,
            "converged": self.converged,
            "never_converged": self.never,
            "never_share": self.never_share,
            "diverged": self.diverged,
            "budget": self.budget,
            "median": num(self.median),
            "q1": num(self.q1),
            "q3": num(self.q3),
            "iqr": num(self.iqr),
            "median_ci95": [num(self.ci_low), num(self.ci_high)],
        }


def summarize(
    epochs: Sequence[int | None] | np.ndarray, budget: int, diverged: int = 0
) -> Summary:
    """Median, quartiles and bootstrap CI of the median of epochs-to-converge.

    ``epochs`` holds one entry per run: the convergence epoch, or None / a negative number
    for a run that never converged within ``budget`` (counted as ``+inf``).
    """
    x = censored(epochs)
    lo, hi = bootstrap_median_ci(x)
    return Summary(
        n=int(x.size),
        converged=int(np.isfinite(x).sum()),
        diverged=int(diverged),
        budget=int(budget),
        median=median(x),
        q1=quantile(x, 0.25),
        q3=quantile(x, 0.75),
        ci_low=lo,
        ci_high=hi,
    )


def fmt_epochs(value: float, budget: int | None = None) -> str:
    """``123`` for a finite number of epochs, ``>3000`` (or ``never``) for ``inf``."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f">{budget}" if budget is not None else "never"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Two-sided Fisher exact test p-value of a 2×2 table of counts.

    Sums the hypergeometric probabilities of every table with the same margins that is no
    more likely than the observed one.
    """
    (a, b), (c, d) = table
    row1, col1, n = a + b, a + c, a + b + c + d
    if n == 0:
        return 1.0

    def prob(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    lo, hi = max(0, row1 + col1 - n), min(row1, col1)
    total = sum(p for x in range(lo, hi + 1) if (p := prob(x)) <= observed * (1 + 1e-7))
    return min(1.0, total)
