"""Figures of activation functions: the lesson's two figures and any set you choose.

Built on :class:`matplotlib.figure.Figure` directly (no pyplot state, any backend). Every
input is validated before a file is touched, and files are written to a temporary name
in the target folder and renamed, so an error never leaves a half-written figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from actlab import activations
from actlab.activations import Activation
from actlab.errors import ActlabError
from actlab.plots import FORMATS, check_output_path, save_figure

__all__ = [
    "FORMATS",
    "SEED_FIGURES",
    "check_output_path",
    "plot_activations",
    "plot_seed_figures",
    "relu_vs_leaky_relu",
    "save_figure",
    "sigmoid_vs_relu",
]

SEED_FIGURES = ("sigmoid_vs_relu.png", "relu_vs_leaky_relu.png")


def _seed_x() -> np.ndarray:
    """The lesson's axis: ``torch.arange(-10., 10., 0.01)``."""
    return np.arange(-10.0, 10.0, 0.01)


def sigmoid_vs_relu() -> Figure:
    """The lesson's first figure: Sigmoid and ReLU on x ∈ [-2, 2], y ∈ [-0.5, 2]."""
    x = _seed_x()
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.subplots()
    ax.set_ylim(top=2.0, bottom=-0.5)
    ax.set_xlim(right=2.0, left=-2.0)
    ax.grid()
    ax.plot(x, activations.get("sigmoid")(x))
    ax.plot(x, activations.get("relu")(x))
    ax.legend(["Sigmoid", "ReLU"], loc="upper left")
    ax.set_title("Sigmoid vs ReLU")
    ax.set_xlabel("x")
    ax.set_ylabel("activation(x)")
    return fig


def relu_vs_leaky_relu(negative_slope: float = 0.05) -> Figure:
    """The lesson's second figure: ReLU and LeakyReLU(0.05) side by side."""
    x = _seed_x()
    leaky = activations.get("leaky_relu", negative_slope=negative_slope)
    fig = Figure(figsize=(12, 6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    fig.suptitle("Comparing ReLU and LeakyReLU")
    for ax, title, act in ((ax1, "ReLU", activations.get("relu")), (ax2, "LeakyReLU", leaky)):
        ax.set_xlim([-3, 3])
        ax.set_ylim([-1, 3])
        ax.grid()
        ax.set_title(title)
        ax.plot(x, act(x), label=act.label)
        ax.set_xlabel("x")
        ax.set_ylabel(f"{title}(x)")
        ax.legend(loc="upper left")
    return fig


def plot_seed_figures(out_dir: str | Path) -> list[Path]:
    """Write the lesson's two figures as PNG into ``out_dir`` (created if missing)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ActlabError(f"--out must be a folder for 'plot seed', got the file {str(out)!r}")
    from actlab.outputs import Outputs

    with Outputs() as staged:  # both figures, or neither
        for f, n in zip(seed_figures(), SEED_FIGURES, strict=True):
            staged.save_figure(f, out / n)
    return staged.paths


def seed_figures() -> list[Figure]:
    """The lesson's two figures, in the order of :data:`SEED_FIGURES`."""
    return [sigmoid_vs_relu(), relu_vs_leaky_relu()]


def _check_limits(lim: Sequence[float] | None, what: str) -> tuple[float, float] | None:
    if lim is None:
        return None
    if len(lim) != 2:
        raise ActlabError(f"{what} must be two numbers A B with A < B, got {list(lim)}")
    a, b = (float(v) for v in lim)
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        raise ActlabError(f"{what} must be two finite numbers A B with A < B, got {a:g} {b:g}")
    return a, b


def plot_activations(
    specs: Sequence[Activation | str],
    *,
    derivative: bool = False,
    xlim: Sequence[float] = (-5.0, 5.0),
    ylim: Sequence[float] | None = None,
    points: int = 2001,
) -> Figure:
    """Plot activations (``Activation`` objects or names with default parameters).

    With ``derivative=True`` the derivatives are drawn in a second panel on the right.
    ``ylim`` applies to the function panel; the derivative panel scales itself. Kinks
    inside ``xlim`` are added to the sampling grid, so corners are drawn sharp; where the
    derivative jumps its line is broken and a dot marks the value at the kink (autograd's).
    """
    acts = [a if isinstance(a, Activation) else activations.get(a) for a in specs]
    if not acts:
        raise ActlabError("nothing to plot: give at least one activation name")
    x0, x1 = _check_limits(xlim, "xlim") or (-5.0, 5.0)
    ylim = _check_limits(ylim, "ylim")

    fig = Figure(figsize=(13, 5.5) if derivative else (7.5, 5.5), layout="constrained")
    axes = fig.subplots(1, 2 if derivative else 1, squeeze=False)[0]
    panels = [(axes[0], "f(x)", False)] + ([(axes[1], "f'(x)", True)] if derivative else [])
    for ax, ylabel, is_derivative in panels:
        for act in acts:
            kinks = np.array([k for k in act.kinks if x0 < k < x1])
            x = np.union1d(np.linspace(x0, x1, points), kinks)
            if not is_derivative:
                ax.plot(x, act(x), label=act.label, lw=1.8)
                continue
            # f' may jump at a kink: break the line on both sides, dot the value at the kink
            x = np.union1d(x, np.concatenate([np.nextafter(kinks, -np.inf),
                                              np.nextafter(kinks, np.inf)]))
            y = act.derivative(x)
            at = np.searchsorted(x, kinks)
            jumps = at[np.abs(y[at + 1] - y[at - 1]) > 1e-9]
            gaps = np.concatenate([jumps, jumps + 1])
            (line,) = ax.plot(np.insert(x, gaps, np.nan), np.insert(y, gaps, np.nan),
                              label=act.label, lw=1.8)
            ax.plot(x[jumps], y[jumps], "o", ms=4, color=line.get_color())
        ax.axhline(0, color="0.6", lw=0.8, zorder=0)
        ax.axvline(0, color="0.6", lw=0.8, zorder=0)
        ax.set_xlim(x0, x1)
        ax.grid(alpha=0.4)
        ax.set_xlabel("x")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=9, framealpha=0.9)
        ax.set_title("Derivatives" if is_derivative else "Activation functions")
    if ylim is not None:
        axes[0].set_ylim(*ylim)
    return fig
