"""Figure of a sweep summary: median epochs to converge per group, with its 95 % CI."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def sweep_figure(groups: Sequence[dict[str, Any]], by: Sequence[str], tau: float,
                 title: str | None = None) -> Figure:
    """Median epochs to reach test loss ``<= tau`` per group (from ``summarize_rows``).

    If one of ``by`` is numeric (e.g. ``learning_rate``), it is the x axis (logarithmic when
    it spans more than a factor 10) and every combination of the other keys is a line;
    otherwise each group is a horizontal bar. Error bars are the bootstrap 95 % CI of the
    median; a median beyond the budget ("never") is drawn at the budget as an open marker.
    """
    budget = max(g["budget"] for g in groups)

    def val(v: float | None) -> float:
        return budget if v is None or not math.isfinite(v) else v

    fig = Figure(figsize=(8, 4.8))
    ax = fig.add_subplot()
    numeric = [k for k in by if _numeric([g[k] for g in groups])]
    if numeric:
        xkey = numeric[-1]
        others = [k for k in by if k != xkey]
        lines: dict[tuple, list[dict[str, Any]]] = {}
        for g in groups:
            lines.setdefault(tuple(g["labels"][by.index(k)] for k in others), []).append(g)
        for name, members in lines.items():
            members = sorted(members, key=lambda g: g[xkey])
            xs = [g[xkey] for g in members]
            ys = [val(g["median"]) for g in members]
            lo = [y - val(g["median_ci95"][0]) for y, g in zip(ys, members, strict=True)]
            hi = [val(g["median_ci95"][1]) - y for y, g in zip(ys, members, strict=True)]
            label = ", ".join(name) if name else f"median (τ={tau:g})"
            bar = ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=label)
            never = [(x, y) for x, y, g in zip(xs, ys, members, strict=True)
                     if g["median"] is None]
            if never:
                ax.plot(*zip(*never, strict=True), linestyle="none", marker="o", ms=10,
                        mfc="none", color=bar[0].get_color())
        xs_all = [g[xkey] for g in groups]
        if min(xs_all) > 0 and max(xs_all) / min(xs_all) > 10:
            ax.set_xscale("log")
        ax.set_xlabel(xkey)
        ax.set_ylabel(f"epochs to test loss ≤ {tau:g} (median, 95% CI)")
        ax.legend(title=", ".join(others) if others else None, fontsize=8)
    else:
        labels = [", ".join(g["labels"]) or "all runs" for g in groups]
        ys = [val(g["median"]) for g in groups]
        lo = [y - val(g["median_ci95"][0]) for y, g in zip(ys, groups, strict=True)]
        hi = [val(g["median_ci95"][1]) - y for y, g in zip(ys, groups, strict=True)]
        pos = list(range(len(groups)))
        colors = ["lightgray" if g["median"] is None else "tab:blue" for g in groups]
        ax.barh(pos, ys, xerr=[lo, hi], color=colors, capsize=3,
                label=f"median (τ={tau:g}), 95% CI")
        ax.set_yticks(pos, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"epochs to test loss ≤ {tau:g}")
        ax.set_ylabel(", ".join(by) or "group")
        ax.legend(fontsize=8)
    ax.axhline(budget, color="gray", lw=0.8, ls=":") if numeric else ax.axvline(
        budget, color="gray", lw=0.8, ls=":")
    ax.set_title(f"{title or 'sweep'}: epochs to converge (budget {budget}; open/gray = "
                 "median never within budget)", fontsize=10)
    fig.tight_layout()
    return fig
