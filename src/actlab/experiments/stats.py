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
from collections.abc import Mapping, Sequence
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


def text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells (the first the header) as left-aligned text lines, a rule under the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    text = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]
    text.insert(1, "-" * len(text[0]))
    return text


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


# ----------------------------------------------------------------------------- paired tests
#: Significance level of every test, after Holm's correction within a claim.
ALPHA = 0.05
#: "Much faster": ratio of medians at least this, with the CI's lower bound above 1.
MUCH_FASTER_RATIO = 1.5

HOLDS, NO_DIFFERENCE, REVERSED = "holds", "no detectable difference", "reversed"
OUTCOMES = (HOLDS, NO_DIFFERENCE, REVERSED)
SUPPORTED, NOT_SUPPORTED, REVERSED_VERDICT, DEPENDS, UNDECIDED = (
    "supported", "not supported", "reversed", "depends", "undecided")
CLAIM_VERDICTS = (SUPPORTED, NOT_SUPPORTED, REVERSED_VERDICT, DEPENDS, UNDECIDED)


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided p-value of ``k`` successes in ``n`` fair coin flips.

    ``P = Σ P(X = i)`` over every ``i`` with ``P(X = i) ≤ P(X = k)``, ``X ~ Bin(n, ½)``; for
    the fair coin this is ``min(1, 2·P(X ≤ min(k, n − k)))`` (what
    ``scipy.stats.binomtest(k, n).pvalue`` gives). ``n = 0`` gives 1.
    """
    if n == 0:
        return 1.0
    m = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(m + 1)) / 2.0**n
    return min(1.0, 2.0 * tail) if 2 * m != n else 1.0


def sign_counts(a: Sequence[float] | np.ndarray,
                b: Sequence[float] | np.ndarray) -> tuple[int, int, int]:
    """Per-seed comparison of epochs ``a`` against ``b`` (``inf`` = never converged).

    Returns ``(a faster, b faster, ties)``: a pair where only one run converged counts for
    that one (the other needs more than the budget); both never, or equal epochs, is a tie.
    """
    x, y = censored(a), censored(b)
    if x.shape != y.shape:
        raise ValueError("paired samples need the same seeds")
    both_inf = np.isinf(x) & np.isinf(y)
    faster_a = int(np.sum((x < y) & ~both_inf))
    faster_b = int(np.sum((y < x) & ~both_inf))
    return faster_a, faster_b, int(x.size - faster_a - faster_b)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control), in input order.

    Sort ``p₍₁₎ ≤ … ≤ p₍ₘ₎``; ``p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)``. Reject case
    ``i`` at level α when ``p̃ᵢ < α``.
    """
    p = list(p_values)
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` for medians with ``inf`` = censored: ``inf/x = inf``, ``x/inf = 0``,
    ``inf/inf = NaN`` (undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.asarray(num, dtype=float) / np.asarray(den, dtype=float)
    return r


def _medians_rows(samples: np.ndarray) -> np.ndarray:
    s = np.sort(samples, axis=1)
    n = s.shape[1]
    return 0.5 * (s[:, (n - 1) // 2] + s[:, n // 2])


def ratio_of_medians(
    fast: Sequence[float] | np.ndarray,
    slow: Sequence[float] | np.ndarray,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float, float]:
    """Effect size ``median(slow) / median(fast)`` with a paired percentile-bootstrap CI.

    Seeds are resampled with replacement (the same seeds for both samples, keeping the
    pairing). Never-converged runs are ``inf``: a median that is censored makes the ratio
    ``inf`` (the slow side needs more than the budget: the true ratio is at least
    ``budget / median(fast)``) or 0 (the fast side is censored); resamples where both
    medians are censored are undefined and left out of the interval.
    """
    x, y = censored(fast), censored(slow)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    point = float(_ratio(median(y), median(x)))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, size=(resamples, x.size))
    r = _ratio(_medians_rows(y[idx]), _medians_rows(x[idx]))
    r = r[~np.isnan(r)]
    if r.size == 0:
        return point, math.nan, math.nan
    alpha = (1.0 - level) / 2.0
    return point, quantile(r, alpha), quantile(r, 1.0 - alpha)


@dataclass(frozen=True)
class PairedCase:
    """One case of a claim: is ``fast`` faster than ``slow`` on the same seeds?

    ``p_value`` is the exact two-sided sign test on informative pairs; ``p_adjusted`` is
    Holm-adjusted over the claim's cases (set by :func:`decide`). ``ratio`` =
    median(slow) ÷ median(fast) with its paired bootstrap 95% CI.
    """

    case: str
    fast: str
    slow: str
    n: int
    fast_wins: int
    slow_wins: int
    ties: int
    p_value: float
    ratio: float
    ratio_low: float
    ratio_high: float
    median_fast: float
    median_slow: float
    never_fast: int
    never_slow: int
    budget: int
    p_adjusted: float = math.nan
    outcome: str = NO_DIFFERENCE

    @property
    def informative(self) -> int:
        return self.fast_wins + self.slow_wins

    @property
    def much_faster(self) -> bool:
        """The stated bar: ratio ≥ :data:`MUCH_FASTER_RATIO` and its CI's lower bound > 1."""
        return bool(self.ratio >= MUCH_FASTER_RATIO and self.ratio_low > 1.0)

    def ratio_text(self) -> str:
        def f(v: float) -> str:
            if math.isnan(v):
                return "n/a"
            if math.isinf(v):
                return f">{self.budget / self.median_fast:.3g}" if (
                    math.isfinite(self.median_fast) and self.median_fast > 0) else "∞"
            return f"{v:.3g}"

        return f"{f(self.ratio)} [{f(self.ratio_low)}, {f(self.ratio_high)}]"

    def detail(self) -> str:
        return (f"{self.fast} faster on {self.fast_wins}, {self.slow} on {self.slow_wins}, "
                f"ties {self.ties} of {self.n} seeds; sign test p = {self.p_value:.3g} "
                f"(Holm {self.p_adjusted:.3g}); medians {fmt_epochs(self.median_fast, self.budget)}"
                f" vs {fmt_epochs(self.median_slow, self.budget)} (never {self.never_fast} vs "
                f"{self.never_slow}); ratio of medians {self.ratio_text()}")

    def to_dict(self) -> dict[str, Any]:
        def num(v: float) -> float | str | None:
            if math.isnan(v):
                return None
            return "inf" if math.isinf(v) else float(v)

        return {
            "case": self.case, "outcome": self.outcome, "fast": self.fast, "slow": self.slow,
            "test": "exact two-sided sign test on paired seeds (both never converged = tie; "
                    "one never = the other is faster); Holm-adjusted within the claim",
            "n_seeds": self.n, "fast_wins": self.fast_wins, "slow_wins": self.slow_wins,
            "ties": self.ties, "p_value": self.p_value, "p_holm": num(self.p_adjusted),
            "effect": "ratio of medians median(slow)/median(fast) (inf = slow median "
                      "censored, a lower bound)",
            "effect_size": num(self.ratio), "ci95": [num(self.ratio_low), num(self.ratio_high)],
            "much_faster": self.much_faster,
            "median_fast": num(self.median_fast), "median_slow": num(self.median_slow),
            "never_fast": self.never_fast, "never_slow": self.never_slow, "budget": self.budget,
        }


def paired_case(case: str, fast: str, slow: str, fast_epochs: Sequence[float] | np.ndarray,
                slow_epochs: Sequence[float] | np.ndarray, budget: int) -> PairedCase:
    """Sign test and ratio of medians for one case (``inf``/None/negative = never)."""
    x, y = censored(fast_epochs), censored(slow_epochs)
    a, b, t = sign_counts(x, y)
    ratio, lo, hi = ratio_of_medians(x, y)
    return PairedCase(case=case, fast=fast, slow=slow, n=int(x.size), fast_wins=a,
                      slow_wins=b, ties=t, p_value=binomial_two_sided(a, a + b), ratio=ratio,
                      ratio_low=lo, ratio_high=hi, median_fast=median(x), median_slow=median(y),
                      never_fast=int(np.isinf(x).sum()), never_slow=int(np.isinf(y).sum()),
                      budget=int(budget))


def decide(cases: Sequence[PairedCase], alpha: float = ALPHA) -> list[PairedCase]:
    """Holm-adjust the cases' p-values and give each its outcome.

    ``holds`` if the adjusted p < α and ``fast`` won more pairs, ``reversed`` if the adjusted
    p < α and ``slow`` won more, else ``no detectable difference``.
    """
    from dataclasses import replace

    adjusted = holm([c.p_value for c in cases])
    out = []
    for c, p in zip(cases, adjusted, strict=True):
        if p < alpha and c.fast_wins != c.slow_wins:
            outcome = HOLDS if c.fast_wins > c.slow_wins else REVERSED
        else:
            outcome = NO_DIFFERENCE
        out.append(replace(c, p_adjusted=p, outcome=outcome))
    return out


def claim_verdict(outcomes: Mapping[str, str | None]) -> tuple[str, str | None]:
    """A claim's verdict from its cases' outcomes (None = the case could not be decided).

    ``supported`` if every decided case holds, ``reversed`` if every one is reversed,
    ``not supported`` if none holds nor reverses (no detectable difference anywhere),
    ``undecided`` if no case could be decided, else ``depends`` with the condition naming
    where it holds, where it reverses and where no difference was detected.
    """
    groups: dict[str | None, list[str]] = {}
    for case, o in outcomes.items():
        groups.setdefault(o, []).append(case)
    decided = {o for o in groups if o is not None}
    if not decided:
        return UNDECIDED, None
    if decided == {HOLDS}:
        verdict = SUPPORTED
    elif decided == {REVERSED}:
        verdict = REVERSED_VERDICT
    elif decided == {NO_DIFFERENCE}:
        verdict = NOT_SUPPORTED
    else:
        verdict = DEPENDS
    if verdict != DEPENDS and None not in groups:
        return verdict, None
    parts = []
    for o, word in ((HOLDS, "holds for"), (REVERSED, "reversed for"),
                    (NO_DIFFERENCE, "no detectable difference for"), (None, "undecided for")):
        if groups.get(o):
            parts.append(f"{word} {', '.join(groups[o])}")
    return verdict, "; ".join(parts)


# ----------------------------------------------------------------------------- proportions
def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k/n`` (95%: z = 1.959964)."""
    if n == 0:
        return math.nan, math.nan
    z = _z(level)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _z(level: float) -> float:
    """Standard normal quantile ``Φ⁻¹((1 + level) / 2)`` (bisection on ``erfc``)."""
    target = 1.0 - level
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if math.erfc(mid / math.sqrt(2.0)) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def cmh_test(tables: Sequence[Sequence[Sequence[int]]],
             correction: bool = True) -> dict[str, float]:
    """Cochran–Mantel–Haenszel test of 2×2 tables ``[[a, b], [c, d]]``, one per stratum.

    ``χ² = (|Σ a − Σ E[a]| − ½)² / Σ Var[a]`` (without the ½ if not ``correction``) with
    ``E[a] = (a+b)(a+c)/n`` and ``Var[a] = (a+b)(c+d)(a+c)(b+d) / (n²(n−1))`` (1 degree of
    freedom; strata with n < 2 carry no information). Also the Mantel–Haenszel common odds
    ratio ``Σ(ad/n) / Σ(bc/n)``.
    """
    sa = se = sv = num = den = 0.0
    for (a, b), (c, d) in tables:
        n = a + b + c + d
        if n < 2:
            continue
        sa += a
        se += (a + b) * (a + c) / n
        sv += (a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))
        num += a * d / n
        den += b * c / n
    if sv == 0:
        return {"statistic": math.nan, "p_value": 1.0,
                "odds_ratio": math.nan}
    stat = max(0.0, abs(sa - se) - (0.5 if correction else 0.0)) ** 2 / sv
    p = math.erfc(math.sqrt(stat / 2.0))  # upper tail of χ²(1)
    odds = num / den if den > 0 else math.inf
    return {"statistic": stat, "p_value": p, "odds_ratio": odds}
