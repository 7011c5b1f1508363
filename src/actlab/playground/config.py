"""A playground run as a typed, validated object — and back to the URL that opens it.

:class:`PlaygroundConfig` mirrors the TensorFlow Playground's URL state (``state.ts``):
every key, the playground's defaults, the playground's serialization (key order, number
format, ``regularization`` omitted when none), so ``from_url(url).to_url()`` opens the same
run on playground.tensorflow.org.

actlab goes beyond the page in four ways, all stated here: the hidden activation may be any
registry entry (``activation_params`` travel in an extra ``activationParams`` key the page
ignores); the engine takes any number of layers and neurons (the page stops at 6 × 8);
learning rate, batch size and noise are validated as numbers, not menu entries; a run
may train on the user's own CSV data (:mod:`actlab.data`), named in the extra keys ``data``
(the dataset's content hash), ``dataPath`` (where the file was), ``dataScale`` and
``dataColumns`` (the input columns). The page ignores those keys and would show its own
dataset; replaying such a URL in actlab needs the file itself. A formula activation
(:func:`actlab.activations.define`) travels in an ``activationFormula`` key
(``name(p=1)=expr``), so an actlab URL or JSON replays it; the page itself cannot.
"""

from __future__ import annotations

import dataclasses
import math
import random
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from actlab.errors import ActlabError
from actlab.playground.datasets import (
    CLASSIFICATION_DATASETS,
    FEATURES,
    REGRESSION_DATASETS,
)

PLAYGROUND_URL = "https://playground.tensorflow.org/"
PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = (None, "L1", "L2")
PROBLEMS = ("classification", "regression")
#: Limits of the playground's own UI; the engine is not bound by them.
UI_MAX_LAYERS, UI_MAX_NEURONS = 6, 8
_BOOLEAN_KEYS = ("showTestData", "discretize", "collectStats", "initZero", "hideText")
_FEATURE_KEYS = ("x", "y", "xTimesY", "xSquared", "ySquared", "cosX", "sinX", "cosY", "sinY")


