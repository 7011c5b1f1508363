"""The activation chooser's data: registry entries and sampled f and f' curves.

Everything comes from the registry (:mod:`actlab.activations`); the page only draws it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from actlab import activations
from actlab.web.encode import json_safe

#: The curve plot's x range and samples.
X_RANGE = (-5.0, 5.0)
SAMPLES = 201


def sample(name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """``f`` and ``f'`` of one activation on :data:`X_RANGE` (non-finite values → null)."""
    return _sample(name, tuple(sorted((params or {}).items())))


@lru_cache(maxsize=256)
def _sample(name: str, params: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    fn = activations.get(name, **dict(params))
    x = np.linspace(X_RANGE[0], X_RANGE[1], SAMPLES)
    with np.errstate(all="ignore"):
        f = np.asarray(fn(x), dtype=np.float64)
        df = np.asarray(fn.derivative(x), dtype=np.float64)
    return json_safe(
        {
            "name": fn.name,
            "params": dict(fn.params),
            "x": np.round(x, 6),
            "f": np.round(f, 6),
            "df": np.round(df, 6),
            "latex": fn.latex,
            "latex_derivative": fn.latex_derivative,
            "output_range": [float(v) for v in fn.output_range],
        }
    )


@lru_cache(maxsize=1)
def catalog() -> list[dict[str, Any]]:
    """Every registry activation: its description, parameters and default-parameter curve.

    Unbounded parameter ranges and output ranges appear as ``null``.
    """
    entries = []
    for name in activations.names():
        entry = activations.spec(name).to_dict()
        entry.pop("doc", None)
        entry["curve"] = sample(name)
        entries.append(json_safe(entry))
    return entries
