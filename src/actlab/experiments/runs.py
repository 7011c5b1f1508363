"""The one path by which the convergence studies train many playground runs.

Every convergence study states what it needs as *sweep specs* (the dict form of
``actlab sweep``'s TOML: ``name``, ``epochs``, ``seeds``, ``taus``, ``curves``, ``base``,
``axes``) and calls :func:`train_specs`, which returns one plain row per run:

``seed, config, url, epochs, converged ({str(τ): epoch or None}), diverged_at,
final_train_loss, final_test_loss``, the axis values flattened (``activation``,
``learning_rate``, ``dataset``, ``network_shape``…), and with ``curves`` the per-epoch
``train_loss`` / ``test_loss`` arrays.

When :mod:`actlab.sweep` is installed the specs run as sweeps in its SQLite store
(``db``; a temporary store when None), so ``actlab reproduce --db D`` keeps every run and
resumes; otherwise every spec's runs are trained together by ``train_many`` (same numbers:
the engine's results do not depend on what trains beside them).
"""

from __future__ import annotations

import itertools
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.experiments.compare import ActivationChoice
from actlab.experiments.stats import convergence_epochs
from actlab.playground import PlaygroundConfig, train_many

Progress = Callable[[float, float], None]
Row = dict[str, Any]


def tau_key(tau: float) -> str:
    """The key of threshold ``tau`` in a row's ``converged`` dict (``str(float)``)."""
    return str(float(tau))


def seed_range(first: int, count: int) -> list[str]:
    """Seed strings ``first/1e5 … (first + count − 1)/1e5`` (``0.00041`` for 41)."""
    return [f"{i / 100000:.5f}" for i in range(first, first + count)]


def sweep_module() -> Any | None:
    """:mod:`actlab.sweep` when it is installed and provides ``run``; else None."""
    try:
        from actlab import sweep
    except ImportError:
        return None
    return sweep if hasattr(sweep, "run") and hasattr(sweep, "load") else None


def spec_configs(spec: dict[str, Any]) -> list[tuple[dict[str, Any], PlaygroundConfig]]:
    """Every (axis values, config) of a spec, seeds innermost."""
    base = dict(spec.get("base", {}))
    if "url" in base:
        cfg = PlaygroundConfig.from_url(base.pop("url"))
    else:
        cfg = PlaygroundConfig()
    if base:
        cfg = cfg.replace(**{k: (tuple(v) if isinstance(v, list) else v)
                             for k, v in base.items()})
    seeds = spec["seeds"]
    seeds = seed_range(1, seeds) if isinstance(seeds, int) else [str(s) for s in seeds]
    axes = spec.get("axes", {})
    names = list(axes)
    out = []
    for values in itertools.product(*(axes[n] for n in names)):
        point = dict(zip(names, values, strict=True))
        c = cfg
        for name, value in point.items():
            if name == "activation":
                c = ActivationChoice.parse(str(value)).apply(c)
            else:
                c = c.replace(**{name: tuple(value) if isinstance(value, list) else value})
        for s in seeds:
            out.append((point, c.replace(seed=s)))
    return out


def _row(point: dict[str, Any], cfg: PlaygroundConfig, train: np.ndarray, test: np.ndarray,
         diverged_at: int | None, taus: Sequence[float], curves: bool,
         seconds: float) -> Row:
    def num(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    row: Row = {
        "seed": cfg.seed, "config": cfg.to_dict(), "url": cfg.to_url(),
        "epochs": int(test.size - 1),
        "converged": {tau_key(t): (None if (e := int(convergence_epochs(test, t))) < 0
                                   else e) for t in taus},
        "diverged_at": diverged_at,
        "final_train_loss": num(train[-1]), "final_test_loss": num(test[-1]),
        "wall_time": seconds,
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in point.items()},
    }
    if curves:
        row["train_loss"], row["test_loss"] = train, test
    return row


def train_specs(specs: Sequence[dict[str, Any]], db: str | Path | None = None,
                progress: Progress | None = None, backend: str = "auto") -> list[list[Row]]:
    """Train every spec's runs; one list of rows per spec, in the spec's order.

    Rows are ordered by axis combination (in ``itertools.product`` order), seeds innermost.
    """
    sweep = sweep_module()
    if sweep is not None:
        return _via_sweep(sweep, specs, db, progress, backend)
    if db is not None:
        raise ActlabError("a run store (--db) needs actlab.sweep, which this installation "
                          "lacks; run without --db")
    jobs = [spec_configs(s) for s in specs]
    flat = [cfg for job in jobs for _, cfg in job]
    epochs = {int(s["epochs"]) for s in specs}
    results: list[Any] = []
    start = time.perf_counter()
    for budget in sorted(epochs):
        idx = [i for i, s in enumerate(specs) if int(s["epochs"]) == budget]
        part = [cfg for i in idx for _, cfg in jobs[i]]
        res = train_many(part, budget, progress=progress, backend=backend) if part else []
        results.append((idx, res))
    seconds = (time.perf_counter() - start) / max(1, len(flat))
    by_spec: dict[int, list[Any]] = {}
    for idx, res in results:
        pos = 0
        for i in idx:
            by_spec[i] = res[pos:pos + len(jobs[i])]
            pos += len(jobs[i])
    out = []
    for i, spec in enumerate(specs):
        taus = spec.get("taus", [0.01])
        curves = bool(spec.get("curves", False))
        out.append([_row(point, r.config, r.train_loss, r.test_loss, r.diverged_at, taus,
                         curves, seconds)
                    for (point, _), r in zip(jobs[i], by_spec[i], strict=True)])
    return out


def _via_sweep(sweep: Any, specs: Sequence[dict[str, Any]], db: str | Path | None,
               progress: Progress | None, backend: str = "auto") -> list[list[Row]]:
    with tempfile.TemporaryDirectory(prefix="actlab-reproduce-") as tmp:
        path = Path(db) if db is not None else Path(tmp) / "runs.sqlite"
        out = []
        reports = sweep.run_all(list(specs), path, progress=progress, backend=backend)
        for spec, report in zip(specs, reports, strict=True):
            rows = list(report.rows)
            if spec.get("curves") and rows and "test_loss" not in rows[0]:
                rows = sweep.load(path, spec["name"], curves=True)
            out.append(_ordered(spec, rows))
        return out


def _ordered(spec: dict[str, Any], rows: list[Row]) -> list[Row]:
    """The spec's rows in :func:`spec_configs` order (matched by seed and axis values)."""
    def norm(name: str, value: Any) -> Any:
        if name == "activation":
            return ActivationChoice.parse(str(value)).label
        if isinstance(value, list | tuple):
            return tuple(value)
        return float(value) if isinstance(value, int | float) and not isinstance(
            value, bool) else value

    names = list(spec.get("axes", {}))
    index = {}
    for r in rows:
        key = (str(r["seed"]), *(norm(n, r[n]) for n in names))
        index[key] = r
    out = []
    for point, cfg in spec_configs(spec):
        r = index[(cfg.seed, *(norm(n, point[n]) for n in names))]
        for n in names:
            r[n] = point[n]
        for k in ("train_loss", "test_loss"):
            if k in r and r[k] is not None:
                r[k] = np.asarray(r[k], dtype=float)
        out.append(r)
    return out


def epochs_of(rows: Sequence[Row], tau: float) -> np.ndarray:
    """Convergence epoch of each row at ``tau`` as floats, ``inf`` = never."""
    key = tau_key(tau)
    out = []
    for r in rows:
        conv = r["converged"]
        e = conv.get(key, conv.get(f"{tau:g}"))
        out.append(math.inf if e is None else float(e))
    return np.array(out)
