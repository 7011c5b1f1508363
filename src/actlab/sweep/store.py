"""The sweep store: one SQLite file (stdlib ``sqlite3``) holding many sweeps' runs.

Schema (version :data:`SCHEMA_VERSION`, kept in ``meta``)::

    meta(name PRIMARY KEY, value)                 -- schema_version, curve_codec
    sweeps(name PRIMARY KEY, spec, taus, epochs, runs, updated)
    runs(key PRIMARY KEY, config, url, seed, epochs, engine, converged, diverged_at,
         final_train_loss, final_test_loss, best_train_loss, best_test_loss,
         dead_units, wall_time, train_loss, test_loss, created)
    sweep_runs(sweep, key, ordinal, cell, PRIMARY KEY (sweep, key))

A run is stored once, under its key (:func:`actlab.sweep.spec.run_key`), whichever sweeps
use it; ``sweep_runs`` lists each sweep's grid (``cell``: its axis values as JSON) in
order. ``converged`` is JSON ``{"0.01": epoch or null, ...}``; curves are the per-epoch
losses (``epochs + 1`` float64 values, index 0 = untrained, NaN after divergence) stored
losslessly as little-endian float64 bytes (:func:`encode_curve`).

The file is in WAL mode (readers never block the writer); the driver is its only writer and
writes in batched transactions (``BEGIN IMMEDIATE``, with a generous busy timeout, so two
processes sharing one file wait for each other instead of failing). A missing file is
created; anything else that is not an actlab store of a known schema is refused with a
one-line :class:`~actlab.errors.ActlabError`, before anything is written.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actlab.errors import ActlabError

SCHEMA_VERSION = 1
CURVE_CODEC = "f8le"
BUSY_TIMEOUT_S = 120.0
_HEADER = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweeps (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    taus TEXT NOT NULL,
    epochs INTEGER NOT NULL,
    runs INTEGER NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    url TEXT NOT NULL,
    seed TEXT NOT NULL,
    epochs INTEGER NOT NULL,
    engine TEXT NOT NULL,
    converged TEXT NOT NULL,
    diverged_at INTEGER,
    final_train_loss REAL,
    final_test_loss REAL,
    best_train_loss REAL,
    best_test_loss REAL,
    dead_units INTEGER NOT NULL,
    wall_time REAL NOT NULL,
    train_loss BLOB,
    test_loss BLOB,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sweep_runs (
    sweep TEXT NOT NULL,
    key TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    cell TEXT NOT NULL,
    PRIMARY KEY (sweep, key)
);
CREATE INDEX IF NOT EXISTS sweep_runs_order ON sweep_runs (sweep, ordinal);
"""

RUN_COLUMNS = (
    "key", "config", "url", "seed", "epochs", "engine", "converged", "diverged_at",
    "final_train_loss", "final_test_loss", "best_train_loss", "best_test_loss", "dead_units",
    "wall_time", "train_loss", "test_loss", "created",
)


# ------------------------------------------------------------------------------- curves
def encode_curve(values: np.ndarray) -> bytes:
    """Float64 values → bytes, losslessly: little-endian IEEE float64, 8 bytes a value.

    NaN and inf are kept bit for bit. (Compression was measured and left out: loss curves'
    low mantissa bytes are noise, so byte-shuffling + zlib saves only ~15 % of the size
    and costs more CPU than the store's whole budget; see docs/benchmarks.md.)
    """
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


def decode_curve(blob: bytes) -> np.ndarray:
    """Inverse of :func:`encode_curve`."""
    if len(blob) % 8:
        raise ActlabError(f"stored curve of {len(blob)} bytes is not float64 data (corrupt)")
    return np.frombuffer(blob, dtype="<f8").astype(np.float64)


def row_bytes(epochs: int, curves: bool, url: str) -> int:
    """A lower bound of what one stored run adds to a store: its URL (``url``'s length),
    and with ``curves`` its two loss curves, 8 bytes an epoch each."""
    return len(url) + (16 * (epochs + 1) if curves else 0)


