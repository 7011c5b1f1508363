"""One browser tab's playground: its configuration, its trainers and what the page draws.

A :class:`Session` is synchronous and knows nothing of WebSockets: the server calls
:meth:`Session.apply` for each validated message and :meth:`Session.frame` to get what to
draw. Training is the engine's (:class:`~actlab.playground.Trainer`); this module only
asks it for numbers and packs them for the page.

Compare mode trains one trainer per activation — the main one first — on the same config
and seed, hence the same data and the same initial weights, epochs in lockstep.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import numpy as np

from actlab.errors import ActlabError
from actlab.playground import FEATURES, PlaygroundConfig, Trainer
from actlab.playground.config import PLAYGROUND_URL, js_number, random_seed
from actlab.playground.datasets import features as feature_values
from actlab.playground.engine import initial_state
from actlab.web import curves
from actlab.web.encode import (
    NODE_SIZE,
    b64,
    finite_or_none,
    grid,
    heat_b64,
    json_safe,
    reduce_grid,
)
from actlab.web.limits import Limits
from actlab.web.protocol import ProtocolError

#: Config fields that change only the drawing, not the run.
DISPLAY_ONLY = frozenset({"show_test_data", "discretize"})
#: Config fields the playground applies live, without a reset (``playground.ts``).
LIVE = frozenset({"learning_rate"})
#: Config fields whose change makes the playground draw new data with a new seed.
NEW_DATA = frozenset({"dataset", "reg_dataset", "noise", "perc_train_data", "problem"})
#: The seed of the page's first run (the playground's defaults otherwise).
DEFAULT_SEED = "0.59704"
#: actlab-only URL keys (the playground ignores them): the seed whose page load drew the
#: initial weights, and the log of live changes, ``EPOCH:KEY:VALUE,...`` (KEY is
#: ``learningRate`` or ``seed``), e.g. ``actlabLog=120:learningRate:0.3,300:seed:0.41``.
WEIGHTS_KEY = "actlabWeights"
LOG_KEY = "actlabLog"
#: Most live changes kept in one run's log.
MAX_LOG = 200
#: Epochs trained per engine call while playing: the slice after which a closed tab's or a
#: paused session's work stops.
SLICE_EPOCHS = 1_000_000
_SAFE = ",:.+-_~!*'()/;@$"
_EDIT_KEY = re.compile(r"(w|b)(\d{1,3})_(\d{1,3})(?:_(\d{1,3}))?")


def split_actlab_keys(url: str) -> tuple[str, str | None, list[Event]]:
    """``url`` without actlab's own keys, and their values: the weights seed and the log.

    A bad value is ignored with a warning, like any bad URL value.
    """
    head, sep, text = url.partition("#")
    if not sep:
        head, text = "", url
    kept, weights_seed, log = [], None, []
    for part in text.split("&"):
        key, _, value = part.partition("=")
        if key == WEIGHTS_KEY:
            value = unquote(value)
            if 0 < len(value) <= 100 and value.isprintable():
                weights_seed = value
            else:
                warnings.warn(f"ignoring {WEIGHTS_KEY}: not a seed", stacklevel=2)
        elif key == LOG_KEY:
            log = _parse_log(unquote(value))
        else:
            kept.append(part)
    rest = "&".join(kept)
    return (f"{head}#{rest}" if sep else rest), weights_seed, log


def _parse_log(text: str) -> list[Event]:
    events: list[Event] = []
    for item in text.split(",")[:MAX_LOG]:
        epoch, _, rest = item.partition(":")
        key, _, value = rest.partition(":")
        try:
            if not epoch.isdigit() or int(epoch) > 10**9:
                raise ValueError
            if key == "learningRate":
                rate = float(value)
                PlaygroundConfig(learning_rate=rate)  # validates the range
                events.append(Event(int(epoch), "learning_rate", rate))
            elif key == "seed" and 0 < len(value) <= 100 and value.isprintable():
                events.append(Event(int(epoch), "seed", value))
            elif (match := _EDIT_KEY.fullmatch(key)) and (match[1] == "w") == bool(match[4]):
                number = float(value)
                if not abs(number) <= 1e3:
                    raise ValueError
                events.append(Event(int(epoch), key, number))
            else:
                raise ValueError
        except (ValueError, ActlabError):
            warnings.warn(f"ignoring {LOG_KEY} entry {item!r}: expected EPOCH:learningRate:"
                          "NUMBER, EPOCH:seed:TEXT or EPOCH:wL_N_I|bL_N:NUMBER", stacklevel=2)
    return events


@dataclass
class Outcome:
    """What a message did: whether the page must redraw its layout, and notes for it."""

    rebuilt: bool = False
    notices: list[str] = field(default_factory=list)
    reply: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """A live change during a run: after ``epoch`` epochs, ``field`` became ``value``."""

    epoch: int
    #: "learning_rate", "seed" (Regenerate: new data, same network), "wL_N_I" (the weight
    #: from node I of layer L to node N of layer L + 1) or "bL_N" (a bias, as ``edit``)
    field: str
    value: Any

    def to_text(self) -> str:
        if self.field == "seed":
            return f"{self.epoch}:seed:{self.value}"
        key = "learningRate" if self.field == "learning_rate" else self.field
        return f"{self.epoch}:{key}:{js_number(self.value)}"

    @property
    def target(self) -> tuple[int, int, int | None] | None:
        """``(layer, node, input)`` of a weight (input None: a bias), else None."""
        match = _EDIT_KEY.fullmatch(self.field)
        if match is None:
            return None
        layer, node, source = match.group(2, 3, 4)
        return int(layer), int(node), None if source is None else int(source)


class Session:
    """The state behind one page: config, compare list and one trainer per run.

    The controls behave as on the playground (``playground.ts``): the learning rate
    applies live; Regenerate draws new data (a new seed) and training goes on with the same
    network; Reset and every other change of the network draw new initial weights; a change
    of dataset, noise, ratio or problem draws a new seed. The URL (:meth:`url_hash`) still
    reproduces what is on screen: ``start`` is the config the run began with (its keys are
    the playground's), :data:`WEIGHTS_KEY` names the seed whose page load drew the initial
    weights when that is not ``seed``, and :data:`LOG_KEY` lists the live changes with the
    epoch they happened at, replayed when training reaches them.
    """

    def __init__(
        self, limits: Limits, config: PlaygroundConfig | None = None, backend: str = "auto"
    ) -> None:
        self.limits = limits
        self.backend = backend
        self.start = config or PlaygroundConfig(seed=DEFAULT_SEED)
        self.config = self.start  # the settings now in force (start + applied events)
        self.weights_seed: str | None = None
        self.log: list[Event] = []
        self._applied = 0  # events of the log applied so far
        self.layout_version = 0  # changes whenever the page must redraw its layout
        self.extras: list[str] = []
        self.focus = 0
        self.inspect: tuple[int, int] | None = None
        self.trainers: list[Trainer] = []
        self._sent_epoch = 0  # loss values up to this epoch (exclusive) are on the page
        self._build(self.start, self.extras, None, [])

    # ------------------------------------------------------------------ runs
    def run_configs(self) -> list[PlaygroundConfig]:
        """The main config, then one per compared activation (default parameters)."""
        return _run_configs(self.config, self.extras)

    def _build(
        self,
        start: PlaygroundConfig,
        extras: list[str],
        weights_seed: str | None,
        log: list[Event],
    ) -> None:
        """Fresh trainers (epoch 0) for ``start`` and ``extras``, initial weights from the
        page load of ``weights_seed`` (default: ``start.seed``), ``log`` to replay; on error
        nothing changes."""
        self._check_limits(start)
        bad = [e for e in log if e.target is not None and not _fits(e.target, start.layer_sizes)]
        for event in bad:
            warnings.warn(f"ignoring {LOG_KEY} entry {event.to_text()!r}: no such weight in "
                          f"layers {list(start.layer_sizes)}", stacklevel=2)
        log = [e for e in log if e not in bad]
        configs = _run_configs(start, extras)
        trainers = [Trainer([c], backend=self.backend) for c in configs]
        if weights_seed is not None and weights_seed != start.seed:
            for trainer, c in zip(trainers, configs, strict=True):
                _, weights, biases = initial_state(c.replace(seed=weights_seed))
                trainer.set_initial_parameters(0, weights, biases)
        else:
            weights_seed = None
        self.start, self.config, self.extras = start, start, list(extras)
        self.trainers, self.weights_seed = trainers, weights_seed
        self.log, self._applied = sorted(log, key=lambda e: e.epoch), 0
        self.focus = min(self.focus, len(trainers) - 1)
        self.inspect = None
        self._sent_epoch = 0
        self.layout_version += 1
        self._apply_due()

    @property
    def epoch(self) -> int:
        return int(self.trainers[0].epoch)

    @property
    def all_diverged(self) -> bool:
        return all(int(t.diverged_at[0]) >= 0 for t in self.trainers)

    def step(self, epochs: int, should_stop: Callable[[], bool] | None = None) -> int:
        """Train every run ``epochs`` epochs (fewer at the session's epoch limit, or when
        ``should_stop()`` turns true between slices of :data:`SLICE_EPOCHS`), applying
        logged changes at their epochs; returns the epochs trained."""
        epochs = min(epochs, self.limits.max_epochs - self.epoch)
        done = 0
        while done < epochs:
            if should_stop is not None and done and should_stop():
                break
            n = min(epochs - done, SLICE_EPOCHS)
            if self._applied < len(self.log):
                n = min(n, self.log[self._applied].epoch - self.epoch)
            for trainer in self.trainers:
                trainer.step(n)
            done += n
            self._apply_due()
        return done

    def _apply_due(self) -> None:
        """Apply the logged changes whose epoch has come."""
        while self._applied < len(self.log) and self.log[self._applied].epoch <= self.epoch:
            self._enact(self.log[self._applied])
            self._applied += 1

    def _enact(self, event: Event) -> None:
        target = event.target
        if target is not None:  # a weight or bias typed in, in every run
            layer, node, source = target
            sizes = self.config.layer_sizes
            if not _fits(target, sizes):
                raise ProtocolError(
                    f"edit: no {'link' if source is not None else 'bias'} there in layers "
                    f"{list(sizes)}"
                )
            for trainer in self.trainers:
                if source is None:
                    trainer.biases[layer][0, node] = event.value
                else:
                    trainer.weights[layer][0, node, source] = event.value
            return
        for trainer in self.trainers:
            if event.field == "learning_rate":
                trainer.set_learning_rate(0, event.value)
            else:
                trainer.set_data(0, event.value)
        self.config = self.config.replace(**{event.field: event.value})
        self.layout_version += 1

    def _live(self, field_name: str, value: Any) -> None:
        """A live change now: recorded in the log (the start config at epoch 0), the
        future of a replayed log dropped."""
        epoch = self.epoch
        del self.log[self._applied:]
        self.log = [e for e in self.log if not (e.epoch == epoch and e.field == field_name)]
        if epoch == 0 and field_name in ("learning_rate", "seed"):
            if field_name == "seed" and self.weights_seed is None:
                self.weights_seed = self.start.seed  # the weights stay those of the old seed
            self.start = self.start.replace(**{field_name: value})
        else:
            if len(self.log) >= MAX_LOG:
                raise ProtocolError(
                    f"this run has {MAX_LOG} live changes (the limit); press reset to start "
                    "a new one"
                )
            self.log.append(Event(epoch, field_name, value))
        self._applied = len(self.log)
        self._enact(Event(epoch, field_name, value))

    # ------------------------------------------------------------------ messages
    def apply(self, kind: str, args: dict[str, Any]) -> Outcome:
        """Carry out one validated message other than play/pause/speed/ack."""
        if kind == "load":
            return self._load(args["url"])
        if kind == "set":
            return self._set(args["changes"])
        if kind == "reset":  # playground.ts reset(): same data, new initial weights
            self._build(self.config, self.extras, random_seed(), [])
            return Outcome(rebuilt=True)
        if kind == "regenerate":  # generateData(): new seed, same network, no reset
            self._live("seed", random_seed())
            return Outcome()
        if kind == "step":
            self.step(args["epochs"])
            return Outcome()
        if kind == "compare":
            return self._compare(args["activations"])
        if kind == "focus":
            if args["run"] >= len(self.trainers):
                raise ProtocolError(f"focus: there are only {len(self.trainers)} runs")
            self.focus = args["run"]
            self.inspect = None
            return Outcome()
        if kind == "inspect":
            self.inspect = self._check_node(args["node"])
            return Outcome()
        if kind == "export":
            return Outcome(reply={"type": "export", "runs": self.export()})
        if kind == "edit":
            kind_ = "b" if args["input"] is None else "w"
            key = f"{kind_}{args['layer']}_{args['node']}"
            if args["input"] is not None:
                key += f"_{args['input']}"
            self._enact(Event(self.epoch, key, args["value"]))  # checks the indices
            self._live(key, args["value"])
            return Outcome()
        raise ProtocolError(f"{kind}: not a session command")

    def _load(self, url: str) -> Outcome:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rest, weights_seed, log = split_actlab_keys(url)
            config = (PlaygroundConfig.from_url(rest) if rest.strip()
                      else PlaygroundConfig(seed=DEFAULT_SEED))
        self._build(config, self.extras, weights_seed, log)
        return Outcome(rebuilt=True, notices=[str(w.message) for w in caught])

    def _set(self, changes: dict[str, Any]) -> Outcome:
        if set(changes) <= DISPLAY_ONLY:
            self.config = self.config.replace(**changes)
            self.start = self.start.replace(**changes)
            self.layout_version += 1
            return Outcome()
        if set(changes) <= LIVE | DISPLAY_ONLY:
            self.config.replace(**changes)  # validate before changing anything
            for name, value in changes.items():
                if name in LIVE:
                    self._live(name, value)
                else:
                    self.config = self.config.replace(**{name: value})
                    self.start = self.start.replace(**{name: value})
            return Outcome()
        if "seed" in changes:  # a chosen seed: its page load
            weights_seed = None
        elif set(changes) & NEW_DATA:  # generateData() then reset(): a new seed's page load
            changes = {**changes, "seed": random_seed()}
            weights_seed = None
        else:  # reset(): the same data, new initial weights
            weights_seed = random_seed()
        self._build(self.config.replace(**changes), self.extras, weights_seed, [])
        return Outcome(rebuilt=True)

    def _compare(self, names: list[str]) -> Outcome:
        try:
            self._build(self.start, names, self.weights_seed, list(self.log))
        except ActlabError as exc:
            raise ProtocolError(f"compare: {exc}") from None
        return Outcome(rebuilt=True)

    def url_hash(self, run: int = 0) -> str:
        """The URL hash that reproduces run ``run`` (the main one by default): its start
        config, then actlab's keys."""
        parts = [_run_configs(self.start, self.extras)[run].to_hash()]
        if self.weights_seed is not None:
            parts.append(f"{WEIGHTS_KEY}={quote(self.weights_seed, safe=_SAFE)}")
        if self.log:
            text = ",".join(e.to_text() for e in self.log)
            parts.append(f"{LOG_KEY}={quote(text, safe=_SAFE)}")
        return "&".join(parts)

    def _check_limits(self, config: PlaygroundConfig) -> None:
        shape = config.network_shape
        if len(shape) > self.limits.max_hidden_layers:
            raise ProtocolError(
                f"{len(shape)} hidden layers is over this server's limit of "
                f"{self.limits.max_hidden_layers}"
            )
        if any(n > self.limits.max_neurons for n in shape):
            raise ProtocolError(
                f"a layer of {max(shape)} neurons is over this server's limit of "
                f"{self.limits.max_neurons}"
            )

    def _check_node(self, node: tuple[int, int] | None) -> tuple[int, int] | None:
        if node is None:
            return None
        sizes = self.config.layer_sizes
        layer, index = node
        if not (layer < len(sizes) and index < sizes[layer]):
            raise ProtocolError(f"inspect: no neuron {index} in layer {layer}")
        return node

    # ------------------------------------------------------------------ output
    def export(self) -> list[dict[str, Any]]:
        """Each run's JSON, as ``actlab train --json`` prints it (NaN/inf as null)."""
        runs = []
        for k, trainer in enumerate(self.trainers):
            run = json_safe(trainer.result(0).to_dict())
            run["url"] = f"{PLAYGROUND_URL}#{self.url_hash(k)}"  # replays the live changes
            runs.append(run)
        return runs

    def describe(self) -> dict[str, Any]:
        """Everything that changes only when the run is rebuilt: the ``config`` message."""
        config = self.config
        data = self.trainers[0].data[0]
        feature_maps = feature_values(grid(NODE_SIZE), tuple(FEATURES))
        runs = []
        for c in self.run_configs():
            runs.append(
                {
                    "activation": c.activation,
                    "params": json_safe(c.activation_params),
                    "curve": curves.sample(c.activation, c.activation_params),
                }
            )
        return {
            "type": "config",
            "hash": self.url_hash(),
            "url": f"{PLAYGROUND_URL}#{self.url_hash()}",
            "config": json_safe(_fields(config)),
            "layer_sizes": list(config.layer_sizes),
            "beyond_playground": config.exceeds_ui(),
            "hidden": sorted(k[: -len("_hide")] for k, v in config.extra
                             if k.endswith("_hide") and v == "true"),
            "hide_text": config.hide_text,
            "runs": runs,
            "focus": self.focus,
            "features": list(FEATURES),
            "feature_maps": heat_b64(feature_maps.T),
            "node_size": NODE_SIZE,
            "data": {
                "train_xy": b64(data.train_xy, "<f4"),
                "train_labels": b64(data.train_labels, "<f4"),
                "test_xy": b64(data.test_xy, "<f4"),
                "test_labels": b64(data.test_labels, "<f4"),
            },
        }

    def frame(self, full_history: bool = False) -> dict[str, Any]:
        """What the page draws now: losses since the last frame, heatmaps, the network."""
        start = 0 if full_history else self._sent_epoch
        end = self.epoch + 1
        points = grid()
        runs = []
        network = None
        for k, trainer in enumerate(self.trainers):
            train_xy = trainer.data[0].train_xy
            train_outputs = trainer.layer_outputs(train_xy)
            dead_units = [np.all(o[0] == 0, axis=0) for o in train_outputs[1:-1]]
            if k == self.focus:
                outputs = trainer.layer_outputs(points)
                heat = outputs[-1][0, :, 0]
                if self.inspect is not None:
                    heat = outputs[self.inspect[0]][0, :, self.inspect[1]]
                network = self._network(trainer, outputs, dead_units)
            else:
                heat = trainer.predict(points)[0]
            runs.append(self._run_state(trainer, start, end, heat, dead_units))
        self._sent_epoch = end
        return {
            "type": "frame",
            "epoch": self.epoch,
            "loss_start": start,
            "focus": self.focus,
            "inspect": list(self.inspect) if self.inspect else None,
            "runs": runs,
            "network": network,
        }

    def _run_state(
        self, trainer: Trainer, start: int, end: int, heat: np.ndarray, dead: list[np.ndarray]
    ) -> dict[str, Any]:
        diverged = int(trainer.diverged_at[0])
        train, test = trainer.train_loss[0], trainer.test_loss[0]
        return {
            "train_loss": finite_or_none(train[end - 1]),
            "test_loss": finite_or_none(test[end - 1]),
            "train": b64(train[start:end], "<f8"),
            "test": b64(test[start:end], "<f8"),
            "diverged_at": diverged,
            "divergence": _divergence_text(diverged, train, test),
            "dead_units": int(sum(int(d.sum()) for d in dead)),
            "heatmap": heat_b64(heat),
        }

    def _network(
        self, trainer: Trainer, outputs: list[np.ndarray], dead_units: list[np.ndarray]
    ) -> dict[str, Any]:
        layers = []
        for layer in range(len(trainer.weights)):
            node_maps = reduce_grid(outputs[layer + 1][0].T)
            layers.append(
                {
                    "weights": b64(trainer.weights[layer][0], "<f4"),
                    "biases": b64(trainer.biases[layer][0], "<f4"),
                    "dead_links": b64(trainer.dead[layer][0], "u1"),
                    "dead_units": b64(dead_units[layer], "u1") if layer < len(dead_units)
                    else None,
                    "maps": heat_b64(node_maps),
                }
            )
        return {"layers": layers}


def _fits(target: tuple[int, int, int | None], sizes: tuple[int, ...]) -> bool:
    """Whether a weight/bias ``(layer, node, input)`` exists in a network of ``sizes``."""
    layer, node, source = target
    return layer + 1 < len(sizes) and node < sizes[layer + 1] and (
        source is None or source < sizes[layer]
    )


def _run_configs(config: PlaygroundConfig, extras: list[str]) -> list[PlaygroundConfig]:
    return [config, *(config.replace(activation=a, activation_params={}) for a in extras)]


def _fields(config: PlaygroundConfig) -> dict[str, Any]:
    """The config fields the page's controls show (snake_case, JSON types)."""
    return {
        "activation": config.activation,
        "activation_params": dict(config.activation_params),
        "regularization": config.regularization,
        "regularization_rate": config.regularization_rate,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "dataset": config.dataset,
        "reg_dataset": config.reg_dataset,
        "noise": config.noise,
        "network_shape": list(config.network_shape),
        "seed": config.seed,
        "perc_train_data": config.perc_train_data,
        "features": list(config.features),
        "problem": config.problem,
        "init_zero": config.init_zero,
        "show_test_data": config.show_test_data,
        "discretize": config.discretize,
    }


def _divergence_text(epoch: int, train: np.ndarray, test: np.ndarray) -> str | None:
    if epoch < 0:
        return None
    values = [float(train[epoch]), float(test[epoch])]
    became = "inf" if any(np.isinf(v) for v in values) and not any(
        np.isnan(v) for v in values
    ) else "NaN"
    return f"diverged at epoch {epoch}: loss became {became}"
