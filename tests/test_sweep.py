"""Sweeps: spec validation, run keys, the SQLite store, backends, resumption, the CLI."""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import actlab
from actlab import sweep
from actlab.cli import main
from actlab.errors import ActlabError
from actlab.experiments.stats import summarize
from actlab.playground import PlaygroundConfig, train_many
from actlab.sweep.spec import load_spec, run_key
from actlab.sweep.store import SCHEMA_VERSION, Store, decode_curve, encode_curve

SMALL = {
    "name": "small",
    "epochs": 30,
    "seeds": 3,
    "taus": [0.2, 0.1],
    "base": {"dataset": "xor", "network_shape": [3]},
    "axes": {"activation": ["relu", "leaky_relu:0.05"], "learning_rate": [0.1, 0.3]},
}
SMALL_TOML = """\
name = "small"
epochs = 30
seeds = 3
taus = [0.2, 0.1]
[base]
dataset = "xor"
network_shape = [3]
[axes]
activation = ["relu", "leaky_relu:0.05"]
learning_rate = [0.1, 0.3]
"""


def _env() -> dict[str, str]:
    src = str(Path(actlab.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _stable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in rows]


# ------------------------------------------------------------------------------ spec
def test_toml_and_dict_specs_give_the_same_grid(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(SMALL_TOML)
    a, b = load_spec(path), load_spec(SMALL)
    assert a.size == b.size == 2 * 2 * 3
    assert [r.key for r in a.runs()] == [r.key for r in b.runs()]
    first = a.runs()[0]
    assert first.cell == {"activation": "relu", "learning_rate": 0.1}
    assert first.config.dataset == "xor" and first.config.network_shape == (3,)
    assert a.runs()[6].config.activation_params == {"negative_slope": 0.05}
    assert a.seeds == ("0.00001", "0.00002", "0.00003")


@pytest.mark.parametrize(("body", "needle"), [
    ('name = "x"\nepochs = 10\nseeds = 2\n[axes]\nlearning_rate = [0.1, -1]\n',
     "line 5: axes.learning_rate: cell learning_rate=-1: learning_rate must be"),
    ('name = "x"\nepochs = 10\nseeds = 2\n[base]\nnoise = 80\n',
     "line 5: base.noise: noise must be a finite number in 0..50"),
    ('name = "x"\nepochs = 10\nseeds = 2\n[axes]\nactivation = ["relu", "nope"]\n',
     "line 5: axes.activation:"),
    ('name = "x"\nepochs = 10\nseeds = 2\n[axes]\nlearning = [1]\n',
     "line 5: axes.learning: not a config field; allowed:"),
    ('name = "x"\nepochs = 0\nseeds = 2\n', "line 2: epochs: required: a whole number"),
    ('name = "x"\nepochs = 5\nseeds = [1, 2]\n', "line 3: seeds:"),
    ('name = "x"\nepochs = 5\nseeds = 2\ncolour = 1\n', "line 4: colour: unknown key"),
    ('name = "x"\nepochs = 5\nseeds = 2\n[axes]\nnoise = [5, 5]\n', "listed twice"),
    ('name = "x"\nepochs = 5\nseeds = 2\n[axes]\nbatch_size = [1.5]\n',
     "batch_size must be a whole number"),
    ('name = "x"\nepochs = [5\n', "invalid TOML"),
])
def test_invalid_specs_name_the_key_and_line(tmp_path, body, needle):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ActlabError) as err:
        load_spec(path)
    message = str(err.value)
    assert needle in message and "\n" not in message


def test_formula_activations_in_a_spec_train_alike_everywhere(tmp_path):
    from actlab import activations

    spec = {**SMALL, "name": "formula", "epochs": 10, "seeds": 2,
            "formulas": {"cube_sw": "x*sigmoid(x)",
                         "swish_bb": {"formula": "x*sigmoid(beta*x)", "beta": 1.5}},
            "axes": {"activation": ["cube_sw", "swish_bb", "swish_bb:2"]}}
    try:
        serial = sweep.run(spec, tmp_path / "s.sqlite", workers=1)
        key = serial.rows[0]["key"]
        procs = sweep.run(spec, tmp_path / "p.sqlite", workers=2, chunk_size=1)
        assert serial.trained == procs.trained == 6
        assert _stable(sweep.load(tmp_path / "s.sqlite", curves=True)) == \
            _stable(sweep.load(tmp_path / "p.sqlite", curves=True))
        direct = train_many([PlaygroundConfig(activation="swish_bb", dataset="xor",
                                              network_shape=(3,),
                                              activation_params={"beta": 2.0},
                                              seed="0.00002")], 10)[0]
        assert serial.rows[5]["final_test_loss"] == direct.test_loss[-1]
        # the key is the formula's, not just its name's
        redefined = {**spec, "formulas": {**spec["formulas"], "cube_sw": "x*sigmoid(2*x)"}}
        assert load_spec(redefined).runs()[0].key != key
        with pytest.raises(ActlabError, match="formulas.bad"):
            load_spec({**spec, "formulas": {"bad": "__import__('os')"}})
    finally:
        for name in ("cube_sw", "swish_bb"):
            if name in activations.formulas():
                activations.undefine(name)


def test_run_key_identity():
    c = PlaygroundConfig(activation="relu", seed="0.5")
    assert run_key(c, 100) == run_key(c.replace(show_test_data=True), 100)  # display only
    assert run_key(c, 100) == run_key(c.replace(learning_rate=0.03), 100)  # default value
    assert len({run_key(c, 100), run_key(c, 101), run_key(c.replace(seed="0.6"), 100),
                run_key(c.replace(learning_rate=0.1), 100),
                run_key(c, 100, backend="numpy")}) == 5


# ------------------------------------------------------------------------------ store
def test_curve_codec_is_lossless():
    values = np.array([0.5, 1 / 3, 1e-300, 0.0, -0.0, math.inf, math.nan, 5e-324])
    back = decode_curve(encode_curve(values))
    assert back.tobytes() == values.astype("<f8").tobytes()


def test_rows_match_the_engine_and_resume_trains_nothing(tmp_path, monkeypatch):
    db = tmp_path / "r.sqlite"
    report = sweep.run(SMALL, db, workers=1)
    assert (report.trained, report.skipped, len(report.rows)) == (12, 0, 12)
    rows = sweep.load(db, curves=True)
    assert _stable(rows) == _stable(sweep.load(db, "small", curves=True))
    direct = train_many([PlaygroundConfig.from_dict(r["config"]) for r in rows], 30)
    for row, res in zip(rows, direct, strict=True):
        assert row["test_loss"] == res.test_loss.tolist()
        assert row["train_loss"] == res.train_loss.tolist()
        assert row["final_test_loss"] == res.test_loss[-1]
        assert row["url"] == res.url and row["epochs"] == 30
        conv = [e for e, v in enumerate(res.test_loss) if v <= 0.1]
        assert row["converged"]["0.1"] == (conv[0] if conv else None)
    assert rows[0]["activation"] == "relu" and rows[6]["activation"] == "leaky_relu:0.05"
    assert rows[0]["learning_rate"] == 0.1 and rows[3]["learning_rate"] == 0.3

    # nothing is trained again; adding an axis value trains only the new cells
    import actlab.sweep.backends as backends

    calls = []
    real = backends.train_chunk
    monkeypatch.setattr(backends, "train_chunk", lambda c, *rest: calls.append(c.size) or
                        real(c, *rest))
    again = sweep.run(SMALL, db, workers=1)
    assert (again.trained, again.skipped, calls) == (0, 12, [])
    bigger = {**SMALL, "axes": {**SMALL["axes"], "learning_rate": [0.1, 0.3, 1.0]}}
    more = sweep.run(bigger, db, workers=1)
    assert (more.trained, more.skipped, sum(calls)) == (6, 12, 6)
    assert len(sweep.load(db)) == 18
    # a new tau is computed from the stored curves, not retrained
    more_taus = sweep.run({**bigger, "taus": [0.2, 0.1, 0.05]}, db, workers=1)
    assert more_taus.trained == 0 and all("0.05" in r["converged"] for r in more_taus.rows)


def test_backends_and_chunkings_store_identical_results(tmp_path):
    spec = {**SMALL, "curves": True}
    ref = sweep.run(spec, tmp_path / "a.sqlite", workers=1)
    other = sweep.run(spec, tmp_path / "b.sqlite", workers=1, chunk_size=2)
    procs = sweep.run(spec, tmp_path / "c.sqlite", workers=2, chunk_size=5)
    a = _stable(sweep.load(tmp_path / "a.sqlite", curves=True))
    assert a == _stable(sweep.load(tmp_path / "b.sqlite", curves=True))
    assert a == _stable(sweep.load(tmp_path / "c.sqlite", curves=True))
    assert ref.trained == other.trained == procs.trained == 12


def test_run_all_trains_several_sweeps_in_one_stream_like_one_by_one(tmp_path):
    other = {**SMALL, "name": "other", "base": {"dataset": "circle", "network_shape": [2]},
             "axes": {"activation": ["tanh"], "learning_rate": [0.03]}}
    sweep.run(SMALL, tmp_path / "a.sqlite", workers=1)
    sweep.run(other, tmp_path / "a.sqlite", workers=1)
    reports = sweep.run_all([SMALL, other], tmp_path / "b.sqlite", workers=2, chunk_size=2)
    assert [r.name for r in reports] == ["small", "other"]
    assert [len(r.rows) for r in reports] == [12, 3] and reports[0].trained == 15
    assert _stable(sweep.load(tmp_path / "a.sqlite")) == _stable(sweep.load(tmp_path / "b.sqlite"))
    again = sweep.run_all([SMALL, other], tmp_path / "b.sqlite", workers=2)
    assert again[0].trained == 0 and again[0].skipped == 15
    with pytest.raises(ActlabError, match="names must differ"):
        sweep.run_all([SMALL, SMALL], tmp_path / "c.sqlite")


def test_store_refuses_what_it_cannot_use(tmp_path):
    newer = tmp_path / "newer.sqlite"
    Store.open(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE name = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    with pytest.raises(ActlabError, match="newer actlab"):
        Store.open(newer)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(ActlabError, match="not an actlab sweep store"):
        Store.open(foreign)
    with pytest.raises(ActlabError, match="no database"):
        sweep.load(tmp_path / "missing.sqlite")
    empty = tmp_path / "empty.sqlite"
    Store.open(empty).close()
    with pytest.raises(ActlabError, match="no sweep named"):
        sweep.load(empty, "nope")


@pytest.mark.parametrize("kind", ["readonly", "folder", "not-sqlite", "bad-spec"])
def test_cli_bad_db_or_spec_one_line_exit_2_db_untouched(tmp_path, capsys, kind):
    spec = tmp_path / "s.toml"
    spec.write_text(SMALL_TOML.replace("epochs = 30", "epochs = 5"))
    db = tmp_path / "db.sqlite"
    if kind == "readonly":
        assert main(["sweep", "run", str(spec), "--db", str(db), "--workers", "1",
                     "--quiet"]) == 0
        db.chmod(0o444)
    elif kind == "folder":
        db.mkdir()
    elif kind == "not-sqlite":
        db.write_text("hello, I am not a database\n")
    else:
        spec.write_text("name = 'x'\nepochs = 10\nseeds = 2\n[axes]\nnoise = [1, 99]\n")
        db.write_bytes(b"")
    before = _digest(db) if db.is_file() else None
    capsys.readouterr()
    code = main(["sweep", "run", str(spec), "--db", str(db), "--workers", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "error:" in err, err
    if before is not None:
        assert _digest(db) == before
    if kind == "bad-spec":
        assert "line 5: axes.noise" in err


def test_cli_status_summary_export_plot(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(SMALL_TOML)
    db = str(tmp_path / "r.sqlite")
    assert main(["sweep", "run", str(spec), "--db", db, "--workers", "1", "--quiet"]) == 0
    assert "12/12 runs stored" in capsys.readouterr().out
    assert main(["sweep", "status", "--db", db]) == 0
    assert "small  12/12 runs  30 epochs  done" in capsys.readouterr().out
    assert main(["sweep", "summary", "--db", db, "--by", "activation", "--tau", "0.2",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = sweep.load(db)
    for g in out["groups"]:
        mine = [r["converged"]["0.2"] for r in rows if r["activation"] == g["activation"]]
        expect = summarize(mine, 30, diverged=0).to_dict()
        assert {k: g[k] for k in expect} == expect
    assert main(["sweep", "summary", "--db", db, "--by", "activation,learning_rate"]) == 0
    text = capsys.readouterr().out
    assert "leaky_relu:0.05  0.3" in text and "median (τ=0.1)" in text
    out_json = tmp_path / "e.json"
    assert main(["sweep", "export", "--db", db, "--json", str(out_json), "--curves"]) == 0
    data = json.loads(out_json.read_text())
    assert len(data) == 12 and len(data[0]["test_loss"]) == 31
    assert set(data[0]) >= {"url", "seed", "config", "converged", "diverged_at",
                            "final_train_loss", "final_test_loss", "train_loss"}
    capsys.readouterr()
    assert main(["sweep", "export", "--db", db, "--json", "-"]) == 0  # standard output
    listed = json.loads(capsys.readouterr().out)
    assert [r["key"] for r in listed] == [r["key"] for r in data]
    assert all({"learning_rate", "activation", "seed", "url"} <= set(r) for r in listed)
    assert main(["sweep", "export", "--db", db, "--csv", str(tmp_path / "e.csv")]) == 0
    lines = (tmp_path / "e.csv").read_text().splitlines()
    assert len(lines) == 13 and lines[0].startswith("sweep,key,seed,activation,learning_rate")
    assert main(["sweep", "plot", "--db", db, "--by", "activation,learning_rate",
                 "--tau", "0.2", "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["sweep", "summary", "--db", db, "--tau", "0.03"]) == 2
    assert "tau 0.03 was not recorded" in capsys.readouterr().err


def test_compare_runs_on_the_sweep_machinery_and_resumes(tmp_path, monkeypatch):
    from actlab.experiments.compare import compare

    base = PlaygroundConfig(dataset="gauss")
    db = tmp_path / "c.sqlite"
    first = compare(base, ["relu", "tanh"], ["0.1", "0.2"], epochs=20, threshold=0.05, db=db)
    plain = compare(base, ["relu", "tanh"], ["0.1", "0.2"], epochs=20, threshold=0.05)
    assert np.array_equal(first.test_loss["relu"], plain.test_loss["relu"])
    direct = train_many([PlaygroundConfig(dataset="gauss", activation="tanh", seed="0.2")], 20)
    assert np.array_equal(first.test_loss["tanh"][1], direct[0].test_loss)
    import actlab.sweep.backends as backends

    monkeypatch.setattr(backends, "train_chunk", lambda *a, **k: pytest.fail("retrained"))
    again = compare(base, ["relu", "tanh"], ["0.1", "0.2"], epochs=20, threshold=0.05, db=db)
    assert again.to_dict()["runs"] == first.to_dict()["runs"]
    assert len(sweep.load(db)) == 4


# ------------------------------------------------------------------------------ processes
KILL_TOML = """\
name = "kill"
epochs = 300
seeds = 8
taus = [0.1, 0.01]
[base]
dataset = "circle"
network_shape = [4, 2]
[axes]
activation = ["relu", "tanh"]
"""


def _sweep_cmd(spec: Path, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "actlab", "sweep", "run", str(spec), "--db", str(db),
            "--quiet", *extra]


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_then_resume_gives_the_uninterrupted_export(tmp_path):
    spec = tmp_path / "kill.toml"
    spec.write_text(KILL_TOML)
    db = tmp_path / "k.sqlite"
    proc = subprocess.Popen(_sweep_cmd(spec, db, "--workers", "1", "--chunk-size", "1"),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _count(db) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    partial = _count(db)
    assert 0 < partial < 16, partial  # killed mid-sweep, with runs already committed
    done = subprocess.run(_sweep_cmd(spec, db, "--workers", "1"), env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"already stored {partial}" in done.stdout
    ref = tmp_path / "ref.sqlite"
    sweep.run(spec, ref, workers=1)
    out_a, out_b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["sweep", "export", "--db", str(db), "--json", str(out_a), "--curves"]) == 0
    assert main(["sweep", "export", "--db", str(ref), "--json", str(out_b), "--curves"]) == 0
    assert out_a.read_text() == out_b.read_text()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT key) FROM runs").fetchone() \
            == (16, 16)
        assert conn.execute("SELECT count(*) FROM sweep_runs").fetchone()[0] == 16


def test_two_concurrent_runs_on_one_db(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SMALL_TOML.replace("seeds = 3", "seeds = 8"))
    db = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen(_sweep_cmd(spec, db, "--workers", "1", "--chunk-size", "2"),
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "locked" not in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT key) FROM runs").fetchone() \
            == (32, 32)
        assert conn.execute("SELECT count(*) FROM sweep_runs").fetchone()[0] == 32
    ref = tmp_path / "ref.sqlite"
    sweep.run(spec, ref, workers=1)
    assert _stable(sweep.load(db, curves=True)) == _stable(sweep.load(ref, curves=True))


def test_csv_data_axis_trains_on_every_backend_alike(tmp_path):
    rng = np.random.default_rng(7)
    for name in ("a", "b"):
        xy = rng.uniform(-1, 1, size=(40, 2))
        label = np.where(xy[:, 0] * xy[:, 1] > 0, 1, -1)
        lines = ["x,y,label", *(f"{x:.6f},{y:.6f},{c}"
                                for (x, y), c in zip(xy, label, strict=True))]
        (tmp_path / f"{name}.csv").write_text("\n".join(lines) + "\n")
    spec = tmp_path / "d.toml"
    spec.write_text('name = "csv"\nepochs = 15\nseeds = 2\n[base]\nnetwork_shape = [3]\n'
                    '[axes]\ndata = ["a.csv", "b.csv", "none"]\n')
    serial = sweep.run(spec, tmp_path / "s.sqlite", workers=1)
    procs = sweep.run(spec, tmp_path / "p.sqlite", workers=2, chunk_size=1)
    assert serial.trained == procs.trained == 6
    rows = sweep.load(tmp_path / "s.sqlite", curves=True)
    assert [r["data"] for r in rows] == ["a.csv"] * 2 + ["b.csv"] * 2 + [None] * 2
    assert rows[0]["config"] != rows[2]["config"] and rows[0]["key"] != rows[2]["key"]
    assert _stable(rows) == _stable(sweep.load(tmp_path / "p.sqlite", curves=True))
    spec.write_text('name = "csv"\nepochs = 15\nseeds = 2\n[axes]\ndata = ["c.csv"]\n')
    with pytest.raises(ActlabError, match=r"line 5: axes.data: no CSV file at"):
        load_spec(spec)


def test_the_example_spec_is_valid():
    spec = load_spec(Path(__file__).resolve().parents[1] / "examples" / "lr-scan.toml")
    assert spec.size == 4 * 5 * 2 * 100 and spec.epochs == 2000


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_workers_end_when_the_driver_is_killed(tmp_path):
    spec = tmp_path / "kill.toml"
    spec.write_text(KILL_TOML.replace("epochs = 300", "epochs = 3000"))
    proc = subprocess.Popen(_sweep_cmd(spec, tmp_path / "w.sqlite", "--workers", "2",
                                       "--chunk-size", "2"),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    workers: list[int] = []
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = [p for p in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(workers) == 2, "worker processes did not start"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    orphans = [p for p in workers if _alive(p)]
    for p in orphans:  # never leave them behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not orphans, "orphaned workers kept running"
