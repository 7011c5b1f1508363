"""Paired statistics (sign test, Holm, ratio of medians, CMH, Wilson) against SciPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import require

from actlab.experiments import stats as S

INF = math.inf


@pytest.mark.parametrize("k, n", [(0, 0), (0, 1), (3, 10), (5, 10), (7, 10), (0, 20),
                                  (12, 40), (30, 31), (50, 100)])
def test_binomial_two_sided_matches_scipy(k, n):
    st = require("scipy.stats")
    expected = 1.0 if n == 0 else st.binomtest(k, n, 0.5).pvalue
    assert S.binomial_two_sided(k, n) == pytest.approx(expected, rel=1e-12)


def test_sign_counts_handle_censoring():
    a = [10, 20, None, None, 5, 7]
    b = [12, 15, None, 30, None, 7]
    # 10<12: a; 20>15: b; both never: tie; a never, b 30: b; a 5, b never: a; 7=7: tie
    assert S.sign_counts(a, b) == (2, 2, 2)
    assert S.sign_counts([-1, 3], [4, -1]) == (1, 1, 0)  # negative = never too


def test_holm_matches_hand_computation():
    # sorted 0.01, 0.02, 0.04 -> 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04)
    assert S.holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert S.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert S.holm([]) == []


def test_ratio_of_medians_and_censoring():
    fast = np.arange(10, 30)  # median 19.5
    slow = 2 * fast
    r, lo, hi = S.ratio_of_medians(fast, slow)
    assert r == pytest.approx(2.0) and lo <= 2.0 <= hi
    assert S.ratio_of_medians(fast, slow)[1:] == (lo, hi)  # fixed generator: reproducible
    # the slow side's median never converged: ratio inf (a lower bound, stated)
    r, lo, _ = S.ratio_of_medians(fast, [None] * 20)
    assert math.isinf(r) and math.isinf(lo)
    # both censored: undefined
    r, lo, hi = S.ratio_of_medians([None] * 5, [None] * 5)
    assert math.isnan(r) and math.isnan(lo)


def test_paired_case_matches_scipy_bootstrap_and_binomtest():
    st = require("scipy.stats")
    rng = np.random.default_rng(1)
    fast = rng.integers(50, 100, 40).astype(float)
    slow = fast * rng.uniform(1.2, 3.0, 40)
    slow[:5] = INF  # five slow runs never converge
    c = S.paired_case("circle", "relu", "tanh", fast, slow, budget=3000)
    assert (c.fast_wins, c.slow_wins, c.ties) == (40, 0, 0)
    assert c.p_value == pytest.approx(st.binomtest(40, 40).pvalue, rel=1e-12)
    finite = np.where(np.isinf(slow), 1e9, slow)  # SciPy's bootstrap needs finite values
    ref = st.bootstrap((fast, finite), lambda a, b: np.median(b) / np.median(a), paired=True,
                       method="percentile", n_resamples=4000, random_state=0,
                       vectorized=False).confidence_interval
    assert c.ratio == pytest.approx(np.median(finite) / np.median(fast))
    assert c.ratio_low == pytest.approx(ref.low, rel=0.05)
    assert c.ratio_high == pytest.approx(ref.high, rel=0.05)
    assert c.much_faster


def test_decide_outcomes_and_claim_verdicts():
    fast, slow = list(range(10, 50)), list(range(20, 60))
    cases = S.decide([
        S.paired_case("a", "x", "y", fast, slow, 100),      # x faster on all 40
        S.paired_case("b", "x", "y", slow, fast, 100),      # reversed
        S.paired_case("c", "x", "y", fast, fast, 100),      # all ties
    ])
    assert [c.outcome for c in cases] == [S.HOLDS, S.REVERSED, S.NO_DIFFERENCE]
    assert cases[0].p_adjusted == pytest.approx(min(1, 3 * cases[0].p_value))
    v = S.claim_verdict({c.case: c.outcome for c in cases})
    assert v == (S.DEPENDS, "holds for a; reversed for b; no detectable difference for c")
    assert S.claim_verdict({"a": S.HOLDS, "b": S.HOLDS}) == (S.SUPPORTED, None)
    assert S.claim_verdict({"a": S.REVERSED}) == (S.REVERSED_VERDICT, None)
    assert S.claim_verdict({"a": S.NO_DIFFERENCE}) == (S.NOT_SUPPORTED, None)
    assert S.claim_verdict({"a": None}) == (S.UNDECIDED, None)
    assert S.claim_verdict({"a": S.HOLDS, "b": None}) == (S.SUPPORTED, "holds for a; "
                                                                      "undecided for b")


def test_wilson_matches_scipy():
    st = require("scipy.stats")
    for k, n in [(0, 10), (3, 40), (20, 40), (40, 40)]:
        ref = st.binomtest(k, n).proportion_ci(method="wilson")
        assert S.wilson_ci(k, n) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_cmh_one_stratum_is_scaled_pearson_and_strata_add_up():
    st = require("scipy.stats")
    table = [[12, 5], [7, 30]]
    n = 54
    chi2 = st.chi2_contingency(table, correction=False).statistic
    r = S.cmh_test([table], correction=False)
    assert r["statistic"] == pytest.approx(chi2 * (n - 1) / n)
    assert r["p_value"] == pytest.approx(st.chi2.sf(r["statistic"], 1))
    assert r["odds_ratio"] == pytest.approx(12 * 30 / (5 * 7))
    # two strata in opposite directions cancel; in the same direction they add up
    flip = [[5, 12], [30, 7]]
    assert S.cmh_test([table, flip])["p_value"] > 0.5
    assert S.cmh_test([table, table])["p_value"] < r["p_value"]
    assert S.cmh_test([[[0, 0], [0, 0]]])["p_value"] == 1.0
