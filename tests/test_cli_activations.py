"""``actlab plot`` and ``actlab table``: outputs, and one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest

from actlab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plot_seed(tmp_path, capsys):
    code, out, err = run(capsys, "plot", "seed", "--out", str(tmp_path))
    assert code == 0 and err == ""
    assert out.split() == [str(tmp_path / "sigmoid_vs_relu.png"),
                           str(tmp_path / "relu_vs_leaky_relu.png")]  # fmt: skip
    assert all((tmp_path / n).stat().st_size > 0 for n in ("sigmoid_vs_relu.png",))


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_names_with_params_and_derivative(tmp_path, capsys, suffix):
    target = tmp_path / f"fig.{suffix}"
    code, out, _ = run(capsys, "plot", "relu", "leaky_relu", "--param",
                       "leaky_relu.negative_slope=0.05", "--derivative", "--xlim", "-3", "3",
                       "--ylim", "-1", "3", "--out", str(target))  # fmt: skip
    assert code == 0 and out.strip() == str(target) and target.stat().st_size > 1000
    if suffix == "svg":
        assert "leaky_relu(negative_slope=0.05)" in target.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rleu"], "unknown activation 'rleu'; did you mean 'relu'? (known: linear, sigmoid, "),
        (["relu", "--param", "relu.alpha=1"], "relu takes no parameters, got 'alpha'"),
        (["elu", "--param", "elu.alpha=-1"], "elu: alpha must be a finite number > 0, got -1"),
        (["elu", "--param", "elu.alpah=1"], "elu: unknown parameter 'alpah'; allowed: alpha"),
        (["elu", "--param", "alpha=1"], "bad parameter setting 'alpha=1'; expected NAME.KEY="),
        (["relu", "--param", "elu.alpha=2"], "--param given for elu, which is not among"),
        (["relu", "--xlim", "2", "1"], "xlim must be two finite numbers A B with A < B"),
        (["relu", "--out-format"], None),  # argparse's own error, also exit 2
        (["seed", "--derivative"], "'plot seed' draws the lesson's figures; it takes no"),
        (["seed", "relu"], "'plot seed' draws the lesson's figures; it takes no NAME"),
    ],
)
def test_plot_errors_are_one_line_and_write_nothing(tmp_path, capsys, argv, message):
    target = tmp_path / "fig.png"
    try:
        code, out, err = run(capsys, "plot", *argv, "--out", str(target))
    except SystemExit as exc:  # raised by argparse
        code, (out, err) = exc.code, capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    if message is not None:
        assert err.startswith(f"actlab plot: error: {message}")
    assert list(tmp_path.iterdir()) == []


def test_plot_bad_suffix_writes_nothing(tmp_path, capsys):
    code, _, err = run(capsys, "plot", "relu", "--out", str(tmp_path / "fig.pdf"))
    assert code == 2
    assert err.startswith("actlab plot: error: --out must end in .png or .svg")
    assert list(tmp_path.iterdir()) == []


def test_table_text(capsys):
    code, out, _ = run(capsys, "table", "relu", "sigmoid", "--no-timing")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("┌") and "relu" in lines[3] and "sigmoid" in lines[4]
    assert any(ln.startswith("Method:") for ln in lines)


def test_table_json_with_params(capsys):
    code, out, _ = run(capsys, "table", "--json", "--no-timing", "leaky_relu", "--param",
                       "leaky_relu.negative_slope=0.05")  # fmt: skip
    assert code == 0
    (row,) = json.loads(out)
    assert row["name"] == "leaky_relu" and row["params"] == {"negative_slope": 0.05}
    assert row["output_min"] == pytest.approx(-0.5)


def test_table_all_entries_by_default(capsys):
    code, out, _ = run(capsys, "table", "--json", "--no-timing")
    assert code == 0
    from actlab import activations

    assert [r["name"] for r in json.loads(out)] == activations.names()


def test_table_unknown_name(capsys):
    code, out, err = run(capsys, "table", "sigmod")
    assert code == 2 and out == ""
    assert err.startswith(
        "actlab table: error: unknown activation 'sigmod'; did you mean 'sigmoid'?"
    )