def js_number(value: float) -> str:
    """Format a number the way JavaScript's ``String(number)`` does (``0.00001``, ``3``)."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    s = "".join(map(str, digits))
    k = len(s)
    n = exponent + k  # value = 0.s × 10^n
    if k <= n <= 21:
        text = s + "0" * (n - k)
    elif 0 < n <= 21:
        text = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + s
    else:
        e = n - 1
        mantissa = s[0] + ("." + s[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return ("-" if sign else "") + text


def random_seed() -> str:
    """A fresh seed string as the page makes one: ``Math.random().toFixed(5)``."""
    return f"{random.random():.5f}"


@dataclass(frozen=True)
class PlaygroundConfig:
    """One TensorFlow Playground run (hyper-parameters, data and seed).

    Field names are the URL keys in snake_case; defaults are the playground's.
    ``features`` lists the enabled inputs in the playground's order
    (x, y, xSquared, ySquared, xTimesY, sinX, sinY). ``cos_x``/``cos_y`` exist in the URL
    but are no features (the page ignores them); they are kept for a faithful round trip.

    ``data`` (with ``data_path``, ``data_scale``, ``data_columns``) replaces the generated
    dataset by a user's CSV dataset of that content hash (see :mod:`actlab.data`): with two
    input columns they are the playground's x and y and ``features`` apply; with more, the
    inputs are the columns themselves (``features`` must stay ``x, y``).
    """

    activation: str = "tanh"
    activation_params: dict[str, float] = field(default_factory=dict)
    regularization: str | None = None
    batch_size: int = 10
    dataset: str = "circle"
    reg_dataset: str = "reg-plane"
    learning_rate: float = 0.03
    regularization_rate: float = 0.0
    noise: float = 0.0
    network_shape: tuple[int, ...] = (4, 2)
    seed: str = "0.12345"
    show_test_data: bool = False
    discretize: bool = False
    perc_train_data: float = 50.0
    features: tuple[str, ...] = ("x", "y")
    cos_x: bool = False
    cos_y: bool = False
    collect_stats: bool = False
    problem: str = "classification"
    init_zero: bool = False
    hide_text: bool = False
    data: str | None = None  # a CSV dataset's content hash (actlab.data); None: generated
    data_path: str | None = None  # where that file was loaded from (a hint for replay)
    data_scale: bool = True  # inputs scaled column by column into [-6, 6]
    data_columns: tuple[str, ...] = ()  # the CSV's input columns, in order
    extra: tuple[tuple[str, str], ...] = ()  # other keys (tutorial, *_hide), kept verbatim

    def __post_init__(self) -> None:
        _validate(self)

    # ------------------------------------------------------------------ derived
    @property
    def data_source(self) -> str:
        """The dataset actually used: ``dataset`` or ``reg_dataset`` by problem, or the
        CSV file's name (its hash's first 12 digits when it came without one)."""
        if self.data is not None:
            if self.data_path:
                return self.data_path.replace("\\", "/").rsplit("/", 1)[-1]
            return f"csv-{self.data[:12]}"
        return self.dataset if self.problem == "classification" else self.reg_dataset

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input nodes: the enabled features, or the CSV's columns when it has more
        than two (then there are no playground features)."""
        return self.data_columns if len(self.data_columns) > 2 else self.features

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """All layer widths: inputs, hidden layers, one output."""
        return (len(self.inputs), *self.network_shape, 1)

    @property
    def output_activation(self) -> str:
        return "tanh" if self.problem == "classification" else "linear"

    def exceeds_ui(self) -> list[str]:
        """Why the playground's own UI could not show this run (empty if it can)."""
        notes = []
        if len(self.network_shape) > UI_MAX_LAYERS:
            notes.append(f"{len(self.network_shape)} hidden layers (the page allows 6)")
        if any(n > UI_MAX_NEURONS for n in self.network_shape):
            notes.append("more than 8 neurons in a layer (the page allows 8)")
        if self.activation not in PLAYGROUND_ACTIVATIONS or self.activation_params:
            notes.append(f"activation {self.activation!r} is not one of the page's four")
        if self.data is not None:
            notes.append(f"it trains on CSV data ({self.data_source}); the page would show "
                         "its own dataset, and actlab needs the file to replay it")
        return notes

    def replace(self, **changes: Any) -> PlaygroundConfig:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ URL
    def to_dict(self) -> dict[str, Any]:
        """The URL state as the playground names it (camelCase keys), in URL order."""
        d: dict[str, Any] = {"activation": self.activation}
        if self.activation_params:
            d["activationParams"] = dict(self.activation_params)
        if (formula := _formula_definition(self.activation)) is not None:
            d["activationFormula"] = formula  # actlab only: the page cannot replay it
        if self.regularization is not None:
            d["regularization"] = self.regularization
        d.update(
            batchSize=self.batch_size,
            dataset=self.dataset,
            regDataset=self.reg_dataset,
            learningRate=self.learning_rate,
            regularizationRate=self.regularization_rate,
            noise=self.noise,
            networkShape=list(self.network_shape),
            seed=self.seed,
            showTestData=self.show_test_data,
            discretize=self.discretize,
            percTrainData=self.perc_train_data,
        )
        flags = {"cosX": self.cos_x, "cosY": self.cos_y}
        for key in _FEATURE_KEYS:
            d[key] = flags[key] if key in flags else key in self.features
        d.update(
            collectStats=self.collect_stats,
            problem=self.problem,
            initZero=self.init_zero,
            hideText=self.hide_text,
        )
        if self.data is not None:
            d.update(data=self.data, dataPath=self.data_path, dataScale=self.data_scale,
                     dataColumns=list(self.data_columns))
            if self.data_path is None:
                del d["dataPath"]
        for key, value in self.extra:
            d[key] = value
        return d

    def to_hash(self) -> str:
        """The URL hash, serialized exactly as the playground writes it."""
        parts = []
        for key, value in self.to_dict().items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, int | float):
                text = js_number(value)
            elif key == "dataColumns":  # each name encoded twice: commas stay separators
                text = ",".join(quote(quote(v, safe=""), safe="") for v in value)
            elif key == "dataPath":
                text = quote(value, safe="/:")
            elif isinstance(value, list):
                text = ",".join(js_number(v) for v in value)
            elif isinstance(value, dict):
                text = ",".join(f"{k}:{js_number(v)}" for k, v in value.items())
            elif key == "activationFormula":
                text = quote(value, safe="()*,.=:")
            else:
                text = str(value)
            parts.append(f"{key}={text}")
        return "&".join(parts)

    def to_url(self, base: str = PLAYGROUND_URL) -> str:
        """A URL that opens this run (on playground.tensorflow.org by default)."""
        return f"{base}#{self.to_hash()}"

    @classmethod
    def from_url(cls, url: str) -> PlaygroundConfig:
        """Parse a playground URL, or just its hash (with or without ``#``).

        Missing keys take the playground's defaults; a missing seed gets a fresh one (as the
        page does). Unknown keys raise a warning, not an error.
        """
        if not isinstance(url, str):
            raise ActlabError(f"a playground URL must be a string, got {type(url).__name__}")
        text = url.strip()
        if "#" in text:
            text = text.split("#", 1)[1]
        elif "=" not in text:
            raise ActlabError(f"not a playground URL or hash (no key=value pairs): {url!r}")
        pairs: dict[str, str] = {}
        for part in text.split("&"):
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ActlabError(f"malformed URL part {part!r}: expected key=value")
            pairs[unquote(key)] = unquote(value)
        return cls.from_dict(pairs)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlaygroundConfig:
        """Build from URL-keyed values (strings as in a URL, or typed values)."""
        kw: dict[str, Any] = {}
        extra: list[tuple[str, str]] = []
        features: list[str] = []
        feature_defaults = {"x": True, "y": True}
        feature_flags = {name: feature_defaults.get(name, False) for name in _FEATURE_KEYS}
        unknown = []
        for key, value in d.items():
            if key == "activation":
                kw["activation"] = str(value)
            elif key == "activationParams":
                kw["activation_params"] = _parse_params(value)
            elif key == "activationFormula":
                from actlab import activations

                activations.define_text(str(value))
            elif key == "regularization":
                kw["regularization"] = None if value in (None, "none") else str(value)
            elif key in ("batchSize",):
                kw["batch_size"] = _number(key, value, integer=True)
            elif key in ("dataset", "regDataset", "problem"):
                kw[_snake(key)] = str(value)
            elif key in ("learningRate", "regularizationRate", "noise", "percTrainData"):
                kw[_snake(key)] = _number(key, value)
            elif key == "networkShape":
                kw["network_shape"] = _shape(value)
            elif key == "seed":
                kw["seed"] = str(value)
            elif key in _BOOLEAN_KEYS:
                kw[_snake(key)] = _boolean(value)
            elif key in _FEATURE_KEYS:
                feature_flags[key] = _boolean(value)
            elif key in ("data", "dataPath"):
                kw[_snake(key)] = None if value in (None, "") else str(value)
            elif key == "dataScale":
                kw["data_scale"] = _boolean(value)
            elif key == "dataColumns":
                kw["data_columns"] = _names(value)
            elif key == "tutorial" or key.endswith("_hide"):
                extra.append((key, str(value)))
            else:
                unknown.append(key)
        if unknown:
            warnings.warn(
                f"ignoring unknown playground URL keys: {', '.join(sorted(unknown))}",
                stacklevel=2,
            )
        features = [name for name in FEATURES if feature_flags[name]]
        kw["features"] = tuple(features)
        kw["cos_x"], kw["cos_y"] = feature_flags["cosX"], feature_flags["cosY"]
        kw.setdefault("seed", random_seed())
        kw["extra"] = tuple(extra)
        return cls(**kw)


