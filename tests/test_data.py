"""``actlab.data``: strict CSV loading, label encodings, content hash, the playground's split,
configs naming a dataset, and training on more than two input columns."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from actlab import data as D
from actlab.data import csvfile, dataset
from actlab.errors import ActlabError
from actlab.playground import PlaygroundConfig, Trainer, train
from actlab.playground.datasets import GENERATORS, NUM_SAMPLES, generate, shuffle
from actlab.playground.rng import SeedRandom

GOOD = "x,y,label\n1,2,1\n3,4,-1\n5,6,1\n"


def csv_text(header: list[str], rows) -> str:
    return ",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "text, where, needle",
    [
        ("x,y,label\n1,2,1\n3,abc,-1\n", "line 3, column 2 (y)", "'abc' is not a number"),
        ("x,y,label\n1,2,1\n3,1_000,-1\n", "line 3, column 2 (y)", "is not a number"),
        ("x,y,label\n1,2,1\n3,0x1f,-1\n", "line 3, column 2 (y)", "is not a number"),
        ("x,y,label\n1,2,1\nNaN,4,-1\n", "line 3, column 1 (x)", "NaN and infinity"),
        ("x,y,label\n1,-inf,1\n3,4,-1\n", "line 2, column 2 (y)", "NaN and infinity"),
        ("x,y,label\n1,1e999,1\n3,4,-1\n", "line 2, column 2 (y)", "overflows"),
        ("x,y,label\n1,2,1\n3,4,nan\n", "line 3, column 3 (label)", "NaN and infinity"),
        ("x,y,label\n1,,1\n3,4,-1\n", "line 2, column 2 (y)", "empty field"),
        ("x,y,label\n1,2,1\n3,4,\n", "line 3, column 3 (label)", "empty label"),
        ("x,y,label\n1,2,1\n3,4,1\n", "column 3 (label)", "one class only"),
        ("x,y,label\n1,2,a\n3,4,a\n", "column 3 (label)", "one class only"),
        ("x,y,label\n1,2,a\n3,4,b\n5,6,c\n", "line 4, column 3 (label)", "a third class 'c'"),
        ("x,y,label\n1,2,1\n3,4,-1,7\n", "line 3, column 4", "4 fields, but the header has 3"),
        ("x,y,label\n1,2,1\n\n3,4\n", "line 4, column 3", "2 fields, but the header has 3"),
        ("x,y,label\n1,2,1\n3,\"4,-1\n", "line 3", "malformed CSV"),
        ("", "t.csv", "empty file"),
        ("\n\n", "t.csv", "empty file"),
        ("x,y,label\n", "t.csv", "no data rows"),
        ("x,y,z\n1,2,1\n", "line 1, column 3 (z)", "no label column"),
        ("x,label,y\n1,2,1\n", "line 1, column 2 (label)", "it must be the last column"),
        ("1,2,1\n3,4,-1\n", "line 1", "must be a header"),
        ("x,x,label\n1,2,1\n", "line 1, column 2", "duplicate column name 'x'"),
        ("x,,label\n1,2,1\n", "line 1, column 2", "a column without a name"),
        ("x,label\n1,1\n2,-1\n", "line 1", "at least two input columns"),
        (",".join(f"c{i}" for i in range(64)) + ",label\n", "line 1, column 65",
         "at most 64 are allowed"),
    ],
)
def test_every_error_names_file_line_and_column(text, where, needle):
    with pytest.raises(ActlabError) as info:
        D.load_csv(text, name="t.csv")
    message = str(info.value)
    assert message.startswith("t.csv")
    assert where in message and needle in message
    assert "\n" not in message


def test_errors_from_a_file_name_the_file(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x,y,label\n1,2,1\n3,4,oops\n5,6,-1\n")
    with pytest.raises(ActlabError, match=r"points\.csv, line 4, column 3 \(label\): a third"):
        D.load_csv(path)
    with pytest.raises(ActlabError, match="no such file"):
        D.load_csv(tmp_path / "missing.csv")


def test_regression_forced_needs_numbers():
    with pytest.raises(ActlabError, match=r"line 3, column 3 \(label\): label 'b' is not a"):
        D.load_csv("x,y,label\n1,2,1.5\n3,4,b\n", problem="regression")
    with pytest.raises(ActlabError, match="problem must be one of"):
        D.load_csv(GOOD, problem="ranking")


def test_not_utf8_names_the_line():
    raw = b"x,y,label\n1,2,1\n3,4,\xff\n"
    with pytest.raises(ActlabError, match=r"CSV data, line 3: not UTF-8"):
        D.load_csv(raw)


def test_size_is_checked_before_reading_or_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xff" * 2000)  # not even text: the size check must come first
    with pytest.raises(ActlabError, match="big.csv is 2,000 bytes; the limit is 1,000 bytes"):
        D.load_csv(path, max_bytes=1000)

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(csvfile, "_parse", no_parse)
    with pytest.raises(ActlabError, match="the limit is 10 bytes"):
        D.load_csv(GOOD, max_bytes=10)
    with pytest.raises(ActlabError, match="the limit is 10 bytes"):
        D.load_csv(GOOD.encode(), max_bytes=10)
    assert csvfile.MAX_BYTES == 32 * 1024 * 1024


def test_row_limit(monkeypatch):
    assert D.MAX_ROWS == 100_000 and D.MAX_COLUMNS == 64
    monkeypatch.setattr(csvfile, "MAX_ROWS", 3)
    D.load_csv("x,y,label\n1,2,1\n3,4,-1\n5,6,1\n")
    with pytest.raises(ActlabError, match=r"line 5: more than 3 data rows; at most 3"):
        D.load_csv("x,y,label\n1,2,1\n3,4,-1\n5,6,1\n7,8,1\n")


def test_nothing_is_half_loaded():
    before = dict(dataset._REGISTRY)
    with pytest.raises(ActlabError):
        D.load_csv("x,y,label\n1,2,1\n3,4,-1\n5,6,zzz\n7,8,qqq\n", name="t.csv")
    assert dict(dataset._REGISTRY) == before


# ---------------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    "labels, classes",
    [(("1", "-1", "1"), ("-1", "1")), (("1", "0", "1"), ("0", "1")),
     (("yes", "no", "yes"), ("no", "yes")), (("1.0", "-1", "+1"), ("-1", "1.0"))],
)
def test_two_class_encodings_map_to_plus_minus_one(labels, classes):
    ds = D.load_csv(csv_text(["a", "b", "label"], [(1, 2, labels[0]), (3, 4, labels[1]),
                                                     (5, 6, labels[2])]))
    assert ds.problem == "classification" and ds.classes == classes
    np.testing.assert_array_equal(ds.y, [1.0, -1.0, 1.0])


def test_same_numbers_same_hash_whatever_the_label_encoding():
    rows = [(1, 2), (3, 4), (5, 6)]
    hashes = {D.load_csv(csv_text(["a", "b", "label"], [(*r, lab) for r, lab in
                                                        zip(rows, enc, strict=True)])).sha256
              for enc in (("1", "-1", "1"), ("1", "0", "1"), ("yes", "no", "yes"))}
    assert len(hashes) == 1


def test_regression_and_forced_readings():
    reg = D.load_csv("a,b,label\n1,2,0.5\n3,4,-2\n5,6,7\n")
    assert reg.problem == "regression" and reg.classes is None
    np.testing.assert_array_equal(reg.y, [0.5, -2.0, 7.0])
    two = "a,b,label\n1,2,1\n3,4,2\n5,6,2\n"
    assert D.load_csv(two).problem == "regression"  # 1/2 is no class encoding
    forced = D.load_csv(two, problem="classification")
    assert forced.classes == ("1", "2") and forced.y.tolist() == [-1.0, 1.0, 1.0]
    zero_one = D.load_csv("a,b,label\n1,2,0\n3,4,1\n", problem="regression")
    assert zero_one.problem == "regression" and zero_one.y.tolist() == [0.0, 1.0]


# ---------------------------------------------------------------------------- hash
def test_hash_is_pinned_and_ignores_formatting():
    pinned = D.load_csv("x,y,label\n1,2,1\n3,4,-1\n").sha256
    # the canonical form is a contract: stored runs and sweeps name their data by it
    assert pinned == "59858d7faabd00ef8a2ce70baf63c4f3310d963dcd6f3aff42a8c9f42aec6c0e"
    same = ["\ufeffx, y ,label\r\n1.0,2,1\r\n3,4e0,-1\r\n",
            'x,"y",label\n\n+1,2.000,"1"\n3,4,-1.0\n',
            "x,y,label\n1,2,1\n3,4,0\n"]
    for text in same:
        assert D.load_csv(text).sha256 == pinned, text
    different = ["x,y,label\n3,4,-1\n1,2,1\n",   # row order
                 "x,z,label\n1,2,1\n3,4,-1\n",   # a column name
                 "x,y,label\n1,2,1\n3,4.000001,-1\n"]
    for text in different:
        assert D.load_csv(text).sha256 != pinned, text
    negative_zero = D.load_csv("x,y,label\n-0,0,1\n1,1,-1\n")
    assert math.copysign(1, negative_zero.x[0, 0]) == 1.0
    assert negative_zero.sha256 == D.load_csv("x,y,label\n0,0,1\n1,1,-1\n").sha256
    assert D.load_csv(GOOD, scale=False).sha256 == D.load_csv(GOOD).sha256


def test_hash_value_is_stable():
    # computed once from the canonical form documented in actlab.data.dataset
    import hashlib
    head = b'actlab-dataset-v1\n{"columns":["x","y"],"problem":"classification","rows":2}\n'
    body = np.array([1.0, 2.0, 3.0, 4.0], "<f8").tobytes() + np.array([1.0, -1.0],
                                                                      "<f8").tobytes()
    expected = hashlib.sha256(head + body).hexdigest()
    assert D.load_csv("x,y,label\n1,2,1\n3,4,-1\n").sha256 == expected


# ---------------------------------------------------------------------------- scaling
def test_scaling_into_the_box_column_by_column():
    ds = D.load_csv("a,b,c,label\n0,10,5,1\n5,20,5,-1\n10,40,5,1\n")
    np.testing.assert_allclose(ds.inputs, [[-6, -6, 0], [0, -2, 0], [6, 6, 0]])
    raw = ds.with_scale(False)
    assert raw.sha256 == ds.sha256 and raw.inputs is raw.x
    assert "scaled linearly" in ds.describe() and "unscaled" in raw.describe()


# ---------------------------------------------------------------------------- split
@pytest.mark.parametrize("name, problem, perc", [("spiral", "classification", 50),
                                                 ("gauss", "classification", 30),
                                                 ("reg-gauss", "regression", 70)])
def test_split_matches_the_playground_generator(tmp_path, name, problem, perc):
    """A generated dataset written to CSV (before its shuffle) and loaded unscaled splits
    into exactly the generator's train and test points when the random stream continues."""
    seed = "0.42424"
    rng = SeedRandom(seed)
    points = GENERATORS[name](NUM_SAMPLES[problem], 0.1, rng)
    path = tmp_path / f"{name}.csv"
    path.write_text("px,py,label\n" + "".join(f"{x!r},{y!r},{lab!r}\n" for x, y, lab in points))
    ds = D.load_csv(path, scale=False, problem=problem)
    got = ds.split(rng, perc)
    want = generate(name, problem, 10, perc, SeedRandom(seed))
    for field in ("train_xy", "train_labels", "test_xy", "test_labels"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))


