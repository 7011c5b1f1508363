"""Verdict rules on synthetic measurements: every verdict can flip with the numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SHARED

from actlab.experiments import claims as C
from actlab.experiments.stats import summarize

SEED_TEXT = SHARED / "seed" / "000_bcda1c30346367bc.txt"


def S(*epochs, budget=1000):  # noqa: N802 - reads like a constructor
    return summarize(list(epochs), budget)


FAST = S(*range(50, 70))  # median ~60, tight CI
MID = S(*range(100, 140))
SLOW = S(*range(1000, 1040), budget=2000)
NEVER = S(*[None] * 20, budget=1500)


def test_split_verdict():
    assert C.split_verdict({"a": True, "b": True}) == (C.SUPPORTED, None)
    assert C.split_verdict({"a": False, "b": False}) == (C.NOT_SUPPORTED, None)
    assert C.split_verdict({}) == (C.NOT_SUPPORTED, None)
    assert C.split_verdict({"a": None}) == (C.NOT_SUPPORTED, None)
    assert C.split_verdict({"a": True, "b": None}) == (C.SUPPORTED, None)
    verdict, cond = C.split_verdict({"a": True, "b": False, "c": None})
    assert verdict == C.DEPENDS
    assert cond == "holds for a; not for b; undecided for c"


def test_vanishing_flips_with_the_ratio():
    def ratios(relu):
        return {"relu": relu, "sigmoid": {1: 0.1, 12: 1e-9}, "tanh": {1: 0.5, 12: 0.05}}

    assert C.claim_vanishing(ratios({1: 0.5, 12: 0.02})).verdict == C.SUPPORTED
    assert C.claim_vanishing(ratios({1: 0.005, 12: 1e-5})).verdict == C.NOT_SUPPORTED
    c = C.claim_vanishing(ratios({1: 0.5, 12: 1e-4}))
    assert c.verdict == C.DEPENDS and "depth 1" in c.condition and "depth 12" in c.condition


def test_vanishing_vs_others_flips():
    base = {"sigmoid": {1: 0.1, 8: 1e-7}, "tanh": {1: 0.6, 8: 0.2}}
    assert C.claim_vanishing_vs_others({**base, "relu": {1: 0.7, 8: 0.3}}).verdict == C.SUPPORTED
    assert (C.claim_vanishing_vs_others({**base, "relu": {1: 0.01, 8: 1e-8}}).verdict
            == C.NOT_SUPPORTED)
    c = C.claim_vanishing_vs_others({**base, "relu": {1: 0.5, 8: 0.1}})
    assert c.verdict == C.DEPENDS
    assert c.condition == "holds against sigmoid at depths 1, 8; against tanh at no depth"


def test_derivative_flips():
    ns = {"relu": 0.5, "sigmoid": 3.0, "tanh": 1.0}
    assert C.claim_derivative([0.0, 1.0], ns).verdict == C.SUPPORTED
    assert C.claim_derivative([0.0, 0.5, 1.0], {**ns, "relu": 9.0}).verdict == C.NOT_SUPPORTED
    c = C.claim_derivative([0.0, 1.0], {**ns, "relu": 2.0})
    assert c.verdict == C.DEPENDS and "cheaper" in c.condition


def test_converges_faster_flips_and_needs_separated_cis():
    fast = {"relu": FAST, "tanh": MID, "sigmoid": SLOW}
    slow = {"relu": SLOW, "tanh": MID, "sigmoid": FAST}
    assert C.claim_converges_faster({"circle": fast, "xor": fast}).verdict == C.SUPPORTED
    assert C.claim_converges_faster({"circle": slow, "xor": slow}).verdict == C.NOT_SUPPORTED
    c = C.claim_converges_faster({"circle": fast, "gauss": slow})
    assert c.verdict == C.DEPENDS and c.condition == "holds for circle; not for gauss"
    # a lower median alone is not enough when the CIs overlap
    noisy = S(*range(40, 160, 3))  # median ~100, wide
    overlap = {"relu": S(*range(45, 150, 3)), "tanh": noisy, "sigmoid": SLOW}
    assert overlap["relu"].median < noisy.median
    assert C.claim_converges_faster({"circle": overlap}).verdict == C.NOT_SUPPORTED
    # nothing converged anywhere: undecided, not counted against the claim
    never = {"relu": NEVER, "tanh": NEVER, "sigmoid": NEVER}
    c = C.claim_converges_faster({"circle": fast, "spiral": never})
    assert c.verdict == C.SUPPORTED and "spiral: undecided" in c.reason


def test_playground_numbers_depend_on_threshold():
    lesson = {"relu": S(*range(50, 80)), "tanh": S(*range(80, 130)), "sigmoid": NEVER}
    early = {"relu": S(*range(15, 25)), "tanh": S(*range(40, 50)), "sigmoid": SLOW}
    assert C.claim_playground_numbers({0.01: lesson, 0.02: lesson}).verdict == C.SUPPORTED
    assert C.claim_playground_numbers({0.1: early}).verdict == C.NOT_SUPPORTED
    c = C.claim_playground_numbers({0.1: early, 0.01: lesson})
    assert c.verdict == C.DEPENDS and c.condition.startswith("holds for τ = 0.01; not for τ = 0.1")
    # 61 must lie inside ReLU's interquartile range, not merely near its median
    narrow = {**lesson, "relu": S(*([40] * 10 + [45] * 10))}
    assert C.claim_playground_numbers({0.01: narrow}).verdict == C.NOT_SUPPORTED
    # Tanh "100+": fails when even its upper quartile is below 100
    fast_tanh = {**lesson, "tanh": S(*range(60, 90))}
    assert C.claim_playground_numbers({0.01: fast_tanh}).verdict == C.NOT_SUPPORTED
    # "never within 500 epochs" does not show "more than 1000"
    short = {**lesson, "sigmoid": S(*[None] * 10, budget=500)}
    assert C.claim_playground_numbers({0.01: short}).verdict == C.NOT_SUPPORTED


def test_early_drop_flips():
    good = {"relu": 0.2, "tanh": 0.4, "sigmoid": 0.5}
    bad = {"relu": 0.3, "tanh": 0.1, "sigmoid": 0.5}
    assert C.claim_early_drop({"circle": good}).verdict == C.SUPPORTED
    assert C.claim_early_drop({"circle": bad}).verdict == C.NOT_SUPPORTED
    assert C.claim_early_drop({"circle": good, "gauss": bad}).verdict == C.DEPENDS


def test_not_zero_centred_flips():
    pts = ("layer 1, epoch 0", "layer 1, epoch 300")
    mean = dict.fromkeys(pts, 0.5)
    idx = {"relu": dict.fromkeys(pts, 0.6), "tanh": dict.fromkeys(pts, 0.1)}
    assert C.claim_not_zero_centred(idx, mean).verdict == C.SUPPORTED
    flipped = {"relu": dict.fromkeys(pts, 0.05), "tanh": dict.fromkeys(pts, 0.1)}
    assert C.claim_not_zero_centred(flipped, mean).verdict == C.NOT_SUPPORTED
    mixed = {"relu": {pts[0]: 0.6, pts[1]: 0.05}, "tanh": dict.fromkeys(pts, 0.1)}
    assert C.claim_not_zero_centred(mixed, mean).verdict == C.DEPENDS


def test_unbounded_flips():
    assert C.claim_unbounded(0.0, 1e6, 4.0).verdict == C.SUPPORTED
    assert C.claim_unbounded(-1.0, 1.0, 0.5).verdict == C.NOT_SUPPORTED
    c = C.claim_unbounded(0.0, 1e6, 0.8)
    assert c.verdict == C.DEPENDS and "trained units exceed 1" in c.condition


def test_negative_zero_flips():
    assert C.claim_negative_zero(0.0, False).verdict == C.SUPPORTED
    assert C.claim_negative_zero(0.5, True).verdict == C.NOT_SUPPORTED
    assert C.claim_negative_zero(0.0, True).verdict == C.DEPENDS


def _contingency(table, p):
    (dc, dn), (ac, an) = table
    return {"table": table, "p_value": p,
            "never_share_with_dead": dn / (dc + dn) if dc + dn else None,
            "never_share_without_dead": an / (ac + an) if ac + an else None}


def test_dead_units_hurt_flips():
    strong = _contingency([[1, 9], [20, 5]], 0.001)
    weak = _contingency([[3, 3], [20, 10]], 0.6)
    reversed_ = _contingency([[9, 1], [5, 20]], 0.001)
    assert C.claim_dead_units_hurt(strong, {0.1: weak}).verdict == C.SUPPORTED
    assert C.claim_dead_units_hurt(weak, {0.1: weak, 1.0: reversed_}).verdict == C.NOT_SUPPORTED
    c = C.claim_dead_units_hurt(weak, {0.1: weak, 1.0: strong})
    assert c.verdict == C.DEPENDS and c.condition == "holds at lr 1 only"


def _cell(relu_dead, leaky_dead, relu_never=5, leaky_never=2, dataset="xor"):
    return {"dataset": dataset, "learning_rate": 0.3, "runs": 16, "relu_dead_runs": relu_dead,
            "leaky_dead_runs": leaky_dead, "relu_never": relu_never, "leaky_never": leaky_never}


def test_leaky_fix_flips():
    assert C.claim_leaky_fix(True, [_cell(3, 0)]).verdict == C.SUPPORTED
    assert C.claim_leaky_fix(False, [_cell(3, 2)]).verdict == C.NOT_SUPPORTED
    assert C.claim_leaky_fix(True, [_cell(3, 1)]).verdict == C.DEPENDS
    # no ReLU unit died: nothing to fix was observed
    assert C.claim_leaky_fix(True, [_cell(0, 0)]).verdict == C.DEPENDS


def test_leaky_converges_flips():
    assert C.claim_leaky_converges([_cell(3, 0, 5, 2)]).verdict == C.SUPPORTED
    assert C.claim_leaky_converges([_cell(3, 0, 2, 5)]).verdict == C.NOT_SUPPORTED
    c = C.claim_leaky_converges([_cell(3, 0, 5, 2), _cell(1, 0, 0, 3, dataset="circle")])
    assert c.verdict == C.DEPENDS and c.condition == "holds for xor lr 0.3; not for circle lr 0.3"
    assert C.claim_leaky_converges([_cell(0, 0)]).verdict == C.NOT_SUPPORTED


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


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


def _all_claims() -> list[C.Claim]:
    ratios = {"relu": {1: 0.5}, "sigmoid": {1: 0.1}, "tanh": {1: 0.4}}
    fast = {"relu": FAST, "tanh": MID, "sigmoid": SLOW}
    pts = {"layer 1, epoch 0": 0.5}
    c = _contingency([[1, 9], [20, 5]], 0.001)
    return [
        C.claim_vanishing(ratios), C.claim_vanishing_vs_others(ratios),
        C.claim_derivative([0.0, 1.0], {"relu": 1, "sigmoid": 2, "tanh": 2}),
        C.claim_converges_faster({"circle": fast}), C.claim_playground_numbers({0.01: fast}),
        C.claim_early_drop({"circle": {"relu": 0.1, "tanh": 0.2, "sigmoid": 0.3}}),
        C.claim_not_zero_centred({"relu": pts, "tanh": pts}, pts),
        C.claim_unbounded(0.0, 1e6, 3.0), C.claim_negative_zero(0.0, False),
        C.claim_dead_units_hurt(c, {0.1: c}), C.claim_leaky_fix(True, [_cell(1, 0)]),
        C.claim_leaky_converges([_cell(1, 0)]),
    ]


def test_claims_serialize_to_plain_json():
    import json

    for c in _all_claims():
        d = json.loads(json.dumps(c.to_dict()))
        assert {"id", "statement_th", "statement_en", "rule", "verdict", "condition",
                "evidence"} <= set(d)
