"""Engine behaviour beyond the golden runs: batching, stepping, divergence, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig, Trainer, train, train_many
from actlab.playground.engine import group_key

BACKENDS = ["numpy", "numba"]


def seeds(n: int) -> list[str]:
    return [f"{i / 100000:.5f}" for i in range(1, n + 1)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_alone_or_in_a_batch_of_256_gives_the_same_numbers(backend):
    base = PlaygroundConfig(activation="relu", batch_size=30, perc_train_data=70)
    configs = [base.replace(seed=s, learning_rate=0.01 + 0.001 * i)
               for i, s in enumerate(seeds(256))]
    batch = Trainer(configs, backend=backend)
    batch.step(4)
    for k in (0, 77, 255):
        alone = Trainer([configs[k]], backend=backend)
        alone.step(4)
        np.testing.assert_array_equal(alone.train_loss[0], batch.train_loss[k])
        np.testing.assert_array_equal(alone.test_loss[0], batch.test_loss[k])
        for a, b in zip(alone.weights, batch.weights, strict=True):
            np.testing.assert_array_equal(a[0], b[k])


@pytest.mark.parametrize("backend", BACKENDS)
def test_stepping_in_pieces_equals_one_run(backend):
    cfg = PlaygroundConfig(activation="tanh", batch_size=30, perc_train_data=70, seed="7")
    one = Trainer([cfg], backend=backend)
    one.step(9)
    pieces = Trainer([cfg], backend=backend)
    for n in (1, 3, 5):
        pieces.step(n)
    assert pieces.epoch == 9
    np.testing.assert_array_equal(one.train_loss, pieces.train_loss)


def test_train_many_groups_a_mix_and_keeps_order():
    configs = [
        PlaygroundConfig(activation="relu", seed="1"),
        PlaygroundConfig(activation="tanh", seed="1", network_shape=(3,)),
        PlaygroundConfig(activation="relu", seed="2"),
        PlaygroundConfig(activation="sigmoid", dataset="xor", seed="3", batch_size=5),
    ]
    assert len({group_key(c) for c in configs}) == 3
    calls = []
    results = train_many(configs, 6, progress=lambda done, total: calls.append((done, total)))
    assert [r.config for r in results] == configs
    assert calls[-1] == (24, 24)
    for cfg, r in zip(configs, results, strict=True):
        alone = train(cfg, 6)
        np.testing.assert_array_equal(alone.test_loss, r.test_loss)
        assert len(r.train_loss) == 7


def test_trainer_rejects_incompatible_configs():
    with pytest.raises(ActlabError, match="use train_many"):
        Trainer([PlaygroundConfig(), PlaygroundConfig(network_shape=(3,))])
    with pytest.raises(ActlabError, match="at least one config"):
        Trainer([])
    with pytest.raises(ActlabError, match="backend"):
        Trainer([PlaygroundConfig()], backend="cuda")


@pytest.mark.parametrize("backend", BACKENDS)
def test_divergence_stops_one_network_and_not_the_others(backend):
    good = PlaygroundConfig(reg_dataset="reg-plane", problem="regression", seed="0.1")
    bad = good.replace(learning_rate=10.0)
    tr = Trainer([good, bad], backend=backend)
    tr.step(20)
    assert tr.diverged_at[0] == -1
    d = int(tr.diverged_at[1])
    assert 1 <= d <= 20
    assert np.all(np.isfinite(tr.train_loss[0]))
    assert np.all(np.isfinite(tr.train_loss[1, :d]))
    assert np.all(np.isnan(tr.train_loss[1, d + 1:]))
    r = tr.result(1)
    assert r.diverged_at == d
    assert r.last_finite_loss == tr.train_loss[1, d - 1]
    data = r.to_dict()
    assert data["diverged_at"] == d and data["train_loss"][-1] is None


def test_gradients_match_finite_differences():
    cfg = PlaygroundConfig(activation="elu", network_shape=(3, 2), seed="5",
                           features=("x", "y", "xTimesY"))
    tr = Trainer([cfg], backend="numpy")
    tr.step(2)
    gw, gb = tr.gradients("train")

    def loss() -> float:
        return float(tr._losses()[0, 0])

    h = 1e-6
    for layer in range(len(tr.weights)):
        for idx in np.ndindex(tr.weights[layer].shape[1:]):
            w = tr.weights[layer]
            old = w[(0, *idx)]
            w[(0, *idx)] = old + h
            up = loss()
            w[(0, *idx)] = old - h
            down = loss()
            w[(0, *idx)] = old
            assert gw[layer][(0, *idx)] == pytest.approx((up - down) / (2 * h), rel=1e-5,
                                                         abs=1e-9)
        b = tr.biases[layer]
        b[0, 0] += h
        up = loss()
        b[0, 0] -= 2 * h
        down = loss()
        b[0, 0] += h
        assert gb[layer][0, 0] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)


def test_layer_outputs_and_predict_agree_with_the_loss():
    cfg = PlaygroundConfig(activation="relu", seed="9")
    tr = Trainer([cfg, cfg.replace(seed="10")])
    tr.step(3)
    outs = tr.layer_outputs(tr.data[0].train_xy)
    assert [o.shape for o in outs] == [(2, 250, 2), (2, 250, 4), (2, 250, 2), (2, 250, 1)]
    pred = tr.predict(tr.data[0].train_xy)[0]
    loss = np.mean(0.5 * (pred - tr.data[0].train_labels) ** 2)
    assert loss == pytest.approx(tr.train_loss[0, -1], rel=1e-12)


@pytest.mark.parametrize("name, params", [("elu", {}), ("leaky_relu", {"negative_slope": 0.05}),
                                          ("silu", {}), ("softplus", {"beta": 2.0})])
def test_any_registry_activation_trains(name, params):
    r = train(PlaygroundConfig(activation=name, activation_params=params, seed="3",
                               learning_rate=0.1), 30)
    assert r.diverged_at is None
    assert r.test_loss[-1] < 0.5 * r.test_loss[0]


def test_init_zero_starts_from_zero():
    tr = Trainer([PlaygroundConfig(init_zero=True, seed="4")])
    assert all(np.all(w == 0) for w in tr.weights) and all(np.all(b == 0) for b in tr.biases)
    # output tanh(0) = 0: the loss is ½·label² = 0.5 for every point
    assert tr.train_loss[0, 0] == 0.5


def test_negative_epochs_is_an_error():
    with pytest.raises(ActlabError, match="epochs"):
        train(PlaygroundConfig(), -1)


# ---------------------------------------------------------------- building


def test_build_progress_counts_networks_and_changes_nothing():
    configs = [PlaygroundConfig(seed=s, noise=10) for s in seeds(5)]
    calls = []
    built = Trainer(configs, backend="numpy", build_progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 5) and calls[-1] == (5, 5) and {t for _, t in calls} == {5}
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    plain = Trainer(configs, backend="numpy")
    for a, b in zip(built.weights, plain.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(built.train_x, plain.train_x)
    with pytest.raises(ActlabError, match="build_progress must be callable"):
        Trainer(configs, build_progress=3)


def test_a_large_network_reports_progress_while_its_weights_are_drawn(monkeypatch):
    from actlab.playground import engine, rng

    monkeypatch.setattr(engine, "_DRAW_PROGRESS_MIN", 100)  # "large": 100 weights or more
    monkeypatch.setattr(rng, "PROGRESS_EVERY", 64)
    cfg = PlaygroundConfig(seed="0.31337-build-progress", network_shape=(30, 20))  # 680
    calls = []
    tr = Trainer([cfg], backend="numpy", build_progress=lambda d, t: calls.append(d))
    inside = [d for d in calls if 0 < d < 1]
    assert len(inside) >= 8 and calls == sorted(calls) and calls[-1] == 1
    # drawn in blocks, the same bits as one draw of the page's order
    _, weights, _ = engine._build.__wrapped__(cfg.seed, cfg.data_source, cfg.problem,
                                              float(cfg.noise), float(cfg.perc_train_data),
                                              cfg.layer_sizes, cfg.init_zero)
    for a, b in zip(tr.weights, weights, strict=True):
        np.testing.assert_array_equal(a[0], b)


def test_random_array_is_the_same_stream_in_blocks():
    from actlab.playground.rng import SeedRandom

    one, blocks = SeedRandom("0.777"), SeedRandom("0.777")
    done = []
    mixed = [blocks.random(), *blocks.random_array(70_000, progress=lambda d, t: done.append(d)),
             blocks.random()]
    assert mixed == [one.random() for _ in range(70_002)]
    assert done == [65_536, 70_000] and one.calls == blocks.calls == 70_002


def test_a_build_that_cannot_fit_in_memory_is_refused_at_once(monkeypatch):
    from actlab.playground import engine

    have = engine.physical_memory()
    assert have is None or have > 1 << 20
    small = [PlaygroundConfig(seed=s) for s in seeds(3)]
    monkeypatch.setattr(engine, "physical_memory", lambda: 4096)
    with pytest.raises(ActlabError, match=r"^3 networks of 18 weights need at least "
                                          r"[\d.]+ KiB of memory; this machine has 4\.0 KiB"):
        Trainer(small, limits=False)  # not a soft limit: it cannot work
    wide = PlaygroundConfig(network_shape=(64, 64))
    with pytest.raises(ActlabError, match="^1 network of 4,288 weights needs at least"):
        train_many([wide], 1)
    monkeypatch.setattr(engine, "physical_memory", lambda: None)  # unknown: not checked
    assert Trainer(small).k == 3
