"""The bad-input and fault catalogue: inputs × commands, bad paths, full and read-only
disks, signals, closed pipes, leftovers of killed runs, and the Python API.

Every bad case must end with exit code 2, exactly one line on stderr, no traceback, and no
file written; every fault must end cleanly (no traceback, no hang, no partial file).
Commands run in-process (``actlab.cli.main``) unless a real process is the point (signals,
pipes, /dev/full); those have a timeout, so a hang fails instead of blocking CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, require_mount
from fieldcases import CASES, cli_args

from actlab.cli import main
from actlab.errors import ActlabError
from actlab.outputs import TMP_PREFIX, Outputs, check_output, check_output_dir
from actlab.playground import PlaygroundConfig, Trainer, train, train_many

FAST = ["--epochs", "1", "--backend", "numpy", "--quiet"]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _bad(capsys, root: Path, argv: list[str], needle: str = "") -> str:
    """Run ``argv`` in-process: exit 2, one stderr line naming the problem, no new file."""
    before = _files(root)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert needle in err, err
    assert _files(root) == before, argv
    return err


# ---------------------------------------------------------------------------- inputs
BAD_CONFIG = [c for c in CASES if not c.ok and cli_args(c) is not None]


@pytest.mark.parametrize("case", BAD_CONFIG, ids=str)
def test_every_bad_config_value_fails_train_cleanly(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _bad(capsys, tmp_path, ["train", *cli_args(case), *FAST, "--json", "r.json",
                            "--plot", "r.png"])


@pytest.mark.parametrize(
    "case", [c for c in BAD_CONFIG if not c.field.startswith("activation")], ids=str)
def test_every_bad_config_value_fails_compare_cleanly(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _bad(capsys, tmp_path, ["compare", *cli_args(case), "--seeds", "1", *FAST,
                            "--json", "c.json", "--plot", "c.png"])


SILENT = [  # used to be accepted and silently do something else
    (["train", "--problem", "regression", "--dataset", "circle"], "classification dataset"),
    (["train", "--batch-size", "300"], "larger than the 250 training points"),
    (["train", "--url", ""], "--url is empty"),
    (["train", "--url", " \t"], "--url is empty"),
    (["train", "--json", ""], "--json is empty"),
    (["train", "--plot", ""], "--plot is empty"),
    (["train", "--batch-size", "True"], "--batch-size must be a whole number"),
    (["train", "--epochs", str(10**12)], "above the limit"),
    (["train", "--network-shape", "100000,100000"], "above the limit"),
    (["train", "--network-shape", ",".join(["2"] * 33)], "above the limit"),
    (["train", "--data", "x.csv", "--dataset", "xor"], "exclude each other"),
    (["compare", "--seed", "0.7"], "--seed is not used"),
    (["compare", "--seeds", "99999"], "above the limit of 1,000"),
    (["compare", "--epochs", str(10**9)], "above the limit"),
    (["plot", "relu", "--out", ""], "--out is empty"),
    (["plot", "seed", "--out", ""], "--out is empty"),
    (["reproduce", "--out", ""], "--out is empty"),
    (["train", "--learning"], "unrecognized arguments"),  # no abbreviations
    (["plot", "relu", "--xlim", "1", "-1e6", "--out", "a.png"], "xlim"),
]


@pytest.mark.parametrize("argv, needle", SILENT, ids=[" ".join(a)[:40] for a, _ in SILENT])
def test_formerly_silent_cases_are_errors(argv, needle, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = FAST if argv[0] in ("train", "compare") and "--epochs" not in argv else []
    _bad(capsys, tmp_path, [*argv, *extra])


def test_negative_exponents_are_numbers_not_options(tmp_path, capsys):
    assert main(["plot", "relu", "--xlim", "-1e6", "1e6", "--out", str(tmp_path / "a.png")]) == 0
    assert (tmp_path / "a.png").exists()


# ---------------------------------------------------------------------------- paths
def _path_cases(tmp: Path) -> list[tuple[str, str]]:
    (tmp / "afile").write_text("x")
    (tmp / "adir.json").mkdir()
    (tmp / "adir.png").mkdir()
    long = "x" * 300
    return [
        ("adir.json", "is a folder"),
        ("adir.png", "is a folder"),
        ("afile/out.json", "is a file, not a folder"),
        ("missing/out.json", "does not exist"),
        (f"{long}.json", "bytes long"),
        ("out.txt", "must end in"),
    ]


COMMANDS = {
    "train --json": lambda p: ["train", *FAST, "--json", p],
    "train --plot": lambda p: ["train", *FAST, "--plot", p.replace(".json", ".png")],
    "compare --json": lambda p: ["compare", "--seeds", "1", *FAST, "--json", p],
    "compare --plot": lambda p: ["compare", "--seeds", "1", *FAST, "--plot",
                                 p.replace(".json", ".png")],
    "plot --out": lambda p: ["plot", "relu", "--out", p.replace(".json", ".svg")],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_output_paths_fail_before_any_work(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path, needle in _path_cases(tmp_path):
        if (command == "plot --out" and path == "adir.json") or (
                command.endswith("--json") and path == "adir.png"):
            continue  # the command turns it into another suffix / rejects the suffix
        if path == "out.txt":
            needle = "must end in"
        _bad(capsys, tmp_path, COMMANDS[command](path), needle)


@pytest.mark.parametrize("argv", [["plot", "seed", "--out"], ["reproduce", "--quick", "--out"]])
def test_bad_output_folders(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    _bad(capsys, tmp_path, [*argv, "afile"], "must be a folder")
    _bad(capsys, tmp_path, [*argv, "afile/sub"], "is a file, not a folder")
    _bad(capsys, tmp_path, [*argv, "y" * 300], "bytes long")


@pytest.fixture
def mount(tmp_path):
    mounter = require_mount()
    mounted = []

    def do(name: str, *options: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        try:
            mounter(path, *options)
        except subprocess.CalledProcessError as exc:
            from conftest import _missing

            _missing(f"mounting a tmpfs ({exc.stderr.decode().strip()})")
        mounted.append(path)
        return path

    yield do
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


ALL_OUTPUTS = [
    lambda d: ["train", *FAST, "--json", f"{d}/r.json", "--plot", f"{d}/r.png"],
    lambda d: ["compare", "--seeds", "1", *FAST, "--json", f"{d}/c.json"],
    lambda d: ["plot", "relu", "--out", f"{d}/a.png"],
    lambda d: ["plot", "seed", "--out", f"{d}/figs"],
    lambda d: ["reproduce", "--quick", "--out", f"{d}/report"],
]


def test_read_only_disk_is_found_before_any_work(mount, capsys):
    ro = mount("ro", "ro")
    for argv in ALL_OUTPUTS:
        _bad(capsys, ro, argv(ro), "Read-only file system")


def test_full_disk_is_found_before_any_work(mount, capsys):
    full = mount("full")
    with open(full / "filler", "wb") as fh, pytest.raises(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    for argv in ALL_OUTPUTS:
        _bad(capsys, full, argv(full), "No space left on device")


def test_a_disk_that_fills_during_the_write_leaves_nothing(mount, tmp_path, monkeypatch):
    small = mount("small")
    big = "x" * 400_000  # more than the 256 KiB disk: fails while writing
    out = Outputs()
    with pytest.raises(ActlabError, match="No space left"), out:
        out.write_text(small / "a.json", "{}")
        out.write_text(small / "b.json", big)
    assert _files(small) == []


# ---------------------------------------------------------------------------- atomicity
def test_outputs_appear_together_or_not_at_all(tmp_path):
    (tmp_path / "keep.json").write_text("old")
    with pytest.raises(KeyboardInterrupt), Outputs() as out:
        out.write_text(tmp_path / "keep.json", "new")
        out.write_text(tmp_path / "sub" / "b.json", "new")
        raise KeyboardInterrupt
    assert _files(tmp_path) == ["keep.json"] and (tmp_path / "keep.json").read_text() == "old"
    with Outputs() as out:
        out.write_text(tmp_path / "keep.json", "new")
        out.write_text(tmp_path / "sub" / "b.json", "new")
    assert _files(tmp_path) == ["keep.json", "sub", "sub/b.json"]


def test_a_failed_rename_restores_the_earlier_files(tmp_path, monkeypatch):
    (tmp_path / "a.json").write_text("old a")
    out = Outputs()
    out.write_text(tmp_path / "a.json", "new a")
    out.write_text(tmp_path / "b.json", "new b")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if str(dst).endswith("b.json"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(ActlabError, match="No space left"):
        out.commit()
    monkeypatch.setattr(os, "replace", real)
    assert _files(tmp_path) == ["a.json"] and (tmp_path / "a.json").read_text() == "old a"


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    leftover = tmp_path / f"{TMP_PREFIX}{dead}-abcd.json"
    leftover.write_text("half")
    mine = tmp_path / f"{TMP_PREFIX}{os.getpid()}-live.json"  # a running process's: kept
    mine.write_text("busy")
    with Outputs() as out:
        out.write_text(tmp_path / "r.json", "{}")
    assert not leftover.exists() and mine.exists()


def test_reproduce_replaces_only_its_own_files(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from actlab.experiments import report
    from actlab.experiments import reproduce as R

    out = tmp_path / "report"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "mine.png").write_text("the user's")
    (out / "notes.txt").write_text("the user's")
    (out / "claims.json").write_text("old")
    monkeypatch.setattr(report, "figures", lambda rep: {"f": b"png"})
    monkeypatch.setattr(report, "render_html", lambda rep, figs: "<html></html>")
    monkeypatch.setattr(R, "claims_document", lambda rep: {"claims": []})
    monkeypatch.setattr(R, "measurements", lambda rep: {})
    files = R.write(SimpleNamespace(timings={}), out, stream=open(os.devnull, "w"))
    assert sorted(str(f.relative_to(out)) for f in files) == [
        "claims.json", "figures/f.png", "measurements.json", "report.html"]
    assert (out / "figures" / "mine.png").read_text() == "the user's"
    assert (out / "notes.txt").read_text() == "the user's"
    assert (out / "claims.json").read_text() != "old"
    assert not [p for p in out.rglob(f"{TMP_PREFIX}*")]


def test_check_output_accepts_good_paths(tmp_path):
    assert check_output(tmp_path / "x.json", suffixes=(".json",)) == tmp_path / "x.json"
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert _files(tmp_path) == []  # checking writes nothing


def _disk(monkeypatch, free: int, min_free: int | None = None) -> None:
    """Every disk has ``free`` bytes free (``shutil.disk_usage``), no tmpfs needed."""
    import shutil
    from types import SimpleNamespace

    from actlab import outputs

    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: SimpleNamespace(total=1 << 40, used=0, free=free))
    if min_free is not None:
        monkeypatch.setattr(outputs, "MIN_FREE_BYTES", min_free)


def test_free_space_is_checked_against_the_estimated_size(tmp_path, monkeypatch):
    from actlab.outputs import check_space

    _disk(monkeypatch, 2 << 20)  # 2 MiB free
    target = tmp_path / "x.json"
    assert check_output(target, size=3 << 19) == target  # 1.5 MiB fits
    assert check_output_dir(tmp_path / "d", size=0) == tmp_path / "d"
    check_space(tmp_path / "new" / "store.sqlite", 2 << 20)
    message = (f"cannot write output {str(target)!r}: it needs at least 3.0 MiB and only "
               "2.0 MiB are free on that disk")
    with pytest.raises(ActlabError, match="^" + message.replace("(", r"\(") + "$"):
        check_output(target, size=3 << 20)
    with pytest.raises(ActlabError, match="needs at least 3.0 MiB and only 2.0 MiB"):
        check_output_dir(tmp_path / "d", size=3 << 20)
    with pytest.raises(ActlabError, match="^cannot write database .*store.sqlite'.* 2.0 MiB"):
        check_space(tmp_path / "new" / "store.sqlite", 3 << 20, what="database")
    assert _files(tmp_path) == []


def test_outputs_too_big_for_the_disk_fail_before_training(tmp_path, capsys, monkeypatch):
    _disk(monkeypatch, 100_000, min_free=0)  # 98 KiB free, nothing else in the way
    # 10,000 epochs: two curves of 10,001 numbers, at least 7 bytes each in the JSON
    err = _bad(capsys, tmp_path, ["train", "--epochs", "10000", "--quiet", "--json",
                                  f"{tmp_path}/r.json"], "--json")
    assert "needs at least 137 KiB and only 98 KiB are free on that disk" in err
    _disk(monkeypatch, 1_000, min_free=0)  # compare's JSON: a URL for each of 3 × 3 runs
    _bad(capsys, tmp_path, ["compare", "--seeds", "3", *FAST, "--json", f"{tmp_path}/c.json"],
         "needs at least 3.5 KiB")
    from actlab.experiments.reproduce import check_out_dir

    _disk(monkeypatch, 1_100_000)  # above MIN_FREE_BYTES, below a report's size
    with pytest.raises(ActlabError, match="--out .* needs at least 1.4 MiB and only 1.0 MiB"):
        check_out_dir(tmp_path / "report")


def test_a_sweep_store_too_big_for_the_disk_fails_before_training(tmp_path, capsys,
                                                                  monkeypatch):
    from actlab.sweep.store import Store

    spec, db = tmp_path / "s.toml", tmp_path / "s.sqlite"
    spec.write_text('name = "big"\nepochs = 1000\nseeds = 8\ncurves = true\n'
                    '[axes]\nactivation = ["relu"]\n')
    _disk(monkeypatch, 100_000, min_free=0)  # 8 runs × 2 curves × 1001 epochs × 8 bytes
    assert main(["sweep", "run", str(spec), "--db", str(db), "--workers", "1",
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot write database {str(db)!r}: it needs at least 128 KiB" in err, err
    with Store.open(db, write=False) as store:
        assert store.rows() == []  # nothing trained


# ---------------------------------------------------------------------------- processes
def _actlab(*argv: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen([sys.executable, "-m", "actlab", *argv], env=env,
                            stderr=subprocess.PIPE, **kw)


def test_sigterm_during_training_leaves_no_files(tmp_path):
    proc = _actlab("train", "--epochs", "200000", "--backend", "numpy", "--json",
                   str(tmp_path / "r.json"), "--plot", str(tmp_path / "r.png"),
                   stdout=subprocess.DEVNULL)
    line = proc.stderr.readline()  # the first progress line: training has started
    assert b"epoch" in line, line
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "terminated"
    assert _files(tmp_path) == []


def test_closed_pipe_and_full_stdout(tmp_path):
    # `actlab train ... | head`: the reader is gone before anything is printed
    proc = _actlab("train", "--epochs", "2", "--quiet", "--json", str(tmp_path / "r.json"),
                   stdout=subprocess.PIPE)
    proc.stdout.close()
    err = proc.communicate(timeout=120)[1].decode()
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert (tmp_path / "r.json").exists()  # the file was written before the printing
    # `> /dev/full`
    if not Path("/dev/full").exists():
        return
    with open("/dev/full", "w") as full:
        proc = _actlab("train", "--epochs", "2", "--quiet", stdout=full)
        err = proc.communicate(timeout=120)[1].decode()
    assert proc.returncode == 2 and err.count("\n") == 1, err
    assert "No space left on device" in err


# ---------------------------------------------------------------------------- API
API = [
    (lambda: train("relu", 5), "config must be a PlaygroundConfig"),
    (lambda: train_many(PlaygroundConfig(), 5), None),  # one config is fine
    (lambda: train_many([PlaygroundConfig()], 5.5), "epochs must be a whole number"),
    (lambda: train(PlaygroundConfig(), epochs=True), "epochs must be a whole number"),
    (lambda: train_many(["relu"], 5), "must hold PlaygroundConfig objects"),
    (lambda: train_many(5, 5), "configs must be a PlaygroundConfig or a list"),
    (lambda: PlaygroundConfig(network_shape=None), "network_shape must be"),
    (lambda: PlaygroundConfig(batch_size=np.int64(10)), None),
    (lambda: PlaygroundConfig(regularization="none"), None),
    (lambda: hash(PlaygroundConfig(activation="elu", activation_params={"alpha": 2})), None),
    (lambda: Trainer(PlaygroundConfig()).step(1.5), "epochs must be a whole number"),
    (lambda: Trainer(PlaygroundConfig()).step(True), "epochs must be a whole number"),
    (lambda: Trainer(PlaygroundConfig()).result(5), "k must be a whole number in 0..0"),
    (lambda: Trainer(PlaygroundConfig()).run(10, chunk=0), "chunk must be a whole number"),
    (lambda: Trainer(PlaygroundConfig()).run(10, progress=5), "progress must be callable"),
    (lambda: Trainer(PlaygroundConfig(), backend=3), "backend must be"),
    (lambda: Trainer([]), "at least one config"),
    (lambda: Trainer(PlaygroundConfig()).run(10**12), "above the limit"),
    (lambda: Trainer([PlaygroundConfig()] * 10_001), "above the limit"),
    (lambda: PlaygroundConfig.from_url(5), "must be a string"),
    (lambda: PlaygroundConfig.from_dict([]), "needs a dict"),
    (lambda: PlaygroundConfig.from_url("#" + "a=1&" * 5000), "at most"),
]


@pytest.mark.parametrize("call, needle", API, ids=[str(i) for i in range(len(API))])
def test_api_arguments_raise_actlab_error_naming_them(call, needle):
    if needle is None:
        call()
        return
    with pytest.raises(ActlabError, match=needle) as info:
        call()
    assert "\n" not in str(info.value)


def test_classification_runs_that_blow_up_are_flagged():
    cfg = PlaygroundConfig(learning_rate=10, seed="0.3", network_shape=(4, 2))
    run = train(cfg, 50)
    assert run.diverged_at is None  # the tanh output keeps the loss finite...
    assert "above the untrained loss" in run.divergence  # ...but the run is flagged
    assert run.to_dict()["divergence"] == run.divergence
    assert train(PlaygroundConfig(seed="0.3"), 50).divergence is None
    tr = Trainer(PlaygroundConfig(seed="0.3"))
    tr.step(2)
    tr.state.weights[0][0, 0, 0] = 1e9  # weights that exploded while the loss stays finite
    tr.step(1)
    assert tr.result(0).exploded_at == 3 and "weights exceeded" in tr.result(0).divergence


def test_no_runtime_warnings_leak(tmp_path, capfd):
    started = time.perf_counter()
    assert main(["train", "--learning-rate", "10", "--epochs", "100", "--backend", "numpy",
                 "--quiet"]) == 0
    err = capfd.readouterr().err
    assert "RuntimeWarning" not in err and time.perf_counter() > started
