"""Measured properties of each activation: what the table in ``actlab table`` shows.

Method (also printed under the table, see :data:`METHOD`):

- *grid*: ``x = -10, -9.999, ..., 10`` (step 0.001, 20 001 points, float64). The output
  range, ``max |f'|``, monotonicity and invertibility are measured on it.
- *sample*: ``z ~ N(0, 1)``, ``n = 10**6`` draws from ``np.random.default_rng(0)``
  (float64). ``mean``/``std`` are of ``f(z)``; ``saturated_share`` is the share of ``z``
  with ``|f'(z)| < 0.01``; ``dead_share`` the share with ``f'(z) == 0`` exactly;
  ``mean_abs_derivative`` is ``E|f'(z)|`` (how much gradient a unit-normal input passes).
- *monotonic*: non-decreasing on the grid (``monotonic_flag`` is the registry's claim);
  *invertible*: strictly increasing on the grid; *bounded*: both ends of the registry's
  output range finite.
- *cost*: ``forward_ns`` / ``derivative_ns`` — nanoseconds per element to evaluate on
  ``10**6`` float32 values (the same sample, cast), best of 5 runs of
  ``time.perf_counter``. Machine-dependent; compare rows, not machines.
"""

from __future__ import annotations

import functools
import math
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from actlab import activations
from actlab.activations import Activation

__all__ = ["GRID", "METHOD", "SATURATION", "format_table", "measure", "measure_all"]

GRID_STEP = 0.001
GRID = np.linspace(-10.0, 10.0, 20001)  # = arange(-10, 10 + step, step) without drift
N_SAMPLES = 10**6
SEED = 0
SATURATION = 0.01
TIMING_N = 10**6
REPEATS = 5

METHOD = (
    "grid: x in [-10, 10], step 0.001 (range, max|f'|, monotonic, invertible). "
    f"sample: z ~ N(0,1), n={N_SAMPLES:.0e}, np.random.default_rng({SEED}) (mean, std, "
    f"saturated = share with |f'(z)| < {SATURATION}, dead = share with f'(z) == 0, "
    "E|f'|). bounded: registry output range. cost: ns per element, 1e6 float32 values, "
    f"best of {REPEATS} (time.perf_counter)."
)


@functools.lru_cache(maxsize=4)
def _normal_sample(n: int, seed: int = SEED) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal(n)
    z.flags.writeable = False
    return z


def _best_ns(fn: Any, x: np.ndarray, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - t0)
    return best / x.size * 1e9


def _resolve(act: str | Activation, params: Mapping[str, Any]) -> Activation:
    if isinstance(act, Activation):
        return activations.get(act.name, **{**act.params, **params})
    return activations.get(act, **params)


def measure(
    act: str | Activation,
    /,
    *,
    n: int = N_SAMPLES,
    timing: bool = True,
    repeats: int = REPEATS,
    **params: Any,
) -> dict[str, Any]:
    """Measure one activation (a name plus ``params``, or an :class:`Activation`).

    ``n`` is the N(0, 1) sample size (also used for timing); ``timing=False`` skips
    the cost columns (``forward_ns``/``derivative_ns`` are then ``None``). See the module
    docstring for the method.

    >>> row = measure("relu", n=10_000, timing=False)
    >>> row["dead_share"], row["monotonic"], row["invertible"]
    (0.5026, True, False)
    """
    a = _resolve(act, params)
    y, dy = a(GRID), a.derivative(GRID)
    steps = np.diff(y)
    z = _normal_sample(n)
    fz, dz = a(z), a.derivative(z)
    lo, hi = a.output_range
    row: dict[str, Any] = {
        "name": a.name,
        "params": a.params,
        "label": a.label,
        "output_min": float(y.min()),
        "output_max": float(y.max()),
        "mean": float(fz.mean()),
        "std": float(fz.std()),
        "saturated_share": float(np.mean(np.abs(dz) < SATURATION)),
        "dead_share": float(np.mean(dz == 0)),
        "mean_abs_derivative": float(np.abs(dz).mean()),
        "max_abs_derivative": float(np.abs(dy).max()),
        "monotonic": bool(np.all(steps >= 0)),
        "monotonic_flag": a.monotonic,
        "bounded": math.isfinite(lo) and math.isfinite(hi),
        "bounded_below": a.bounded_below,
        "bounded_above": a.bounded_above,
        "range_min": lo,
        "range_max": hi,
        "invertible": bool(np.all(steps > 0)),
        "smooth": a.smooth,
        "forward_ns": None,
        "derivative_ns": None,
    }
    if timing:
        x32 = _normal_sample(min(n, TIMING_N)).astype(np.float32)
        row["forward_ns"] = _best_ns(a, x32, repeats)
        row["derivative_ns"] = _best_ns(a.derivative, x32, repeats)
    return row


