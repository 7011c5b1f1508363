"""The one constraint table: every :class:`PlaygroundConfig` field, described once.

In the spirit of scikit-learn's ``_parameter_constraints``: each :class:`Field` states the
Python name, the playground URL key, the kind of value, the allowed range or choices, the
default, the command-line flag and how a bad value in a URL is treated. Everything that
accepts a config value reads this table:

- :class:`~actlab.playground.config.PlaygroundConfig` validates each field with
  :meth:`Field.check` (Python values: NumPy scalars accepted, ``bool`` never taken for a
  number) and serialises/parses URL text with :meth:`Field.to_text` / :meth:`Field.parse`;
- the ``actlab train``/``compare`` flags and their help are generated from it
  (:mod:`actlab.cli.common`);
- the web protocol validates ``set`` messages with :func:`check`, and the browser page
  builds its menus, slider ranges and defaults from :func:`as_json` (``GET /api/fields``;
  the ``ui_*`` attributes).

**Bad values in a URL.** The playground's ``State.deserializeState`` (``state.ts``) keeps
every key it can read and ignores a name it does not know (``dataset=moons`` → the default
dataset); numbers are taken as JavaScript's ``+text`` gives them. actlab matches that: a bad
value never throws the rest of the URL away. Per field, :attr:`Field.url_bad` says what
happens: ``"default"`` — the value is ignored (a warning names it) and the default kept, as
the page does for unknown names; ``"clamp"`` — a finite number outside the range is moved to
the nearest allowed value (the page would train with the raw value, e.g. ``noise=60``; the
engine's range is the page's slider range, so actlab clamps instead, with a warning).
Unreadable numbers (``abc``, ``NaN``, ``Infinity``) fall back to the default (the page
would compute with ``NaN``).

**Soft limits.** :data:`LIMITS` bounds what one command or call may ask for (epochs,
hidden layers, neurons per layer, networks per call, seeds); beyond them an
:class:`ActlabError` says so, and ``--no-limits`` (CLI) / ``limits=False`` (API) lifts them
for people who mean it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from actlab.errors import ActlabError
from actlab.playground.datasets import (
    CLASSIFICATION_DATASETS,
    NUM_SAMPLES,
    REGRESSION_DATASETS,
)
from actlab.playground.datasets import FEATURES as _FEATURE_FUNCTIONS

FEATURES: tuple[str, ...] = tuple(_FEATURE_FUNCTIONS)
PROBLEMS = ("classification", "regression")
REGULARIZATIONS = (None, "L1", "L2")
SEED_MAX_CHARS = 100
#: The playground page's own controls where they are narrower than the engine: the four
#: activations in its menu, and its add-layer/add-neuron buttons' maxima.
PAGE_ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear")
PAGE_MAX_LAYERS, PAGE_MAX_NEURONS = 6, 8
PATH_MAX_CHARS = 4096
_NUMBER_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


# ---------------------------------------------------------------------------- limits
@dataclass(frozen=True)
class Limit:
    """A documented soft limit; ``--no-limits`` / ``limits=False`` lifts it."""

    name: str
    value: int
    doc: str

    def check(self, amount: int, what: str, enabled: bool = True) -> None:
        if enabled and amount > self.value:
            raise ActlabError(
                f"{what} is {_shown(amount)}, above the limit of {self.value:,} {self.doc}; "
                "pass --no-limits (CLI) or limits=False (API) if you mean it"
            )


LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("epochs", 200_000, "epochs per run (the web keeps this many in its history)"),
        Limit("hidden_layers", 32,
              f"hidden layers (the playground's page allows {PAGE_MAX_LAYERS})"),
        Limit("neurons", 64,
              f"neurons per hidden layer (the playground's page allows {PAGE_MAX_NEURONS})"),
        Limit("networks", 10_000, "networks trained in one call"),
        Limit("seeds", 1_000, "seeds per comparison"),
    )
}


def check_limits(*, epochs: int | None = None, networks: int | None = None,
                 seeds: int | None = None, shapes: Any = (), enabled: bool = True,
                 names: dict[str, str] | None = None) -> None:
    """Raise :class:`ActlabError` if a request exceeds a soft limit (unless not ``enabled``).

    ``names`` renames the quantities in the message (e.g. ``{"epochs": "--epochs"}``).
    """
    if not enabled:
        return
    label = {"epochs": "epochs", "networks": "the number of networks",
             "seeds": "the number of seeds", "hidden_layers": "the number of hidden layers",
             "neurons": "the largest hidden layer", **(names or {})}
    for name, amount in (("epochs", epochs), ("networks", networks), ("seeds", seeds)):
        if amount is not None:
            LIMITS[name].check(amount, label[name])
    for shape in shapes:
        LIMITS["hidden_layers"].check(len(shape), label["hidden_layers"])
        if shape:
            LIMITS["neurons"].check(max(shape), label["neurons"])


# ---------------------------------------------------------------------------- helpers
def _shown(value: Any) -> str:
    """A value as a message shows it: plain Python (no ``np.int64(...)``), short."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        digits = len(str(abs(value)))
        return f"a {digits}-digit integer" if digits > 20 else f"{value:,}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_number(value: Any) -> bool:
    """A real number that is not a bool (Python or NumPy scalar)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _as_float(value: Any) -> float | None:
    """``value`` as a Python float if it is a real number (not bool), else None."""
    if not is_number(value):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond 1.8e308
        return math.inf if value > 0 else -math.inf


def parse_number(text: str) -> float | None:
    """A decimal number written in ASCII (``0.03``, ``1e-5``), or None.

    Stricter than ``float``: no ``inf``/``nan``, no ``_`` separators, no non-ASCII digits.
    """
    text = text.strip()
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    return float(text)  # 1e400 -> inf: rejected by the range check


# ---------------------------------------------------------------------------- fields
@dataclass(frozen=True)
class Field:
    """One config field: what it is, what is allowed, and how text turns into it.

    The ``ui_*`` attributes describe the playground page's control for the field (actlab's
    page builds its controls from them, via :func:`as_json`): ``ui_values`` the entries of
    a menu, ``ui_range`` a slider's ``(min, max, step)``, ``ui_max_layers`` /
    ``ui_max_neurons`` the network's add-layer/add-neuron maxima. :attr:`ui` says the same
    in words.
    """

    name: str
    key: str
    kind: str  # number, integer, choice, boolean, shape, features, params, seed
    default: Any
    doc: str
    flag: str | None = None
    metavar: str | None = None
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    choices: tuple[Any, ...] = ()
    ui_values: tuple[Any, ...] = ()
    ui_range: tuple[float, float, float] | None = None
    ui_max_layers: int | None = None
    ui_max_neurons: int | None = None
    url_bad: str = "default"
    url_note: str = ""

    # ----------------------------------------------------------- description
    @property
    def ui(self) -> str:
        """The playground page's control for this field in words ("" if it has none)."""
        if self.ui_values:
            return ", ".join(v if isinstance(v, str) else _num(v) for v in self.ui_values)
        if self.ui_range is not None:
            lo, hi, step = self.ui_range
            text = f"{_num(lo)}..{_num(hi)}"
            return text if step == 1 else f"{text} in steps of {_num(step)}"
        if self.ui_max_layers is not None:
            return (f"up to {self.ui_max_layers} layers of up to {self.ui_max_neurons} "
                    "neurons")
        return ""

    def allowed(self) -> str:
        """The allowed values in words."""
        if self.kind in ("number", "integer"):
            what = "a whole number" if self.kind == "integer" else "a finite number"
            if self.lo is not None and self.hi is not None:
                return f"{what} in {_num(self.lo)}..{_num(self.hi)}"
            if self.lo is not None:
                return f"{what} {'>' if self.lo_open else '>='} {_num(self.lo)}"
            return what
        if self.kind == "choice":
            return "one of " + ", ".join(self._choice_names())
        if self.kind == "boolean":
            return "true or false"
        if self.kind == "shape":
            return "a list of whole numbers >= 1 (empty: no hidden layer)"
        if self.kind == "features":
            return "a non-empty list of " + ", ".join(FEATURES)
        if self.kind == "params":
            return "name: value pairs of the activation's parameters"
        if self.kind == "seed":
            return f"a string of 1..{SEED_MAX_CHARS} printable characters"
        if self.kind == "hash":
            return "none or a dataset's SHA-256 (64 hex digits, lowercase)"
        if self.kind == "path":
            return f"none or a file path of 1..{PATH_MAX_CHARS} characters"
        if self.kind == "names":
            return "a list of non-empty column names"
        raise AssertionError(self.kind)

    def _choice_names(self) -> list[str]:
        if self.name == "activation":
            from actlab import activations

            return activations.names()
        return ["none" if c is None else c for c in self.choices]

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name, "key": self.key, "kind": self.kind,
            "default": list(self.default) if isinstance(self.default, tuple) else self.default,
            "doc": self.doc, "allowed": self.allowed(), "flag": self.flag,
            "url_bad": self.url_bad,
        }
        if self.kind in ("number", "integer"):
            d.update(lo=self.lo, hi=self.hi, lo_open=self.lo_open)
        if self.kind == "choice":
            d["choices"] = self._choice_names()  # regularization: "none" is None in Python
        if self.ui_values:
            d["ui_values"] = list(self.ui_values)
        if self.ui_range is not None:
            lo, hi, step = self.ui_range
            d["ui_range"] = {"min": lo, "max": hi, "step": step}
        if self.ui_max_layers is not None:
            d["ui_max"] = {"layers": self.ui_max_layers, "neurons": self.ui_max_neurons}
        if self.ui:
            d["ui"] = self.ui
        if self.url_note:
            d["url_note"] = self.url_note
        return d

    def _bad(self, value: Any, label: str | None, shown: str | None = None) -> ActlabError:
        got = _shown(value) if shown is None else shown
        return ActlabError(f"{label or self.name} must be {self.allowed()}, got {got}")

    # ----------------------------------------------------------- Python values
    def check(self, value: Any, label: str | None = None) -> Any:
        """``value`` (a Python value) normalised, or :class:`ActlabError` naming ``label``."""
        return _CHECKS[self.kind](self, value, label)

    def _check_number(self, value: Any, label: str | None) -> float | int:
        v = _as_float(value)
        if v is None:
            raise self._bad(value, label)
        if not self.in_range(v):
            raise self._bad(value, label)
        if self.kind == "integer":
            if not v.is_integer():
                raise self._bad(value, label)
            return int(v)
        return v

    def in_range(self, v: float) -> bool:
        if not math.isfinite(v):
            return False
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        return self.hi is None or v <= self.hi

    def clamp(self, v: float) -> float | int:
        lo = -math.inf if self.lo is None else self.lo
        hi = math.inf if self.hi is None else self.hi
        c = min(max(v, lo), hi)
        return int(c) if self.kind == "integer" else c

    def _check_choice(self, value: Any, label: str | None) -> Any:
        if self.name == "regularization" and value is None:
            return None
        if not isinstance(value, str):
            raise self._bad(value, label)
        text = value.strip()
        if self.name == "activation":
            from actlab import activations

            lowered = text.lower()
            if len(lowered) > 64:
                raise self._bad(value, label)
            try:
                activations.spec(lowered)
            except ActlabError as exc:
                raise ActlabError(f"{label or self.name}: {exc}") from None
            return lowered
        for choice in self._choice_names():
            if text.lower() == choice.lower():
                return None if self.name == "regularization" and choice == "none" else choice
        raise self._bad(value, label)

    def _check_boolean(self, value: Any, label: str | None) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        raise self._bad(value, label)

    def _check_shape(self, value: Any, label: str | None) -> tuple[int, ...]:
        if isinstance(value, np.ndarray) and value.ndim == 1:
            value = value.tolist()
        if not isinstance(value, list | tuple):
            raise self._bad(value, label)
        out = []
        for n in value:
            v = _as_float(n)
            if v is None or not math.isfinite(v) or not v.is_integer() or v < 1:
                raise self._bad(list(value), label)
            out.append(int(v))
        return tuple(out)

    def _check_features(self, value: Any, label: str | None) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self._bad(value, label)
        lookup = {f.lower(): f for f in FEATURES}
        names = []
        for f in value:
            if not isinstance(f, str) or f.strip().lower() not in lookup:
                raise ActlabError(
                    f"{label or self.name}: unknown feature {_shown(f)}; allowed: "
                    + ", ".join(FEATURES)
                )
            names.append(lookup[f.strip().lower()])
        if not names:
            raise ActlabError(
                f"{label or self.name}: at least one input feature must be enabled "
                f"({', '.join(FEATURES)})"
            )
        return tuple(f for f in FEATURES if f in names)  # the playground's order, no repeats

    def _check_params(self, value: Any, label: str | None) -> dict[str, float | str]:
        if not isinstance(value, dict):
            raise self._bad(value, label)
        out: dict[str, float | str] = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k:
                raise self._bad(value, label)
            if isinstance(v, str):
                out[k] = v
            else:
                f = _as_float(v)
                if f is None:
                    raise ActlabError(
                        f"{label or self.name}: {k} must be a number or a name, got {_shown(v)}"
                    )
                out[k] = f
        return out

    def _check_seed(self, value: Any, label: str | None) -> str:
        if not isinstance(value, str):
            raise self._bad(value, label)
        ok = 1 <= len(value) <= SEED_MAX_CHARS and value.isprintable()
        if ok:
            try:
                value.encode("utf-16-le")
            except UnicodeEncodeError:  # a lone surrogate: no URL can carry it
                ok = False
        if not ok:
            raise self._bad(value, label)
        return value

    def _check_hash(self, value: Any, label: str | None) -> str | None:
        if value is None:
            return None
        if (isinstance(value, str) and len(value) == 64
                and all(ch in "0123456789abcdef" for ch in value)):
            return value
        raise self._bad(value, label)

    def _check_path(self, value: Any, label: str | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and 1 <= len(value) <= PATH_MAX_CHARS and "\0" not in value:
            return value
        raise self._bad(value, label)

    def _check_names(self, value: Any, label: str | None) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple) or not all(
                isinstance(n, str) and n for n in value):
            raise self._bad(value, label)
        return tuple(value)

    # ----------------------------------------------------------- text (URL, CLI)
    def parse(self, text: str, label: str | None = None) -> Any:
        """A value written as text (a URL value or a command-line argument), checked."""
        if not isinstance(text, str):
            raise self._bad(text, label)
        if self.kind in ("number", "integer"):
            v = parse_number(text)
            if v is None or not self.in_range(v) or (self.kind == "integer"
                                                      and not v.is_integer()):
                shown = _shown(text) if v is None else _shown(text.strip())[1:-1]
                raise self._bad(text, label, shown)
            return self.check(v, label)
        if self.kind == "boolean":
            return text != "false"  # the playground: "false" is false, anything else true
        if self.kind == "shape":
            items = [] if text.strip() == "" else text.split(",")
            numbers_ = [parse_number(item) for item in items]
            if any(n is None for n in numbers_):
                raise self._bad(text, label)
            return self.check(numbers_, label)
        if self.kind == "features":
            return self.check([f for f in text.split(",") if f.strip()], label)
        if self.kind in ("hash", "path"):
            return self.check(text or None, label)
        if self.kind == "names":  # each name percent-encoded, so commas stay separators
            return self.check(tuple(unquote(v) for v in text.split(",")) if text else (), label)
        if self.kind == "params":
            params: dict[str, float | str] = {}
            for item in text.split(","):
                if not item.strip():
                    continue
                name, sep, raw = item.partition(":")
                if not sep:
                    sep_name, sep2, raw2 = item.partition("=")
                    if not sep2:
                        raise ActlabError(
                            f"{label or self.name} must look like name:value,..., got {text!r}"
                        )
                    name, raw = sep_name, raw2
                number = parse_number(raw)
                params[name.strip()] = raw.strip() if number is None else number
            return self.check(params, label)
        return self.check(text, label)

    def to_text(self, value: Any) -> str:
        """The value as the playground writes it in a URL (not yet percent-encoded)."""
        from actlab.playground.config import js_number

        if self.kind == "boolean":
            return "true" if value else "false"
        if self.kind in ("number", "integer"):
            return js_number(value)
        if self.kind == "shape":
            return ",".join(js_number(n) for n in value)
        if self.kind == "features":
            return ",".join(value)
        if self.kind == "names":
            return ",".join(quote(v, safe="") for v in value)
        if self.kind == "params":
            return ",".join(
                f"{k}:{v if isinstance(v, str) else js_number(v)}" for k, v in value.items()
            )
        return "none" if value is None else str(value)


