"""``--data`` on ``actlab train`` and ``actlab compare``: end to end, replay, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab.cli import main
from actlab.playground.datasets import generate
from actlab.playground.rng import SeedRandom


@pytest.fixture
def xor_csv(tmp_path):
    """The playground's xor points, stretched and shifted, with text labels."""
    d = generate("xor", "classification", 0, 50, SeedRandom("0.3"))
    xy = np.concatenate([d.train_xy, d.test_xy]) * 10 + 3
    labels = np.concatenate([d.train_labels, d.test_labels])
    path = tmp_path / "my.csv"
    path.write_text("u,v,label\n" + "".join(
        f"{a!r},{b!r},{'pos' if c > 0 else 'neg'}\n"
        for (a, b), c in zip(xy.tolist(), labels, strict=True)))
    return path


def test_train_data_epochs_200_plot_end_to_end(xor_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--data", "my.csv", "--epochs", "200", "--plot", "run.png",
                 "--json", "run.json", "--activation", "relu", "--network-shape", "8,4",
                 "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "data my.csv: 500 rows, 2 inputs (u, v; each scaled linearly" in out
    assert "'neg' -> -1, 'pos' -> +1" in out and "sha256 " in out
    assert "actlab needs the file to replay it" in err
    png = (tmp_path / "run.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["dataPath"] == "my.csv" and run["config"]["dataColumns"] == ["u", "v"]
    assert run["test_loss"][-1] < 0.05 < run["test_loss"][0]
    # the URL printed replays the run (the file is where the URL says)
    url = next(line for line in out.splitlines() if line.startswith("replay: "))[8:]
    assert main(["train", "--url", url, "--epochs", "200", "--json", "-"]) == 0
    again = json.loads(capsys.readouterr().out)
    # equal to the last bits at most: on a cold kernel cache (a fresh clone) backend 'auto'
    # trains on NumPy until the kernel is compiled, so the two runs may switch at other epochs
    np.testing.assert_allclose(again["test_loss"], run["test_loss"], rtol=1e-12, atol=0)


def test_more_columns_plot_loss_curves(tmp_path, capsys):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 4))
    y = np.tanh(x[:, 0] - x[:, 3])
    path = tmp_path / "four.csv"
    path.write_text("a,b,c,d,label\n" + "".join(
        ",".join(map(repr, r)) + f",{t!r}\n" for r, t in zip(x.tolist(), y.tolist(),
                                                              strict=True)))
    png = tmp_path / "four.svg"
    assert main(["train", "--data", str(path), "--epochs", "30", "--plot", str(png),
                 "--network-shape", "3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "4 inputs" in out and "regression" in out and "one input node per column" in out
    assert png.read_text().count("<svg") == 1 and "Loss" in png.read_text()


def test_compare_on_csv_data(xor_csv, capsys):
    assert main(["compare", "--data", str(xor_csv), "--activations", "relu,tanh",
                 "--seeds", "2", "--epochs", "30", "--threshold", "0.2", "--quiet",
                 "--network-shape", "4"]) == 0
    out = capsys.readouterr().out
    assert "data my.csv: 500 rows" in out
    assert "median relu run:" in out and "dataPath=" in out


@pytest.mark.parametrize("extra, text, needle", [
    ([], "u,v,label\n1,2,1\n3,x,-1\n", "my.csv, line 3, column 2 (v): 'x' is not a number"),
    ([], "u,v,label\n1,2,1\n3,4,1\n", "one class only"),
    (["--dataset", "xor"], "u,v,label\n1,2,1\n3,4,-1\n", "--data and --dataset exclude"),
    (["--features", "x,sinX"], "a,b,c,label\n1,2,3,1\n3,4,5,-1\n", "two-input data only"),
])
def test_data_errors_exit_2_one_line_no_files(tmp_path, capsys, monkeypatch, extra, text,
                                              needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my.csv").write_text(text)
    code = main(["train", "--data", "my.csv", "--epochs", "2", "--plot", "p.png",
                 "--json", "r.json", *extra])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my.csv"]


def test_no_scale_needs_data(capsys):
    assert main(["train", "--no-scale", "--epochs", "1"]) == 2
    assert "--no-scale applies to --data only" in capsys.readouterr().err


def test_problem_flag_forces_the_reading(tmp_path, capsys):
    path = tmp_path / "zero_one.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(20)))
    assert main(["train", "--data", str(path), "--problem", "regression", "--epochs", "2",
                 "--json", "-"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["config"]["problem"] == "regression"
