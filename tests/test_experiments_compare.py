"""actlab.experiments.compare: seeds, activation choices, JSON, parity with the playground."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from conftest import GOLDEN, require_golden

from actlab.errors import ActlabError
from actlab.experiments.compare import (
    ActivationChoice,
    compare,
    format_table,
    parse_activations,
    seed_strings,
)
from actlab.playground import PlaygroundConfig, train

#: Golden runs (made with the playground's own code) whose convergence epochs we replay.
GOLDEN_RUNS = ("01_circle_tanh_default", "02_circle_relu", "11_gauss_sigmoid_lr03_L1",
               "26_circle_tanh_b30_p70", "36_spiral_relu_default")
TAUS = (0.1, 0.05, 0.02, 0.01)


def test_seed_strings_are_playground_seeds():
    assert seed_strings(3) == ["0.00001", "0.00002", "0.00003"]
    assert seed_strings(100)[-1] == "0.00100"
    for bad in (0, -1, 100_000, 2.5, True):
        with pytest.raises(ActlabError):
            seed_strings(bad)


def test_activation_choice_parsing():
    assert ActivationChoice.parse("relu").label == "relu"
    leaky = ActivationChoice.parse("leaky_relu:0.05")
    assert leaky.params == (("negative_slope", 0.05),)
    assert leaky.label == "leaky_relu(0.05)"
    assert not leaky.on_playground and ActivationChoice.parse("tanh").on_playground
    assert ActivationChoice.parse("elu:alpha=0.5").label == "elu(0.5)"
    cfg = leaky.apply(PlaygroundConfig())
    assert cfg.activation == "leaky_relu" and cfg.activation_params == {"negative_slope": 0.05}
    assert [c.label for c in parse_activations("relu, tanh,sigmoid")] == [
        "relu", "tanh", "sigmoid"]
    for bad in ("relux", "relu,relu", "", "leaky_relu:2", "relu:1"):
        with pytest.raises(ActlabError):
            parse_activations(bad)


@pytest.fixture(scope="module")
def small() -> object:
    return compare(PlaygroundConfig(dataset="gauss"), ["relu", "tanh"], seed_strings(3),
                   epochs=40, threshold=0.05)


def test_compare_json_schema(small):
    d = json.loads(json.dumps(small.to_dict()))  # JSON-serializable as is
    assert d["activations"] == ["relu", "tanh"]
    assert d["seeds"] == ["0.00001", "0.00002", "0.00003"]
    assert d["epochs"] == 40 and d["threshold"] == 0.05
    assert "activation" not in d["base_config"] and "seed" not in d["base_config"]
    assert len(d["runs"]) == 6
    for run in d["runs"]:
        assert set(run) >= {"activation", "seed", "url", "converged_epoch", "diverged_at"}
        assert isinstance(run["seed"], str)
        assert run["url"].startswith("https://playground.tensorflow.org/#activation=")
        assert f"seed={run['seed']}&" in run["url"]
        assert run["converged_epoch"] is None or isinstance(run["converged_epoch"], int)
        assert run["converged_epochs"]["0.05"] == run["converged_epoch"]
        assert set(run["converged_epochs"]) == {"0.1", "0.05", "0.02"}
    for label in ("relu", "tanh"):
        s = d["summary"][label]
        assert s["n"] == 3 and s["budget"] == 40 and s["threshold"] == 0.05
        assert set(s["by_threshold"]) == {"0.1", "0.05", "0.02"}
        assert len(s["median_ci95"]) == 2


def test_compare_runs_equal_single_training(small):
    """Each run of the batch equals training its URL alone."""
    run = next(r for r in small.runs if r.activation == "tanh" and r.seed == "0.00002")
    alone = train(PlaygroundConfig.from_url(run.url), 40)
    np.testing.assert_allclose(small.test_loss["tanh"][1], alone.test_loss, rtol=1e-12)
    hit = np.nonzero(alone.test_loss <= 0.05)[0]
    assert run.converged_epoch == (int(hit[0]) if hit.size else None)


def test_format_table_lists_every_activation(small):
    text = format_table(small)
    lines = text.splitlines()
    assert lines[0].startswith("activation")
    assert any(line.startswith("relu ") for line in lines)
    assert any(line.startswith("tanh ") for line in lines)
    assert "never" in lines[-1] and "+inf" in lines[-1]


@pytest.mark.parametrize("name", GOLDEN_RUNS)
def test_converged_epoch_matches_playground_golden(name):
    """compare's convergence epochs equal those of the playground's own loss curve."""
    g = json.loads((require_golden() / "golden" / f"{name}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = PlaygroundConfig.from_url(g["url"])
    ref = np.array([float(v) for v in g["loss_test"]])
    assert ref.size == 301
    result = compare(cfg, [cfg.activation], [cfg.seed], epochs=300, threshold=0.01)
    (run,) = result.runs
    assert run.url == g["url"]
    for tau in TAUS:
        hit = np.nonzero(ref <= tau)[0]
        expected = int(hit[0]) if hit.size else None
        assert run.converged[tau] == expected, (name, tau)


def test_golden_runs_cover_converged_and_never():
    require_golden()
    firsts = []
    for name in GOLDEN_RUNS:
        ref = np.array([float(v) for v in json.loads(
            (GOLDEN / "golden" / f"{name}.json").read_text())["loss_test"]])
        firsts.append(bool((ref <= 0.01).any()))
    assert any(firsts) and not all(firsts)


def test_divergence_is_counted_not_hidden():
    base = PlaygroundConfig(problem="regression", reg_dataset="reg-gauss", learning_rate=3.0)
    cmp = compare(base, ["linear"], seed_strings(2), epochs=30, threshold=1e-9)
    s = cmp.summary("linear")
    assert s.diverged == 2 and s.converged == 0
    assert all(r.diverged_at is not None and r.converged_epoch is None for r in cmp.runs)
    assert all(r.final_test_loss is None for r in cmp.runs)
    assert np.isnan(cmp.test_loss["linear"][:, -1]).all()
    assert cmp.to_dict()["summary"]["linear"]["diverged"] == 2
    assert math.isinf(s.median)
    assert "diverged" in format_table(cmp)


def test_compare_rejects_bad_input():
    base = PlaygroundConfig()
    with pytest.raises(ActlabError):
        compare(base, ["relu"], ["0.1", "0.1"], epochs=5)
    with pytest.raises(ActlabError):
        compare(base, ["relu"], seed_strings(1), epochs=0)
    with pytest.raises(ActlabError):
        compare(base, ["relu"], seed_strings(1), epochs=5, threshold=-1)


def test_docstring_examples_run():
    import doctest

    import actlab.experiments
    import actlab.experiments.compare as compare_module

    for module in (actlab.experiments, compare_module):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0
