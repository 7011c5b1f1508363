"""Gradient, dying-unit and zero-centring experiments: small runs with checkable answers."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ActlabError
from actlab.experiments.centring import centring_study
from actlab.experiments.compare import seed_strings
from actlab.experiments.dying import dying_study, hidden_unit_states
from actlab.experiments.gradients import delta_rms, gradient_study, layer_rms
from actlab.playground import PlaygroundConfig, Trainer

SEEDS = seed_strings(3)


@pytest.fixture(scope="module")
def grads():
    return gradient_study(["sigmoid", "relu"], depths=(1, 6), seeds=SEEDS, grad_epochs=3,
                          speed_depths=(1, 2), speed_seeds=SEEDS[:2], epochs=6,
                          backend="numpy")


def test_layer_rms():
    g = [np.full((2, 3, 4), 2.0), np.stack([np.zeros((1, 3)), np.ones((1, 3))])]
    np.testing.assert_allclose(layer_rms(g), [[2.0, 0.0], [2.0, 1.0]])


def test_gradient_study_matches_trainer_gradients(grads):
    """The stored medians are the medians of Trainer.gradients' per-layer RMS."""
    cfgs = [PlaygroundConfig(activation="sigmoid", network_shape=(8,) * 6, seed=s)
            for s in SEEDS]
    gw, _ = Trainer(cfgs, backend="numpy").gradients("train")
    rms = np.array([[np.sqrt(np.mean(g[k] ** 2)) for g in gw] for k in range(3)])
    np.testing.assert_allclose(grads.rms_init[0, 1, :7], np.median(rms, axis=0), rtol=1e-12)
    assert np.isnan(grads.rms_init[0, 0, 2:]).all()  # depth 1 has 2 weight layers


def test_sigmoid_gradient_vanishes_with_depth(grads):
    ratio = grads.ratio()
    sig, relu = ratio[0], ratio[1]
    assert sig[1] < sig[0] / 100  # six sigmoid layers: first layer gets < 1 % as much
    assert relu[1] > sig[1] * 100
    per_seed = grads.per_seed()
    assert np.all(per_seed["sigmoid"]["weights"][6] < 0.01)
    assert np.all(per_seed["relu"]["weights"][6] > 0.01)
    assert np.all(per_seed["sigmoid"]["deltas"][6] < per_seed["relu"]["deltas"][6])
    d = grads.to_dict()
    assert len(d["rows"]) == 4 and len(d["rows"][1]["rms_init"]) == 7
    assert len(d["rows"][1]["delta_ratio_per_seed"]) == 3
    assert grads.converged.shape == (2, 2, 2)  # activations × speed depths × speed seeds


def test_delta_rms_matches_a_hand_backward_pass():
    cfg = PlaygroundConfig(activation="tanh", network_shape=(3,), seed="0.00002")
    tr = Trainer([cfg], backend="numpy")
    x, y = tr.train_x[0], tr.train_y[0]
    w, b = [a[0] for a in tr.weights], [a[0] for a in tr.biases]
    z1 = x @ w[0].T + b[0]
    z2 = np.tanh(z1) @ w[1].T + b[1]
    d2 = (np.tanh(z2[:, 0]) - y)[:, None] * (1 - np.tanh(z2) ** 2)  # output is tanh
    d1 = (d2 @ w[1]) * (1 - np.tanh(z1) ** 2)
    np.testing.assert_allclose(delta_rms(tr)[0], [np.sqrt(np.mean(d1**2)),
                                                  np.sqrt(np.mean(d2**2))], rtol=1e-9)


def test_gradient_study_rejects_bad_depths():
    with pytest.raises(ActlabError):
        gradient_study(["relu"], depths=(0, 2), seeds=SEEDS, epochs=1, backend="numpy")


def test_hidden_unit_states_counts_dead_units():
    tr = Trainer([PlaygroundConfig(activation="relu", seed=s) for s in SEEDS[:2]],
                 backend="numpy")
    base_dead, _, base_stuck = hidden_unit_states(tr)
    # network 0: make hidden unit 1 of layer 1 negative everywhere (inputs are within ±6)
    tr.weights[0][0, 1] = 0.0
    tr.biases[0][0, 1] = -1.0
    dead, negative, stuck = hidden_unit_states(tr)
    assert dead[0] >= base_dead[0] + 1 and negative[0] >= 1
    assert dead[1] == base_dead[1]
    np.testing.assert_array_equal(stuck, dead)  # for ReLU, stuck = dead
    assert stuck[0] >= base_stuck[0] + 1
    out = tr.layer_outputs(tr.data[0].train_xy)[1][0, :, 1]
    assert np.all(out == 0)


def test_leaky_units_never_output_exact_zero():
    tr = Trainer([PlaygroundConfig(activation="leaky_relu", seed="0.00001")], backend="numpy")
    tr.weights[0][0, :] = 0.0
    tr.biases[0][0, :] = -1.0
    dead, negative, stuck = hidden_unit_states(tr)
    assert dead[0] == 0 and negative[0] == 4
    assert stuck[0] == 0  # slope 0.01 of 1 keeps 1 %: at the bar, not below it


def test_saturated_sigmoid_units_are_stuck():
    tr = Trainer([PlaygroundConfig(activation="sigmoid", seed="0.00001")], backend="numpy")
    tr.weights[0][0, :] = 0.0
    tr.biases[0][0, :] = 30.0  # σ′(30) ≈ 1e-13: no gradient passes
    assert hidden_unit_states(tr)[2][0] == 4


@pytest.fixture(scope="module")
def dying():
    return dying_study(["relu", "leaky_relu:0.05"], learning_rates=(0.03, 1.0),
                       datasets=("xor",), seeds=seed_strings(4), epochs=40, every=20,
                       backend="numpy")


def test_dying_study_shapes_and_table(dying):
    assert dying.checkpoints.tolist() == [0, 20, 40]
    assert dying.dead.shape == (2, 2, 1, 4, 3)
    assert dying.dead[1].sum() == 0  # leaky units never output exactly 0
    for act in dying.activations:
        c = dying.contingency(act)
        assert sum(map(sum, c["table"])) == 8
        assert 0 <= c["p_value"] <= 1
    cell = dying.cell("relu", 1.0, "xor")
    assert cell["runs"] == 4 and cell["url"].startswith("https://playground.tensorflow.org/")
    assert dying.to_dict()["contingency"][0]["activation"] == "relu"
    strata = dying.strata("relu")
    assert [(s["dataset"], s["learning_rate"]) for s in strata] == [("xor", 0.03),
                                                                    ("xor", 1.0)]
    assert all(sum(map(sum, s["table"])) == 4 for s in strata)
    assert dying.stuck[1].sum() == 0 and dying.epochs_to.shape == (2, 2, 1, 4)


def test_centring_relu_mean_positive_tanh_smaller():
    c = centring_study(["tanh", "relu", "sigmoid"], seeds=SEEDS, epochs=20, every=10,
                       backend="numpy")
    assert c.mean.shape == (3, 2, 3)
    relu, tanh, sig = 1, 0, 2
    assert np.all(c.mean[relu] > 0) and np.all(c.min[relu] >= 0)
    assert np.all(c.max[sig] <= 1) and np.all(c.min[sig] >= 0)
    assert np.all(c.centring_index[relu] > c.centring_index[tanh])
    assert np.all((c.centring_index >= 0) & (c.centring_index <= 1))
    assert c.to_dict()["layers"]["relu"][0]["layer"] == 1
