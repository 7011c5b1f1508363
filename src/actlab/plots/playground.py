"""What the playground shows: the output heatmap with the data, and the loss curves."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from actlab.playground.engine import RunResult, Trainer

#: The playground's colour scale: orange (−1) – light grey-white (0) – blue (+1).
PLAYGROUND_CMAP = LinearSegmentedColormap.from_list(
    "playground", ["#f59322", "#e8eaeb", "#0877bd"]
)
DOMAIN = (-6.0, 6.0)
TRAIN_COLOR, TEST_COLOR = "#777777", "#000000"  # the playground's loss-chart colours


def heatmap_domain(trainer: Trainer, k: int = 0) -> tuple[float, float, float, float]:
    """``(x0, x1, y0, y1)`` of the heatmap: the playground's [-6, 6]², or, for unscaled
    CSV data, the points' bounding box with a 5 % margin."""
    cfg = trainer.configs[k]
    if cfg.data is None or cfg.data_scale:
        return (*DOMAIN, *DOMAIN)
    d = trainer.data[k]
    xy = np.concatenate([d.train_xy, d.test_xy])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = np.where(hi > lo, (hi - lo) * 0.05, 1.0)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def output_grid(trainer: Trainer, k: int = 0, density: int = 120,
                domain: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Network ``k``'s output on a ``density²`` grid over ``domain`` (default [-6, 6]²;
    row 0 = top, the largest y)."""
    x0, x1, y0, y1 = domain or (*DOMAIN, *DOMAIN)
    xx, yy = np.meshgrid(np.linspace(x0, x1, density), np.linspace(y0, y1, density)[::-1])
    xy = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return trainer.predict(xy)[k].reshape(density, density)


def draw_heatmap(ax, grid: np.ndarray, data, show_test: bool = True,
                 discretize: bool = False, title: str = "Output",
                 domain: tuple[float, float, float, float] | None = None,
                 axis_labels: tuple[str, str] = ("x", "y")) -> None:
    """The output heatmap with training points (white edge) and test points (black edge)."""
    extent = domain or (*DOMAIN, *DOMAIN)
    values = np.sign(grid) if discretize else grid
    ax.imshow(np.clip(values, -1, 1), cmap=PLAYGROUND_CMAP, vmin=-1, vmax=1,
              extent=extent, origin="upper", interpolation="bilinear")
    sets = [("train", data.train_xy, data.train_labels, "white")]
    if show_test:
        sets.append(("test", data.test_xy, data.test_labels, "black"))
    for name, xy, labels, edge in sets:
        ax.scatter(xy[:, 0], xy[:, 1], c=np.clip(labels, -1, 1), cmap=PLAYGROUND_CMAP,
                   vmin=-1, vmax=1, s=16, edgecolors=edge, linewidths=0.7,
                   label=f"{name} points")
    ax.set_xlim(*extent[:2])
    ax.set_ylim(*extent[2:])
    ax.set_aspect("equal" if domain is None else "auto")
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)


def draw_losses(ax, result: RunResult) -> None:
    """Train and test loss per epoch (log scale), divergence marked, never plotted as NaN."""
    epochs = np.arange(result.epochs + 1)
    for label, loss, color in (("train loss", result.train_loss, TRAIN_COLOR),
                               ("test loss", result.test_loss, TEST_COLOR)):
        ok = np.isfinite(loss)
        ax.plot(epochs[ok], loss[ok], color=color, label=label, lw=1.5)
    if result.diverged_at is not None:
        ax.axvline(result.diverged_at, color="red", ls="--", lw=1,
                   label=f"diverged at epoch {result.diverged_at}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss  ½(out − label)²")
    ax.set_title("Loss")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)


def run_figure(trainer: Trainer, k: int = 0) -> Figure:
    """The playground's view of network ``k``: output heatmap + loss curves (loss curves
    only for CSV data with more than two inputs: there is no plane to draw)."""
    result = trainer.result(k)
    cfg = result.config
    if len(cfg.data_columns) > 2:
        fig = Figure(figsize=(8, 5.4), layout="constrained")
        draw_losses(fig.subplots(), result)
    else:
        fig = Figure(figsize=(12, 5.4), layout="constrained")
        _draw_output(fig, trainer, k, result)
    final = f"train {result.train_loss[-1]:.4g} · test {result.test_loss[-1]:.4g}"
    shape = ",".join(map(str, cfg.network_shape)) or "none"
    fig.suptitle(
        f"{cfg.data_source} · {cfg.activation} · hidden [{shape}] · lr {cfg.learning_rate:g} · "
        f"batch {cfg.batch_size} · seed {cfg.seed}   ({final})"
    )
    return fig


def _draw_output(fig: Figure, trainer: Trainer, k: int, result: RunResult) -> None:
    cfg = result.config
    ax_map, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.25])
    if result.diverged_at is None:
        domain = heatmap_domain(trainer, k)
        names = cfg.data_columns or ("x", "y")
        if cfg.data is not None and cfg.data_scale:
            names = tuple(f"{n} (scaled to [-6, 6])" for n in names)
        draw_heatmap(ax_map, output_grid(trainer, k, domain=domain), trainer.data[k],
                     show_test=True, discretize=cfg.discretize,
                     title=f"Output after {result.epochs} epochs",
                     domain=None if domain == (*DOMAIN, *DOMAIN) else domain,
                     axis_labels=(names[0], names[1]))
    else:
        ax_map.text(0.5, 0.5, f"diverged at epoch {result.diverged_at}\n(loss became NaN/inf)",
                    ha="center", va="center", color="red", fontsize=14,
                    transform=ax_map.transAxes)
        ax_map.set_axis_off()
    draw_losses(ax_loss, result)