def measure_all(
    names: Iterable[str | Activation] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """:func:`measure` for each name (default: the whole registry), in order.

    ``params`` maps a name to its parameters, e.g. ``{"leaky_relu": {"negative_slope":
    0.05}}``; ``options`` (``n``, ``timing``, ``repeats``) go to :func:`measure`.
    """
    params = params or {}
    rows = []
    for item in activations.names() if names is None else names:
        name = item.name if isinstance(item, Activation) else activations.spec(item).name
        rows.append(measure(item, **options, **dict(params.get(name, {}))))
    return rows


# --------------------------------------------------------------------------- text table


def _num(v: float) -> str:
    return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.3e}"


def _range(lo: float, hi: float) -> str:
    def end(v: float) -> str:
        return "∞" if v == math.inf else "-∞" if v == -math.inf else f"{v:.4g}"

    return f"[{end(lo)}, {end(hi)}]"


def _columns(timing: bool) -> list[tuple[str, str, Any]]:
    """(header, align, cell function) per column."""
    yes = lambda b: "yes" if b else "no"  # noqa: E731
    cols: list[tuple[str, str, Any]] = [
        ("activation", "<", lambda r: r["label"]),
        ("range on grid", "<", lambda r: _range(r["output_min"], r["output_max"])),
        ("mean", ">", lambda r: _num(r["mean"])),
        ("std", ">", lambda r: _num(r["std"])),
        ("saturated", ">", lambda r: f"{100 * r['saturated_share']:.2f}%"),
        ("dead", ">", lambda r: f"{100 * r['dead_share']:.2f}%"),
        ("E|f'|", ">", lambda r: _num(r["mean_abs_derivative"])),
        ("max|f'|", ">", lambda r: _num(r["max_abs_derivative"])),
        ("monotone", "<", lambda r: yes(r["monotonic"])),
        ("bounded", "<", lambda r: yes(r["bounded"])),
        ("invertible", "<", lambda r: yes(r["invertible"])),
    ]
    if timing:
        cols += [
            ("f ns", ">", lambda r: f"{r['forward_ns']:.1f}"),
            ("f' ns", ">", lambda r: f"{r['derivative_ns']:.1f}"),
        ]
    return cols


def format_table(rows: Sequence[Mapping[str, Any]], *, footer: bool = True) -> str:
    """A box-drawn, aligned text table of :func:`measure` rows, with the method below."""
    timing = bool(rows) and all(r.get("forward_ns") is not None for r in rows)
    cols = _columns(timing)
    cells = [[str(fn(r)) for _, _, fn in cols] for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, (h, _, _) in enumerate(cols)]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    def row(values: list[str], aligns: list[str]) -> str:
        parts = [f" {v:{a}{w}} " for v, a, w in zip(values, aligns, widths, strict=True)]
        return "│" + "│".join(parts) + "│"

    out = [line("┌", "┬", "┐"), row([h for h, _, _ in cols], ["^"] * len(cols))]
    out.append(line("├", "┼", "┤"))
    out += [row(c, [a for _, a, _ in cols]) for c in cells]
    out.append(line("└", "┴", "┘"))
    if footer:
        out += textwrap.wrap("Method: " + METHOD, width=max(len(out[0]), 60))
        mismatched = [r["label"] for r in rows if r["monotonic"] != r["monotonic_flag"]]
        if mismatched:
            out.append(f"Note: monotonic on the grid differs from the registry for {mismatched}")
    return "\n".join(out)