def test_csv_run_draws_shuffle_then_weights_from_the_seed(tmp_path):
    path = tmp_path / "pts.csv"
    rows = [(i % 7, (i * 3) % 11, 1 if i % 2 else -1) for i in range(60)]
    path.write_text(csv_text(["a", "b", "label"], rows))
    cfg = D.load_csv(path, scale=False).config(seed="0.777", perc_train_data=40,
                                               network_shape=(3,))
    tr = Trainer([cfg], backend="numpy")
    rng = SeedRandom("0.777")
    order = list(range(60))
    shuffle(order, rng)
    np.testing.assert_array_equal(tr.data[0].train_xy, np.array(rows, float)[order[:24], :2])
    w0 = (rng.random_array(2 * 3) - 0.5).reshape(3, 2)
    np.testing.assert_array_equal(tr.weights[0][0], w0)


# ---------------------------------------------------------------------------- configs
def test_config_round_trips_url_and_json_with_awkward_names(tmp_path):
    path = tmp_path / "my data & more.csv"
    path.write_text('"a,1","b%2C",c #3,label\n1,2,3,1\n4,5,6,-1\n7,8,9,1\n')
    ds = D.load_csv(path)
    cfg = ds.config(seed="0.1")
    assert cfg.data == ds.sha256 and cfg.data_columns == ("a,1", "b%2C", "c #3")
    assert cfg.inputs == cfg.data_columns and cfg.layer_sizes == (3, 4, 2, 1)
    url = cfg.to_url()
    assert "&data=" + ds.sha256 in url
    assert PlaygroundConfig.from_url(url) == cfg
    assert PlaygroundConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert any("CSV data" in note for note in cfg.exceeds_ui())