# ------------------------------------------------------------------------------- opening
def _check_path(path: Path, write: bool) -> None:
    """Refuse anything that is not (or cannot become) a writable SQLite file, untouched."""
    if path.is_dir():
        raise ActlabError(f"database {str(path)!r} is a folder, not a file")
    if path.exists():
        if not path.is_file():
            raise ActlabError(f"database {str(path)!r} is not a regular file")
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_HEADER))
        except OSError as exc:
            raise ActlabError(f"cannot read database {str(path)!r}: {exc.strerror}") from None
        if head and head != _HEADER:
            raise ActlabError(f"{str(path)!r} is not an SQLite database (an actlab sweep "
                              "store is one); choose another --db path")
        if write:
            mode = path.stat().st_mode
            if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP
                                                          | stat.S_IWOTH):
                raise ActlabError(f"database {str(path)!r} is read-only")
            if not os.access(path.parent, os.W_OK):
                raise ActlabError(f"folder {str(path.parent)!r} of the database is read-only "
                                  "(SQLite needs to write its journal beside it)")
    elif write:
        if not path.parent.is_dir():
            raise ActlabError(f"folder {str(path.parent)!r} for the database does not exist")
        if not os.access(path.parent, os.W_OK):
            raise ActlabError(f"folder {str(path.parent)!r} is read-only")
    else:
        raise ActlabError(f"no database at {str(path)!r} (run `actlab sweep run` first)")


