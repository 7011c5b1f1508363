"""The fused Numba kernel (actlab.playground.kernel) against the NumPy reference path.

The golden runs (test_playground_golden.py) pin both backends to the playground itself;
here the kernel is compared with ``train_epochs_numpy`` on configurations the golden set
does not cover (every supported activation, L1/L2, leftovers, batch 1, regression,
initZero, deep nets), and its own claims are checked: a network's numbers do not depend on
the batch it trains in, and its exp/expm1/tanh are V8's bit for bit.
"""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import GOLDEN, require_executable, require_golden

from actlab import activations
from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig, Trainer
from actlab.playground import kernel as kn

EPOCHS = 20
RTOL = 1e-12


def _words(high: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", high << 32))[0]


# ---------------------------------------------------------------------------- V8 maths
def _math_inputs() -> np.ndarray:
    rng = np.random.default_rng(2024)
    parts = [rng.standard_normal(20000) * s for s in (1e-9, 1e-3, 0.3, 1.0, 3.0, 10.0, 30.0)]
    parts.append(rng.uniform(-746.0, 710.0, 20000))
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 709.78, 709.79, 710.0, -745.1, -745.2, -720.0,
               5e-324, -5e-324, 1e-300, 1e300, -1e300, np.inf, -np.inf, np.nan]
    # fdlibm branches on the high word of |x|: probe both sides of each bound
    for high in (0x3FD62E43, 0x3FF0A2B2, 0x4043687A, 0x40360000, 0x3E300000, 0x3FF00000,
                 0x3C900000, 0x40862E42):
        v = _words(high)
        special += [v, -v, np.nextafter(v, 0.0), -np.nextafter(v, 0.0)]
    parts.append(np.array(special))
    return np.concatenate(parts)


