"""A user's dataset: validated numbers, a content hash, the playground's box and split.

A :class:`Dataset` is what :func:`actlab.data.load_csv` returns: ``N`` rows of ``D >= 2``
numeric inputs and a label per row (±1 for classification, any finite number for
regression), in file order. It is identified by :attr:`Dataset.sha256`, the SHA-256 of a
canonical form of exactly the numbers a network trains on::

    b"actlab-dataset-v1\\n" + JSON {"columns": [...], "problem": ..., "rows": N} + b"\\n"
    + inputs as little-endian float64, row-major [N, D] + labels as little-endian float64

so two files that differ only in formatting (``1`` vs ``1.0``, quoting, line endings,
``0/1`` vs ``-1/1`` labels) name the same dataset, and any change of a number, of the row
order or of a column name names another. Scaling is not part of the hash: it is a choice
of the run (``dataScale`` in its config).

The split follows the playground (``playground.ts``): ``Math.seedrandom(seed)``, then —
where a generator would draw its points — nothing, then the Fisher-Yates shuffle of all
rows and the first ``floor(N · percTrainData / 100)`` rows train; the network's initial
weights are drawn from the same stream afterwards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.playground.datasets import Data, shuffle
from actlab.playground.rng import SeedRandom

#: The playground's input box: every input column is mapped linearly onto [−6, 6].
BOX = (-6.0, 6.0)
_HASH_TAG = b"actlab-dataset-v1\n"


def content_hash(columns: tuple[str, ...], problem: str, x: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 (hex) of the canonical form of a dataset (see the module docstring)."""
    h = hashlib.sha256(_HASH_TAG)
    head = {"columns": list(columns), "problem": problem, "rows": int(x.shape[0])}
    h.update(json.dumps(head, ensure_ascii=True, separators=(",", ":")).encode() + b"\n")
    h.update(np.ascontiguousarray(x, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(y, dtype="<f8").tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """Rows of numeric inputs and a label, as loaded (unscaled), with their identity.

    ``x`` is ``[N, D]`` and ``y`` ``[N]`` (read-only float64, ``-0.0`` stored as ``0.0``);
    ``classes`` names the label texts mapped to −1 and +1 (classification) or is ``None``
    (regression). ``scale`` says whether :attr:`inputs` (what the network sees) maps each
    column linearly from its [min, max] onto the playground's box [−6, 6]:
    ``x' = (x − min) / (max − min) · 12 − 6`` (a constant column becomes 0).
    """

    columns: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    problem: str
    classes: tuple[str, str] | None
    sha256: str
    source: str | None = None
    scale: bool = True
    _scaled: list = field(default_factory=list, repr=False, compare=False)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}, rows={self.rows}, columns={self.columns}, "
                f"problem={self.problem!r}, scale={self.scale}, sha256={self.sha256[:16]}...)")

    # ------------------------------------------------------------------ basics
    @property
    def rows(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_inputs(self) -> int:
        return int(self.x.shape[1])

    @property
    def name(self) -> str:
        """The file's name, or a short hash when the data came as text."""
        return Path(self.source).name if self.source else f"csv-{self.sha256[:12]}"

    def with_scale(self, scale: bool) -> Dataset:
        """The same dataset (same arrays, same hash) with scaling on or off."""
        return self if scale == self.scale else dataclasses.replace(self, scale=scale,
                                                                   _scaled=[])

    @property
    def ranges(self) -> np.ndarray:
        """Each input column's ``[min, max]``, ``[D, 2]``."""
        return np.stack([self.x.min(axis=0), self.x.max(axis=0)], axis=1)

    @property
    def inputs(self) -> np.ndarray:
        """The network's inputs ``[N, D]``: scaled into the box if :attr:`scale`, else ``x``."""
        if not self.scale:
            return self.x
        if not self._scaled:
            lo, hi = self.ranges[:, 0], self.ranges[:, 1]
            span = np.where(hi > lo, hi - lo, 1.0)
            scaled = np.where(hi > lo, (self.x - lo) / span * (BOX[1] - BOX[0]) + BOX[0], 0.0)
            scaled.setflags(write=False)
            self._scaled.append(scaled)
        return self._scaled[0]

    # ------------------------------------------------------------------ split
    def split(self, seed: str | SeedRandom, perc_train_data: float = 50.0) -> Data:
        """Shuffle and split as the playground does, consuming ``seed``'s stream.

        ``seed`` is a seed string (a fresh ``SeedRandom``) or a generator to continue
        (the engine passes its own, then draws the initial weights from it).
        """
        rng = SeedRandom(seed) if isinstance(seed, str) else seed
        order = list(range(self.rows))
        shuffle(order, rng)
        cut = math.floor(self.rows * perc_train_data / 100)
        idx = np.array(order, dtype=np.int64)
        x = self.inputs
        return Data(x[idx[:cut]], self.y[idx[:cut]], x[idx[cut:]], self.y[idx[cut:]])

    # ------------------------------------------------------------------ config
    def config_fields(self) -> dict[str, Any]:
        """The :class:`~actlab.playground.PlaygroundConfig` fields that name this data."""
        return {
            "data": self.sha256,
            "data_path": self.source,
            "data_scale": self.scale,
            "data_columns": self.columns,
            "problem": self.problem,
        }

    def config(self, base: Any = None, **changes: Any):
        """A playground config training on this dataset (``base``'s other settings).

        >>> ds = load_csv("x,y,label\\n0,0,1\\n1,1,-1\\n")   # doctest: +SKIP
        >>> cfg = ds.config(network_shape=(8,), seed="0.1")  # doctest: +SKIP
        """
        from actlab.playground.config import PlaygroundConfig

        register(self)
        base = PlaygroundConfig() if base is None else base
        fields = self.config_fields()
        if self.n_inputs > 2 and "features" not in changes:
            fields["features"] = ("x", "y")
        return base.replace(**fields, **changes)

    def describe(self) -> str:
        """One line stating what was loaded and how it is used (the CLI prints it)."""
        if self.classes is not None:
            label = (f"classification, {self.classes[0]!r} -> -1, "
                     f"{self.classes[1]!r} -> +1")
        else:
            label = f"regression, labels {self.y.min():.6g}..{self.y.max():.6g} (unscaled)"
        if self.scale:
            how = "each scaled linearly from its [min, max] into [-6, 6]"
        else:
            how = "unscaled"
        if self.n_inputs == 2:
            use = "x, y (the playground's features apply)"
        else:
            use = "one input node per column"
        return (f"data {self.name}: {self.rows} rows, {self.n_inputs} inputs "
                f"({', '.join(self.columns)}; {how}) as {use}; label: {label}; "
                f"sha256 {self.sha256[:16]}")


# ---------------------------------------------------------------------------- registry
# Datasets loaded in this process, by hash, so that a config naming a hash can be
# trained (the engine resolves it here first, then from the config's path).
_REGISTRY: OrderedDict[str, Dataset] = OrderedDict()
_REGISTRY_SIZE = 16
_LOCK = threading.Lock()


def register(dataset: Dataset) -> str:
    """Make ``dataset`` resolvable by its hash in this process; returns the hash."""
    with _LOCK:
        _REGISTRY[dataset.sha256] = dataset.with_scale(True)
        _REGISTRY.move_to_end(dataset.sha256)
        while len(_REGISTRY) > _REGISTRY_SIZE:
            _REGISTRY.popitem(last=False)
    return dataset.sha256


def resolve(sha256: str, path: str | None = None, scale: bool = True,
            problem: str = "auto") -> Dataset:
    """The dataset with content hash ``sha256``: loaded in this process, or from ``path``
    (read as ``problem``, the run's, so a forced reading is repeated).

    Raises :class:`ActlabError` when neither has it (a URL or JSON alone cannot replay a
    CSV run: the file is needed) or when the file at ``path`` has changed.
    """
    with _LOCK:
        found = _REGISTRY.get(sha256)
    if found is not None:
        return found.with_scale(scale)
    if path is None or not Path(path).is_file():
        where = f" (it was loaded from {path!r}, which is not there now)" if path else ""
        raise ActlabError(
            f"this run trained on CSV data sha256 {sha256[:16]}...{where}; a URL or JSON "
            "alone cannot replay it: pass the file (actlab train --data FILE)"
        )
    from actlab.data.csvfile import load_csv

    loaded = load_csv(Path(path), scale=scale, problem=problem)
    if loaded.sha256 != sha256:
        raise ActlabError(
            f"{path} has changed since the run: its content hash is "
            f"{loaded.sha256[:16]}..., the run trained on {sha256[:16]}..."
        )
    return loaded
