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


def formula_preview(definition: str) -> dict[str, Any]:
    """Parse, differentiate and check a formula definition (``NAME(p=1)=EXPR``) without
    registering it: its ``f``/``f'`` curve on :data:`X_RANGE` and any warnings.

    User text goes only to :mod:`actlab.formula`'s allow-listed parser (never ``eval``).
    """
    import warnings

    from actlab import formula

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        name, expr, defaults = formula.parse_definition(definition)
        fm = formula.compile_formula(name, expr, defaults)
    x = np.linspace(X_RANGE[0], X_RANGE[1], SAMPLES)
    with np.errstate(all="ignore"):
        f = np.broadcast_to(np.asarray(fm.program(x, **defaults), dtype=np.float64), x.shape)
        df = np.broadcast_to(np.asarray(fm.dprogram(x, **defaults), dtype=np.float64), x.shape)
    return json_safe(
        {
            "name": name,
            "params": defaults,
            "x": np.round(x, 6),
            "f": np.round(f, 6),
            "df": np.round(df, 6),
            "warnings": [str(w.message) for w in caught],
        }
    )
