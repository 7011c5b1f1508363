"""actlab.playground.jsmath returns bit for bit what V8's Math.sin/cos/log return.

The reference is the ``node`` on the machine: inputs go to it as raw big-endian double bits
(hex, in a temp JSON file) and come back the same way, so no decimal round trip and no
JSON NaN/Infinity issue is involved. NaN results only have to be NaN.
"""

from __future__ import annotations

import json
import math
import subprocess

import numpy as np
import pytest
from conftest import require_executable

from actlab.playground import jsmath

_NODE_SCRIPT = r"""
const fs = require('fs');
const inp = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const out = {};
for (const [name, hex] of Object.entries(inp)) {
  const fn = Math[name];
  const b = Buffer.from(hex, 'hex');
  const o = Buffer.alloc(b.length);
  for (let i = 0; i < b.length; i += 8) o.writeDoubleBE(fn(b.readDoubleBE(i)), i);
  out[name] = o.toString('hex');
}
process.stdout.write(JSON.stringify(out));
"""


def _around(centres: np.ndarray, ulps: int) -> np.ndarray:
    """Each centre and its neighbours up to ``ulps`` doubles away on either side."""
    bits = centres.astype(np.float64).view(np.int64)
    steps = np.arange(-ulps, ulps + 1, dtype=np.int64)
    return (bits[:, None] + steps[None, :]).reshape(-1).view(np.float64)


def _loguniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


SPECIAL = np.array([
    0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308,
    2.225073858507201e-308, 1.7976931348623157e308, -1.7976931348623157e308, 1.0, -1.0,
    math.pi, math.pi / 2, math.pi / 4, 3 * math.pi / 4, 2 * math.pi, math.e, 1e22, 1e300,
    2.0**-27, 2.0**-28, 2.0**19 * math.pi / 2, 2.0**20 * math.pi / 2,
    6381956970095103.0 * 2.0**797,  # notoriously hard to reduce mod pi/2
    0.3, 0.78125, 0.5, 2.0, 0.1,
])  # fmt: skip


def _trig_inputs() -> np.ndarray:
    rng = np.random.default_rng(20240611)
    k = np.concatenate([np.arange(1, 200), rng.integers(200, 2**21, 800)]).astype(np.float64)
    near_k_pio2 = _around(k * (math.pi / 2), 3)  # argument reduction cancels most here
    sets = [
        SPECIAL,
        _around(SPECIAL[np.isfinite(SPECIAL) & (SPECIAL != 0)], 2),
        rng.uniform(0, 2 * math.pi, 6000),  # circle angles
        rng.uniform(0, 14.3, 3000),  # spiral t
        rng.uniform(-20, 20, 6000),  # sinX/sinY features
        near_k_pio2,
        rng.uniform(-1e6, 1e6, 1500),
        _loguniform(rng, 1e-310, 1e-5, 1000) * rng.choice([-1.0, 1.0], 1000),
        _loguniform(rng, 1e-5, 1e308, 1500) * rng.choice([-1.0, 1.0], 1500),
    ]
    return np.concatenate(sets)


def _log_inputs() -> np.ndarray:
    rng = np.random.default_rng(7)
    sets = [
        SPECIAL,
        np.array([-2.0, -1e-300, -math.e, math.sqrt(2), math.sqrt(0.5)]),
        _around(np.array([1.0, math.e, math.sqrt(2), math.sqrt(0.5), 2.0, 0.5]), 40),
        1.0 + rng.uniform(-2.0**-19, 2.0**-19, 1000),  # the |f| < 2^-20 branch
        rng.uniform(0, 1, 8000),  # gauss: s in (0, 1]
        rng.uniform(0.5, 2.0, 3000),
        _loguniform(rng, 5e-324, 1e308, 8000),
    ]
    return np.concatenate(sets)


INPUTS = {"sin": _trig_inputs(), "cos": _trig_inputs(), "log": _log_inputs()}


@pytest.fixture(scope="module")
def node_results(tmp_path_factory) -> dict[str, np.ndarray]:
    node = require_executable("node")
    path = tmp_path_factory.mktemp("jsmath") / "inputs.json"
    path.write_text(json.dumps({k: v.astype(">f8").tobytes().hex() for k, v in INPUTS.items()}))
    out = subprocess.run([node, "-e", _NODE_SCRIPT, str(path)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return {k: np.frombuffer(bytes.fromhex(v), dtype=">f8").astype(np.float64)
            for k, v in json.loads(out).items()}


def _assert_bits_equal(ours: np.ndarray, ref: np.ndarray, inputs: np.ndarray, what: str):
    ours = np.asarray(ours, dtype=np.float64)
    same = (ours.view(np.uint64) == ref.view(np.uint64)) | (np.isnan(ours) & np.isnan(ref))
    if not same.all():
        bad = np.flatnonzero(~same)[:10]
        rows = [f"{float(inputs[i]).hex()}: ours {float(ours[i]).hex()} "
                f"node {float(ref[i]).hex()}" for i in bad]
        pytest.fail(f"{what}: {(~same).sum()} of {len(ours)} differ\n" + "\n".join(rows))


def test_input_sizes():
    assert all(len(v) >= 20_000 for v in INPUTS.values())


@pytest.mark.parametrize("name", ["sin", "cos", "log"])
def test_scalar_matches_node(name, node_results):
    fn = getattr(jsmath, name)
    xs = INPUTS[name]
    ours = np.array([fn(v) for v in xs.tolist()])
    _assert_bits_equal(ours, node_results[name], xs, name)


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_array_matches_node(name, node_results):
    xs = INPUTS[name]
    fn = getattr(jsmath, f"{name}_array")
    _assert_bits_equal(fn(xs), node_results[name], xs, f"{name}_array")
    # any shape, and the scalar fallback for huge |x| interleaved with the vector path
    grid = xs[:6000].reshape(20, 30, 10)
    out = fn(grid)
    assert out.shape == grid.shape and out.dtype == np.float64
    _assert_bits_equal(out.reshape(-1), node_results[name][:6000], xs[:6000], f"{name} 3-D")


def test_known_values_without_node():
    """Values printed by Node 20; each differs from glibc's by one ulp, except where noted."""
    assert jsmath.cos(0.1) == 0.9950041652780257  # glibc: ...258
    assert jsmath.log(3.0) == 1.0986122886681096  # glibc: ...098
    assert jsmath.sin(1e22) == -0.8522008497671888  # huge-argument reduction (same as glibc)
    assert jsmath.log(1.0) == 0.0 and jsmath.log(0.0) == -math.inf
    assert math.isnan(jsmath.log(-1.0)) and math.isnan(jsmath.sin(math.inf))
    assert math.copysign(1, jsmath.sin(-0.0)) == -1
    assert jsmath.sin_array(np.array(0.1)).shape == ()
