"""The six dataset thumbnails: a small noise-free sample of each, drawn by the engine."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from actlab.playground.datasets import (
    CLASSIFICATION_DATASETS,
    GENERATORS,
    REGRESSION_DATASETS,
)
from actlab.playground.rng import SeedRandom

#: Points per thumbnail, as the playground draws them.
THUMBNAIL_POINTS = 200
_SEED = "actlab-thumbnails"


@lru_cache(maxsize=1)
def thumbnails() -> dict[str, dict[str, Any]]:
    """``{dataset: {"problem": ..., "points": [[x, y, label], ...]}}`` for all six."""
    out: dict[str, dict[str, Any]] = {}
    for problem, names in (
        ("classification", CLASSIFICATION_DATASETS),
        ("regression", REGRESSION_DATASETS),
    ):
        for name in names:
            points = GENERATORS[name](THUMBNAIL_POINTS, 0.0, SeedRandom(_SEED))
            rounded = [[round(x, 3), round(y, 3), round(label, 3)] for x, y, label in points]
            out[name] = {"problem": problem, "points": rounded}
    return out
