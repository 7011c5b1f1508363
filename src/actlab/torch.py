r"""PyTorch modules for every registry activation (extra ``[torch]``).

>>> from actlab.torch import module
>>> module("leaky_relu", negative_slope=0.05)           # torch's own nn.LeakyReLU
LeakyReLU(negative_slope=0.05)
>>> module("leaky_relu", negative_slope=0.05, native=False)  # the registry's f and f'
RegistryActivation(leaky_relu(negative_slope=0.05))

Two paths, one contract (``y = f(x)``, ``∂L/∂x = ∂L/∂y · f'(x)`` elementwise):

* **native** — where ``torch.nn`` has the function under the registry's name (the registry
  follows ``torch.nn.functional``'s names, parameters and defaults), the module is torch's
  own (``nn.ReLU``, ``nn.GELU(approximate=...)``, ...): fastest, on any device, twice
  differentiable. ``prelu`` becomes ``nn.PReLU(init=weight)``, whose slope torch *learns*
  (the registry's is fixed) and is float32 like every new torch parameter (``.double()``
  for float64);
* **registry** — otherwise (formula activations, or ``native=False``) a
  :class:`torch.autograd.Function` whose forward is the registry's ``f`` and whose backward
  is the registry's ``f'`` — the same NumPy functions the playground engine trains with,
  evaluated on the tensor's values (CPU; results are moved back to the input's device and
  dtype). Nothing is compiled or evaluated from text. It is differentiable once.

:func:`playground_network` rebuilds a playground network (same initial weights) as an
``nn.Sequential`` for training with ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

try:
    import torch
    from torch import nn
    from torch.autograd.function import once_differentiable
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError("actlab.torch needs PyTorch: pip install 'actlab[torch]'") from exc

from actlab import activations
from actlab.errors import ActlabError

__all__ = ["NATIVE", "RegistryActivation", "RegistryFunction", "module", "playground_network"]

#: Registry name -> torch module built from the (validated) parameters.
NATIVE: dict[str, Callable[[dict[str, Any]], nn.Module]] = {
    "linear": lambda p: nn.Identity(),
    "sigmoid": lambda p: nn.Sigmoid(),
    "tanh": lambda p: nn.Tanh(),
    "relu": lambda p: nn.ReLU(),
    "leaky_relu": lambda p: nn.LeakyReLU(negative_slope=p["negative_slope"]),
    "prelu": lambda p: nn.PReLU(num_parameters=1, init=p["weight"]),
    "elu": lambda p: nn.ELU(alpha=p["alpha"]),
    "selu": lambda p: nn.SELU(),
    "celu": lambda p: nn.CELU(alpha=p["alpha"]),
    "gelu": lambda p: nn.GELU(approximate=p["approximate"]),
    "silu": lambda p: nn.SiLU(),
    "mish": lambda p: nn.Mish(),
    "softplus": lambda p: nn.Softplus(beta=p["beta"], threshold=p["threshold"]),
    "softsign": lambda p: nn.Softsign(),
    "relu6": lambda p: nn.ReLU6(),
    "hardtanh": lambda p: nn.Hardtanh(min_val=p["min_val"], max_val=p["max_val"]),
    "hardsigmoid": lambda p: nn.Hardsigmoid(),
    "hardswish": lambda p: nn.Hardswish(),
    "logsigmoid": lambda p: nn.LogSigmoid(),
    "tanhshrink": lambda p: nn.Tanhshrink(),
}


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().cpu().numpy()


def _tensor(a: Any, like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a)).to(device=like.device, dtype=like.dtype)


class RegistryFunction(torch.autograd.Function):
    """``f`` forward and ``grad · f'(x)`` backward, both from a registry activation."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, act: activations.Activation) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.act = act
        return _tensor(act(_numpy(x)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad * _tensor(ctx.act.derivative(_numpy(x)), grad), None


class RegistryActivation(nn.Module):
    """An ``nn.Module`` applying a registry activation through :class:`RegistryFunction`."""

    def __init__(self, act: activations.Activation) -> None:
        super().__init__()
        self.act = act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return RegistryFunction.apply(x, self.act)

    def __repr__(self) -> str:
        return f"RegistryActivation({self.act.label})"


def module(name: str, *, native: bool | None = None, **params: Any) -> nn.Module:
    """An ``nn.Module`` for registry activation ``name`` with ``params``.

    ``native=None`` (default) uses torch's own module where torch has one, else the
    registry path; ``True`` requires torch's; ``False`` forces the registry's ``f``/``f'``.
    Names and parameters are validated by :func:`actlab.activations.get`.
    """
    act = activations.get(name, **params)
    if native is None:
        native = act.name in NATIVE
    if not native:
        return RegistryActivation(act)
    if act.name not in NATIVE:
        raise ActlabError(f"torch has no native module for {act.label}; use native=False "
                          f"(the registry's f and f'); native: {', '.join(NATIVE)}")
    return NATIVE[act.name](dict(act.params))


def playground_network(config: Any, native: bool | None = None,
                       dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """The playground network of ``config`` (a :class:`~actlab.playground.PlaygroundConfig`)
    with its initial weights and biases, as ``Linear``/activation layers.

    It takes the network's input features (``Trainer(config).train_x[0]``) and returns the
    output node (tanh for classification, linear for regression). Train it with
    ``torch.optim.SGD(lr=learningRate)`` on ``½ Σ (out − label)² / batch`` per mini-batch to
    follow the playground's update (``w −= lr · Σ ∂E/∂w / count``).
    """
    from actlab.playground.engine import initial_state

    _, weights, biases = initial_state(config)
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        linear = nn.Linear(w.shape[1], w.shape[0], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(module(config.activation, native=native, **config.activation_params))
        else:
            layers.append(module(config.output_activation, native=native))
    return nn.Sequential(*layers).to(dtype)
