"""Measured properties: values a reader can check by hand, and the table's shape."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from actlab import activations, properties
from actlab.errors import ActlabError


def normal_tail(z: float) -> float:
    """P(Z > z) for Z ~ N(0, 1)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_relu_matches_the_half_normal():
    row = properties.measure("relu", timing=False)
    # E[max(0, Z)] = 1/√(2π); E[max(0, Z)²] = 1/2
    assert row["mean"] == pytest.approx(1 / math.sqrt(2 * math.pi), abs=3e-3)
    assert row["std"] == pytest.approx(math.sqrt(0.5 - 1 / (2 * math.pi)), abs=3e-3)
    assert row["dead_share"] == pytest.approx(0.5, abs=2e-3)
    assert row["saturated_share"] == row["dead_share"]
    assert (row["output_min"], row["output_max"]) == (0.0, 10.0)
    assert row["max_abs_derivative"] == 1.0
    assert row["monotonic"] and not row["invertible"] and not row["bounded"]
    assert row["forward_ns"] is None and row["derivative_ns"] is None


def test_sigmoid_and_tanh_saturate_only_in_the_tails():
    sig = properties.measure("sigmoid", timing=False)
    assert sig["mean"] == pytest.approx(0.5, abs=2e-3)
    assert sig["max_abs_derivative"] == 0.25  # at x = 0, which is on the grid
    # σ'(z) < 0.01 ⇔ |z| > 4.59: about 4e-6 of N(0,1)
    assert sig["saturated_share"] < 5e-5 and sig["dead_share"] == 0
    assert sig["bounded"] and sig["invertible"]
    assert sig["output_min"] == pytest.approx(1 / (1 + math.exp(10)))
    tanh = properties.measure("tanh", timing=False)
    # 1 - tanh²(z) < 0.01 ⇔ |z| > atanh(√0.99)
    expected = 2 * normal_tail(math.atanh(math.sqrt(0.99)))
    assert tanh["saturated_share"] == pytest.approx(expected, abs=3e-4)


def test_parameters_and_activation_objects():
    row = properties.measure("leaky_relu", negative_slope=0.1, n=10_000, timing=False)
    assert row["params"] == {"negative_slope": 0.1}
    assert row["label"] == "leaky_relu(negative_slope=0.1)"
    assert row["output_min"] == pytest.approx(-1.0) and row["dead_share"] == 0
    act = activations.get("elu", alpha=0.5)
    assert properties.measure(act, n=10_000, timing=False)["output_min"] > -0.5
    rows = properties.measure_all(["relu", "swish"], params={"relu": {}}, n=1000, timing=False)
    assert [r["name"] for r in rows] == ["relu", "silu"]
    with pytest.raises(ActlabError, match="unknown activation"):
        properties.measure("rleu")


def test_registry_flags_agree_with_the_grid_for_every_entry():
    for row in properties.measure_all(n=1000, timing=False):
        assert row["monotonic"] == row["monotonic_flag"], row["label"]
        if row["invertible"]:
            assert row["monotonic"]
        lo, hi = row["range_min"], row["range_max"]
        assert lo <= row["output_min"] <= row["output_max"] <= hi, row["label"]


def test_timing_is_measured_in_ns_per_element():
    row = properties.measure("tanh", n=20_000, repeats=2)
    assert 0 < row["forward_ns"] < 1e6 and 0 < row["derivative_ns"] < 1e6


def test_sample_is_reproducible_and_documented():
    z = properties._normal_sample(1000)
    np.testing.assert_array_equal(z, np.random.default_rng(0).standard_normal(1000))
    assert "step 0.001" in properties.METHOD and "default_rng(0)" in properties.METHOD
    assert properties.GRID[0] == -10 and properties.GRID[-1] == 10
    assert np.allclose(np.diff(properties.GRID), 0.001)


def test_format_table_is_aligned_and_has_the_method():
    rows = properties.measure_all(["relu", "gelu"], n=1000, timing=False)
    text = properties.format_table(rows)
    lines = text.splitlines()
    box = [ln for ln in lines if ln[0] in "┌│├└"]
    assert len(box) == 6 and len({len(ln) for ln in box}) == 1
    assert box[0].startswith("┌") and box[-1].startswith("└")
    assert "relu" in box[3] and "gelu(approximate='none')" in box[4]
    assert f"{100 * rows[0]['dead_share']:.2f}%" in box[3]  # dead share of relu
    assert "f ns" not in box[1]
    assert any(ln.startswith("Method: grid") for ln in lines)
    timed = properties.format_table(properties.measure_all(["relu"], n=1000, repeats=1))
    assert "f ns" in timed and "f' ns" in timed


def test_rows_are_json():
    rows = properties.measure_all(["hardtanh"], n=1000, timing=False)
    back = json.loads(json.dumps(rows))
    expected_keys = {
        "name", "params", "output_min", "output_max", "mean", "std", "saturated_share",
        "dead_share", "max_abs_derivative", "monotonic", "bounded", "invertible",
        "forward_ns", "derivative_ns",
    }  # fmt: skip
    assert expected_keys <= set(back[0])
    assert back[0]["params"] == {"min_val": -1.0, "max_val": 1.0}


def test_docstring_examples():
    import doctest

    assert doctest.testmod(properties).failed == 0
