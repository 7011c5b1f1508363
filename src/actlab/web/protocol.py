"""The messages a page may send over the WebSocket, and their validation.

Every message is a JSON object with a ``type``. :func:`parse_message` checks the size,
the JSON, the type and every argument (types, ranges, sizes) and returns a
:class:`Message`, or raises :class:`ProtocolError` with a one-line reason that the server
sends back to the page. Values that only the engine can judge (an activation's name, a
learning rate's range) are checked again by :class:`~actlab.playground.PlaygroundConfig`.

Messages (``→`` server):

========== ===================================================================
load       ``{"url": str}`` — a playground URL or its hash: a fresh page load
set        ``{"changes": {field: value}}`` — :class:`PlaygroundConfig` fields
play       start training; ``pause`` stops it
step       ``{"epochs": int}`` (default 1) — pause and train that many epochs
reset      back to epoch 0 (same data, same initial weights)
regenerate a new seed: new data and new initial weights
speed      ``{"epochs_per_second": number}``
compare    ``{"activations": [name, ...]}`` — extra activations trained alongside
focus      ``{"run": int}`` — which run the network diagram and heatmap show
inspect    ``{"node": [layer, index] | null}`` — show one neuron in the big heatmap
edit       ``{"layer": int, "node": int, "input": int | null, "value": number}`` — set
           one weight (the link from ``input`` of layer ``layer`` to ``node`` of the next)
           or, with ``input`` null, the bias of ``node`` in layer ``layer + 1``
export     ask for the runs' JSON (as ``actlab train --json`` prints it)
ack        ``{"frame": int}`` — the page has drawn that frame
========== ===================================================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actlab.errors import ActlabError
from actlab.playground.datasets import FEATURES
from actlab.web.limits import Limits

FEATURE_IDS = tuple(FEATURES)
_NAME_CHARS = 64
_URL_CHARS = 4096
_MAX_PARAMS = 8
_MAX_STEP_EPOCHS = 1000


class ProtocolError(ActlabError):
    """A message from the page that cannot be accepted; the text goes back to the page."""


@dataclass(frozen=True)
class Message:
    """One validated message: its ``type`` and typed arguments."""

    type: str
    args: dict[str, Any] = field(default_factory=dict)


def parse_message(raw: str | bytes | None, limits: Limits) -> Message:
    """Validate one WebSocket message from the page."""
    if raw is None or isinstance(raw, bytes | bytearray):
        raise ProtocolError("messages must be JSON text, not binary")
    if len(raw.encode("utf-8", "replace")) > limits.max_message_bytes:
        raise ProtocolError(f"message too large (limit {limits.max_message_bytes} bytes)")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"message is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object with a 'type'")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in _PARSERS:
        allowed = ", ".join(sorted(_PARSERS))
        raise ProtocolError(f"unknown message type {kind!r}; expected one of: {allowed}")
    extra = set(data) - {"type"} - _ARGUMENTS[kind]
    if extra:
        raise ProtocolError(f"{kind}: unexpected field(s) {', '.join(sorted(extra))}")
    return Message(kind, _PARSERS[kind](data, limits))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


# ---------------------------------------------------------------------------- checks
def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range (JSON allows 10**400)
        return False


def _shown(value: Any) -> str:
    """A value for a message: short, and printable whatever the page sent."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(where: str, value: Any, lo: float | None = None, hi: float | None = None) -> float:
    if not _is_number(value):
        raise ProtocolError(f"{where} must be a finite number, got {_shown(value)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ProtocolError(f"{where} must be between {lo:g} and {hi:g}, got {_shown(value)}")
    return float(value)


def _integer(where: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProtocolError(f"{where} must be a whole number, got {_shown(value)}")
    if not lo <= value <= hi:
        raise ProtocolError(f"{where} must be between {lo} and {hi}, got {_shown(value)}")
    return value


def _string(where: str, value: Any, max_chars: int = _NAME_CHARS, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"{where} must be a string, got {type(value).__name__}")
    if len(value) > max_chars:
        raise ProtocolError(f"{where} is too long (limit {max_chars} characters)")
    if not value and not empty:
        raise ProtocolError(f"{where} must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800"
        raise ProtocolError(f"{where} is not valid Unicode text") from None
    return value


def _boolean(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{where} must be true or false, got {_shown(value)}")
    return value


def _list(where: str, value: Any, max_items: int) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolError(f"{where} must be a list, got {type(value).__name__}")
    if len(value) > max_items:
        raise ProtocolError(f"{where} has too many entries (limit {max_items})")
    return value


# ---------------------------------------------------------------------------- set
def _params(where: str, value: Any, limits: Limits) -> dict[str, float | str]:
    if not isinstance(value, dict):
        raise ProtocolError(f"{where} must be an object of name: value")
    if len(value) > _MAX_PARAMS:
        raise ProtocolError(f"{where} has too many entries (limit {_MAX_PARAMS})")
    out: dict[str, float | str] = {}
    for name, v in value.items():
        _string(f"{where} name", name, 32)
        out[name] = _string(f"{where}.{name}", v, 32) if isinstance(v, str) else _number(
            f"{where}.{name}", v, -1e6, 1e6
        )
    return out


def _shape(where: str, value: Any, limits: Limits) -> tuple[int, ...]:
    items = _list(where, value, limits.max_hidden_layers)
    return tuple(_integer(f"{where} entry", n, 1, limits.max_neurons) for n in items)


def _features(where: str, value: Any, limits: Limits) -> tuple[str, ...]:
    items = _list(where, value, len(FEATURE_IDS))
    for item in items:
        if item not in FEATURE_IDS:
            raise ProtocolError(f"{where}: unknown feature {item!r}; allowed: {FEATURE_IDS}")
    if len(set(items)) != len(items):
        raise ProtocolError(f"{where}: a feature is listed twice")
    return tuple(items)


def _regularization(where: str, value: Any, limits: Limits) -> str | None:
    if value not in (None, "L1", "L2"):
        raise ProtocolError(f"{where} must be null, 'L1' or 'L2', got {_shown(value)}")
    return value


_FieldCheck = Callable[[str, Any, Limits], Any]

#: The :class:`PlaygroundConfig` fields a page may set, each with its check.
SETTABLE: dict[str, _FieldCheck] = {
    "activation": lambda w, v, lim: _string(w, v),
    "activation_params": _params,
    "regularization": _regularization,
    "regularization_rate": lambda w, v, lim: _number(w, v, 0, 1e3),
    "learning_rate": lambda w, v, lim: _number(w, v, 0, 1e3),
    "batch_size": lambda w, v, lim: _integer(w, v, 1, 1000),
    "dataset": lambda w, v, lim: _string(w, v),
    "reg_dataset": lambda w, v, lim: _string(w, v),
    "noise": lambda w, v, lim: _number(w, v, 0, 50),
    "perc_train_data": lambda w, v, lim: _number(w, v, 10, 90),
    "network_shape": _shape,
    "seed": lambda w, v, lim: _string(w, v),
    "features": _features,
    "problem": lambda w, v, lim: _string(w, v),
    "init_zero": lambda w, v, lim: _boolean(w, v),
    "show_test_data": lambda w, v, lim: _boolean(w, v),
    "discretize": lambda w, v, lim: _boolean(w, v),
}


def _parse_set(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    changes = data.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise ProtocolError("set: 'changes' must be a non-empty object of field: value")
    unknown = sorted(set(changes) - set(SETTABLE))
    if unknown:
        raise ProtocolError(
            f"set: unknown field(s) {', '.join(map(str, unknown))}; allowed: "
            + ", ".join(SETTABLE)
        )
    return {"changes": {k: SETTABLE[k](f"set: {k}", v, limits) for k, v in changes.items()}}


# ---------------------------------------------------------------------------- others
def _no_args(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    return {}


def _parse_load(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    return {"url": _string("load: url", data.get("url"), _URL_CHARS, empty=True)}


def _parse_step(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    return {"epochs": _integer("step: epochs", data.get("epochs", 1), 1, _MAX_STEP_EPOCHS)}


def _parse_speed(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    value = _number(
        "speed: epochs_per_second", data.get("epochs_per_second"), 1, limits.max_epochs_per_second
    )
    return {"epochs_per_second": value}


def _parse_compare(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    names = _list("compare: activations", data.get("activations"), limits.max_compare - 1)
    return {"activations": [_string("compare: activation", n) for n in names]}


def _parse_focus(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    return {"run": _integer("focus: run", data.get("run"), 0, limits.max_compare - 1)}


def _parse_inspect(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    node = data.get("node")
    if node is None:
        return {"node": None}
    pair = _list("inspect: node", node, 2)
    if len(pair) != 2:
        raise ProtocolError("inspect: node must be [layer, index] or null")
    layer = _integer("inspect: layer", pair[0], 0, limits.max_hidden_layers + 1)
    index = _integer("inspect: index", pair[1], 0, max(limits.max_neurons, len(FEATURE_IDS)) - 1)
    return {"node": (layer, index)}


#: Largest weight or bias a page may type in (the colour scale saturates at 1).
MAX_EDIT = 1e3


def _parse_edit(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    top = max(limits.max_neurons, len(FEATURE_IDS))
    layer = _integer("edit: layer", data.get("layer"), 0, limits.max_hidden_layers)
    node = _integer("edit: node", data.get("node"), 0, top - 1)
    source = data.get("input")
    source = None if source is None else _integer("edit: input", source, 0, top - 1)
    value = _number("edit: value", data.get("value"), -MAX_EDIT, MAX_EDIT)
    return {"layer": layer, "node": node, "input": source, "value": value}


def _parse_ack(data: dict[str, Any], limits: Limits) -> dict[str, Any]:
    return {"frame": _integer("ack: frame", data.get("frame"), 0, 2**53)}


_PARSERS: dict[str, Callable[[dict[str, Any], Limits], dict[str, Any]]] = {
    "load": _parse_load,
    "set": _parse_set,
    "play": _no_args,
    "pause": _no_args,
    "step": _parse_step,
    "reset": _no_args,
    "regenerate": _no_args,
    "speed": _parse_speed,
    "compare": _parse_compare,
    "focus": _parse_focus,
    "inspect": _parse_inspect,
    "export": _no_args,
    "edit": _parse_edit,
    "ack": _parse_ack,
}
_ARGUMENTS: dict[str, set[str]] = {
    "load": {"url"},
    "set": {"changes"},
    "step": {"epochs"},
    "speed": {"epochs_per_second"},
    "compare": {"activations"},
    "focus": {"run"},
    "inspect": {"node"},
    "ack": {"frame"},
    "edit": {"layer", "node", "input", "value"},
}
for _kind in _PARSERS:
    _ARGUMENTS.setdefault(_kind, set())