def test_config_validation_of_data_fields():
    with pytest.raises(ActlabError, match="64 hex digits"):
        PlaygroundConfig(data="abc", data_columns=("a", "b"))
    with pytest.raises(ActlabError, match="need data"):
        PlaygroundConfig(data_path="x.csv")
    with pytest.raises(ActlabError, match="two or more distinct"):
        PlaygroundConfig(data="0" * 64, data_columns=("a",))
    with pytest.raises(ActlabError, match="apply to two-input data only"):
        PlaygroundConfig(data="0" * 64, data_columns=("a", "b", "c"), features=("x", "sinX"))


def test_replay_from_the_path_and_refusals(tmp_path, monkeypatch):
    path = tmp_path / "p.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{1 if i % 2 else -1}\n"
                                            for i in range(40)))
    cfg = D.load_csv(path).config(seed="0.3", network_shape=(2,))
    first = train(cfg, 3).train_loss
    monkeypatch.setattr(dataset, "_REGISTRY", type(dataset._REGISTRY)())
    from actlab.playground import engine
    engine._build_csv.cache_clear()
    np.testing.assert_array_equal(train(cfg, 3).train_loss, first)  # read again from the path
    monkeypatch.setattr(dataset, "_REGISTRY", type(dataset._REGISTRY)())
    engine._build_csv.cache_clear()
    path.write_text(path.read_text().replace("\n5,", "\n6,"))
    with pytest.raises(ActlabError, match="has changed since the run"):
        train(cfg, 1)
    path.unlink()
    with pytest.raises(ActlabError, match="a URL or JSON alone cannot replay it"):
        train(cfg, 1)


