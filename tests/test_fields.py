"""The constraint table: one verdict per value, whichever way the value comes in."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from fieldcases import CASES, Case, cli_args, config_kwargs

from actlab import activations
from actlab.cli import build_parser
from actlab.cli.common import config_from_args
from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig, fields


def _accepts(fn) -> bool:
    try:
        fn()
    except ActlabError as exc:
        msg = str(exc)
        assert "\n" not in msg and "np." not in msg and len(msg) < 400, msg
        return False
    return True


def test_every_field_is_in_the_table_once():
    import dataclasses

    names = [f.name for f in dataclasses.fields(PlaygroundConfig) if f.name != "extra"]
    assert [f.name for f in fields.FIELDS] == names
    defaults = PlaygroundConfig()
    for f in fields.FIELDS:
        assert getattr(defaults, f.name) == (None if f.name == "regularization" else f.default)


def test_every_field_has_cases_of_every_kind():
    for f in fields.FIELDS:
        kinds = {c.what for c in CASES if c.field == f.name}
        assert {"valid", "wrong type", "nan", "huge int", "non-ascii"} <= kinds, f.name


@pytest.mark.parametrize("case", CASES, ids=str)
def test_config_and_table_give_the_case_verdict(case: Case):
    assert _accepts(lambda: PlaygroundConfig(**config_kwargs(case))) == case.ok
    if not case.context and case.field != "batch_size":
        assert _accepts(lambda: fields.check(case.field, case.value)) == case.ok


@pytest.mark.parametrize("case", [c for c in CASES if cli_args(c) is not None], ids=str)
def test_command_line_gives_the_same_verdict(case: Case):
    parser = build_parser()
    args = parser.parse_args(["train", *cli_args(case)])
    assert _accepts(lambda: config_from_args(args)) == case.ok


def test_numpy_scalars_are_plain_numbers_and_messages_do_not_contradict_themselves():
    cfg = PlaygroundConfig(batch_size=np.int64(10), noise=np.float32(5), learning_rate=np.int8(1))
    assert type(cfg.batch_size) is int and type(cfg.noise) is float
    with pytest.raises(ActlabError) as info:
        PlaygroundConfig(batch_size=np.int64(0))
    assert str(info.value) == "batch_size must be a whole number >= 1, got 0"
    with pytest.raises(ActlabError, match="got True"):
        PlaygroundConfig(batch_size=True)


def test_regularization_none_spellings_and_hashing():
    assert PlaygroundConfig(regularization="none").regularization is None
    cfg = PlaygroundConfig(activation="leaky_relu", activation_params={"negative_slope": 0.2})
    assert hash(cfg) == hash(cfg.replace()) and len({cfg, cfg.replace()}) == 1


def test_table_as_json_is_plain_json():
    data = fields.as_json()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    by_name = {f["name"]: f for f in data["fields"]}
    assert by_name["noise"]["hi"] == 50 and by_name["noise"]["url_bad"] == "clamp"
    assert "relu" in by_name["activation"]["choices"]
    assert data["limits"]["epochs"]["value"] == fields.LIMITS["epochs"].value


def test_table_json_carries_the_page_controls_and_ui_text_is_derived_from_them():
    import dataclasses

    by_name = {f["name"]: f for f in fields.as_json()["fields"]}
    assert by_name["learning_rate"]["ui_values"][:3] == [0.00001, 0.0001, 0.001]
    assert by_name["regularization_rate"]["ui_values"][0] == 0
    assert by_name["activation"]["ui_values"] == ["relu", "tanh", "sigmoid", "linear"]
    assert by_name["noise"]["ui_range"] == {"min": 0, "max": 50, "step": 5}
    assert by_name["perc_train_data"]["ui_range"] == {"min": 10, "max": 90, "step": 10}
    assert by_name["batch_size"]["ui_range"] == {"min": 1, "max": 30, "step": 1}
    assert by_name["network_shape"]["ui_max"] == {"layers": 6, "neurons": 8}
    assert by_name["noise"]["ui"] == "0..50 in steps of 5"
    assert by_name["batch_size"]["ui"] == "1..30"
    assert by_name["network_shape"]["ui"] == "up to 6 layers of up to 8 neurons"
    assert by_name["learning_rate"]["ui"].startswith("0.00001, 0.0001, 0.001, 0.003")
    assert "ui_range" not in by_name["seed"] and "ui" not in by_name["seed"]
    # the text follows the data: change the data, the words (and the JSON) change with it
    noise = dataclasses.replace(fields.field("noise"), ui_range=(0, 40, 10))
    assert noise.ui == "0..40 in steps of 10"
    assert noise.to_json()["ui_range"] == {"min": 0, "max": 40, "step": 10}
    assert noise.to_json()["ui"] == "0..40 in steps of 10"
    rate = dataclasses.replace(fields.field("learning_rate"), ui_values=(0.05, 2.0))
    assert rate.ui == "0.05, 2" and rate.to_json()["ui_values"] == [0.05, 2.0]
    shape = dataclasses.replace(fields.field("network_shape"), ui_max_layers=3)
    assert shape.ui == "up to 3 layers of up to 8 neurons"
    assert PlaygroundConfig(network_shape=(9,) * 7).exceeds_ui() == [
        "7 hidden layers (the page allows 6)",
        "more than 8 neurons in a layer (the page allows 8)"]


def test_the_page_offers_only_values_the_config_accepts():
    """Every menu entry, every slider stop and the largest network the page can build pass
    the config's own check (the page once offered a learning rate the config rejected)."""
    offered = 0
    for f in fields.FIELDS:
        values = list(f.ui_values)
        if f.ui_range is not None:
            lo, hi, step = f.ui_range
            values += [lo + k * step for k in range(round((hi - lo) / step) + 1)]
            assert values[-1] == hi, f.name
        for value in values:
            assert _accepts(lambda f=f, v=value: f.check(v)), (f.name, value)
            offered += 1
        if f.ui_max_layers is not None:
            biggest = (f.ui_max_neurons,) * f.ui_max_layers
            assert f.check(biggest) == biggest
            fields.check_limits(shapes=[biggest])
    assert offered > 40


