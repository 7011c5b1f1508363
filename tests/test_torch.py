"""``actlab.torch``: modules for every registry entry (native and registry paths),
gradcheck in float64, and a playground network trained in torch step for step."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, require

from actlab import activations
from actlab.errors import ActlabError

CASES = [(name, params) for name in activations.names()
         for params in activations.spec(name).param_sets]
IDS = [name + "".join(f"-{k}={v}" for k, v in p.items()) for name, p in CASES]


def _points(act, torch):
    """Points for finite differences: kinks and their ±1e-3 neighbourhoods left out."""
    x = np.linspace(-7.0, 7.0, 29)
    for k in act.kinks:
        x = x[np.abs(x - k) > 1e-3]
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("native", [None, False], ids=["auto", "registry"])
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_gradcheck_every_entry(name, params, native):
    torch = require("torch")
    from actlab.torch import NATIVE, RegistryActivation, module

    act = activations.get(name, **params)
    m = module(name, native=native, **params).to(torch.float64)  # prelu's weight: float32
    assert isinstance(m, RegistryActivation) == (native is False or name not in NATIVE)
    x = _points(act, torch)
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-7, rtol=1e-6)
    # both paths give the registry's values and derivatives
    y = m(x)
    y.sum().backward()
    # torch's PReLU holds its slope as a float32 parameter (0.1 -> 0.10000000149)
    tol = 1e-7 if name == "prelu" and native is None else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), act(x.detach().numpy()), rtol=0, atol=tol)
    np.testing.assert_allclose(x.grad.numpy(), act.derivative(x.detach().numpy()),
                               rtol=0, atol=max(tol, 1e-8))


def test_native_modules_use_torch_names_and_defaults():
    torch = require("torch")
    from actlab.torch import NATIVE, module

    builtins = {n for n in activations.names() if n not in activations.formulas()}
    assert set(NATIVE) == builtins  # today every built-in exists in torch
    assert isinstance(module("relu"), torch.nn.ReLU)
    assert module("leaky_relu").negative_slope == 0.01
    assert module("softplus", beta=2.0).beta == 2.0 and module("softplus").threshold == 20.0
    assert module("gelu", approximate="tanh").approximate == "tanh"
    assert isinstance(module("swish"), torch.nn.SiLU)  # aliases resolve
    with pytest.raises(ActlabError, match="unknown parameter"):
        module("elu", beta=2.0)


FORMULAS = [
    ("torch_swish_b", "x*sigmoid(beta*x)", {"beta": 1.0}, {"beta": 1.7}),
    ("torch_bent", "where(x > 0, x + 0.1*x**2, 0.5*(exp(x) - 1))", {}, {}),
    ("torch_sine_gate", "sin(w*x) + log1p(abs(x))*tanh(x)", {"w": 2.0}, {"w": 0.5}),
]


@pytest.mark.parametrize(("name", "formula", "defaults", "params"), FORMULAS,
                         ids=[f[0] for f in FORMULAS])
def test_gradcheck_formulas(name, formula, defaults, params):
    """Formula activations take the registry path: f and the derived f' from the definition."""
    torch = require("torch")
    from actlab.torch import RegistryActivation, module

    activations.define(name, formula, **defaults)
    try:
        act = activations.get(name, **params)
        m = module(name, **params)
        assert isinstance(m, RegistryActivation)
        with pytest.raises(ActlabError, match="no native module"):
            module(name, native=True, **params)
        x = _points(act, torch)
        assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-7, rtol=1e-6)
        y = m(x)
        y.sum().backward()
        np.testing.assert_array_equal(y.detach().numpy(), act(x.detach().numpy()))
        np.testing.assert_array_equal(x.grad.numpy(), act.derivative(x.detach().numpy()))
    finally:
        activations.undefine(name)


def test_registry_path_keeps_dtype_and_shape():
    torch = require("torch")
    from actlab.torch import module

    m = module("mish", native=False)
    x = torch.linspace(-3, 3, 12, dtype=torch.float32).reshape(3, 4).requires_grad_()
    y = m(x)
    assert y.dtype == torch.float32 and y.shape == (3, 4)
    y.sum().backward()
    assert x.grad.dtype == torch.float32
    torch.testing.assert_close(y, torch.nn.functional.mish(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("native", [None, False], ids=["native", "registry"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_playground_network_trains_like_the_engine(native, activation):
    """A [4, 2] playground network in torch, from the same initial weights, on the same
    mini-batches in the same order: 10 SGD steps give the engine's losses to 1e-10."""
    torch = require("torch")
    from actlab.playground import PlaygroundConfig, Trainer
    from actlab.torch import playground_network

    # 10 % of 500 points = 50 train points: batch 50 -> one step per epoch, so the engine
    # reports the loss after every step; batch 5 -> 10 steps in one epoch
    for batch, epochs in ((50, 10), (5, 1)):
        cfg = PlaygroundConfig(activation=activation, seed="0.59704", dataset="xor",
                               perc_train_data=10, batch_size=batch, learning_rate=0.1)
        trainer = Trainer([cfg])
        x = torch.from_numpy(trainer.train_x[0].copy())
        y = torch.from_numpy(trainer.train_y[0].copy())
        tx = torch.from_numpy(trainer.test_x[0].copy())
        ty = torch.from_numpy(trainer.test_y[0].copy())
        trainer.step(epochs)
        net = playground_network(cfg, native=native)
        opt = torch.optim.SGD(net.parameters(), lr=cfg.learning_rate)

        def loss(inputs, labels, net=net):
            return (0.5 * (net(inputs)[:, 0] - labels) ** 2).mean()

        train_losses, test_losses = [], []
        for _ in range(epochs):
            for start in range(0, len(x), batch):
                xb, yb = x[start:start + batch], y[start:start + batch]
                opt.zero_grad()
                (0.5 * (net(xb)[:, 0] - yb) ** 2).sum().div(len(xb)).backward()
                opt.step()
            with torch.no_grad():
                train_losses.append(float(loss(x, y)))
                test_losses.append(float(loss(tx, ty)))
        np.testing.assert_allclose(train_losses, trainer.train_loss[0, 1:], rtol=1e-10)
        np.testing.assert_allclose(test_losses, trainer.test_loss[0, 1:], rtol=1e-10)
        assert train_losses[-1] < trainer.train_loss[0, 0]  # it did learn something
        for layer, w in enumerate(trainer.weights):
            np.testing.assert_allclose(net[2 * layer].weight.detach().numpy(), w[0],
                                       rtol=1e-10, atol=1e-13)


def test_core_imports_without_torch():
    """The core package (and the CLI) never import torch; actlab.torch says what to install."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import actlab, actlab.activations, actlab.playground, actlab.data, actlab.cli\n"
        "import actlab.cli.train, actlab.cli.compare\n"
        "try:\n    import actlab.torch\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env={"PYTHONPATH": str(REPO / "src")}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install 'actlab[torch]'" in out.stdout
