"""Where a sweep's chunks train: in this process, in local worker processes, or on Ray.

The unit of work is a :class:`Chunk`: many runs of one shape (one
:func:`~actlab.playground.engine.group_key`), trained together as one
:class:`~actlab.playground.Trainer` through the fused kernel. :func:`train_chunk` turns a
chunk into plain result rows (scalars, convergence epochs, compressed curves); every
backend calls exactly that function, and a network's numbers do not depend on which others
it trains beside (the kernel's lanes never interact), so every backend and every chunking
stores bit-identical results.

Backends yield each chunk's rows as soon as it finishes (completion order); the caller
(the driver) is the only one that writes to the store.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig

#: Default networks per chunk: two rows of the kernel's 128 lanes.
CHUNK_SIZE = 256
#: Smallest chunk made when splitting work across workers.
MIN_CHUNK = 32

Progress = Callable[[float, float], None]
BuildProgress = Callable[[float, float], None]


@dataclass(frozen=True)
class Chunk:
    """Runs trained together: their keys and configs (one shape), budget, what to keep."""

    keys: tuple[str, ...]
    configs: tuple[PlaygroundConfig, ...]
    epochs: int
    taus: tuple[float, ...]
    curves: bool
    backend: str = "auto"
    datasets: tuple[Any, ...] = ()  # CSV datasets the configs name (sent to the workers)
    formulas: tuple[str, ...] = ()  # formula activations' definitions (defined on workers)

    @property
    def size(self) -> int:
        return len(self.keys)


def make_chunks(
    runs: Sequence[tuple[str, PlaygroundConfig]], epochs: int, taus: Sequence[float],
    curves: bool, backend: str = "auto", chunk_size: int | None = None, workers: int = 1,
) -> list[Chunk]:
    """Group ``(key, config)`` runs by shape and cut each group into chunks.

    Without ``chunk_size``: at most :data:`CHUNK_SIZE` runs a chunk, and with several
    workers small enough that each worker gets about four chunks (never below
    :data:`MIN_CHUNK`), so that groups of unequal cost (Tanh costs 3× ReLU an epoch) still
    share out evenly; a group is cut into equal parts.
    """
    from actlab.playground.engine import group_key

    if chunk_size is None:
        size = CHUNK_SIZE
        if workers > 1:
            size = max(MIN_CHUNK, min(CHUNK_SIZE, math.ceil(len(runs) / (4 * workers))))
    else:
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ActlabError(f"chunk size must be a whole number >= 1, got {chunk_size!r}")
        size = chunk_size
    groups: dict[tuple, list[tuple[str, PlaygroundConfig]]] = {}
    for key, config in runs:
        groups.setdefault(group_key(config), []).append((key, config))
    chunks = []
    for members in groups.values():
        first = members[0][1]
        datasets: tuple[Any, ...] = ()
        if first.data is not None:
            from actlab.data import resolve

            datasets = (resolve(first.data, first.data_path, first.data_scale, first.problem),)
        from actlab import activations

        definition = activations.spec(first.activation).definition
        formulas = (definition,) if definition is not None else ()
        parts = math.ceil(len(members) / size)
        step = math.ceil(len(members) / parts)  # equal parts, none above size
        for i in range(0, len(members), step):
            part = members[i:i + step]
            chunks.append(Chunk(tuple(k for k, _ in part), tuple(c for _, c in part),
                                int(epochs), tuple(float(t) for t in taus), curves, backend,
                                datasets, formulas))
    return chunks


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def train_chunk(chunk: Chunk, progress: Progress | None = None,
                build_progress: BuildProgress | None = None) -> list[dict[str, Any]]:
    """Train a chunk; one row per run, ready for :meth:`~actlab.sweep.store.Store.write`.

    ``build_progress(built, total)`` reports the build of the chunk's networks.

    Per run: converged epoch per τ (first epoch with test loss ``<= τ``, None if never),
    ``diverged_at``, final and best (lowest finite) train/test loss, dead hidden units at
    the end (output exactly 0 on every training point), and ``wall_time``: the chunk's
    training time divided by its number of runs.
    """
    from actlab.experiments.dying import hidden_unit_states
    from actlab.experiments.stats import convergence_epochs
    from actlab.playground import Trainer
    from actlab.playground.engine import resolved_backend
    from actlab.sweep.spec import engine_tag
    from actlab.sweep.store import encode_curve

    if chunk.formulas:
        from actlab import activations

        for text in chunk.formulas:
            activations.define_text(text)  # a no-op where it is defined already
    if chunk.datasets:
        from actlab.data import register

        for dataset in chunk.datasets:
            register(dataset)
    start = time.perf_counter()
    # the backend named in the run keys, explicitly: "auto" may start on NumPy while a
    # cold kernel compiles, and stored numbers must not depend on the JIT cache's state
    engine = resolved_backend(chunk.configs[0], chunk.backend)
    trainer = Trainer(list(chunk.configs), backend=engine, build_progress=build_progress)
    k = trainer.k
    report = None
    if progress is not None:
        def report(e: int, _total: int) -> None:
            progress(e * k, chunk.epochs * k)
    trainer.run(chunk.epochs, progress=report)
    dead = hidden_unit_states(trainer, slope=1.0)[0]  # (the slope only matters to "stuck")
    seconds = time.perf_counter() - start
    train, test = trainer.train_loss, trainer.test_loss
    conv = {str(t): convergence_epochs(test, t) for t in chunk.taus}
    with np.errstate(all="ignore"):
        best_train = np.min(np.where(np.isfinite(train), train, np.inf), axis=1)
        best_test = np.min(np.where(np.isfinite(test), test, np.inf), axis=1)
    first = chunk.configs[0]
    if engine != trainer.backend:  # pragma: no cover - the engine broke its contract
        raise RuntimeError("engine backend differs from the run key's engine tag")
    tag = engine_tag(first, chunk.backend)
    now = time.time()
    describe = _Describer()
    rows = []
    for i, (key, config) in enumerate(zip(chunk.keys, chunk.configs, strict=True)):
        d = int(trainer.diverged_at[i])
        config_json, url = describe(config)
        rows.append({
            "key": key,
            "config": config_json,
            "url": url,
            "seed": config.seed,
            "epochs": chunk.epochs,
            "engine": tag,
            "converged": _json({t: (None if e[i] < 0 else int(e[i])) for t, e in conv.items()}),
            "diverged_at": None if d < 0 else d,
            "final_train_loss": _finite(train[i, -1]),
            "final_test_loss": _finite(test[i, -1]),
            "best_train_loss": _finite(best_train[i]),
            "best_test_loss": _finite(best_test[i]),
            "dead_units": int(dead[i]),
            "wall_time": seconds / k,
            "train_loss": encode_curve(train[i]) if chunk.curves else None,
            "test_loss": encode_curve(test[i]) if chunk.curves else None,
            "created": now,
        })
    return rows


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


class _Describer:
    """A config's JSON (``to_dict``) and URL, computed once per config-but-the-seed.

    A chunk's runs mostly differ only in their seed; serializing each from scratch cost
    more than storing it. The seed is put into a template made with a marker seed (the
    marker cannot occur elsewhere: no other field holds free text).
    """

    MARK = "@@actlab-seed@@"

    def __init__(self) -> None:
        self.templates: dict[tuple, tuple[str, str]] = {}

    def __call__(self, config: PlaygroundConfig) -> tuple[str, str]:
        import dataclasses
        import json

        from actlab.sweep.spec import with_seed

        key = tuple(
            tuple(sorted(v.items())) if isinstance(v, dict) else v
            for f in dataclasses.fields(config) if f.name != "seed"
            for v in (getattr(config, f.name),)
        )
        hit = self.templates.get(key)
        if hit is None:
            marked = with_seed(config, self.MARK)
            hit = self.templates[key] = (_json(marked.to_dict()), marked.to_url())
        config_json, url = hit
        if self.MARK in config.seed:  # pragma: no cover - absurd seed: no shortcut
            return _json(config.to_dict()), config.to_url()
        return (config_json.replace(json.dumps(self.MARK), json.dumps(config.seed)),
                url.replace(self.MARK, config.seed))


# ------------------------------------------------------------------------------ backends
def run_serial(chunks: Sequence[Chunk], progress: Progress | None = None,
               skip: Callable[[Chunk], Chunk | None] | None = None,
               build_progress: BuildProgress | None = None,
               ) -> Iterator[list[dict[str, Any]]]:
    """Train chunks one after another in this process (Numba uses every core).

    ``skip(chunk)`` may return a smaller chunk (runs another process stored meanwhile
    removed) or None (nothing left to do). ``build_progress`` reports each chunk's build.
    """
    total = float(sum(c.size * c.epochs for c in chunks))
    done = 0.0
    for chunk in chunks:
        if skip is not None:
            smaller = skip(chunk)
            if smaller is None:
                done += chunk.size * chunk.epochs
                if progress is not None:
                    progress(done, total)
                continue
            total -= (chunk.size - smaller.size) * chunk.epochs
            chunk = smaller
        base = done

        def report(d: float, _t: float, base: float = base, total: float = total) -> None:
            if progress is not None:
                progress(base + d, total)

        yield train_chunk(chunk, report, build_progress)
        done = base + chunk.size * chunk.epochs


def _init_worker(parent: int | None = None) -> None:
    """Worker process set-up: one Numba thread (the workers are the parallelism).

    With ``parent`` (the driver's pid), a daemon thread ends this worker when the driver
    is gone (killed with ``kill -9``, say): an orphaned worker would otherwise wait for
    work forever.
    """
    import numba

    numba.set_num_threads(1)
    if parent is not None:
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="actlab-parent-watch", daemon=True).start()


def _worker_train(chunk: Chunk) -> list[dict[str, Any]]:
    return train_chunk(chunk)


def run_processes(chunks: Sequence[Chunk], workers: int, progress: Progress | None = None,
                  ) -> Iterator[list[dict[str, Any]]]:
    """Train chunks in ``workers`` local processes (spawned; the JIT cache is on disk)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    total = float(sum(c.size * c.epochs for c in chunks))
    done = 0.0
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))
    clean = False
    try:
        pending = {pool.submit(_worker_train, c): c for c in chunks}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                chunk = pending.pop(future)
                try:
                    rows = future.result()
                except BrokenProcessPool:
                    raise ActlabError("a worker process died; finished runs are saved, run "
                                      "the same command again to resume") from None
                done += chunk.size * chunk.epochs
                if progress is not None:
                    progress(done, total)
                yield rows
        clean = True
    finally:
        pool.shutdown(wait=clean, cancel_futures=True)


