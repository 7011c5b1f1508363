"""Verdict rules on synthetic measurements: every verdict can flip with the numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED

from actlab.experiments import claims as C

SEED_TEXT = SHARED / "seed" / "000_bcda1c30346367bc.txt"
INF = np.inf
N = 30
FAST = np.arange(50, 50 + N, dtype=float)  # 30 seeds
SLOW = FAST * 3
SAME = np.roll(FAST, N // 2)  # same spread, no consistent winner
NEVER = np.full(N, INF)


def _panel(**by_dataset):
    """main column: dataset -> (relu, tanh, sigmoid) epochs."""
    return {d: {"relu": r, "tanh": t, "sigmoid": s} for d, (r, t, s) in by_dataset.items()}


def test_split_verdict():
    assert C.split_verdict({"a": True, "b": True}) == (C.SUPPORTED, None)
    assert C.split_verdict({"a": False, "b": False}) == (C.NOT_SUPPORTED, None)
    assert C.split_verdict({}) == (C.UNDECIDED, None)
    assert C.split_verdict({"a": None}) == (C.UNDECIDED, None)
    assert C.split_verdict({"a": True, "b": None}) == (C.SUPPORTED, None)
    verdict, cond = C.split_verdict({"a": True, "b": False, "c": None})
    assert verdict == C.DEPENDS
    assert cond == "holds for a; not for b; undecided for c"


def test_converges_faster_outcomes_bar_and_panel():
    main = _panel(circle=(FAST, SLOW, SLOW), xor=(FAST, SLOW, SLOW))
    c = C.claim_converges_faster({"main": main, "other": main}, 3000, "main")
    assert c.verdict == C.SUPPORTED and c.robust
    assert all(x["outcome"] == "holds" and x["much_faster"] for x in c.cases)
    assert c.cases[0]["effect_size"] == pytest.approx(3.0)
    assert "much-faster bar" in c.reason and "circle vs tanh" in c.reason
    rev = _panel(circle=(SLOW, FAST, FAST))
    assert C.claim_converges_faster({"m": rev}, 3000, "m").verdict == C.REVERSED
    same = _panel(circle=(FAST, SAME, SAME))
    assert C.claim_converges_faster({"m": same}, 3000, "m").verdict == C.NOT_SUPPORTED
    mixed = _panel(circle=(FAST, SLOW, SLOW), xor=(SLOW, FAST, FAST))
    c = C.claim_converges_faster({"m": mixed, "flat": same | {}}, 3000, "m")
    assert c.verdict == C.DEPENDS
    assert c.condition.startswith("holds for circle vs tanh, circle vs sigmoid; reversed for "
                                  "xor vs tanh")
    # nothing converged anywhere: undecided, and the panel disagreement marks it not robust
    never = _panel(spiral=(NEVER, NEVER, NEVER))
    c = C.claim_converges_faster({"m": never, "other": main}, 3000, "m")
    assert c.verdict == C.UNDECIDED and c.robust is False
    assert c.panel["outcomes"]["spiral vs tanh"]["m"] == "undecided"


def test_converges_faster_small_difference_is_not_detectable():
    rng = np.random.default_rng(0)
    noisy = FAST + rng.integers(-20, 21, N)
    c = C.claim_converges_faster({"m": _panel(circle=(FAST, noisy, noisy))}, 3000, "m")
    assert {x["outcome"] for x in c.cases} == {"no detectable difference"}


def test_playground_numbers_per_seed_plausibility():
    like = {"relu": np.full(N, 61.0), "tanh": np.full(N, 150.0), "sigmoid": NEVER}
    early = {"relu": np.full(N, 20.0), "tanh": np.full(N, 45.0), "sigmoid": np.full(N, 700.0)}
    assert C.claim_playground_numbers({0.01: like, 0.02: like}, 3000).verdict == C.SUPPORTED
    assert C.claim_playground_numbers({0.1: early}, 3000).verdict == C.NOT_SUPPORTED
    c = C.claim_playground_numbers({0.1: early, 0.01: like}, 3000)
    assert c.verdict == C.DEPENDS and c.condition.startswith("holds for τ = 0.01; not for τ = 0.1")
    shares = c.evidence["shares"]["τ = 0.01"]
    assert shares["relu"]["k"] == N and shares["all three on the same seed"]["k"] == N
    # a few lucky seeds are not enough: the Wilson lower bound must reach 20 %
    few = {**like, "relu": np.r_[np.full(3, 61.0), np.full(N - 3, 20.0)]}
    assert C.claim_playground_numbers({0.01: few}, 3000).verdict == C.NOT_SUPPORTED
    # a budget below 1000 cannot show "Sigmoid 1000+"
    assert C.claim_playground_numbers({0.01: like}, 500).verdict == C.UNDECIDED


def test_early_drop_is_paired():
    good = {"relu": np.full(N, 0.1), "tanh": np.full(N, 0.3), "sigmoid": np.full(N, 0.4)}
    bad = {"relu": np.full(N, 0.3), "tanh": np.full(N, 0.1), "sigmoid": np.full(N, 0.1)}
    assert C.claim_early_drop({"circle": good}).verdict == C.SUPPORTED
    assert C.claim_early_drop({"circle": bad}).verdict == C.REVERSED
    assert C.claim_early_drop({"circle": good, "gauss": bad}).verdict == C.DEPENDS


def _ratios(relu_deep, tanh_deep=0.05):
    def m(first, deep):
        return {"weights": {1: np.full(N, first), 12: np.full(N, deep)},
                "deltas": {1: np.full(N, first), 12: np.full(N, deep)}}

    return {"relu": m(0.5, relu_deep), "tanh": m(0.6, tanh_deep), "sigmoid": m(0.1, 1e-9)}


def test_vanishing_flips_with_the_ratio_and_shows_tanh():
    assert C.claim_vanishing(_ratios(0.05)).verdict == C.SUPPORTED
    c = C.claim_vanishing(_ratios(1e-4))
    assert c.verdict == C.DEPENDS and "depth 12" in c.condition
    assert "Tanh passes the same rule at 4 of 4" in c.effect
    low = _ratios(1e-4)
    low["relu"] = {k: {d: np.full(N, 1e-3) for d in v} for k, v in low["relu"].items()}
    assert C.claim_vanishing(low).verdict == C.NOT_SUPPORTED


def test_vanishing_vs_others_paired():
    c = C.claim_vanishing_vs_others(_ratios(0.05, tanh_deep=0.01))
    # relu 0.5 < tanh 0.6 at depth 1, relu above at 12; always above sigmoid
    assert c.verdict == C.DEPENDS
    assert "vs sigmoid, weights: holds at 1, 12" in c.condition
    assert "vs tanh, weights: reversed at 1, holds at 12" in c.condition


def test_dead_units_stratified():
    hurt = [[1, 9], [20, 5]]
    none = [[5, 5], [20, 20]]
    helps = [[9, 1], [5, 20]]

    def strata(*tables):
        return [{"dataset": "xor", "learning_rate": lr, "table": t}
                for lr, t in zip((0.03, 0.1, 0.3, 1.0), tables, strict=False)]

    assert C.claim_dead_units_hurt(strata(hurt, hurt)).verdict == C.SUPPORTED
    assert C.claim_dead_units_hurt(strata(none, none)).verdict == C.NOT_SUPPORTED
    assert C.claim_dead_units_hurt(strata(helps, helps)).verdict == C.REVERSED
    assert C.claim_dead_units_hurt(strata([[0, 0], [20, 5]])).verdict == C.UNDECIDED
    c = C.claim_dead_units_hurt(strata(hurt, none))
    assert [x["outcome"] for x in c.cases] == ["holds", "no detectable difference"]
    assert c.cases[0]["p_holm"] == pytest.approx(min(1, 2 * min(c.cases[0]["p_value"],
                                                                c.cases[1]["p_value"])))


def _cell(relu_dead, leaky_dead, relu=SLOW, leaky=FAST, dataset="xor"):
    return {"dataset": dataset, "learning_rate": 0.3, "runs": N, "relu_dead_runs": relu_dead,
            "leaky_dead_runs": leaky_dead, "relu_never": int(np.isinf(relu).sum()),
            "leaky_never": int(np.isinf(leaky).sum()), "relu_epochs": relu,
            "leaky_epochs": leaky}


def test_leaky_fix_flips():
    assert C.claim_leaky_fix(True, [_cell(3, 0)]).verdict == C.SUPPORTED
    assert C.claim_leaky_fix(False, [_cell(3, 2)]).verdict == C.NOT_SUPPORTED
    assert C.claim_leaky_fix(True, [_cell(3, 1)]).verdict == C.DEPENDS
    assert C.claim_leaky_fix(True, [_cell(0, 0)]).verdict == C.DEPENDS  # nothing to fix


def test_leaky_converges_paired():
    assert C.claim_leaky_converges([_cell(3, 0)], 3000).verdict == C.SUPPORTED
    assert C.claim_leaky_converges([_cell(3, 0, FAST, SLOW)], 3000).verdict == C.REVERSED
    assert C.claim_leaky_converges([_cell(0, 0)], 3000).verdict == C.UNDECIDED


def test_digits_claims():
    panel = {"mlp, default init, sgd": {"mlp": {"relu": FAST, "tanh": SLOW, "sigmoid": SLOW}}}
    c = C.claim_digits_faster(panel, 30, "mlp, default init, sgd")
    assert c.verdict == C.SUPPORTED and c.section == "digits"
    r = {("deep", "default"): {"relu": {"weights": np.full(N, 0.5), "deltas": np.full(N, 0.5)},
                               "tanh": {"weights": np.full(N, 0.4), "deltas": np.full(N, 0.4)},
                               "sigmoid": {"weights": np.full(N, 1e-4),
                                           "deltas": np.full(N, 1e-4)}}}
    assert C.claim_digits_vanishing(r).verdict == C.SUPPORTED


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _all_claims() -> list[C.Claim]:
    pts = {"layer 1, epoch 0": 0.5}
    main = _panel(circle=(FAST, SLOW, SLOW))
    return [
        C.claim_converges_faster({"m": main}, 3000, "m"),
        C.claim_playground_numbers({0.01: main["circle"]}, 3000),
        C.claim_early_drop({"circle": main["circle"]}),
        C.claim_vanishing(_ratios(0.05)), C.claim_vanishing_vs_others(_ratios(0.05)),
        C.claim_derivative([0.0, 1.0], {"relu": 1, "sigmoid": 2, "tanh": 2}),
        C.claim_not_zero_centred({"relu": pts, "tanh": pts}, pts),
        C.claim_unbounded(0.0, 1e6, 3.0), C.claim_negative_zero(0.0, False),
        C.claim_dead_units_hurt([{"dataset": "xor", "learning_rate": 1.0,
                                  "table": [[1, 9], [20, 5]]}]),
        C.claim_leaky_fix(True, [_cell(1, 0)]), C.claim_leaky_converges([_cell(1, 0)], 3000),
    ]


def test_thai_statements_quote_the_lesson():
    """Every claim's Thai statement is the lesson's own words ('...' marks a cut)."""
    if not SEED_TEXT.exists():
        pytest.skip(f"lesson text not at {SEED_TEXT}")
    lesson = _normalize(Path(SEED_TEXT).read_text(encoding="utf-8"))
    claims = _all_claims()
    assert len({c.id for c in claims}) == len(claims) >= 10
    for c in claims:
        for part in _normalize(c.statement_th).split(" ... "):
            assert part in lesson, (c.id, part)
        assert c.statement_en and c.rule and c.scope
        assert c.verdict in C.VERDICTS


def test_claims_serialize_with_per_case_statistics():
    for c in _all_claims():
        d = json.loads(json.dumps(c.to_dict()))
        assert {"id", "statement_th", "statement_en", "rule", "verdict", "condition",
                "evidence", "cases", "effect", "robust"} <= set(d)
        for case in d["cases"]:
            assert {"case", "outcome", "test", "p_value", "effect_size", "ci95"} <= set(case)
