"""Parity with runs made by the TensorFlow Playground's own code (shared/golden/tfpg).

Each golden file holds the data points, initial weights and per-epoch losses of one
playground URL; actlab must replay the URL to the same numbers.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import GOLDEN, require_golden

from actlab.playground import PlaygroundConfig, Trainer, initial_state
from actlab.playground.rng import SeedRandom

RTOL, ATOL = 1e-9, 1e-12


def _index() -> list[dict]:
    path = GOLDEN / "golden" / "index.json"
    return json.loads(path.read_text()) if path.exists() else []


INDEX = _index()
IDS = [e["name"] for e in INDEX]


def _num(v):
    return float(v) if isinstance(v, str) else v  # "NaN", "Infinity", "-Infinity"


def load(entry: dict) -> dict:
    require_golden()
    return json.loads((GOLDEN / "golden" / entry["file"]).read_text())


def config_of(g: dict) -> PlaygroundConfig:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a golden URL has no unknown keys
        return PlaygroundConfig.from_url(g["url"])


def test_golden_index_present():
    require_golden()
    assert len(INDEX) >= 30


def test_seedrandom_vectors():
    vectors = json.loads((require_golden() / "seedrandom_vectors.json").read_text())["vectors"]
    assert len(vectors) >= 5
    for seed, v in vectors.items():
        rng = SeedRandom(seed)
        assert [rng.random() for _ in v["values"]] == v["values"], seed


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_url_round_trip_and_sizes(entry):
    g = load(entry)
    cfg = config_of(g)
    assert cfg.to_url() == g["url"]
    assert list(cfg.features) == g["derived"]["inputIds"]
    assert list(cfg.layer_sizes) == g["derived"]["shape"]


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_data_and_initial_weights(entry):
    g = load(entry)
    data, weights, biases = initial_state(config_of(g))
    for split, xy, labels in (("train", data.train_xy, data.train_labels),
                              ("test", data.test_xy, data.test_labels)):
        ref = g[split]
        # bit-identical: jsmath reproduces V8's Math.sin/cos/log (fdlibm), not glibc's
        np.testing.assert_array_equal(xy[:, 0], np.array(ref["x"]), err_msg=f"{split} x")
        np.testing.assert_array_equal(xy[:, 1], np.array(ref["y"]), err_msg=f"{split} y")
        np.testing.assert_array_equal(labels, np.array(ref["label"]), err_msg=f"{split} label")
    for ours, ref in zip(weights, g["initial"]["weights"], strict=True):
        np.testing.assert_array_equal(ours, np.array(ref))
    for ours, ref in zip(biases, g["initial"]["biases"], strict=True):
        np.testing.assert_array_equal(ours, np.array(ref))


def _check_run(entry: dict, g: dict, train_loss: np.ndarray, test_loss: np.ndarray,
               diverged_at: int | None) -> None:
    p = min(entry["parity_epochs"], len(train_loss) - 1)
    for ours, key in ((train_loss, "loss_train"), (test_loss, "loss_test")):
        ref = np.array([_num(v) for v in g[key]], dtype=np.float64)
        finite = np.isfinite(ref[: p + 1])
        np.testing.assert_allclose(ours[: p + 1][finite], ref[: p + 1][finite],
                                   rtol=RTOL, atol=ATOL, err_msg=key)
    first_bad = g["derived"]["first_nonfinite_loss_epoch"]
    if first_bad >= 0:
        assert diverged_at is not None and abs(diverged_at - first_bad) <= 1
    elif p == 300:
        assert diverged_at is None


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_losses_match_playground(entry, backend):
    g = load(entry)
    cfg = config_of(g)
    # chaotic runs are comparable only for their first parity_epochs epochs
    epochs = 300 if entry["parity_epochs"] == 300 else max(entry["parity_epochs"], 5)
    tr = Trainer([cfg], backend=backend)
    tr.step(epochs)
    r = tr.result(0)
    _check_run(entry, g, r.train_loss, r.test_loss, r.diverged_at)
    if entry["parity_epochs"] == 300 and r.diverged_at is None:
        leftover = g["derived"]["leftover_numAccumulatedDers_after_last_epoch"]
        assert tr.state.pending == leftover[0][0]
        assert r.to_dict()["final"]["dead_links"] == g["final"]["dead_links"]
        for ours, ref in zip(r.weights, g["final"]["weights"], strict=True):
            np.testing.assert_allclose(ours, np.array(ref, dtype=float), rtol=1e-7, atol=1e-9)