def _formula_definition(name: str) -> str | None:
    """``name(p=1)=expr`` if ``name`` is a formula activation (it travels with the run)."""
    from actlab import activations

    try:
        return activations.spec(name).definition
    except ActlabError:
        return None


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value) != "false"  # the playground: "false" is false, anything else true


def _number(key: str, value: Any, integer: bool = False) -> float | int:
    if isinstance(value, bool):
        raise ActlabError(f"{key} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ActlabError(f"{key} must be a number, got {value!r}") from None
    if integer:
        if not number.is_integer():
            raise ActlabError(f"{key} must be a whole number, got {value!r}")
        return int(number)
    return number


def _names(value: Any) -> tuple[str, ...]:
    """``dataColumns``: a list, or a comma list of percent-encoded names."""
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    text = str(value)
    return tuple(unquote(v) for v in text.split(",")) if text else ()


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, list | tuple):
        items = list(value)
    else:
        text = str(value).strip()
        items = [] if text == "" else text.split(",")
    shape = []
    for item in items:
        try:
            number = float(item)
        except (TypeError, ValueError):
            raise ActlabError(
                f"networkShape must be a comma list of whole numbers >= 1, got {value!r}"
            ) from None
        if not number.is_integer():
            raise ActlabError(f"networkShape entries must be whole numbers >= 1, got {value!r}")
        shape.append(int(number))
    return tuple(shape)


def _parse_params(value: Any) -> dict[str, float | str]:
    if isinstance(value, dict):
        return dict(value)
    params: dict[str, float | str] = {}
    for item in str(value).split(","):
        if not item:
            continue
        name, sep, raw = item.partition(":")
        if not sep:
            raise ActlabError(f"activationParams must look like name:value,..., got {value!r}")
        try:
            params[name] = float(raw)
        except ValueError:
            params[name] = raw
    return params


