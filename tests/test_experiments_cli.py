"""``actlab compare`` and ``actlab reproduce`` from the command line."""

from __future__ import annotations

import json
import re

import pytest

from actlab.cli import main
from actlab.experiments import claims as C

EXPECTED_CLAIMS = {
    "vanishing_gradient", "vanishing_gradient_vs_sigmoid_tanh", "derivative_zero_or_one",
    "converges_faster", "playground_61_epochs", "early_loss_drop", "not_zero_centred",
    "unbounded_output", "negative_inputs_zero", "dead_units_never_converge",
    "leaky_relu_fixes_dead_zone", "leaky_relu_trains_where_relu_dies",
}
DIGITS_CLAIMS = {"digits_relu_trains_much_faster", "digits_sigmoid_gradient_vanishes"}


def test_compare_writes_table_json_and_plot(tmp_path, capsys):
    js, png = tmp_path / "c.json", tmp_path / "c.png"
    rc = main(["compare", "--dataset", "gauss", "--activations", "relu,leaky_relu:0.05",
               "--seeds", "2", "--epochs", "20", "--threshold", "0.05", "--json", str(js),
               "--plot", str(png), "--backend", "numpy"])
    out, err = capsys.readouterr()
    assert rc == 0
    assert re.search(r"^relu\s+2\s", out, re.M) and "leaky_relu(0.05)" in out
    assert "median relu run: https://playground.tensorflow.org/#activation=relu" in out
    assert "ETA" in err  # progress line on stderr
    d = json.loads(js.read_text())
    assert [r["seed"] for r in d["runs"]] == ["0.00001", "0.00002"] * 2
    assert d["base_config"]["dataset"] == "gauss" and d["threshold"] == 0.05
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_compare_url_base_and_seed_list(capsys):
    url = ("https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=xor&"
           "learningRate=0.1&networkShape=3&seed=0.5")
    rc = main(["compare", "--url", url, "--activations", "relu", "--seed-list",
               "0.12345,0.59704", "--epochs", "5", "--quiet", "--backend", "numpy"])
    out, err = capsys.readouterr()
    assert rc == 0 and err == ""
    link = out.strip().splitlines()[-1]
    assert "dataset=xor" in link and "learningRate=0.1&" in link and "networkShape=3&" in link
    assert "seed=0.12345&" in link or "seed=0.59704&" in link


@pytest.mark.parametrize("argv, needle", [
    (["--activations", "relu,softmaxx"], "unknown activation 'softmaxx'"),
    (["--activations", "relu,relu"], "activation listed twice"),
    (["--seeds", "0"], "number of seeds must be"),
    (["--seeds", "-5"], "number of seeds must be"),
    (["--epochs", "0"], "--epochs must be >= 1"),
    (["--dataset", "moons"], "dataset must be one of"),
    (["--learning-rate", "-1"], "learningRate must be"),
])
def test_compare_bad_input_exit_2_one_line_no_files(tmp_path, capsys, argv, needle):
    js, png = tmp_path / "c.json", tmp_path / "c.png"
    budget = [] if "--epochs" in argv else ["--epochs", "3"]
    rc = main(["compare", *argv, *budget, "--json", str(js), "--plot", str(png),
               "--backend", "numpy"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and needle in err
    assert out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["--seeds", "many"], ["--seeds", "3", "--seed-list", "0.1"]])
def test_compare_argparse_errors_exit_2(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(["compare", *argv, "--json", str(tmp_path / "c.json")])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_compare_bad_output_paths(tmp_path, capsys):
    assert main(["compare", "--json", str(tmp_path / "c.txt")]) == 2
    assert main(["compare", "--plot", str(tmp_path / "c.gif")]) == 2
    assert main(["compare", "--json", str(tmp_path / "missing" / "c.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3
    assert list(tmp_path.iterdir()) == []


def test_reproduce_quick_end_to_end(tmp_path, capsys):
    out_dir = tmp_path / "report"
    rc = main(["reproduce", "--quick", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert rc == 0
    assert "[6/6]" in err and "ETA" in err
    assert {p.name for p in out_dir.iterdir()} == {
        "report.html", "claims.json", "measurements.json", "figures"}
    assert len(list((out_dir / "figures").glob("*.png"))) == 7
    doc = json.loads((out_dir / "claims.json").read_text())
    ids = {c["id"] for c in doc["claims"]}
    assert ids in (EXPECTED_CLAIMS, EXPECTED_CLAIMS | DIGITS_CLAIMS)
    for c in doc["claims"]:
        assert c["verdict"] in C.VERDICTS
        assert c["statement_th"] and c["statement_en"] and c["rule"]
        assert (c["condition"] is not None) <= (c["verdict"] in (C.DEPENDS, C.SUPPORTED,
                                                                C.NOT_SUPPORTED, C.REVERSED))
        for case in c["cases"]:
            assert {"outcome", "test", "p_value", "effect_size", "ci95"} <= set(case)
        for link in c["links"]:
            assert link["url"].startswith("https://playground.tensorflow.org/#")
    fast = next(c for c in doc["claims"] if c["id"] == "converges_faster")
    assert fast["robust"] in (True, False) and len(fast["panel"]["columns"]) >= 7
    assert {case["outcome"] for case in fast["cases"]} <= {
        "holds", "no detectable difference", "reversed", "undecided"}
    assert sum(doc["verdicts"].values()) == len(ids)
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 7
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", html)  # offline
    assert html.index('class="summary"') < html.index('id="claims"')  # summary first
    for c in doc["claims"]:
        assert f'id="{c["id"]}"' in html
    assert "PLACEHOLDER" not in html.upper()
    for line in out.splitlines()[:-1]:
        assert line.split("  ")[0].strip().lower() in C.VERDICTS
    assert list(tmp_path.iterdir()) == [out_dir]  # no temporary folder left behind
    m = json.loads((out_dir / "measurements.json").read_text())
    table = m["tuned_comparison"]["table"]
    assert {r["dataset"] for r in table} == {"circle", "xor", "gauss", "spiral"}
    assert all(r["best_rate"] in (0.01, 0.03, 0.1, 0.3, 1.0) for r in table)


def test_reproduce_refuses_a_file_as_out(tmp_path, capsys):
    target = tmp_path / "report.html"
    target.write_text("keep me")
    assert main(["reproduce", "--quick", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--out must be a folder" in err
    assert target.read_text() == "keep me" and list(tmp_path.iterdir()) == [target]


def test_reproduce_error_leaves_nothing(tmp_path, monkeypatch):
    import dataclasses
    import io

    import actlab.experiments.report as report
    import actlab.plots.experiments as plots
    from actlab.experiments import reproduce as R

    tiny = dataclasses.replace(R.Settings.quick(), epochs=12, held_seeds=2, wide_seeds=0,
                               grad_depths=(1, 2), speed_depths=(1,), digits_networks=())
    rep = R.run(tiny, stream=io.StringIO())
    monkeypatch.setattr(plots, "png_bytes", lambda fig, dpi=0: b"\x89PNG not rendered")

    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "render_html", broken)
    with pytest.raises(RuntimeError):
        R.write(rep, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "old"
    existing.mkdir()
    (existing / "report.html").write_text("previous")
    with pytest.raises(RuntimeError):
        R.write(rep, existing)
    assert [p.name for p in tmp_path.iterdir()] == ["old"]
    assert (existing / "report.html").read_text() == "previous"
