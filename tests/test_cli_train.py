"""``actlab train``: URL replay, JSON output, plots, errors (exit 2, one line, no files)."""

from __future__ import annotations

import json

import pytest
from conftest import GOLDEN, require_golden

from actlab.cli import main


def golden(name: str) -> dict:
    require_golden()
    return json.loads((GOLDEN / "golden" / name).read_text())


def test_train_replays_a_playground_url(tmp_path, capsys):
    g = golden("02_circle_relu.json")
    out, fig = tmp_path / "run.json", tmp_path / "run.png"
    assert main(["train", "--url", g["url"], "--epochs", "300", "--json", str(out),
                 "--plot", str(fig), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert data["url"] == g["url"]
    assert data["config"]["activation"] == "relu" and data["diverged_at"] is None
    assert len(data["train_loss"]) == 301 and len(data["test_loss"]) == 301
    assert data["test_loss"][-1] == pytest.approx(g["loss_test"][-1], rel=1e-9)
    assert data["test_loss"][61] == pytest.approx(g["loss_test"][61], rel=1e-9)
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and fig.stat().st_size > 20_000
    assert "replay: https://playground.tensorflow.org/#activation=relu" in capsys.readouterr().out


def test_json_to_stdout_is_pure_json(capsys):
    assert main(["train", "--activation", "relu", "--epochs", "3", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["epochs"] == 3 and data["config"]["seed"] == "0.12345"


def test_flags_override_the_url(capsys):
    g = golden("02_circle_relu.json")
    assert main(["train", "--url", g["url"], "--activation", "leaky_relu",
                 "--activation-param", "negative_slope=0.05", "--dataset", "reg-gauss",
                 "--network-shape", "", "--epochs", "1", "--json", "-"]) == 0
    cfg = json.loads(capsys.readouterr().out)["config"]
    assert cfg["activation"] == "leaky_relu"
    assert cfg["activationParams"] == {"negative_slope": 0.05}
    assert cfg["problem"] == "regression" and cfg["regDataset"] == "reg-gauss"
    assert cfg["networkShape"] == [] and cfg["seed"] == "0.59704"


def test_divergence_is_reported(capsys):
    g = golden("44_regplane_tanh_lr3_diverge_nan.json")
    assert main(["train", "--url", g["url"], "--epochs", "10", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "diverged at epoch 5" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--activation", "rleu"], "unknown activation 'rleu'; did you mean 'relu'?"),
        (["--learning-rate", "0"], "--learning-rate must be a finite number > 0, got 0"),
        (["--batch-size", "0"], "--batch-size must be a whole number >= 1"),
        (["--network-shape", "4,x"], "--network-shape must be a list of whole numbers"),
        (["--dataset", "moons"], "--dataset must be one of"),
        (["--features", "x,z"], "--features: unknown feature 'z'"),
        (["--problem", "regression", "--dataset", "circle"], "classification dataset"),
        (["--url", ""], "--url is empty"),
        (["--batch-size", "400"], "larger than the 250 training points"),
        (["--batch-size", "True"], "--batch-size must be a whole number"),
        (["--epochs", "1000000000000"], "above the limit"),
        (["--epochs", "-3"], "--epochs must be >= 0"),
        (["--activation", "elu", "--activation-param", "alpha"], "KEY=VALUE"),
        (["--activation", "elu", "--activation-param", "beta=2"], "unknown parameter 'beta'"),
        (["--url", "nonsense"], "not a playground URL"),
        (["--plot", "out.gif"], "--plot must end in .png or .svg"),
        (["--json", "nowhere/run.json"], "does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(args, message, tmp_path,
                                                            capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["train", "--epochs", "2", "--plot", "p.png", "--json", "r.json", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_argparse_errors_are_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--epochs", "many"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_flags_are_never_abbreviated(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--learning", "0.1"])  # not --learning-rate
    assert info.value.code == 2
    assert "unrecognized arguments: --learning" in capsys.readouterr().err


class FakeClock:
    """``time.monotonic`` of :mod:`actlab.experiments.progress`, ``step`` s per reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


SWEEP_TOML = """name = "tiny"
epochs = 2
seeds = 2
[axes]
activation = ["relu"]
"""


@pytest.mark.parametrize("command", ["train", "compare", "sweep"])
@pytest.mark.parametrize("step", [0.0, 1.5])
def test_builds_longer_than_2_s_show_progress(command, step, tmp_path, capsys, monkeypatch):
    from actlab.experiments import progress

    monkeypatch.setattr(progress, "time", FakeClock(step))  # each reading: step s later
    argv = {
        "train": ["train", "--epochs", "2", "--seed", "0.4242-build"],
        "compare": ["compare", "--activations", "relu", "--seed-list", "0.4243-build",
                    "--epochs", "2"],
        "sweep": ["sweep", "run", str(tmp_path / "s.toml"), "--db",
                  str(tmp_path / "s.sqlite"), "--workers", "1"],
    }[command]
    (tmp_path / "s.toml").write_text(SWEEP_TOML)
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert ("building" in err) == (step > 0), err  # never for builds under 2 s
    if step:
        assert "(100%)" in err.split("building")[-1]


def test_build_line_on_a_terminal_is_erased_when_done(monkeypatch):
    import io

    from actlab.experiments import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(progress, "time", FakeClock(1.0))
    screen = Terminal()
    line = progress.BuildLine(stream=screen)
    for done in range(11):
        line(done, 10)
    text = screen.getvalue()
    assert "\rbuilding networks: 9/10 networks ( 90%)" in text
    assert text.endswith("\r\x1b[K") and "\n" not in text  # gone: the next line takes its place
    line(0, 1)  # a new build starts its own clock: silent again for 2 s
    assert screen.getvalue() == text


def test_a_network_too_large_for_memory_fails_at_once(capsys, monkeypatch):
    from actlab.playground import engine

    monkeypatch.setattr(engine, "physical_memory", lambda: 100_000)  # a 100 kB machine
    code = main(["train", "--no-limits", "--network-shape", "64,64", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == (
        "actlab train: error: 1 network of 4,288 weights needs at least 118 KiB of memory; "
        "this machine has 98 KiB: use fewer or smaller networks")


def test_a_string_activation_parameter_trains_and_replays(tmp_path, capsys):
    # web issue, problem 1: `--activation-param approximate=tanh` used to crash in to_hash
    out = tmp_path / "gelu.json"
    assert main(["train", "--activation", "gelu", "--activation-param", "approximate=tanh",
                 "--epochs", "3", "--json", str(out), "--quiet"]) == 0
    run = json.loads(out.read_text())
    assert "activationParams=approximate:tanh" in run["url"]
    assert "replay:" in capsys.readouterr().out
    again = tmp_path / "again.json"
    assert main(["train", "--url", run["url"], "--epochs", "3", "--json", str(again),
                 "--quiet"]) == 0
    assert json.loads(again.read_text())["test_loss"] == run["test_loss"]
