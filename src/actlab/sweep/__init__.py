"""Sweeps: any grid of playground runs, trained on every core or a Ray cluster, stored in SQLite.

- :mod:`~actlab.sweep.spec` — the spec (TOML or dict), validated through
  :class:`~actlab.playground.PlaygroundConfig`; the grid; each run's key;
- :mod:`~actlab.sweep.store` — the SQLite store (WAL, schema version, curves lossless);
- :mod:`~actlab.sweep.backends` — chunks of runs trained serially, in local processes or
  as Ray tasks, bit-identically;
- :mod:`~actlab.sweep.summary` — statistics over stored runs (those of ``compare``),
  exports.

>>> report = run({"name": "demo", "epochs": 20, "seeds": 2,
...               "axes": {"activation": ["relu", "tanh"]}}, ":memory:", workers=1)
>>> report.trained, len(report.rows)
(4, 4)

``run`` is resumable: runs already in the store are never trained again, so re-running
after an interruption (Ctrl-C, ``kill -9``) finishes the grid, and adding axis values
trains only the new cells. This is the one code path that trains many runs: ``compare``
uses it too (:func:`execute`).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.errors import ActlabError
from actlab.sweep.backends import default_workers, make_chunks, run_processes, run_ray, run_serial
from actlab.sweep.spec import PlannedRun, Spec, load_spec, run_key
from actlab.sweep.store import Store, row_bytes

__all__ = ["PlannedRun", "Spec", "Store", "SweepReport", "execute", "execute_all", "load",
           "load_spec", "run", "run_all", "run_key"]

#: The driver commits after every finished chunk, but at most once per this many seconds
#: (tiny chunks are batched); a crash loses at most the chunks in flight and those
#: finished within the last interval.
FLUSH_SECONDS = 0.1

#: With ``workers=None``, sweeps smaller than this (network-epochs of the playground's
#: default [4, 2] network; deeper or wider networks count by their number of weights,
#: see :func:`_relative_cost`) train in this process
#: (the kernel still uses every core through Numba's threads): starting worker processes
#: costs a few seconds, more than they would save.
AUTO_PROCESSES_MIN = 500_000

Progress = Callable[[float, float], None]


@dataclass
class SweepReport:
    """What :func:`run` did: the sweep's stored rows (grid order), runs trained and reused."""

    name: str
    rows: list[dict[str, Any]]
    trained: int
    skipped: int
    seconds: float = 0.0


def run(
    spec: Mapping[str, Any] | str | Path | Spec,
    db: str | Path,
    *,
    workers: int | None = None,
    ray: str | bool | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
    build_progress: Progress | None = None,
) -> SweepReport:
    """Train every run of ``spec`` missing from the store ``db``; return the sweep's rows.

    ``spec``: a mapping with the TOML's structure or a TOML file path. ``workers``: local
    worker processes (default: the number of cores, for sweeps of at least
    :data:`AUTO_PROCESSES_MIN` network-epochs; smaller ones, and ``workers=1``, train in
    this process). ``ray``:
    True for a local Ray, or a cluster address (``"auto"``, ``"ray://host:10001"``).
    ``progress(done, total)`` counts network-epochs; ``backend`` is the engine's
    (``"numpy"`` forces the reference implementation; it is part of each run key).
    ``build_progress(built, total)`` reports the building of each chunk's networks when
    they train in this process (see :class:`~actlab.playground.Trainer`). Invalid specs
    and unusable ``db`` paths raise :class:`~actlab.errors.ActlabError` before anything is
    trained or written.
    """
    return run_all([spec], db, workers=workers, ray=ray, progress=progress,
                   chunk_size=chunk_size, backend=backend, build_progress=build_progress)[0]


def run_all(
    specs: list[Mapping[str, Any] | str | Path | Spec],
    db: str | Path,
    *,
    workers: int | None = None,
    ray: str | bool | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
    build_progress: Progress | None = None,
) -> list[SweepReport]:
    """:func:`run` for several specs in one stream of work (see :func:`execute_all`); one
    report per spec, in order (``trained``/``skipped``/``seconds`` are the totals)."""
    loaded = [load_spec(s) for s in specs]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ActlabError(f"run_all: sweep names must differ, got {names}")
    start = time.perf_counter()
    with Store.open(db) as store:
        trained, skipped = execute_all(store, loaded, workers=workers, ray=ray,
                                       progress=progress, chunk_size=chunk_size,
                                       backend=backend, build_progress=build_progress)
        rows = [store.rows(s.name) for s in loaded]
    seconds = time.perf_counter() - start
    return [SweepReport(s.name, r, trained, skipped, seconds)
            for s, r in zip(loaded, rows, strict=True)]


def load(db: str | Path, sweep: str | None = None, *, curves: bool = False
         ) -> list[dict[str, Any]]:
    """Stored runs of ``sweep`` (of every sweep if None), in grid order, as plain dicts.

    Keys: ``key, sweep, url, seed, config`` (``PlaygroundConfig.to_dict()``), ``epochs,
    engine, converged`` (``{str(tau): epoch or None}``), ``diverged_at``, final and best
    train/test loss (None if not finite), ``dead_units``, ``wall_time``, and every axis
    value of the run's cell (``activation`` as ``"leaky_relu:0.05"``, ``learning_rate``,
    ...); with ``curves=True`` also ``train_loss`` and ``test_loss`` (lists, NaN after
    divergence).
    """
    with Store.open(db, write=False) as store:
        return store.rows(sweep, curves=curves)


