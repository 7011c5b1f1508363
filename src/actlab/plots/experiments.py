"""Figures of the experiments (:mod:`actlab.experiments`): each takes results, returns a Figure.

Built on :class:`matplotlib.figure.Figure` (no pyplot state). Diverged runs (NaN loss) are
never dropped silently: curves treat them as +inf (so they pull medians and bands up and out
of the plot) and legends say how many there were; never-converged runs are drawn at a
separate "never" level above the budget.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from actlab.experiments.centring import CentringStudy
from actlab.experiments.compare import Comparison
from actlab.experiments.dying import DyingStudy
from actlab.experiments.gradients import VANISHED_RATIO, GradientStudy
from actlab.experiments.tuned import TunedStudy

__all__ = [
    "centring_figure",
    "tuned_figure",
    "comparison_figure",
    "dying_figure",
    "gradient_figure",
    "loss_bands",
    "png_bytes",
]

COLORS = {
    "relu": "#d62728", "tanh": "#1f77b4", "sigmoid": "#2ca02c", "leaky_relu": "#e6a100",
    "leaky_relu(0.01)": "#8c564b", "leaky_relu(0.05)": "#e6a100", "elu": "#9467bd",
    "linear": "#7f7f7f",
}
_PLAIN = FuncFormatter(lambda v, _pos: f"{v:g}")  # 20, 300 rather than 2×10¹, 3×10²
_PLAIN_MINOR = FuncFormatter(lambda v, _pos: f"{v:g}" if f"{v:g}"[0] in "25" else "")
_FALLBACK = ("#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def color(label: str, i: int = 0) -> str:
    return COLORS.get(label, _FALLBACK[i % len(_FALLBACK)])


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for embedding in HTML)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def loss_bands(loss: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 25th and 75th percentile over runs (axis 0) with NaN counted as +inf.

    Order statistics (``inverted_cdf``), so an infinite value is never interpolated.
    """
    x = np.where(np.isnan(loss), np.inf, loss)
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75], axis=0, method="inverted_cdf")
    return med, q1, q3


def _run_label(label: str, n: int, diverged: int) -> str:
    return f"{label} ({diverged}/{n} diverged)" if diverged else label