# ---------------------------------------------------------------------------- URLs
def _param_values(spec) -> list[dict]:
    """Every parameter value type an activation takes: each choice, and numbers."""
    out = [{}]
    for p in spec.params:
        if p.choices:
            out += [{p.name: c} for c in p.choices]
        else:
            lo = p.low if math.isfinite(p.low) else -2.0
            hi = p.high if math.isfinite(p.high) else lo + 3.0
            out += [{p.name: v} for v in (lo + (hi - lo) * 0.25, p.default)]
    return [d for d in out if _accepts(lambda d=d: activations.get(spec.name, **d))]


@pytest.mark.parametrize("name", activations.names())
def test_every_activation_and_parameter_type_round_trips_through_the_url(name):
    spec = activations.spec(name)
    for params in _param_values(spec):
        cfg = PlaygroundConfig(activation=name, activation_params=params, seed="a&b#c=d")
        url = cfg.to_url()
        assert PlaygroundConfig.from_url(url, strict=True) == cfg
        assert PlaygroundConfig.from_url(url).to_url() == url


def test_urls_are_normalised_as_browsers_do():
    cfg = PlaygroundConfig.from_url(" \t#activation=RELU&data\nset=XOR&seed=0.5\r\n", strict=True)
    assert (cfg.activation, cfg.dataset, cfg.seed) == ("relu", "xor", "0.5")
    odd = PlaygroundConfig(seed="a&b#c=d")
    assert "seed=a%26b%23c%3Dd&" in odd.to_url()
    assert PlaygroundConfig.from_url(odd.to_url()).seed == "a&b#c=d"