def _validate(c: PlaygroundConfig) -> None:
    from actlab import activations

    # activation: any registry entry; get() raises a helpful error for unknown names/params
    if not isinstance(c.activation_params, dict):
        raise ActlabError("activation_params must be a dict of parameter values")
    activations.get(c.activation, **c.activation_params)
    if c.regularization not in REGULARIZATIONS:
        raise ActlabError(f"regularization must be none, L1 or L2, got {c.regularization!r}")
    if c.problem not in PROBLEMS:
        raise ActlabError(f"problem must be classification or regression, got {c.problem!r}")
    if c.dataset not in CLASSIFICATION_DATASETS:
        raise ActlabError(
            f"dataset must be one of {', '.join(CLASSIFICATION_DATASETS)}, got {c.dataset!r}"
        )
    if c.reg_dataset not in REGRESSION_DATASETS:
        raise ActlabError(
            f"regDataset must be one of {', '.join(REGRESSION_DATASETS)}, got {c.reg_dataset!r}"
        )
    _check_range("learningRate", c.learning_rate, lo=0, lo_open=True)
    _check_range("regularizationRate", c.regularization_rate, lo=0)
    _check_range("noise", c.noise, lo=0, hi=50)
    _check_range("percTrainData", c.perc_train_data, lo=10, hi=90)
    if not isinstance(c.batch_size, int) or isinstance(c.batch_size, bool) or c.batch_size < 1:
        raise ActlabError(f"batchSize must be a whole number >= 1, got {c.batch_size!r}")
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
               for n in c.network_shape):
        raise ActlabError(
            f"networkShape entries must be whole numbers >= 1, got {list(c.network_shape)}"
        )
    unknown = [f for f in c.features if f not in FEATURES]
    if unknown:
        raise ActlabError(f"unknown features {unknown}; allowed: {', '.join(FEATURES)}")
    if not c.features:
        raise ActlabError("at least one input feature must be enabled (x, y, xSquared, ...)")
    if tuple(f for f in FEATURES if f in c.features) != tuple(c.features):
        object.__setattr__(c, "features", tuple(f for f in FEATURES if f in c.features))
    if not isinstance(c.seed, str):
        raise ActlabError(f"seed must be a string, got {c.seed!r}")
    object.__setattr__(c, "network_shape", tuple(c.network_shape))
    _validate_data(c)


def _validate_data(c: PlaygroundConfig) -> None:
    """The CSV fields: a SHA-256 hex digest, its input column names, a path or None."""
    if not isinstance(c.data_columns, tuple | list) or not all(
            isinstance(n, str) and n for n in c.data_columns):
        raise ActlabError(f"dataColumns must be a list of column names, got {c.data_columns!r}")
    object.__setattr__(c, "data_columns", tuple(c.data_columns))
    if not isinstance(c.data_scale, bool):
        raise ActlabError(f"dataScale must be true or false, got {c.data_scale!r}")
    if c.data is None:
        if c.data_path is not None or c.data_columns:
            raise ActlabError("dataPath and dataColumns need data (the CSV's content hash)")
        return
    if not (isinstance(c.data, str) and len(c.data) == 64
            and all(ch in "0123456789abcdef" for ch in c.data)):
        raise ActlabError(f"data must be a dataset's SHA-256 (64 hex digits), got {c.data!r}")
    if c.data_path is not None and not isinstance(c.data_path, str):
        raise ActlabError(f"dataPath must be a string, got {c.data_path!r}")
    if len(c.data_columns) < 2 or len(set(c.data_columns)) != len(c.data_columns):
        raise ActlabError(f"dataColumns must name two or more distinct input columns, got "
                          f"{list(c.data_columns)}")
    if len(c.data_columns) > 2 and c.features != ("x", "y"):
        raise ActlabError(f"features ({', '.join(c.features)}) apply to two-input data only; "
                          f"this data has {len(c.data_columns)} input columns, which are the "
                          "inputs")


def _check_range(
    name: str, value: Any, lo: float, hi: float | None = None, lo_open: bool = False
) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > lo if lo_open else value >= lo) and (hi is None or value <= hi)
    if not ok:
        bound = f"> {js_number(lo)}" if lo_open else f">= {js_number(lo)}"
        allowed = f"{js_number(lo)}..{js_number(hi)}" if hi is not None else f"finite and {bound}"
        raise ActlabError(f"{name} must be {allowed}, got {value!r}")