def _same_bits(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return (ours.view(np.int64) == ref.view(np.int64)) | (np.isnan(ours) & np.isnan(ref))


_NODE_SCRIPT = r"""
const fs = require('fs');
const b = fs.readFileSync(process.argv[1]); const n = b.length / 8;
const out = Buffer.alloc(b.length * 3);
for (let i = 0; i < n; i++) {
  const x = b.readDoubleBE(i * 8);
  out.writeDoubleBE(Math.exp(x), i * 8);
  out.writeDoubleBE(Math.expm1(x), (n + i) * 8);
  out.writeDoubleBE(Math.tanh(x), (2 * n + i) * 8);
}
fs.writeFileSync(process.argv[2], out);
"""


def test_v8_math_matches_node_bit_for_bit(tmp_path):
    node = require_executable("node")
    xs = _math_inputs()
    (tmp_path / "in.bin").write_bytes(xs.astype(">f8").tobytes())
    subprocess.run([node, "-e", _NODE_SCRIPT, str(tmp_path / "in.bin"),
                    str(tmp_path / "out.bin")], check=True, timeout=60)
    ref = np.frombuffer((tmp_path / "out.bin").read_bytes(), dtype=">f8").astype(np.float64)
    for i, name in enumerate(("exp", "expm1", "tanh")):
        want = ref[i * xs.size:(i + 1) * xs.size]
        ours = kn.v8_math(name, xs)
        bad = ~_same_bits(ours, want)
        assert not bad.any(), (name, xs[bad][:5], ours[bad][:5], want[bad][:5])


@pytest.mark.parametrize(("name", "ulps"), [("exp", 1), ("expm1", 1), ("tanh", 3)])
def test_v8_math_is_within_a_few_ulp_of_libm(name, ulps):
    # sanity check without node: fdlibm's exp/expm1 are within 1 ulp of the true value,
    # its tanh within ~2.5 ulp (the last bits differ from glibc on a few % of inputs)
    xs = _math_inputs()
    xs = xs[np.isfinite(xs) & (xs < 709.0) & (xs > -700.0)]
    ref = np.array([getattr(math, name)(float(v)) for v in xs])
    np.testing.assert_array_max_ulp(kn.v8_math(name, xs), ref, maxulp=ulps)


# ---------------------------------------------------------------------------- activations
def _supported() -> list[activations.Activation]:
    """Every registry entry with each of its test parameter sets: all train in the kernel."""
    return [activations.get(name, **params) for name in activations.names()
            for params in activations.spec(name).param_sets]


SUPPORTED = _supported()
LABELS = [a.label for a in SUPPORTED]


def test_every_registry_entry_is_generated_into_one_builtin_module():
    modules = {kn.module_for(a)[0].__name__ for a in SUPPORTED}
    assert len(modules) == 1 and len(SUPPORTED) >= 25
    source = kn.kernel_source([d for _, _, d in kn._builtin_definitions()])
    assert source.count("def _act_") == len(kn._builtin_definitions())


@pytest.mark.parametrize("act", SUPPORTED, ids=LABELS)
def test_activation_values_and_derivatives_match_the_registry(act):
    grid = np.linspace(-30.0, 30.0, 2401)
    special = np.array([0.0, -0.0, 1e-300, -1e-300, 1e-8, -1e-8, 6.0, -3.0, 3.0, 20.0, -20.0,
                        21.0, -21.0, 700.0, -700.0, 800.0, -800.0, 1e300, -1e300,
                        np.inf, -np.inf, np.nan])
    kinks = np.array(act.kinks, dtype=float)
    x = np.concatenate([grid, special, kinks, np.nextafter(kinks, np.inf),
                        np.nextafter(kinks, -np.inf)])
    f, df = kn.evaluate(act, x)
    # Same formulas; only exp/expm1/tanh differ (V8's vs NumPy's, in the last bit), which
    # cancellation amplifies in absolute terms where a formula subtracts O(1) numbers
    # (tanhshrink near 0, gelu's derivative for x << 0): hence the absolute tolerances.
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(f, act(x), rtol=1e-14, atol=1e-16, err_msg=act.label)
        np.testing.assert_allclose(df, act.derivative(x), rtol=1e-13, atol=1e-14,
                                   err_msg=act.label)


def test_exact_gelu_and_formulas_train_in_the_kernel():
    cfg = PlaygroundConfig(activation="gelu", seed="1")  # erf: a vectorised port now
    assert Trainer([cfg], backend="numba").backend == "numba"
    activations.define("swish17", "x*sigmoid(1.702*x)")
    try:
        f = PlaygroundConfig(activation="swish17", seed="1", network_shape=(4, 3))
        np_tr, nb_tr = Trainer([f], backend="numpy"), Trainer([f], backend="numba")
        np_tr.step(EPOCHS)
        nb_tr.step(EPOCHS)
        _assert_same_state(np_tr, nb_tr, "swish17")
        module = kn.module_for(activations.get("swish17"))[0]
        assert module.__name__ != kn.module_for(activations.get("relu"))[0].__name__
    finally:
        activations.undefine("swish17")


@pytest.mark.parametrize("name", ["log", "log1p", "erf"])
def test_kernel_log_log1p_erf_are_within_a_few_ulp(name):
    rng = np.random.default_rng(7)
    xs = np.concatenate([rng.uniform(-0.999, 3.0, 5000), np.geomspace(1e-300, 1e300, 2000),
                         -np.geomspace(1e-300, 0.999, 500), [0.0, -0.0, 1.0, 2.0, np.inf]])
    if name == "log":
        xs = np.abs(xs)
    if name == "erf":
        xs = np.concatenate([xs, -xs, np.linspace(-7, 7, 2801)])
    with np.errstate(divide="ignore"):
        ref = (np.log(xs) if name == "log" else np.log1p(xs) if name == "log1p"
               else np.array([math.erf(v) for v in xs]))
    ours = kn.v8_math(name, xs)
    np.testing.assert_array_max_ulp(ours, ref, maxulp=4 if name != "erf" else 40)
    assert np.isnan(kn.v8_math(name, np.array([np.nan, -2.0 if name != "erf" else np.nan]))).all()


@pytest.mark.parametrize(("name", "ref", "ulps"), [("fast_exp", np.exp, 2),
                                                   ("fast_expm1", np.expm1, 2),
                                                   ("fast_tanh", np.tanh, 3)])
def test_fast_exp_expm1_tanh_are_within_a_few_ulp(name, ref, ulps):
    """The shorter routines every non-playground definition uses (not V8's bits)."""
    xs = _math_inputs()
    with np.errstate(all="ignore"):
        want = ref(xs)
    ours = kn.v8_math(name, xs)
    normal = np.abs(want) >= np.finfo(float).tiny
    np.testing.assert_array_max_ulp(ours[normal], want[normal], maxulp=ulps)
    # overflow, underflow into the subnormals (one rounding), ±inf, NaN: as NumPy
    rest = ~normal | ~np.isfinite(want)
    np.testing.assert_allclose(ours[rest], want[rest], rtol=0, atol=5e-324)
    assert np.isnan(ours[np.isnan(xs)]).all()


def test_fast_sin_cos_are_within_2_ulp_up_to_the_limit_and_nan_beyond():
    rng = np.random.default_rng(11)
    xs = np.concatenate([rng.normal(0, 3, 20000), rng.uniform(-1e3, 1e3, 20000),
                         rng.uniform(-kn.TRIG_LIMIT, kn.TRIG_LIMIT, 20000),
                         np.arange(-3000, 3000) * (np.pi / 2),  # next to multiples of π/2
                         [0.0, -0.0, 1e-300, -1e-20, kn.TRIG_LIMIT, -kn.TRIG_LIMIT]])
    for name, ref in (("sin", np.sin), ("cos", np.cos)):
        np.testing.assert_array_max_ulp(kn.v8_math(name, xs), ref(xs), maxulp=2)
        beyond = kn.v8_math(name, np.array([np.nextafter(kn.TRIG_LIMIT, np.inf), -1e10,
                                            np.inf, np.nan]))
        assert np.isnan(beyond).all()  # the lane loop's second pass takes these
    assert math.copysign(1.0, kn.v8_math("sin", np.array([-0.0]))[0]) == -1.0


def test_log1p_unit_and_erfc():
    q = np.concatenate([np.random.default_rng(5).uniform(0, 1, 20000),
                        np.geomspace(1e-320, 1.0, 3000), [0.0, np.sqrt(2) - 1, 1.0]])
    np.testing.assert_array_max_ulp(kn.v8_math("log1p_unit", q), np.log1p(q), maxulp=1)
    a = np.concatenate([np.linspace(0, 26, 5201), [30.0, np.inf]])
    ref = np.array([math.erfc(v) for v in a])
    ours = kn.v8_math("erfc", a)
    normal = ref > 1e-300
    np.testing.assert_allclose(ours[normal], ref[normal], rtol=1e-14)
    assert (ours[~normal] <= 1e-300).all()


def test_only_the_playground_activations_use_v8_math():
    """tanh (hidden and output) keeps V8's bits; the rest use the shorter routines."""
    source = kn.kernel_source([d for _, _, d in kn._builtin_definitions()])
    fns = {}
    for chunk in source.split("def ")[1:]:
        fns[chunk.split("(", 1)[0]] = chunk
    names = [n for n, _, _ in kn._builtin_definitions()]
    assert "_v8_tanh(" in fns[f"_act_{names.index('tanh')}"]
    assert "_v8_tanh(" in fns["_out_tanh"]
    for i, name in enumerate(names):
        if name != "tanh":
            assert "_v8_" not in fns[f"_act_{i}"], name


def test_formulas_with_sin_cos_are_right_beyond_the_vectorised_range():
    """Lanes whose sin/cos argument is beyond TRIG_LIMIT are recomputed with the C library;
    the other lanes of the row keep their bits (a lane never depends on its neighbours)."""
    activations.define("wave", "sin(x) + cos(3*x) + x*x")
    try:
        act = activations.get("wave")
        x = np.concatenate([np.linspace(-40, 40, 801), [3e5, -3e5, 1e6, -2e7, 1e300]])
        f, df = kn.evaluate(act, x)
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(f, act(x), rtol=1e-14, atol=1e-15)
            np.testing.assert_allclose(df, act.derivative(x), rtol=1e-13, atol=1e-13)
        alone, alone_d = kn.evaluate(act, x[:801])
        assert _same_bits(alone, f[:801]).all() and _same_bits(alone_d, df[:801]).all()
        # in training: first-layer weights × 1e6 put most lanes beyond the limit, in the
        # loss passes (value only) and the training pass (value and derivative) alike
        cfg = PlaygroundConfig(activation="wave", seed="3", network_shape=(4,))
        np_tr, nb_tr = Trainer([cfg], backend="numpy"), Trainer([cfg], backend="numba")
        for tr in (np_tr, nb_tr):
            tr.state.weights[0] *= 1e6
        np_tr.step(2)
        nb_tr.step(2)
        assert np.isfinite(nb_tr.train_loss).all()
        np.testing.assert_allclose(nb_tr.train_loss, np_tr.train_loss, rtol=1e-6)
        np.testing.assert_allclose(nb_tr.test_loss, np_tr.test_loss, rtol=1e-6)
    finally:
        activations.undefine("wave")


# ---------------------------------------------------------------------------- kernel vs NumPy
def _case(name: str, n: int = 3, **kw) -> tuple[str, list[PlaygroundConfig]]:
    base = PlaygroundConfig(**{"seed": "0.5", "network_shape": (4, 3), **kw})
    configs = [base.replace(seed=f"{name}-{i}", learning_rate=base.learning_rate * (1 + 0.1 * i))
               for i in range(n)]
    return name, configs


CASES = [
    _case(f"act-{a.label}", activation=a.name, activation_params=dict(a.param_items))
    for a in SUPPORTED
] + [
    _case("L1", activation="tanh", regularization="L1", regularization_rate=0.01,
          learning_rate=0.1),
    _case("L1-relu-kills", activation="relu", regularization="L1", regularization_rate=0.03,
          learning_rate=0.3, network_shape=(6, 4)),
    _case("L2", activation="sigmoid", regularization="L2", regularization_rate=0.03,
          learning_rate=0.3),
    _case("leftover-350-30", activation="relu", perc_train_data=70, batch_size=30),
    # (xor with batch 1 is chaotic from lr ~0.03: last-bit differences grow 10x per epoch)
    _case("batch-1", activation="leaky_relu", activation_params={"negative_slope": 0.05},
          batch_size=1, dataset="xor", learning_rate=0.01),
    _case("regression-plane", activation="tanh", problem="regression",
          reg_dataset="reg-plane", batch_size=7),
    _case("regression-gauss-elu", activation="elu", problem="regression",
          reg_dataset="reg-gauss", perc_train_data=30),
    _case("init-zero", activation="tanh", init_zero=True, dataset="gauss"),
    _case("deep-6x8", activation="tanh", network_shape=(8,) * 6, dataset="spiral",
          learning_rate=0.01),
    _case("no-hidden-layer", activation="relu", network_shape=(), dataset="gauss"),
    _case("all-features", activation="relu", network_shape=(8, 8, 8), dataset="spiral",
          features=("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")),
    _case("wide-mixed-L1-L2", n=9, activation="elu", network_shape=(7, 5),
          regularization="L1", regularization_rate=0.003),
]


def _assert_same_state(np_tr: Trainer, nb_tr: Trainer, label: str) -> None:
    for ours, ref in ((nb_tr.train_loss, np_tr.train_loss), (nb_tr.test_loss, np_tr.test_loss)):
        np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=1e-15, err_msg=label)
    np.testing.assert_array_equal(nb_tr.diverged_at, np_tr.diverged_at)
    assert nb_tr.state.pending == np_tr.state.pending, label
    s, r = nb_tr.state, np_tr.state
    for layer in range(len(s.weights)):
        np.testing.assert_array_equal(s.dead[layer], r.dead[layer], err_msg=label)
        for ours, ref in ((s.weights, r.weights), (s.biases, r.biases),
                          (s.acc_w, r.acc_w), (s.acc_b, r.acc_b)):
            np.testing.assert_allclose(ours[layer], ref[layer], rtol=1e-10, atol=1e-12,
                                       err_msg=label)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_kernel_matches_the_numpy_path(case):
    label, configs = case
    np_tr = Trainer(configs, backend="numpy")
    nb_tr = Trainer(configs, backend="numba")
    assert nb_tr.backend == "numba"
    for n in (7, EPOCHS - 7):  # two calls: leftovers and accumulators carry across calls
        np_tr.step(n)
        nb_tr.step(n)
    _assert_same_state(np_tr, nb_tr, label)
    if "L1-relu" in label:  # the L1 case must actually kill links, or it tests nothing
        assert any(d.any() for d in nb_tr.dead)


