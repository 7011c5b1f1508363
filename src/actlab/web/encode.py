"""Compact encodings for what the page draws: grids over [-6, 6]², heatmap bytes, arrays.

Heatmaps travel as one byte per cell (base64): 0 is "not a number", 1..255 encode the
value clipped to [-1, 1] (the colour scale's domain) with 128 exactly for 0, so the page
can tell the sign of every cell (``discretize``) without the raw value. Other arrays
travel as little-endian float32/float64 base64. JSON never carries NaN or infinity:
:func:`json_safe` turns them into ``null``.
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache
from typing import Any

import numpy as np

#: The plane the playground draws: x and y in [-6, 6].
DOMAIN = (-6.0, 6.0)
#: Cells per side of the output heatmap (the playground's DENSITY) and of a neuron's (the
#: playground's DENSITY / 10).
HEATMAP_SIZE = 100
NODE_SIZE = 10


@lru_cache(maxsize=4)
def grid(size: int = HEATMAP_SIZE) -> np.ndarray:
    """Cell centres ``[size*size, 2]``, row-major, first row at y = +6, first column x = -6."""
    xs = np.linspace(DOMAIN[0], DOMAIN[1], size)
    ys = xs[::-1]
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    points.setflags(write=False)
    return points


def heat_bytes(values: np.ndarray) -> np.ndarray:
    """Values to heatmap bytes: NaN → 0, [-1, 1] → 1..255 with 0 → 128 and signs kept."""
    v = np.asarray(values, dtype=np.float64)
    nan = np.isnan(v)
    c = np.clip(np.nan_to_num(v, nan=0.0), -1.0, 1.0)
    q = 128 + np.sign(c) * np.ceil(np.abs(c) * 127)
    q[nan] = 0
    return q.astype(np.uint8)


def b64(array: np.ndarray, dtype: str) -> str:
    """An array as base64 of its little-endian ``dtype`` bytes (``'<f4'``, ``'u1'``, ...)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def heat_b64(values: np.ndarray) -> str:
    return b64(heat_bytes(values), "u1")


def finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def json_safe(value: Any) -> Any:
    """A copy of ``value`` that ``json.dumps(allow_nan=False)`` accepts (NaN/inf → None)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value
