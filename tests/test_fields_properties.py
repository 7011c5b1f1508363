"""Property tests of the constraint table's URL round trip (hypothesis, extra [dev])."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("hypothesis")  # installed by the [dev] extra, which CI always has

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from actlab.errors import ActlabError  # noqa: E402
from actlab.playground import PlaygroundConfig, fields  # noqa: E402

SEEDS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda s: s.isprintable())


@st.composite
def configs(draw):
    problem = draw(st.sampled_from(fields.PROBLEMS))
    perc = draw(st.sampled_from([10.0, 30.0, 50.0, 90.0]))
    return PlaygroundConfig(
        activation=draw(st.sampled_from(["relu", "tanh", "sigmoid", "linear", "elu"])),
        regularization=draw(st.sampled_from(fields.REGULARIZATIONS)),
        batch_size=draw(st.integers(1, fields.training_points(problem, perc))),
        dataset=draw(st.sampled_from(fields.CLASSIFICATION_DATASETS)),
        reg_dataset=draw(st.sampled_from(fields.REGRESSION_DATASETS)),
        learning_rate=draw(st.floats(1e-6, 10)),
        regularization_rate=draw(st.floats(0, 10)),
        noise=draw(st.floats(0, 50)),
        network_shape=tuple(draw(st.lists(st.integers(1, 8), max_size=6))),
        seed=draw(SEEDS),
        perc_train_data=perc,
        features=tuple(draw(st.sets(st.sampled_from(fields.FEATURES), min_size=1))),
        problem=problem,
        init_zero=draw(st.booleans()),
        show_test_data=draw(st.booleans()),
        discretize=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_url_round_trip_parse_serialise_parse(cfg):
    url = cfg.to_url()
    assert "\n" not in url and " " not in url and url.isascii()
    again = PlaygroundConfig.from_url(url, strict=True)
    assert again == cfg
    assert PlaygroundConfig.from_url(again.to_url(), strict=True).to_url() == url


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_text_as_a_url_gives_a_config_or_one_line_error(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cfg = PlaygroundConfig.from_url("#" + text)
        except ActlabError as exc:
            assert "\n" not in str(exc)
            return
    assert PlaygroundConfig.from_url(cfg.to_url(), strict=True) == cfg