def test_leftover_points_are_pending_after_each_call():
    cfg = PlaygroundConfig(activation="relu", perc_train_data=70, batch_size=30, seed="3")
    tr = Trainer([cfg], backend="numba")
    for _ in range(3):
        tr.step(1)
        assert tr.state.pending == 350 % 30
    # a batch above the training points never updates the weights (the page's
    # (i + 1) % batchSize restarts each epoch): refused, not silently trained
    with pytest.raises(ActlabError, match="larger than the 50 training points"):
        cfg.replace(perc_train_data=10, batch_size=60)


def test_zero_epochs_change_nothing():
    tr = Trainer([PlaygroundConfig(activation="relu", seed="4")], backend="numba")
    before = [w.copy() for w in tr.weights]
    train, test = kn.for_config(tr.configs[0])(tr, 0)
    assert train.shape == test.shape == (1, 0)
    for a, b in zip(before, tr.weights, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["01_circle_tanh_default", "05_xor_tanh_all_888",
                                  "13_spiral_tanh_all_888"])
def test_losses_only_mode_gives_the_playground_epoch_0_bit_for_bit(name):
    require_golden()
    g = json.loads((GOLDEN / "golden" / f"{name}.json").read_text())
    tr = Trainer([PlaygroundConfig.from_url(g["url"])], backend="numba")
    train, test = kn.losses(tr)
    assert (train[0], test[0]) == (g["loss_train"][0], g["loss_test"][0])
    tr.step(3)  # and it is the same forward pass as the one after each epoch
    train, test = kn.losses(tr)
    assert (train[0], test[0]) == (tr.train_loss[0, -1], tr.test_loss[0, -1])