def comparison_figure(cmp: Comparison, title: str | None = None) -> Figure:
    """Epochs to converge (box + jittered points) and median test-loss curves (IQR bands)."""
    fig = Figure(figsize=(13, 5.2), layout="constrained")
    ax_box, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.35]})
    budget = cmp.epochs
    never_y = budget * 1.8
    rng = np.random.default_rng(0)
    labels = cmp.activations
    for i, label in enumerate(labels):
        s = cmp.summary(label)
        epochs = cmp.converged(label).astype(float)
        done = epochs >= 0
        c = color(label, i)
        y = np.maximum(epochs[done], 1.0)
        ax_box.scatter(i + rng.uniform(-0.18, 0.18, y.size), y, s=10, color=c, alpha=0.55,
                       linewidths=0, zorder=4)
        n_never = int((~done).sum())
        if n_never:
            ax_box.scatter(i + rng.uniform(-0.18, 0.18, n_never), np.full(n_never, never_y),
                           marker="x", s=18, color="black", alpha=0.7, linewidths=0.8, zorder=4)
            ax_box.annotate(f"{n_never}", (i + 0.27, never_y * 1.12), va="bottom", fontsize=8,
                            zorder=5)

        def at(v: float) -> float:
            return never_y if math.isinf(v) else max(v, 1.0)

        ax_box.bxp([{"med": at(s.median), "q1": at(s.q1), "q3": at(s.q3),
                     "whislo": at(s.q1), "whishi": at(s.q3), "fliers": [], "label": label}],
                   positions=[i], widths=0.5, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": c, "alpha": 0.25, "edgecolor": c},
                   medianprops={"color": "black", "lw": 2}, whiskerprops={"lw": 0},
                   capprops={"lw": 0})
    ax_box.axhline(budget, color="0.4", ls="--", lw=0.9)
    edge = ax_box.get_yaxis_transform()  # x in axes coordinates, y in data
    ax_box.text(1.01, budget, f"budget\n{budget}", transform=edge, va="center", fontsize=8,
                color="0.3")
    ax_box.axhspan(budget * 1.35, budget * 2.5, color="0.92", zorder=0)
    ax_box.text(1.01, never_y, "never", transform=edge, va="center", fontsize=8, color="0.25")
    ax_box.set_yscale("log")
    finite = [e for label in labels for e in cmp.converged(label) if e >= 0]
    ax_box.set_ylim(max(0.8, min(finite, default=1) / 1.6), budget * 2.5)
    ax_box.yaxis.set_major_formatter(_PLAIN)
    ax_box.yaxis.set_minor_formatter(_PLAIN_MINOR)
    ax_box.set_xticks(range(len(labels)), labels, rotation=15)
    ax_box.set_xlim(-0.6, len(labels) - 0.4)
    ax_box.set_ylabel(f"epochs until test loss ≤ {cmp.threshold:g}")
    ax_box.set_title("Epochs to converge (box = IQR, bar = median; × = never)")
    ax_box.grid(axis="y", alpha=0.3, which="both")

    x = np.arange(1, budget + 1)
    for i, label in enumerate(labels):
        med, q1, q3 = loss_bands(cmp.test_loss[label][:, 1:])
        c = color(label, i)
        n_div = int((cmp.diverged_at[label] >= 0).sum())
        ax_curve.plot(x, np.where(np.isfinite(med), med, np.nan), color=c, lw=1.8,
                      label=_run_label(label, len(cmp.seeds), n_div))
        ax_curve.fill_between(x, np.where(np.isfinite(q1), q1, np.nan),
                              np.where(np.isfinite(q3), q3, 10.0), color=c, alpha=0.15,
                              linewidth=0)
    ax_curve.axhline(cmp.threshold, color="0.3", ls="--", lw=0.9,
                     label=f"threshold τ = {cmp.threshold:g}")
    ax_curve.set_xscale("log")
    ax_curve.set_yscale("log")
    ax_curve.set_ylim(bottom=max(1e-5, min(_finite_min(cmp), cmp.threshold) * 0.5), top=1.0)
    ax_curve.set_xlim(1, budget)
    ax_curve.set_xlabel("epoch")
    ax_curve.set_ylabel("test loss (median over seeds, band = IQR)")
    ax_curve.set_title("Test loss over training")
    ax_curve.legend(fontsize=9, loc="lower left")
    ax_curve.grid(alpha=0.3, which="both")
    fig.suptitle(title or f"{cmp.base.data_source}: {len(cmp.seeds)} seeds per activation, "
                 f"network {list(cmp.base.network_shape)}, lr {cmp.base.learning_rate:g}")
    return fig


def _finite_min(cmp: Comparison) -> float:
    lows = [np.nanmin(np.where(np.isfinite(v), v, np.nan)) for v in cmp.test_loss.values()]
    lows = [v for v in lows if np.isfinite(v) and v > 0]
    return min(lows) if lows else 1e-4