# ---------------------------------------------------------------------------- training
def test_more_than_two_columns_trains_and_learns():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (240, 5))
    label = np.where(x[:, 0] + x[:, 2] - x[:, 4] > 0, "up", "down")
    text = csv_text(["a", "b", "c", "d", "e", "label"],
                    [(*map(repr, r.tolist()), lab) for r, lab in zip(x, label, strict=True)])
    cfg = D.load_csv(text).config(network_shape=(4,), seed="0.5", learning_rate=0.03)
    assert cfg.layer_sizes == (5, 4, 1)
    runs = {b: Trainer([cfg], backend=b) for b in ("numpy", "numba")}
    for tr in runs.values():
        tr.step(60)
    fast, ref = runs["numba"].result(), runs["numpy"].result()
    np.testing.assert_allclose(fast.train_loss, ref.train_loss, rtol=1e-12)
    assert fast.test_loss[-1] < 0.1 < fast.test_loss[0]
    out = runs["numba"].layer_outputs(np.zeros((3, 5)))
    assert out[0].shape == (1, 3, 5) and out[-1].shape == (1, 3, 1)


def test_two_columns_take_the_playground_features():
    text = csv_text(["u", "v", "label"], [(i, -i, 1 if i % 3 else -1) for i in range(30)])
    cfg = D.load_csv(text).config(features=("x", "y", "xTimesY", "sinX"), seed="0.2")
    tr = Trainer([cfg], backend="numpy")
    assert tr.train_x.shape == (1, 15, 4)
    xy = tr.data[0].train_xy
    np.testing.assert_array_equal(tr.train_x[0, :, 2], xy[:, 0] * xy[:, 1])