class Store:
    """An open sweep store. Use :meth:`open`; close with :meth:`close` or ``with``."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    @classmethod
    def open(cls, path: str | Path, write: bool = True) -> Store:
        """Open (``write``: create if missing) the store at ``path``; ``":memory:"`` works."""
        name = str(path)
        if name == ":memory:":
            conn = sqlite3.connect(":memory:", isolation_level=None)
            store = cls(conn, name)
            store._create()
            return store
        p = Path(path)
        _check_path(p, write)
        existed = p.exists() and p.stat().st_size > 0
        try:
            if write:
                conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            else:
                conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True,
                                       timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise ActlabError(f"cannot open database {name!r}: {exc}") from None
        store = cls(conn, name)
        try:
            store._check_schema(existed, write)
            if write:
                store._create()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise ActlabError(f"database {name!r} is unreadable or corrupt: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return store

    def _check_schema(self, existed: bool, write: bool) -> None:
        tables = {r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables:
                raise ActlabError(f"{self.path!r} is an SQLite database but not an actlab sweep "
                                  f"store (it has tables {', '.join(sorted(tables))})")
            if not write:
                raise ActlabError(f"{self.path!r} is an empty database, not a sweep store")
            return
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version is None:
            raise ActlabError(f"{self.path!r} has no valid schema version; not a sweep store")
        if version > SCHEMA_VERSION:
            raise ActlabError(f"{self.path!r} was written by a newer actlab (store schema "
                              f"{version}; this version reads {SCHEMA_VERSION}): upgrade actlab")
        if version < SCHEMA_VERSION:
            raise ActlabError(f"{self.path!r} has store schema {version}, which this actlab "
                              f"(schema {SCHEMA_VERSION}) cannot read")

    def _create(self) -> None:
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        with self.transaction():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self.conn.execute(statement)
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                              (str(SCHEMA_VERSION),))
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('curve_codec', ?)",
                              (CURVE_CODEC,))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> _Transaction:
        """``with store.transaction():`` — ``BEGIN IMMEDIATE`` … ``COMMIT`` (or rollback)."""
        return _Transaction(self.conn)

    # --------------------------------------------------------------------- writing
    def register(self, name: str, spec: dict[str, Any], taus: Sequence[float], epochs: int,
                 planned: Sequence[Any]) -> None:
        """Record sweep ``name`` and its grid (replacing an earlier grid of that name)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "spec = excluded.spec, taus = excluded.taus, epochs = excluded.epochs, "
                "runs = excluded.runs, updated = excluded.updated",
                (name, json.dumps(spec), json.dumps([float(t) for t in taus]), int(epochs),
                 len(planned), time.time()),
            )
            self.conn.execute("DELETE FROM sweep_runs WHERE sweep = ?", (name,))
            self.conn.executemany(
                "INSERT OR IGNORE INTO sweep_runs VALUES (?, ?, ?, ?)",
                ((name, r.key, r.ordinal, json.dumps(r.cell)) for r in planned),
            )

    def missing(self, planned: Sequence[Any], taus: Sequence[float], curves: bool) -> list[Any]:
        """The planned runs that must be trained.

        A stored run is reused when it has curves (if ``curves``) and a convergence epoch
        for every τ; a missing τ is computed from stored curves when there are some.
        """
        want = [str(float(t)) for t in taus]
        stored: dict[str, tuple[dict[str, Any], bytes | None]] = {}
        keys = [r.key for r in planned]
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            marks = ",".join("?" * len(part))
            for key, conv, test in self.conn.execute(
                    f"SELECT key, converged, test_loss FROM runs WHERE key IN ({marks})", part):
                stored[key] = (json.loads(conv), test)
        todo, updates = [], []
        for r in planned:
            hit = stored.get(r.key)
            if hit is None:
                todo.append(r)
                continue
            conv, test = hit
            if curves and test is None:
                todo.append(r)
                continue
            lacking = [t for t in want if t not in conv]
            if lacking:
                if test is None:
                    todo.append(r)
                    continue
                from actlab.experiments.stats import convergence_epoch

                curve = decode_curve(test)
                conv = {**conv, **{t: convergence_epoch(curve, float(t)) for t in lacking}}
                stored[r.key] = (conv, test)
                updates.append((json.dumps(conv), r.key))
        if updates:
            with self.transaction():
                self.conn.executemany("UPDATE runs SET converged = ? WHERE key = ?", updates)
        return list({r.key: r for r in todo}.values())

    def write(self, outcomes: Iterable[dict[str, Any]]) -> int:
        """Insert trained runs in one transaction; return how many rows were given.

        A run already stored (another process trained it too) keeps its row; missing
        curves or convergence epochs are filled in from the new one.
        """
        rows = [tuple(o[c] for c in RUN_COLUMNS) for o in outcomes]
        if not rows:
            return 0
        marks = ",".join("?" * len(RUN_COLUMNS))
        with self.transaction():
            self.conn.executemany(
                f"INSERT INTO runs VALUES ({marks}) ON CONFLICT(key) DO UPDATE SET "
                "converged = json_patch(excluded.converged, runs.converged), "
                "train_loss = coalesce(runs.train_loss, excluded.train_loss), "
                "test_loss = coalesce(runs.test_loss, excluded.test_loss)",
                rows,
            )
        return len(rows)

    # --------------------------------------------------------------------- reading
    def sweep_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sweeps ORDER BY name")]

    def status(self) -> list[dict[str, Any]]:
        """Per sweep: name, runs done, runs in the grid, epoch budget, last update."""
        out = []
        for name, total, epochs, updated in self.conn.execute(
                "SELECT name, runs, epochs, updated FROM sweeps ORDER BY name").fetchall():
            done = self.conn.execute(
                "SELECT count(*) FROM sweep_runs s JOIN runs r ON r.key = s.key "
                "WHERE s.sweep = ?", (name,)).fetchone()[0]
            out.append({"sweep": name, "done": int(done), "total": int(total),
                        "epochs": int(epochs), "updated": float(updated)})
        return out

    def rows(self, sweep: str | None = None, curves: bool = False) -> list[dict[str, Any]]:
        """Stored runs of ``sweep`` (every sweep if None), grid order; see ``sweep.load``."""
        names = self.sweep_names()
        if sweep is not None and sweep not in names:
            raise ActlabError(f"no sweep named {sweep!r} in {self.path!r}; it has: "
                              f"{', '.join(names) or 'none'}")
        taus = {n: json.loads(t) for n, t in self.conn.execute("SELECT name, taus FROM sweeps")}
        cols = ", ".join(f"r.{c}" for c in RUN_COLUMNS if curves or not c.endswith("_loss")
                         or c.startswith(("final", "best")))
        where = "WHERE s.sweep = ?" if sweep is not None else ""
        query = (f"SELECT s.sweep, s.cell, {cols} FROM sweep_runs s JOIN runs r ON r.key = s.key "
                 f"{where} ORDER BY s.sweep, s.ordinal")
        cursor = self.conn.execute(query, (sweep,) if sweep is not None else ())
        names_out = [d[0] for d in cursor.description]
        out = []
        for values in cursor:
            rec = dict(zip(names_out, values, strict=True))
            conv = json.loads(rec["converged"])
            row: dict[str, Any] = {
                "key": rec["key"],
                "sweep": rec["sweep"],
                "url": rec["url"],
                "seed": rec["seed"],
                "config": json.loads(rec["config"]),
                "epochs": rec["epochs"],
                "engine": rec["engine"],
                "converged": {str(float(t)): conv.get(str(float(t)))
                              for t in taus[rec["sweep"]]},
                "diverged_at": rec["diverged_at"],
                "final_train_loss": rec["final_train_loss"],
                "final_test_loss": rec["final_test_loss"],
                "best_train_loss": rec["best_train_loss"],
                "best_test_loss": rec["best_test_loss"],
                "dead_units": rec["dead_units"],
                "wall_time": rec["wall_time"],
            }
            for k, v in json.loads(rec["cell"]).items():
                row.setdefault(k, v)
            if curves:
                for c in ("train_loss", "test_loss"):
                    blob = rec[c]
                    row[c] = None if blob is None else decode_curve(blob).tolist()
            out.append(row)
        return out


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise ActlabError(f"cannot write the database: {exc}") from None
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as err:
                self.conn.execute("ROLLBACK")
                raise ActlabError(f"cannot write the database: {err}") from None
        else:
            self.conn.execute("ROLLBACK")
