"""The lesson's figures and the general activation plot."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import activations
from actlab.errors import ActlabError
from actlab.plots import activations as plots

PNG = b"\x89PNG\r\n\x1a\n"


def grid_on(ax) -> bool:
    return any(line.get_visible() for line in ax.get_xgridlines())


def test_sigmoid_vs_relu_is_the_lessons_figure():
    fig = plots.sigmoid_vs_relu()
    (ax,) = fig.axes
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-0.5, 2.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Sigmoid", "ReLU"]
    assert ax.get_legend()._loc == 2  # 'upper left'
    assert grid_on(ax) and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    sig, relu = ax.get_lines()
    x = np.arange(-10.0, 10.0, 0.01)
    np.testing.assert_array_equal(sig.get_xdata(), x)
    np.testing.assert_allclose(sig.get_ydata(), 1 / (1 + np.exp(-x)), atol=1e-15)
    np.testing.assert_array_equal(relu.get_ydata(), np.maximum(x, 0))


def test_relu_vs_leaky_relu_is_the_lessons_figure():
    fig = plots.relu_vs_leaky_relu()
    assert tuple(fig.get_size_inches()) == (12, 6)
    assert fig.get_suptitle() == "Comparing ReLU and LeakyReLU"
    ax1, ax2 = fig.axes
    assert [ax1.get_title(), ax2.get_title()] == ["ReLU", "LeakyReLU"]
    for ax in (ax1, ax2):
        assert ax.get_xlim() == (-3.0, 3.0) and ax.get_ylim() == (-1.0, 3.0)
        assert grid_on(ax) and ax.get_xlabel() and ax.get_ylabel()
    x, y = ax2.get_lines()[0].get_data()
    assert y[np.argmin(np.abs(x + 2))] == pytest.approx(-0.1)  # 0.05 * -2


def test_plot_seed_figures_writes_two_pngs(tmp_path):
    paths = plots.plot_seed_figures(tmp_path / "new" / "dir")
    assert [p.name for p in paths] == ["sigmoid_vs_relu.png", "relu_vs_leaky_relu.png"]
    for p in paths:
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000
    assert sorted(f.name for f in paths[0].parent.iterdir()) == sorted(p.name for p in paths)


def test_plot_seed_figures_refuses_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ActlabError, match="must be a folder"):
        plots.plot_seed_figures(f)


def test_plot_activations_with_derivatives():
    acts = [activations.get("relu"), activations.get("leaky_relu", negative_slope=0.05), "tanh"]
    fig = plots.plot_activations(acts, derivative=True, xlim=(-3, 3), ylim=(-1, 2))
    ax_f, ax_d = fig.axes
    labels = [t.get_text() for t in ax_f.get_legend().get_texts()]
    assert labels == ["relu", "leaky_relu(negative_slope=0.05)", "tanh"]
    assert ax_f.get_ylim() == (-1.0, 2.0) and ax_f.get_xlim() == (-3.0, 3.0)
    assert ax_f.get_xlabel() == "x" and ax_d.get_ylabel() == "f'(x)"
    assert ax_f.get_title() and ax_d.get_title()
    x, y = ax_d.get_lines()[0].get_data()  # relu': broken at the jump, not a steep line
    assert np.isnan(y).sum() == 2
    finite = ~np.isnan(y)
    np.testing.assert_array_equal(y[finite], (x[finite] > 0).astype(float))
    assert 0.0 in x  # the kink itself is sampled


def test_plot_activations_single_panel_and_errors():
    assert len(plots.plot_activations(["sigmoid"]).axes) == 1
    with pytest.raises(ActlabError, match="xlim must be two finite numbers"):
        plots.plot_activations(["relu"], xlim=(1, -1))
    with pytest.raises(ActlabError, match="ylim must be"):
        plots.plot_activations(["relu"], ylim=(0, float("nan")))
    with pytest.raises(ActlabError, match="at least one"):
        plots.plot_activations([])


def test_save_figure_by_suffix(tmp_path):
    fig = plots.plot_activations(["relu"])
    svg = plots.save_figure(fig, tmp_path / "a.svg")
    assert b"<svg" in svg.read_bytes()[:1000]
    assert plots.save_figure(fig, tmp_path / "b.PNG").read_bytes()[:8] == PNG
    with pytest.raises(ActlabError, match=r"must end in \.png or \.svg, got"):
        plots.save_figure(fig, tmp_path / "c.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "b.PNG"]


def test_save_figure_leaves_nothing_when_drawing_fails(tmp_path, monkeypatch):
    fig = plots.plot_activations(["relu"])

    def broken(path, **kw):
        with open(path, "wb") as f:
            f.write(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError):
        plots.save_figure(fig, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []
