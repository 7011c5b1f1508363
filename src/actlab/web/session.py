"""One browser tab's playground: its configuration, its trainers and what the page draws.

A :class:`Session` is synchronous and knows nothing of WebSockets: the server calls
:meth:`Session.apply` for each validated message and :meth:`Session.frame` to get what to
draw. Training is the engine's (:class:`~actlab.playground.Trainer`); this module only
asks it for numbers and packs them for the page.

Compare mode trains one trainer per activation — the main one first — on the same config
and seed, hence the same data and the same initial weights, epochs in lockstep.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.playground import FEATURES, PlaygroundConfig, Trainer
from actlab.playground.config import random_seed
from actlab.playground.datasets import features as feature_values
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
#: The seed of the page's first run (the playground's defaults otherwise).
DEFAULT_SEED = "0.59704"


@dataclass
class Outcome:
    """What a message did: whether the page must redraw its layout, and notes for it."""

    rebuilt: bool = False
    notices: list[str] = field(default_factory=list)
    reply: dict[str, Any] | None = None


class Session:
    """The state behind one page: config, compare list and one trainer per run."""

    def __init__(
        self, limits: Limits, config: PlaygroundConfig | None = None, backend: str = "auto"
    ) -> None:
        self.limits = limits
        self.backend = backend
        self.config = config or PlaygroundConfig(seed=DEFAULT_SEED)
        self.extras: list[str] = []
        self.focus = 0
        self.inspect: tuple[int, int] | None = None
        self.trainers: list[Trainer] = []
        self._sent_epoch = 0  # loss values up to this epoch (exclusive) are on the page
        self._build(self.config, self.extras)

    # ------------------------------------------------------------------ runs
    def run_configs(self) -> list[PlaygroundConfig]:
        """The main config, then one per compared activation (default parameters)."""
        return _run_configs(self.config, self.extras)

    def _build(self, config: PlaygroundConfig, extras: list[str]) -> None:
        """Fresh trainers (epoch 0) for ``config`` and ``extras``; on error nothing changes."""
        trainers = [Trainer([c], backend=self.backend) for c in _run_configs(config, extras)]
        self.config, self.extras, self.trainers = config, list(extras), trainers
        self.focus = min(self.focus, len(trainers) - 1)
        self._sent_epoch = 0

    @property
    def epoch(self) -> int:
        return int(self.trainers[0].epoch)

    @property
    def all_diverged(self) -> bool:
        return all(int(t.diverged_at[0]) >= 0 for t in self.trainers)

    def step(self, epochs: int) -> int:
        """Train every run ``epochs`` epochs (fewer at the session's epoch limit)."""
        epochs = min(epochs, self.limits.max_epochs - self.epoch)
        if epochs > 0:
            for trainer in self.trainers:
                trainer.step(epochs)
        return max(epochs, 0)

    # ------------------------------------------------------------------ messages
    def apply(self, kind: str, args: dict[str, Any]) -> Outcome:
        """Carry out one validated message other than play/pause/speed/ack."""
        if kind == "load":
            return self._load(args["url"])
        if kind == "set":
            return self._set(args["changes"])
        if kind == "reset":
            self._build(self.config, self.extras)
            return Outcome(rebuilt=True)
        if kind == "regenerate":
            return self._replace_config(self.config.replace(seed=random_seed()))
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
        raise ProtocolError(f"{kind}: not a session command")

    def _load(self, url: str) -> Outcome:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config = (PlaygroundConfig.from_url(url, strict=True) if url
                      else PlaygroundConfig(seed=DEFAULT_SEED))
        outcome = self._replace_config(config)
        outcome.notices.extend(str(w.message) for w in caught)
        return outcome

    def _set(self, changes: dict[str, Any]) -> Outcome:
        config = self.config.replace(**changes)
        if set(changes) <= DISPLAY_ONLY:
            self.config = config
            return Outcome()
        return self._replace_config(config)

    def _replace_config(self, config: PlaygroundConfig) -> Outcome:
        self._check_limits(config)
        self._build(config, self.extras)
        self.inspect = None
        return Outcome(rebuilt=True)

    def _compare(self, names: list[str]) -> Outcome:
        try:
            self._build(self.config, names)
        except ActlabError as exc:
            raise ProtocolError(f"compare: {exc}") from None
        self.inspect = None
        return Outcome(rebuilt=True)

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
        return [json_safe(t.result(0).to_dict()) for t in self.trainers]

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
            "hash": config.to_hash(),
            "url": config.to_url(),
            "config": json_safe(_fields(config)),
            "layer_sizes": list(config.layer_sizes),
            "beyond_playground": config.exceeds_ui(),
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
