"""A playground run as a typed, validated object — and back to the URL that opens it.

:class:`PlaygroundConfig` mirrors the TensorFlow Playground's URL state (``state.ts``):
every key, the playground's defaults, the playground's serialization (key order, number
format, ``regularization`` omitted when none), so ``from_url(url).to_url()`` opens the same
run on playground.tensorflow.org.

Every field's type, range, default, URL key and bad-URL-value treatment is described once,
in :mod:`actlab.playground.fields` (the constraint table); this module applies it.

actlab goes beyond the page in these ways: the hidden activation may be any
registry entry (``activation_params`` travel in an extra ``activationParams`` key the page
ignores); the engine takes more layers and neurons (the page stops at 6 × 8; actlab's soft
limits are in ``fields.LIMITS``); learning rate, batch size and noise are validated as
numbers, not menu entries; and a run may train on the user's own CSV data
(:mod:`actlab.data`), named in the extra keys ``data`` (the dataset's content hash),
``dataPath`` (where the file was), ``dataScale`` and ``dataColumns`` (the input columns). The
page ignores those keys and would show its own dataset; replaying such a URL in actlab needs
the file itself. A formula activation (:func:`actlab.activations.define`) travels in an
``activationFormula`` key (``name(p=1)=expr``), so an actlab URL or JSON replays it; the page
itself cannot.
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
from actlab.playground import fields
from actlab.playground.fields import PROBLEMS, REGULARIZATIONS  # noqa: F401 (re-exported)

PLAYGROUND_URL = "https://playground.tensorflow.org/"
#: The playground page's activation menu and its network maxima (from the constraint
#: table); the engine is not bound by them.
PLAYGROUND_ACTIVATIONS = fields.field("activation").ui_values
UI_MAX_LAYERS = fields.field("network_shape").ui_max_layers
UI_MAX_NEURONS = fields.field("network_shape").ui_max_neurons
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
    activation_params: dict[str, float | str] = field(default_factory=dict)
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

    def __hash__(self) -> int:
        return hash(tuple(
            tuple(sorted(v.items())) if isinstance(v, dict) else v
            for v in (getattr(self, f.name) for f in dataclasses.fields(self))
        ))

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
            notes.append(f"{len(self.network_shape)} hidden layers (the page allows "
                         f"{UI_MAX_LAYERS})")
        if any(n > UI_MAX_NEURONS for n in self.network_shape):
            notes.append(f"more than {UI_MAX_NEURONS} neurons in a layer (the page allows "
                         f"{UI_MAX_NEURONS})")
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
        """The URL hash, serialized as the playground writes it, percent-encoded.

        Values are written as the page writes them (``js_number``, ``true``/``false``,
        comma lists); characters that would change the URL's meaning (``&``, ``#``, ``=``,
        ``%``, spaces, non-ASCII) are percent-encoded, so any seed replays. (The page
        itself does not decode ``%XX``: a seed that needs encoding replays in actlab only.)
        """
        parts = []
        for key, value in self.to_dict().items():
            f = fields.BY_KEY.get(key)
            if f is not None:
                text = f.to_text(value)
            elif isinstance(value, bool):  # a feature key
                text = "true" if value else "false"
            else:
                text = str(value)
            parts.append(f"{quote(key, safe=_URL_SAFE)}={quote(text, safe=_URL_SAFE)}")
        return "&".join(parts)

    def to_url(self, base: str = PLAYGROUND_URL) -> str:
        """A URL that opens this run (on playground.tensorflow.org by default)."""
        return f"{base}#{self.to_hash()}"

    @classmethod
    def from_url(cls, url: str, strict: bool = False) -> PlaygroundConfig:
        """Parse a playground URL, or just its hash (with or without ``#``).

        The text is normalised as a browser does (tabs and newlines removed, surrounding
        spaces and control characters stripped), keys and values are percent-decoded.
        Missing keys take the playground's defaults; a missing seed gets a fresh one (as the
        page does). A bad value is ignored or clamped with a warning, as the page keeps
        every key it can read (see :mod:`~actlab.playground.fields`); ``strict=True``
        raises :class:`ActlabError` instead. Unknown keys raise a warning.
        """
        if not isinstance(url, str):
            raise ActlabError(f"a playground URL must be a string, got {type(url).__name__}")
        if len(url) > MAX_URL_CHARS:
            raise ActlabError(f"a playground URL must be at most {MAX_URL_CHARS} characters, "
                              f"got {len(url)}")
        text = normalise_url(url)
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
                if strict:
                    raise ActlabError(f"malformed URL part {part!r}: expected key=value")
                warnings.warn(f"ignoring URL part {part!r}: expected key=value", stacklevel=2)
                continue
            pairs[unquote(key)] = unquote(value)
        return cls.from_dict(pairs, strict=strict)

    @classmethod
    def from_dict(cls, d: dict[str, Any], strict: bool = False) -> PlaygroundConfig:
        """Build from URL-keyed values (strings as in a URL, or typed values).

        Bad values are treated as :attr:`Field.url_bad` says (ignored or clamped, with a
        warning), unless ``strict``: then they raise :class:`ActlabError`.
        """
        if not isinstance(d, dict):
            raise ActlabError(f"from_dict needs a dict of URL keys, got {type(d).__name__}")
        kw: dict[str, Any] = {}
        extra: list[tuple[str, str]] = []
        feature_flags = {name: name in ("x", "y") for name in _FEATURE_KEYS}
        features_f = fields.BY_NAME["features"]
        unknown = []
        if "activationFormula" in d:  # defines the activation the next keys may name
            from actlab import activations

            try:
                activations.define_text(str(d["activationFormula"]))
            except ActlabError as exc:
                if strict:
                    raise ActlabError(f"activationFormula: {exc}") from None
                warnings.warn(f"activationFormula: {exc}; ignored", stacklevel=2)
        for key, value in d.items():
            if key == "activationFormula":
                continue
            f = fields.BY_KEY.get(key)
            if key in _FEATURE_KEYS:
                feature_flags[key] = _url_value(
                    fields.BY_NAME["show_test_data"], value, key, strict, default=False)
            elif f is not None:
                if f.name == "seed" and isinstance(value, str) and value.strip() == "":
                    continue  # the page: an empty seed is a missing one
                got = _url_value(f, value, key, strict, default=_DEFAULT)
                if got is not _DEFAULT:
                    kw[f.name] = got
            elif isinstance(key, str) and (key == "tutorial" or key.endswith("_hide")):
                extra.append((key, str(value)))
            else:
                unknown.append(str(key))
        if unknown:
            shown = ", ".join(sorted(repr(k) if not k.isprintable() else k for k in unknown))
            warnings.warn(f"ignoring unknown playground URL keys: {shown}", stacklevel=2)
        kw["features"] = tuple(name for name in fields.FEATURES if feature_flags[name])
        if not kw["features"]:
            if strict:
                features_f.check((), "features")
            warnings.warn("every input feature is off; keeping the default features x, y",
                          stacklevel=2)
            kw["features"] = features_f.default
        kw["cos_x"], kw["cos_y"] = feature_flags["cosX"], feature_flags["cosY"]
        kw.setdefault("seed", random_seed())
        kw["extra"] = tuple(extra)
        if "activation_params" in kw:
            from actlab import activations

            try:
                activations.get(kw.get("activation", "tanh"), **kw["activation_params"])
            except ActlabError as exc:
                if strict:
                    raise ActlabError(f"activationParams: {exc}") from None
                warnings.warn(f"ignoring activationParams: {exc}", stacklevel=2)
                del kw["activation_params"]
        problem = kw.get("problem", "classification")
        n_train = fields.training_points(problem, kw.get("perc_train_data", 50.0))
        if kw.get("batch_size", 10) > n_train and not strict and "data" not in kw:
            warnings.warn(f"batchSize={kw['batch_size']} is above the {n_train} training "
                          f"points; using {n_train}", stacklevel=2)
            kw["batch_size"] = n_train
        return cls(**kw)


#: Longest URL accepted (browsers allow ~2 MB; a playground URL is ~400 characters).
MAX_URL_CHARS = 8192
#: Characters written as they are in a URL value; everything else is percent-encoded.
_URL_SAFE = ",:.+-_~!*'()/;@$"
_DEFAULT = object()
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")


def normalise_url(url: str) -> str:
    """A URL as a browser reads it: ASCII tabs and newlines removed anywhere, leading and
    trailing spaces and C0 control characters stripped (WHATWG URL parsing)."""
    return url.translate(_TAB_NEWLINE).strip("".join(map(chr, range(0x21))))


def _url_value(f: fields.Field, value: Any, key: str, strict: bool, default: Any) -> Any:
    """One URL value checked by its field; a bad one is clamped or ignored (a warning)."""
    try:
        return f.parse(value, key) if isinstance(value, str) else f.check(value, key)
    except ActlabError as exc:
        if strict:
            raise
        number = fields.parse_number(value) if isinstance(value, str) else (
            fields._as_float(value))
        if f.url_bad == "clamp" and number is not None and math.isfinite(number):
            clamped = f.clamp(number)
            warnings.warn(f"{key}={js_number(number)} is outside the allowed range; "
                          f"using {js_number(clamped)} ({f.allowed()})", stacklevel=3)
            return clamped
        if f.name == "seed":
            shown = "a fresh random seed"
        else:
            shown = "the default " + f.to_text(f.default if default is _DEFAULT else default)
        warnings.warn(f"{exc}; ignored, using {shown}", stacklevel=3)
        return default


def _validate(c: PlaygroundConfig) -> None:
    """Check and normalise every field (by the constraint table), then the cross-field
    rules: the activation's parameters, and a batch no larger than the training set."""
    from actlab import activations

    for f in fields.FIELDS:
        object.__setattr__(c, f.name, f.check(getattr(c, f.name)))
    if not isinstance(c.extra, tuple) or not all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(v, str) for v in p)
        for p in c.extra
    ):
        raise ActlabError("extra must be a tuple of (key, value) string pairs")
    try:
        activations.get(c.activation, **c.activation_params)
    except ActlabError as exc:
        raise ActlabError(f"activation_params: {exc}") from None
    except TypeError as exc:  # pragma: no cover - get() validates names itself
        raise ActlabError(f"activation_params: {exc}") from None
    _validate_data(c)
    n_train = fields.training_points(c.problem, c.perc_train_data)
    if c.data is None and c.batch_size > n_train:
        raise ActlabError(
            f"batch_size {c.batch_size} is larger than the {n_train} training points "
            f"({fields.NUM_SAMPLES[c.problem]} points × percTrainData "
            f"{js_number(c.perc_train_data)}%): the weights would never update"
        )


def _validate_data(c: PlaygroundConfig) -> None:
    """The CSV fields together: a path and columns need a hash; two or more distinct
    columns; playground features apply to two-input data only."""
    if c.data is None:
        if c.data_path is not None or c.data_columns:
            raise ActlabError("dataPath and dataColumns need data (the CSV's content hash)")
        return
    if len(c.data_columns) < 2 or len(set(c.data_columns)) != len(c.data_columns):
        raise ActlabError(f"dataColumns must name two or more distinct input columns, got "
                          f"{list(c.data_columns)}")
    if len(c.data_columns) > 2 and c.features != ("x", "y"):
        raise ActlabError(f"features ({', '.join(c.features)}) apply to two-input data only; "
                          f"this data has {len(c.data_columns)} input columns, which are the "
                          "inputs")


def _formula_definition(name: str) -> str | None:
    """``name(p=1)=expr`` if ``name`` is a formula activation (it travels with the run)."""
    from actlab import activations

    try:
        return activations.spec(name).definition
    except ActlabError:
        return None