def execute(
    store: Store,
    spec: Spec,
    *,
    workers: int | None = None,
    ray: str | bool | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
    build_progress: Progress | None = None,
) -> tuple[int, int]:
    """Register ``spec`` in ``store`` and train its missing runs; return (trained, reused).

    The driver is the store's only writer: chunk results arrive from the backend in
    completion order and are committed after each chunk, in one transaction (chunks that
    finish within :data:`FLUSH_SECONDS` of the last commit are batched with the next);
    whatever finished is committed even when interrupted.
    """
    return execute_all(store, [spec], workers=workers, ray=ray, progress=progress,
                       chunk_size=chunk_size, backend=backend, build_progress=build_progress)


def execute_all(
    store: Store,
    specs: list[Spec],
    *,
    workers: int | None = None,
    ray: str | bool | None = None,
    progress: Progress | None = None,
    chunk_size: int | None = None,
    backend: str = "auto",
    build_progress: Progress | None = None,
) -> tuple[int, int]:
    """:func:`execute` for several specs at once: their missing runs are trained in one
    stream of chunks, so many small sweeps keep every core busy (one at a time, a sweep
    smaller than a chunk per core would use one core); return (trained, reused) in all."""
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool)
                                or workers < 1):
        raise ActlabError(f"workers must be a whole number >= 1, got {workers!r}")
    todos: list[tuple[Spec, list[PlannedRun]]] = []
    skipped = 0
    queued: set[str] = set()  # a run shared by two specs is trained once (first spec's τs, curves)
    for spec in specs:
        planned = spec.runs(backend)
        store.register(spec.name, spec.to_dict(), spec.taus, spec.epochs, planned)
        todo = [r for r in store.missing(planned, spec.taus, spec.curves)
                if r.key not in queued]
        queued.update(r.key for r in todo)
        skipped += len(planned) - len(todo)
        if todo:
            todos.append((spec, todo))
    if not todos:
        if progress is not None:
            progress(1.0, 1.0)
        return 0, skipped
    if str(store.path) != ":memory:":  # its disk must hold the new rows (before training)
        from actlab.outputs import check_space

        check_space(store.path, sum(len(todo) * row_bytes(spec.epochs, spec.curves,
                                                          todo[0].config.to_url())
                                    for spec, todo in todos), what="database")
    n_workers = workers if workers is not None else default_workers()
    size = sum(spec.epochs * _relative_cost(r.config) for spec, todo in todos for r in todo)
    if workers is None and ray in (None, False) and size < AUTO_PROCESSES_MIN:
        n_workers = 1
    chunks = []
    for spec, todo in todos:
        chunks += make_chunks([(r.key, r.config) for r in todo], spec.epochs, spec.taus,
                              spec.curves, backend, chunk_size,
                              workers=1 if ray is None and n_workers == 1 else n_workers)
    if ray is not None and ray is not False:
        stream = run_ray(chunks, ray, num_cpus=workers, progress=progress)
    elif n_workers > 1 and len(chunks) > 1:
        stream = run_processes(chunks, min(n_workers, len(chunks)), progress=progress)
    else:
        stream = run_serial(chunks, progress=progress, skip=_skipper(store),
                            build_progress=build_progress)
    trained = 0
    buffer: list[dict[str, Any]] = []
    last = -math.inf
    try:
        for rows in stream:
            buffer.extend(rows)
            trained += len(rows)
            if time.monotonic() - last >= FLUSH_SECONDS:
                store.write(buffer)
                buffer.clear()
                last = time.monotonic()
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        store.write(buffer)
    return trained, skipped


def _relative_cost(config: Any) -> float:
    """An epoch's cost relative to the playground's default network ([4, 2] on x, y: 18
    weights), by the number of weights (a deep net's epoch costs many small ones)."""
    from actlab.playground.engine import weight_count

    return max(1.0, weight_count(config.layer_sizes) / _default_weights())


@functools.lru_cache(maxsize=1)
def _default_weights() -> int:
    from actlab.playground import PlaygroundConfig
    from actlab.playground.engine import weight_count

    return weight_count(PlaygroundConfig().layer_sizes)


def _skipper(store: Store) -> Callable[[Any], Any]:
    """For the serial backend: drop runs another process stored since planning."""
    import dataclasses

    def skip(chunk: Any) -> Any:
        marks = ",".join("?" * chunk.size)
        have = {k for (k,) in store.conn.execute(
            f"SELECT key FROM runs WHERE key IN ({marks}) AND (test_loss IS NOT NULL OR ?)",
            (*chunk.keys, not chunk.curves))}
        if not have:
            return chunk
        keep = [i for i, k in enumerate(chunk.keys) if k not in have]
        if not keep:
            return None
        return dataclasses.replace(chunk, keys=tuple(chunk.keys[i] for i in keep),
                                   configs=tuple(chunk.configs[i] for i in keep))

    return skip