def _num(v: float) -> str:
    from actlab.playground.config import js_number

    return js_number(v)


_CHECKS: dict[str, Callable[[Field, Any, str | None], Any]] = {
    "number": Field._check_number,
    "integer": Field._check_number,
    "choice": Field._check_choice,
    "boolean": Field._check_boolean,
    "shape": Field._check_shape,
    "features": Field._check_features,
    "params": Field._check_params,
    "seed": Field._check_seed,
    "hash": Field._check_hash,
    "path": Field._check_path,
    "names": Field._check_names,
}

_ORIGINAL_NUMBER = "the page would compute with the raw value"

#: Every PlaygroundConfig field, in the playground's URL order.
FIELDS: tuple[Field, ...] = (
    Field("activation", "activation", "choice", "tanh",
          "hidden-layer activation: any registry name (the page offers "
          f"{', '.join(PAGE_ACTIVATIONS)})", flag="--activation", metavar="NAME",
          ui_values=PAGE_ACTIVATIONS,
          url_note="case-insensitive; an unknown name keeps the default, as the page does"),
    Field("activation_params", "activationParams", "params", {},
          "the activation's parameters (actlab only; the page ignores this key)",
          flag="--activation-param", metavar="KEY=VALUE",
          url_note="invalid parameters are dropped (the activation's defaults)"),
    Field("regularization", "regularization", "choice", None, "weight regularization",
          flag="--regularization", metavar="NAME", choices=REGULARIZATIONS,
          url_note="an unknown name keeps the default (none), as the page does"),
    Field("batch_size", "batchSize", "integer", 10,
          "points per weight update; at most the number of training points",
          flag="--batch-size", metavar="N", lo=1, ui_range=(1, 30, 1), url_bad="clamp",
          url_note="clamped to 1..training points (the page never updates the weights when "
          "it exceeds them)"),
    Field("dataset", "dataset", "choice", "circle", "classification dataset",
          flag="--dataset", metavar="NAME", choices=CLASSIFICATION_DATASETS,
          url_note="an unknown name keeps the default, as the page does"),
    Field("reg_dataset", "regDataset", "choice", "reg-plane", "regression dataset",
          choices=REGRESSION_DATASETS,  # set by --dataset, which takes both kinds
          url_note="an unknown name keeps the default, as the page does"),
    Field("learning_rate", "learningRate", "number", 0.03, "learning rate",
          flag="--learning-rate", metavar="RATE", lo=0, lo_open=True,
          ui_values=(0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0),
          url_note="a value <= 0 or unreadable keeps the default; " + _ORIGINAL_NUMBER),
    Field("regularization_rate", "regularizationRate", "number", 0.0, "regularization rate",
          flag="--regularization-rate", metavar="RATE", lo=0,
          ui_values=(0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), url_bad="clamp",
          url_note="a negative rate is clamped to 0; " + _ORIGINAL_NUMBER),
    Field("noise", "noise", "number", 0.0, "noise, in percent", flag="--noise",
          metavar="PERCENT", lo=0, hi=50, ui_range=(0, 50, 5), url_bad="clamp",
          url_note="clamped to 0..50; " + _ORIGINAL_NUMBER),
    Field("network_shape", "networkShape", "shape", (4, 2),
          "hidden layer sizes, e.g. 4,2", flag="--network-shape",
          metavar="N,N,...", ui_max_layers=PAGE_MAX_LAYERS, ui_max_neurons=PAGE_MAX_NEURONS,
          url_note="an unreadable list keeps the default"),
    Field("seed", "seed", "seed", "0.12345",
          "seed string: the same seed gives the same data and initial weights",
          flag="--seed", metavar="TEXT",
          url_note="a missing, empty or unusable seed becomes a fresh random one, as the page "
          "does"),
    Field("show_test_data", "showTestData", "boolean", False, "show the test points (display)"),
    Field("discretize", "discretize", "boolean", False, "discretize the output (display)"),
    Field("perc_train_data", "percTrainData", "number", 50.0,
          "percent of the points used for training", flag="--perc-train-data",
          metavar="PERCENT", lo=10, hi=90, ui_range=(10, 90, 10), url_bad="clamp",
          url_note="clamped to 10..90; " + _ORIGINAL_NUMBER),
    Field("features", "x,y,xSquared,ySquared,xTimesY,sinX,sinY", "features", ("x", "y"),
          "enabled input features (one boolean URL key each)", flag="--features",
          metavar="F,F,...",
          url_note="each key is true unless 'false', as on the page; with every feature off "
          "the default (x, y) is kept"),
    Field("cos_x", "cosX", "boolean", False, "kept for the round trip (the page ignores it)"),
    Field("cos_y", "cosY", "boolean", False, "kept for the round trip (the page ignores it)"),
    Field("collect_stats", "collectStats", "boolean", False, "kept for the round trip"),
    Field("problem", "problem", "choice", "classification",
          "classification (dataset) or regression (regDataset)", flag="--problem", metavar="NAME",
          choices=PROBLEMS, url_note="an unknown name keeps the default, as the page does"),
    Field("init_zero", "initZero", "boolean", False,
          "start from all-zero weights and biases", flag="--init-zero"),
    Field("hide_text", "hideText", "boolean", False, "hide the page's explanations (display)"),
    # actlab only: a user's CSV dataset (actlab.data; set by --data, --no-scale)
    Field("data", "data", "hash", None, "the CSV dataset's content hash (none: generated data)",
          url_note="an unreadable hash keeps the generated dataset"),
    Field("data_path", "dataPath", "path", None, "where the CSV file was loaded from"),
    Field("data_scale", "dataScale", "boolean", True,
          "CSV inputs scaled column by column into [-6, 6]"),
    Field("data_columns", "dataColumns", "names", (), "the CSV's input columns, in order"),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS if f.kind != "features"}


def field(name: str) -> Field:
    """The table entry for a Python field name."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ActlabError(
            f"unknown config field {name!r}; allowed: {', '.join(BY_NAME)}"
        ) from None


def check(name: str, value: Any, label: str | None = None) -> Any:
    """Validate one field's Python value (as the web protocol's ``set`` does); normalised."""
    return field(name).check(value, label)


def parse(name: str, text: str, label: str | None = None) -> Any:
    """Validate one field given as text (command line, URL value)."""
    return field(name).parse(text, label)


def training_points(problem: str, perc_train_data: float) -> int:
    """How many points the playground trains on (``floor(points × percent / 100)``)."""
    return math.floor(NUM_SAMPLES[problem] * perc_train_data / 100)


def as_json() -> dict[str, Any]:
    """The whole table as plain JSON-able data (for the web page and protocol)."""
    return {
        "fields": [f.to_json() for f in FIELDS],
        "features": list(FEATURES),
        "num_samples": dict(NUM_SAMPLES),
        "seed_max_chars": SEED_MAX_CHARS,
        "limits": {name: {"value": lim.value, "doc": lim.doc} for name, lim in LIMITS.items()},
    }
