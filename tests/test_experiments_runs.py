"""The runs layer (one path for many playground runs) and the tuned protocol."""

from __future__ import annotations

import math

import numpy as np

from actlab.experiments import runs as R
from actlab.experiments.tuned import best_rate, tuned_study
from actlab.playground import PlaygroundConfig, train


def test_train_specs_rows_in_grid_order_with_sweep_shape():
    spec = {"name": "t", "epochs": 8, "seeds": ["0.00003", "0.00001"], "taus": [0.3, 0.01],
            "curves": True, "base": {"dataset": "gauss"},
            "axes": {"activation": ["relu", "leaky_relu:0.05"], "learning_rate": [0.1, 0.3]}}
    [rows] = R.train_specs([spec], backend="numpy")
    assert [(r["activation"], r["learning_rate"], r["seed"]) for r in rows][:3] == [
        ("relu", 0.1, "0.00003"), ("relu", 0.1, "0.00001"), ("relu", 0.3, "0.00003")]
    r = rows[-1]
    assert r["config"]["activation"] == "leaky_relu" and r["config"]["learningRate"] == 0.3
    assert set(r["converged"]) == {"0.3", "0.01"}
    one = train(PlaygroundConfig(dataset="gauss", activation="leaky_relu",
                                 activation_params={"negative_slope": 0.05}, learning_rate=0.3,
                                 seed="0.00001"), 8, backend="numpy")
    np.testing.assert_array_equal(r["test_loss"], one.test_loss)
    e = R.epochs_of(rows, 0.3)
    assert e.shape == (8,) and all(math.isinf(x) or 0 <= x <= 8 for x in e)
    assert R.seed_range(41, 2) == ["0.00041", "0.00042"]


def test_best_rate_ties_go_to_fewer_never_then_smaller_rate():
    inf = math.inf
    assert best_rate({0.1: np.array([5, 6, 7.0]), 0.3: np.array([4, 6, 9.0])}) == 0.1
    assert best_rate({0.1: np.array([5, 6, inf]), 0.3: np.array([4, 6, 7.0])}) == 0.3
    assert best_rate({0.1: np.array([inf] * 3), 1.0: np.array([inf] * 3)}) == 0.1


def test_tuned_study_tunes_then_measures_held_out_seeds():
    t = tuned_study(["gauss"], ["relu", "tanh"], tune_seeds=2, held_seeds=3, budget=20,
                    wide_seeds=1, rates=(0.03, 0.3), backend="numpy")
    assert t.tune_seeds == ["0.00001", "0.00002"] and t.held_seeds[0] == "0.00003"
    for a in ("relu", "tanh"):
        assert t.best[("gauss", a)] in (0.03, 0.3)
        assert t.at_edge("gauss", a)  # a two-point grid: every rate is an edge
        assert t.epochs("gauss", a, "lesson").shape == (3,)
        assert t.epochs("gauss", a, "tuned", shape=(8, 8)).shape == (1,)
    assert [r["seed"] for r in t.run_rows("gauss", "relu")] == t.held_seeds
    assert "best lr" in t.format_table() and len(t.table()) == 2