# ---------------------------------------------------------------------------- batch invariance
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "gelu", "mish"])
def test_one_network_alone_or_in_a_batch_of_256_is_bit_identical(act):
    # tanh: V8's routines; the others the few-ulp ones, whose fused multiply-adds must be
    # the same in the vector body (a batch) and the scalar remainder loop (one network)
    base = PlaygroundConfig(activation=act, regularization="L1", regularization_rate=0.003,
                            perc_train_data=70, batch_size=30, network_shape=(5, 3))
    configs = [base.replace(seed=f"s{i % 16}", learning_rate=0.03 + 0.001 * i,
                            regularization=("L1", "L2", None)[i % 3])
               for i in range(256)]
    batch = Trainer(configs, backend="numba")
    batch.step(12)
    for k in (0, 77, 127, 128, 200, 255):  # first/middle/last lanes of both 128-lane chunks
        for others in ([], configs[k + 1:k + 4]):  # alone (1 lane) and in a padded chunk
            tr = Trainer([configs[k], *others], backend="numba")
            tr.step(12)
            np.testing.assert_array_equal(tr.train_loss[0], batch.train_loss[k])
            np.testing.assert_array_equal(tr.test_loss[0], batch.test_loss[k])
            for a, b in zip(tr.weights, batch.weights, strict=True):
                np.testing.assert_array_equal(a[0], b[k])
            for a, b in zip(tr.dead, batch.dead, strict=True):
                np.testing.assert_array_equal(a[0], b[k])


