"""The digits study: data split, vectorised trainer against PyTorch, protocol plumbing."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

from actlab.experiments import digits as D


@pytest.fixture(autouse=True)
def _sklearn():
    require("sklearn")


def test_split_is_stratified_standardised_and_fixed():
    x, y, xt, yt = D.load()
    assert x.shape == (1438, 64) and xt.shape == (359, 64)  # round(0.2 n) per class
    assert np.allclose(x.mean(axis=0), 0, atol=1e-12)
    assert set(np.unique(yt)) == set(range(10))
    counts = np.bincount(yt)
    assert counts.min() >= 35 and counts.max() <= 37  # 20 % of each class
    assert D.load()[0] is x  # cached, read-only
    assert not x.flags.writeable


@pytest.mark.parametrize("activation, network, init, optimiser", [
    ("relu", "mlp", "default", "sgd"),
    ("sigmoid", "deep", "matched", "momentum"),
])
def test_trainer_matches_pytorch_for_five_epochs(activation, network, init, optimiser):
    torch = require("torch")
    torch.set_num_threads(1)  # many tiny steps: threads only add overhead
    seeds, rates = [3, 7], [0.03, 0.1]
    tr = D.DigitsTrainer(activation, network, init, optimiser, seeds, rates)
    w0 = [w.copy() for w in tr.w]
    b0 = [b.copy() for b in tr.b]
    x, y, _, _ = D.load()
    fn = {"relu": torch.nn.ReLU(), "tanh": torch.nn.Tanh(), "sigmoid": torch.nn.Sigmoid(),
          "leaky_relu:0.05": torch.nn.LeakyReLU(0.05)}[activation]
    ours = []
    for _ in range(5):
        tr.train_epoch()
        ours.append(tr.evaluate()[0])
    xt, yt = torch.tensor(np.asarray(x)), torch.tensor(np.asarray(y))
    for k, (seed, lr) in list(enumerate(zip(seeds, rates, strict=True)))[1:]:
        # network 1 trained beside network 0: stacking does not change its numbers
        layers = []
        for i in range(len(w0)):
            lin = torch.nn.Linear(w0[i].shape[2], w0[i].shape[1], dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(w0[i][k]))
                lin.bias.copy_(torch.tensor(b0[i][k]))
            layers += [lin, fn] if i < len(w0) - 1 else [lin]
        model = torch.nn.Sequential(*layers)
        opt = torch.optim.SGD(model.parameters(), lr=lr,
                              momentum=D.MOMENTUM if optimiser == "momentum" else 0.0)
        loss_fn = torch.nn.CrossEntropyLoss()
        for epoch in range(5):
            order = D.batch_orders([seed], epoch, x.shape[0])[0]
            for start in range(0, x.shape[0], D.BATCH):
                idx = torch.tensor(order[start:start + D.BATCH])
                opt.zero_grad()
                loss_fn(model(xt[idx]), yt[idx]).backward()
                opt.step()
            with torch.no_grad():
                full = loss_fn(model(xt), yt).item()
            assert abs(full - ours[epoch][k]) <= 1e-10, (epoch, full, ours[epoch][k])


def test_study_tunes_measures_and_reports():
    s = D.digits_study(activations=("relu", "sigmoid"), networks=("mlp",),
                       panels=(("default", "sgd"),), rates=(0.1, 1.0), tune_seeds=2,
                       held_seeds=2, epochs=2)
    assert s.held_seeds == [3, 4] and s.steps_per_epoch == 45  # ceil(1438 / 32)
    assert s.best[("mlp", "default", "sgd", "relu")] in (0.1, 1.0)
    rows = s.table()
    assert [r["activation"] for r in rows] == ["relu", "sigmoid"]
    assert "epochs to 2%" in s.format_table()
    ratios = s.ratios[("mlp", "default", "sigmoid")]
    assert ratios["weights"].shape == (2,) and np.all(ratios["deltas"] > 0)