def gradient_figure(study: GradientStudy) -> Figure:
    """Per-layer gradient RMS at the deepest depth, the first÷last ratio and convergence."""
    fig = Figure(figsize=(13, 9.5), layout="constrained")
    (ax_init, ax_trained), (ax_ratio, ax_conv) = fig.subplots(2, 2)
    deepest = len(study.depths) - 1
    depth = study.depths[deepest]
    layers = np.arange(1, depth + 2)
    for ax, rms, when in ((ax_init, study.rms_init, "at initialization"),
                          (ax_trained, study.rms_trained, f"after {study.grad_epochs} epochs")):
        for i, label in enumerate(study.activations):
            ax.plot(layers, rms[i, deepest, :depth + 1], "o-", color=color(label, i),
                    label=label, ms=4)
        ax.set_yscale("log")
        ax.set_xlabel("weight layer (1 = input → hidden 1, last = → output)")
        ax.set_ylabel("RMS gradient per weight (median over seeds)")
        ax.set_title(f"{depth} hidden layers × {study.width}: gradient {when}")
        ax.set_xticks(layers)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=9)
    ratio = study.ratio()
    for i, label in enumerate(study.activations):
        ax_ratio.plot(study.depths, ratio[i], "o-", color=color(label, i), label=label, ms=4)
    ax_ratio.axhline(VANISHED_RATIO, color="0.3", ls="--", lw=0.9,
                     label=f"vanished: < {VANISHED_RATIO:g}")
    ax_ratio.set_yscale("log")
    ax_ratio.set_xlabel("hidden layers")
    ax_ratio.set_ylabel("first-layer ÷ last-layer RMS gradient")
    ax_ratio.set_title("How much gradient reaches the first layer (at initialization)")
    ax_ratio.set_xticks(study.depths)
    ax_ratio.grid(alpha=0.3, which="both")
    ax_ratio.legend(fontsize=9)
    never_y = study.epochs * 1.8
    for i, label in enumerate(study.activations):
        med = [study.summary(label, d).median for d in study.speed_depths]
        y = [never_y if math.isinf(m) else max(m, 1) for m in med]
        ax_conv.plot(study.speed_depths, y, "o-", color=color(label, i), label=label, ms=4)
    ax_conv.axhspan(study.epochs * 1.35, study.epochs * 2.5, color="0.92", zorder=0)
    ax_conv.text(study.speed_depths[-1], study.epochs * 2.3, "median run never converged ",
                 va="top", ha="right", fontsize=8, color="0.3")
    ax_conv.set_yscale("log")
    ax_conv.set_ylim(top=study.epochs * 2.5)
    ax_conv.yaxis.set_major_formatter(_PLAIN)
    ax_conv.yaxis.set_minor_formatter(_PLAIN_MINOR)
    ax_conv.set_xlabel("hidden layers")
    ax_conv.set_ylabel(f"median epochs until test loss ≤ {study.threshold:g}")
    ax_conv.set_title(f"Epochs to converge vs depth (budget {study.epochs}, "
                      f"{len(study.speed_seeds)} seeds)")
    ax_conv.set_xticks(study.speed_depths)
    ax_conv.grid(alpha=0.3, which="both")
    ax_conv.legend(fontsize=9)
    fig.suptitle(f"Vanishing gradients: {study.base.dataset}, {len(study.seeds)} seeds, "
                 f"lr {study.base.learning_rate:g}, playground initialization")
    return fig