def _ray_train(chunk: Chunk) -> list[dict[str, Any]]:
    _init_worker()
    return train_chunk(chunk)


def run_ray(chunks: Sequence[Chunk], address: str | bool | None = True,
            num_cpus: int | None = None, progress: Progress | None = None,
            ) -> Iterator[list[dict[str, Any]]]:
    """Train chunks as Ray tasks (one CPU each), on a local Ray or a cluster.

    ``address``: True starts a local Ray (``num_cpus`` CPUs); a string (``"auto"``,
    ``"ray://host:10001"``, ``"host:6379"``) joins a running cluster. If this process is
    already connected to Ray (``ray.init`` was called), that connection is used. A task
    whose worker dies is retried (``max_retries``); chunks not finished are trained by the
    next ``run``.
    """
    try:
        import ray
    except ImportError:
        raise ActlabError("--ray needs Ray: pip install 'actlab[ray]'") from None
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "configure_logging": False}
        try:
            if address is True or address is None:
                ray.init(num_cpus=num_cpus, **kwargs)
            else:
                ray.init(address=str(address), **kwargs)
        except Exception as exc:  # ConnectionError, RuntimeError, ...
            raise ActlabError(f"cannot start or join Ray ({address}): "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                              ) from None
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=3)(_ray_train)
        total = float(sum(c.size * c.epochs for c in chunks))
        done = 0.0
        refs = {task.remote(c): c for c in chunks}
        pending = list(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                for ref in ready:
                    try:
                        rows = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        raise ActlabError(
                            f"a Ray task failed ({type(exc).__name__}); finished runs are "
                            "saved, run the same command again to resume") from None
                    chunk = refs[ref]
                    done += chunk.size * chunk.epochs
                    if progress is not None:
                        progress(done, total)
                    yield rows
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
    finally:
        if started:
            ray.shutdown()


def default_workers() -> int:
    """The number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
