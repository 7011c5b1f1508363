"""Summary statistics of epochs-to-converge: hand-made inputs with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.experiments.stats import (
    bootstrap_median_ci,
    censored,
    convergence_epoch,
    convergence_epochs,
    fisher_exact,
    fmt_epochs,
    median,
    quantile,
    summarize,
)

INF = math.inf


def test_convergence_epoch_first_at_or_below():
    loss = np.array([0.5, 0.2, 0.01, 0.02, 0.005])
    assert convergence_epoch(loss, 0.01) == 2  # "<=": equal counts
    assert convergence_epoch(loss, 0.2) == 1
    assert convergence_epoch(loss, 0.1) == 2
    assert convergence_epoch(loss, 0.5) == 0  # epoch 0 (untrained) counts too
    assert convergence_epoch(loss, 0.001) is None


def test_convergence_epochs_nan_is_never_converged():
    loss = np.array([[0.5, np.nan, np.nan], [0.5, 0.3, 0.001], [0.5, 0.009, np.nan]])
    np.testing.assert_array_equal(convergence_epochs(loss, 0.01), [-1, 2, 1])


def test_quantile_matches_numpy_on_finite_data():
    x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    for q in (0.0, 0.25, 0.5, 0.75, 1.0):
        assert quantile(x, q) == pytest.approx(np.quantile(x, q))


def test_quantile_with_censored_values():
    x = censored([10, 20, None, None])  # sorted: 10, 20, inf, inf
    assert median(x) == INF  # interpolates between 20 and inf
    assert quantile(x, 0.25) == pytest.approx(17.5)
    assert quantile(censored([10, 20, 30, None, None]), 0.5) == 30  # lands exactly on 30
    assert median(censored([None])) == INF
    assert math.isnan(median([]))


def test_summarize_hand_made():
    s = summarize([10, 20, 30, 40, None], budget=100, diverged=1)
    assert (s.n, s.converged, s.never, s.diverged) == (5, 4, 1, 1)
    assert s.never_share == pytest.approx(0.2)
    assert s.median == 30
    assert s.q1 == 20
    assert s.q3 == 40
    assert s.ci_low <= s.median <= s.ci_high
    d = s.to_dict()
    assert d["median"] == 30 and d["never_converged"] == 1 and d["budget"] == 100


def test_summarize_majority_never_gives_infinite_median_and_null_json():
    s = summarize([5, None, None], budget=50)
    assert s.median == INF and s.q3 == INF
    d = s.to_dict()
    assert d["median"] is None and d["q3"] is None
    assert d["median_ci95"][1] is None
    assert fmt_epochs(s.median, 50) == ">50"


def test_bootstrap_ci_deterministic_and_degenerate():
    x = np.arange(1, 41, dtype=float)
    a, b = bootstrap_median_ci(x), bootstrap_median_ci(x)
    assert a == b  # fixed generator seed
    lo, hi = a
    assert lo < 20.5 < hi
    assert hi - lo < 15
    assert bootstrap_median_ci([7.0] * 10) == (7.0, 7.0)
    lo, hi = bootstrap_median_ci(censored([1, 2, 3, None, None, None, None]))
    assert hi == INF  # most resamples have a censored median


def test_bootstrap_ci_narrows_with_more_data():
    rng = np.random.default_rng(1)
    small = rng.normal(100, 10, 20)
    large = rng.normal(100, 10, 400)
    w_small = np.subtract(*bootstrap_median_ci(small)[::-1])
    w_large = np.subtract(*bootstrap_median_ci(large)[::-1])
    assert w_large < w_small / 2


def test_fisher_exact_known_values():
    # Fisher's lady tasting tea: two-sided p = 34/70
    assert fisher_exact([[3, 1], [1, 3]]) == pytest.approx(0.4857142857)
    assert fisher_exact([[8, 2], [1, 5]]) == pytest.approx(0.0349650, rel=1e-5)
    assert fisher_exact([[0, 0], [5, 5]]) == 1.0
    assert fisher_exact([[10, 0], [0, 10]]) < 1e-4
