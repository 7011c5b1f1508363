"""PlaygroundConfig: URL parsing/serialization, defaults, validation."""

from __future__ import annotations

import warnings

import pytest

from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig
from actlab.playground.config import js_number

DEFAULT_HASH = (
    "activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&"
    "regularizationRate=0&noise=0&networkShape=4,2&seed=0.12345&showTestData=false&"
    "discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&"
    "ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false&"
    "problem=classification&initZero=false&hideText=false"
)


@pytest.mark.parametrize(
    "value, text",
    [(0.03, "0.03"), (3.0, "3"), (10, "10"), (0.00001, "0.00001"), (1e-7, "1e-7"),
     (0.0001, "0.0001"), (1e21, "1e+21"), (123456789012345680000.0, "123456789012345680000"),
     (-2.5, "-2.5"), (0.0, "0"), (1.5e-300, "1.5e-300")],
)
def test_js_number_matches_javascript(value, text):
    assert js_number(value) == text


def test_defaults_serialize_like_the_playground():
    assert PlaygroundConfig().to_hash() == DEFAULT_HASH
    assert PlaygroundConfig().to_url() == "https://playground.tensorflow.org/#" + DEFAULT_HASH


def test_round_trip_of_every_key():
    cfg = PlaygroundConfig(
        activation="relu", regularization="L1", regularization_rate=0.003, batch_size=1,
        dataset="xor", reg_dataset="reg-gauss", learning_rate=0.00001, noise=35,
        network_shape=(8, 3, 1), seed="abc", show_test_data=True, discretize=True,
        perc_train_data=70, features=("x", "ySquared", "sinY"), cos_x=True,
        collect_stats=True, problem="regression", init_zero=True, hide_text=True,
        extra=(("tutorial", "dp-reducing-dropout"), ("x_hide", "true")),
    )
    url = cfg.to_url()
    assert "learningRate=0.00001" in url and "regularization=L1" in url
    assert "tutorial=dp-reducing-dropout" in url and url.endswith("x_hide=true")
    assert PlaygroundConfig.from_url(url) == cfg
    assert PlaygroundConfig.from_url(cfg.to_hash()) == cfg
    assert PlaygroundConfig.from_url("#" + cfg.to_hash()) == cfg


def test_registry_activation_with_params_round_trips():
    cfg = PlaygroundConfig(activation="leaky_relu", activation_params={"negative_slope": 0.05})
    assert "activationParams=negative_slope:0.05" in cfg.to_hash()
    assert PlaygroundConfig.from_url(cfg.to_url()) == cfg
    assert cfg.exceeds_ui() == ["activation 'leaky_relu' is not one of the page's four"]


def test_missing_keys_take_playground_defaults_and_a_fresh_seed():
    cfg = PlaygroundConfig.from_url("activation=relu")
    assert cfg.learning_rate == 0.03 and cfg.network_shape == (4, 2)
    assert cfg.features == ("x", "y") and cfg.regularization is None
    assert len(cfg.seed) == 7 and cfg.seed.startswith("0.")


def test_booleans_follow_the_playground():
    cfg = PlaygroundConfig.from_url("x=false&y=0&sinX=yes&seed=1")
    assert cfg.features == ("y", "sinX")  # only "false" is false


def test_empty_network_shape_is_no_hidden_layer():
    cfg = PlaygroundConfig.from_url("networkShape=&seed=1")
    assert cfg.network_shape == () and cfg.layer_sizes == (2, 1)


def test_unknown_keys_warn_not_fail():
    with pytest.warns(UserWarning, match="unknown playground URL keys: bogus"):
        cfg = PlaygroundConfig.from_url("activation=relu&bogus=1&seed=1")
    assert cfg.activation == "relu"


def test_ui_limits_do_not_bind_the_engine():
    cfg = PlaygroundConfig(network_shape=(16,) * 8)
    assert len(cfg.exceeds_ui()) == 2
    assert PlaygroundConfig().exceeds_ui() == []


BAD_URLS = [
    ("activation=rleu", "did you mean 'relu'"),
    ("learningRate=0", "learningRate must be a finite number > 0"),
    ("learningRate=abc", "learningRate must be a finite number > 0, got 'abc'"),
    ("learningRate=Infinity", "learningRate must be a finite number"),
    ("batchSize=0", "batchSize must be a whole number >= 1"),
    ("batchSize=2.5", "batchSize must be a whole number"),
    ("percTrainData=5", "percTrainData must be a finite number in 10..90"),
    ("noise=51", "noise must be a finite number in 0..50"),
    ("networkShape=4,0", "networkShape must be a list of whole numbers >= 1"),
    ("networkShape=4,a", "networkShape must be a list of whole numbers >= 1"),
    ("regularization=L3", "regularization must be one of none, L1, L2"),
    ("dataset=moons", "dataset must be one of circle, xor, gauss, spiral"),
    ("problem=ranking", "problem must be one of classification, regression"),
    ("x=false&y=false", "at least one input feature"),
    ("regularizationRate=-1", "regularizationRate must be a finite number >= 0"),
    ("activation=elu&activationParams=alpha:-1", "alpha"),
    ("batchSize=300", "larger than the 250 training points"),
]


@pytest.mark.parametrize("url, message", [*BAD_URLS, ("novalue", "no key=value pairs")])
def test_bad_values_give_one_line_errors_when_strict(url, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ActlabError, match=message) as info:
            PlaygroundConfig.from_url(url + "&seed=1" if "=" in url else url, strict=True)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("url, message", BAD_URLS)
def test_a_bad_value_keeps_the_rest_of_the_url(url, message):
    """As the page does: every readable key is kept, the bad one ignored or clamped."""
    with pytest.warns(UserWarning) as caught:
        cfg = PlaygroundConfig.from_url(url + "&seed=1&discretize=true")
    assert cfg.seed == "1" and cfg.discretize
    assert all("\n" not in str(w.message) for w in caught)


def test_out_of_range_numbers_are_clamped_and_unknown_names_keep_the_default():
    with pytest.warns(UserWarning):
        cfg = PlaygroundConfig.from_url(
            "noise=60&percTrainData=5&dataset=moons&batchSize=9999&activation=RELU&seed=s")
    assert (cfg.noise, cfg.perc_train_data, cfg.dataset) == (50, 10, "circle")
    assert cfg.batch_size == 50 and cfg.activation == "relu"  # 10% of 500 points


def test_replace_validates():
    with pytest.raises(ActlabError, match="batch_size"):
        PlaygroundConfig().replace(batch_size=0)
    assert PlaygroundConfig().replace(seed="x").seed == "x"


def test_features_are_kept_in_playground_order():
    cfg = PlaygroundConfig(features=("sinY", "x"))
    assert cfg.features == ("x", "sinY")