def dying_figure(study: DyingStudy) -> Figure:
    """Share of dead hidden units over epochs: one panel per dataset × learning rate."""
    rows, cols = len(study.datasets), len(study.learning_rates)
    fig = Figure(figsize=(3.4 * cols + 1, 2.9 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    share = study.dead_share()
    negative = study.negative_share()
    for d, dataset in enumerate(study.datasets):
        for r, lr in enumerate(study.learning_rates):
            ax = axes[d, r]
            for i, label in enumerate(study.activations):
                c = color(label, i)
                n_div = int(study.diverged[i, r, d].sum())
                ax.plot(study.checkpoints, 100 * share[i, r, d], color=c, lw=1.8,
                        label=_run_label(label, len(study.seeds), n_div))
                ax.plot(study.checkpoints, 100 * negative[i, r, d], color=c, lw=1, ls=":")
            ax.set_title(f"{dataset}, lr {lr:g}", fontsize=10)
            ax.grid(alpha=0.3)
            if d == rows - 1:
                ax.set_xlabel("epoch")
            if r == 0:
                ax.set_ylabel("% of hidden units")
            if any(study.diverged[:, r, d].ravel()):
                ax.legend(fontsize=7, loc="upper left")
    handles = [Line2D([], [], color=color(label, i), lw=1.8, label=label)
               for i, label in enumerate(study.activations)]
    handles += [Line2D([], [], color="0.3", lw=1.8, label="dead: output exactly 0 on every "
                       "training point"),
                Line2D([], [], color="0.3", lw=1, ls=":", label="pre-activation < 0 on every "
                       "training point")]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=9,
               frameon=False)
    fig.suptitle(f"Dead hidden units over training, mean over {len(study.seeds)} seeds "
                 f"(network {list(study.network_shape)})")
    return fig


def centring_figure(study: CentringStudy) -> Figure:
    """Each hidden layer's mean output (top row) and its spread (bottom row) over training."""
    n_layers = study.mean.shape[1]
    fig = Figure(figsize=(5.6 * n_layers + 0.6, 7.6), layout="constrained")
    axes = fig.subplots(2, n_layers, squeeze=False, sharex=True, sharey="row")
    for layer in range(n_layers):
        ax_mean, ax_std = axes[0, layer], axes[1, layer]
        for i, label in enumerate(study.activations):
            c = color(label, i)
            ax_mean.plot(study.checkpoints, study.mean[i, layer], color=c, lw=1.8, label=label)
            ax_std.plot(study.checkpoints, study.std[i, layer], color=c, lw=1.8, label=label)
        ax_mean.axhline(0, color="black", lw=0.8)
        ax_mean.set_title(f"hidden layer {layer + 1} ({study.base.network_shape[layer]} units)")
        ax_std.set_xlabel("epoch")
        ax_std.set_ylim(bottom=0)
        for ax in (ax_mean, ax_std):
            ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("mean of the layer's outputs")
    axes[1, 0].set_ylabel("std of the layer's outputs")
    axes[0, 0].legend(fontsize=9)
    fig.suptitle(f"Zero-centring: {study.base.dataset}, network "
                 f"{list(study.base.network_shape)}, median over {len(study.seeds)} seeds "
                 "(0 line = balanced around zero)")
    return fig


def tuned_figure(study: TunedStudy) -> Figure:
    """Held-out epochs to converge per activation, at the lesson's rate and each one's best
    rate, one panel per dataset (never-converged runs on a separate level)."""
    fig = Figure(figsize=(11, 7), layout="constrained")
    axes = fig.subplots(2, 2, squeeze=False).ravel()
    never_y = study.budget * 1.8
    rng = np.random.default_rng(0)
    for ax, dataset in zip(axes, study.datasets, strict=False):
        for i, act in enumerate(study.activations):
            label = study.label(act)
            for j, which in enumerate(("lesson", "tuned")):
                y = study.epochs(dataset, act, which)
                y = np.where(np.isinf(y), never_y, np.maximum(y, 1))
                x = i + (j - 0.5) * 0.36 + rng.uniform(-0.1, 0.1, y.size)
                ax.scatter(x, y, s=8, color=color(label, i), alpha=0.35 if j == 0 else 0.8,
                           marker="o" if j == 0 else "D")
                ax.hlines(np.median(y), i + (j - 0.5) * 0.36 - 0.14,
                          i + (j - 0.5) * 0.36 + 0.14, color="k", lw=1.5)
        ax.axhspan(study.budget * 1.35, study.budget * 2.5, color="0.92", zorder=0)
        ax.set_yscale("log")
        ax.set_ylim(top=study.budget * 2.5)
        ax.yaxis.set_major_formatter(_PLAIN)
        ax.set_xticks(range(len(study.activations)))
        ax.set_xticklabels(
            [f"{study.label(a)}\n0.03 | {study.best[(dataset, a)]:g}"
             for a in study.activations], fontsize=8)
        ax.set_ylabel("epochs to test loss ≤ 0.01")
        ax.set_title(f"{dataset}: lesson rate (left, faint) vs best rate (right)")
        ax.grid(alpha=0.3, axis="y", which="both")
    fig.suptitle(f"Tuned comparison on {len(study.held_seeds)} held-out seeds (grey band: "
                 f"never within {study.budget} epochs; bars: medians)")
    return fig