def test_trainers_in_several_threads_give_the_same_numbers():
    cfg = PlaygroundConfig(activation="relu", seed="1", network_shape=(5, 3))
    configs = [cfg.replace(learning_rate=0.01 * (1 + i % 5)) for i in range(300)]
    ref = Trainer(configs, backend="numba")
    ref.step(6)
    trainers = [Trainer(configs, backend="numba") for _ in range(3)]
    threads = [threading.Thread(target=t.step, args=(6,)) for t in trainers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for t in trainers:
        np.testing.assert_array_equal(t.train_loss, ref.train_loss)


def test_concurrent_launches_survive_the_workqueue_threading_layer():
    # Numba's workqueue layer aborts the process on concurrent launches; the kernel
    # serialises them there. Run in a subprocess, since the layer is chosen once.
    code = (
        "import threading\n"
        "from actlab.playground import PlaygroundConfig, Trainer\n"
        "cfg = PlaygroundConfig(activation='relu', seed='1')\n"
        "ts = [Trainer([cfg] * 300, backend='numba') for _ in range(3)]\n"
        "th = [threading.Thread(target=t.step, args=(3,)) for t in ts]\n"
        "[t.start() for t in th]; [t.join() for t in th]\n"
        "import numba; print(numba.threading_layer())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "workqueue"


def test_divergence_is_flagged_at_the_same_epoch():
    cfg = PlaygroundConfig(activation="tanh", problem="regression", reg_dataset="reg-plane",
                           learning_rate=3.0)
    configs = [cfg.replace(seed=f"{i / 7:.5f}") for i in range(1, 5)]
    np_tr = Trainer(configs, backend="numpy")
    nb_tr = Trainer(configs, backend="numba")
    np_tr.step(30)
    nb_tr.step(30)
    assert (nb_tr.diverged_at >= 0).all()
    np.testing.assert_array_equal(nb_tr.diverged_at, np_tr.diverged_at)
    # (the losses blow up within the first epoch, so they agree only to ~1e-4 by then)
    np.testing.assert_allclose(nb_tr.train_loss[:, 1], np_tr.train_loss[:, 1], rtol=1e-3)
    assert np.isnan(nb_tr.train_loss[:, -1]).all()


def test_lane_layout_round_trip():
    rng = np.random.default_rng(0)
    for k, width in ((1, 1), (5, 2), (256, 128), (300, 128)):
        a = rng.standard_normal((k, 3, 4))
        packed = kn._to_lanes(a, width)
        assert packed.shape == (-(-k // width), 3, 4, width)
        assert packed.flags.c_contiguous
        np.testing.assert_array_equal(kn._from_lanes(packed, k), a)


def test_generated_modules_change_name_when_the_helpers_change(monkeypatch):
    # the modules inline kernel.py's helpers; Numba's disk cache is keyed by the module's
    # own file, so a helper change must give the module another source (hence name)
    defs = [d for _, _, d in kn._builtin_definitions()]
    before = kn.kernel_source(defs)
    monkeypatch.setattr(kn, "_HELPERS_TAG", "0" * 16)
    assert kn.kernel_source(defs) != before
