"""The TensorFlow Playground, reproduced number for number.

- :mod:`~actlab.playground.rng` — seedrandom's ARC4 generator;
- :mod:`~actlab.playground.datasets` — the six datasets, shuffle, split, features;
- :mod:`~actlab.playground.config` — the URL state as a validated object;
- :mod:`~actlab.playground.engine` — K networks trained at once (NumPy reference);
- :mod:`~actlab.playground.kernel` — the same training step fused in Numba.
"""

from actlab.playground.config import PlaygroundConfig
from actlab.playground.datasets import DATASETS, FEATURES, Data
from actlab.playground.engine import RunResult, Trainer, initial_state, train, train_many

__all__ = [
    "DATASETS",
    "FEATURES",
    "Data",
    "PlaygroundConfig",
    "RunResult",
    "Trainer",
    "initial_state",
    "train",
    "train_many",
]
