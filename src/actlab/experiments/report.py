"""The self-contained HTML report of :mod:`actlab.experiments.reproduce`.

One file, no network access needed: CSS inline, figures embedded as base64 PNG, links to
playground.tensorflow.org only for replaying runs.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from actlab.experiments import claims as C
from actlab.experiments.dying import STUCK_SLOPE
from actlab.experiments.stats import (
    MUCH_FASTER_RATIO,
    bootstrap_median_ci,
    cmh_test,
    fisher_exact,
    fmt_epochs,
    median,
)

if TYPE_CHECKING:
    from actlab.experiments.reproduce import Reproduction

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans Thai", "Leelawadee UI",
       Thonburi, sans-serif;
       color: #1d2330; background: #f6f7f9; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin-top: 42px; border-bottom: 2px solid #e3e6eb; padding-bottom: 4px; }
h3 { font-size: 17px; margin: 22px 0 6px; }
p.lead { color: #4a5263; margin-top: 0; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: 13.5px; }
th, td { border: 1px solid #dde1e7; padding: 4px 9px; text-align: right; vertical-align: top; }
td { white-space: nowrap; }
td.l { white-space: normal; }
th { background: #f0f2f5; font-weight: 600; }
td.l, th.l { text-align: left; }
tr:nth-child(even) td { background: #fafbfc; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600;
         font-size: 12.5px; white-space: nowrap; color: #fff; }
.supported { background: #1e8e3e; }
.not-supported { background: #c5221f; }
.reversed { background: #7b1fa2; }
.undecided { background: #6b7280; }
.depends { background: #e37400; }
.claim { border: 1px solid #dde1e7; border-left: 5px solid #9aa0a6; border-radius: 4px;
         padding: 10px 16px; margin: 16px 0; }
.claim.supported-b { border-left-color: #1e8e3e; }
.claim.not-supported-b { border-left-color: #c5221f; }
.claim.depends-b { border-left-color: #e37400; }
.claim.reversed-b { border-left-color: #7b1fa2; }
table.summary td { white-space: normal; font-size: 12.5px; }
.claim h3 { margin-top: 4px; }
.th { font-size: 16px; color: #333; }
.en { font-style: italic; color: #3c4250; }
.k { color: #5f6673; font-weight: 600; }
.reason { font-size: 13px; color: #3c4250; background: #f6f7f9; padding: 6px 10px;
          border-radius: 4px; }
img { max-width: 100%; height: auto; border: 1px solid #eceef1; margin: 6px 0 14px; }
pre { font-size: 12px; background: #f6f7f9; padding: 10px; overflow-x: auto; }
a { color: #1a56c9; }
ul.links { margin: 4px 0; padding-left: 20px; font-size: 13px; }
.muted { color: #6b7280; font-size: 13px; }
table.cases { font-size: 12.5px; width: 100%; }
table.cases td { white-space: normal; }
table.cases td:nth-child(2) { white-space: nowrap; }
.yes { color: #1e8e3e; font-weight: 600; }
.no { color: #c5221f; font-weight: 600; }
.und { color: #6b7280; font-weight: 600; }
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _badge(verdict: str) -> str:
    return f'<span class="badge {verdict.replace(" ", "-")}">{_e(verdict)}</span>'


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], left: int = 1) -> str:
    def cells(tag: str, values: Sequence[object]) -> str:
        return "".join(f'<{tag}{" class=l" if i < left else ""}>{_e(v)}</{tag}>'
                       for i, v in enumerate(values))

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    return f"<table><tr>{cells('th', header)}</tr>{body}</table>"


# ----------------------------------------------------------------------------- figures
def figures(rep: Reproduction) -> dict[str, bytes]:
    """Every figure of the report as PNG bytes, by file stem."""
    from actlab import activations
    from actlab.experiments.reproduce import LESSON_SLOPE
    from actlab.plots import activations as act_plots
    from actlab.plots import experiments as P

    figs = {
        "lesson_sigmoid_vs_relu": act_plots.sigmoid_vs_relu(),
        "lesson_relu_vs_leaky_relu": act_plots.relu_vs_leaky_relu(LESSON_SLOPE),
        "derivatives": act_plots.plot_activations(
            [activations.get("sigmoid"), activations.get("tanh"), activations.get("relu"),
             activations.get("leaky_relu", negative_slope=LESSON_SLOPE)],
            derivative=True, xlim=(-4, 4)),
    }
    figs["tuned_comparison"] = P.tuned_figure(rep.tuned)
    figs["gradients"] = P.gradient_figure(rep.gradients)
    figs["dying_units"] = P.dying_figure(rep.dying)
    figs["centring"] = P.centring_figure(rep.centring)
    return {name: P.png_bytes(fig) for name, fig in figs.items()}


# ----------------------------------------------------------------------------- sections
def _claim_card(c: C.Claim) -> str:
    cls = c.verdict.replace(" ", "-") + "-b"
    cond = f' <span class="k">when:</span> {_e(c.condition)}' if c.condition else ""
    links = "".join(f'<li><a href="{_e(x["url"])}">{_e(x["label"])}</a></li>' for x in c.links)
    links_html = (f'<div class="k">Replay on playground.tensorflow.org:</div>'
                  f'<ul class="links">{links}</ul>') if links else ""
    return f"""
<div class="claim {cls}" id="{_e(c.id)}">
<h3>{_badge(c.verdict)} {_e(c.title)}</h3>
<div class="th" lang="th">“{_e(c.statement_th)}”</div>
<div class="en">“{_e(c.statement_en)}”</div>
<p><span class="k">Measured:</span> {_e(c.scope)}</p>
<p><span class="k">Rule:</span> {_e(c.rule)}</p>
<p><span class="k">Verdict:</span> {_badge(c.verdict)}{cond}</p>
{f'<p><span class="k">Effect:</span> {_e(c.effect)}</p>' if c.effect else ""}
{_evidence(c)}
{_panel(c)}
{links_html}
</div>"""


_OUTCOME_CLASS = {"holds": "yes", "does not hold": "no", "reversed": "no",
                  "no detectable difference": "und", "undecided": "und"}


def _num(v: object) -> str:
    if v is None:
        return "–"
    if v == "inf":
        return "∞"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _evidence(c: C.Claim) -> str:
    """Per case: outcome, test, p (Holm), effect size with CI, measured detail."""
    if not c.cases:
        return f'<div class="reason"><span class="k">Evidence:</span> {_e(c.reason)}</div>'
    rows = []
    for x in c.cases:
        cls = _OUTCOME_CLASS.get(x["outcome"], "und")
        ci = x.get("ci95")
        effect = ("–" if x.get("effect_size") is None else
                  f"{_num(x['effect_size'])} [{_num(ci[0])}, {_num(ci[1])}]")
        p = "–" if x.get("p_value") is None else _num(float(x["p_value"]))
        if x.get("p_holm") is not None:
            p += f" ({_num(x['p_holm'])})"
        rows.append(f"<tr><td class=l>{_e(x['case'])}</td>"
                    f'<td class=l><span class="{cls}">{_e(x["outcome"])}</span></td>'
                    f"<td>{_e(p)}</td><td>{_e(effect)}</td>"
                    f"<td class=l>{_e(x['detail'])}</td></tr>")
    return ('<table class="cases"><tr><th class=l>case</th><th class=l>outcome</th>'
            "<th>p (Holm)</th><th>effect [95% CI]</th><th class=l>measured</th></tr>"
            f"{''.join(rows)}</table>")


def _panel(c: C.Claim) -> str:
    """The sensitivity panel: outcome of each case under each condition."""
    if not c.panel:
        return ""
    cols = c.panel["columns"]
    head = "".join(f"<th>{_e(col)}</th>" for col in cols)
    verdicts = "".join(f"<td>{_badge(c.panel['verdicts'][col]['verdict'])}</td>"
                       for col in cols)
    body = "".join(
        f"<tr><td class=l>{_e(case)}</td>" + "".join(
            f'<td><span class="{_OUTCOME_CLASS.get(o, "und")}">{_e(o)}</span></td>'
            for o in (outs[col] for col in cols)) + "</tr>"
        for case, outs in c.panel["outcomes"].items())
    mark = "robust" if c.robust else "not robust"
    return (f'<p><span class="k">Sensitivity panel</span> ({mark}: the verdict '
            f"{'agrees' if c.robust else 'does not agree'} across every column):</p>"
            f'<table class="cases"><tr><th class=l>case</th>{head}</tr>{body}'
            f"<tr><td class=l><b>verdict</b></td>{verdicts}</tr></table>")


def _summary_text(d: dict) -> str:
    b = d["budget"]

    def f(v: float | None) -> str:
        return fmt_epochs(float("inf") if v is None else v, b)

    lo, hi = d["median_ci95"]
    return f"{f(d['median'])} [{f(lo)}–{f(hi)}] ({d['never_converged']}/{d['n']})"


def _tuned_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    t = rep.tuned
    rows = []
    for r in t.table():
        tune = ", ".join(f"{k}: {fmt_epochs(float('inf') if v is None else v, t.budget)}"
                         for k, v in r["tuning_median"].items())
        rows.append([r["dataset"], r["activation"],
                     f"{r['best_rate']:g}" + (" (grid edge)" if r["best_at_grid_edge"] else ""),
                     tune, _summary_text(r["lesson_rate"]), _summary_text(r["tuned_rate"])])
    return f"""<h2 id="comparison">Convergence: each activation at the lesson's rate and at
its own best rate</h2>
<p><b>Protocol.</b> The playground's default network ([4, 2], batch 10, noise 0, 50% training
data, inputs x, y) on circle, xor, gauss and spiral. For each dataset and activation the
learning rate is tuned over {{{", ".join(f"{r:g}" for r in t.rates)}}} on seeds
<code>{t.tune_seeds[0]}</code>–<code>{t.tune_seeds[-1]}</code> (best = lowest median epochs to
test loss ≤ 0.01, ties → fewer never-converged → smaller rate; a best rate at the grid's edge
is flagged), then measured on the held-out seeds <code>{t.held_seeds[0]}</code>–
<code>{t.held_seeds[-1]}</code> both at the lesson's rate 0.03 and at the best rate. One epoch
budget, {t.budget}, for every convergence study. Cells: median epochs to test loss ≤ 0.01
[95% bootstrap CI] (never-converged / seeds).</p>
{_table(["dataset", "activation", "best lr", "tuning: median epochs per rate",
         "held-out @ 0.03", "held-out @ best lr"], rows, left=2)}
{_img(figs["tuned_comparison"], "tuned comparison")}"""


def _digits_section(rep: Reproduction) -> str:
    dg = rep.digits
    if dg is None:
        return ('<h2 id="digits">Real data: digits</h2><p class="reason">'
                + _e(" ".join(rep.notes)) + "</p>")
    rows = []
    for r in dg.table():
        cells = [r["network"], r["init"], r["optimiser"], r["activation"],
                 f"{r['best_rate']:g}" + (" (edge)" if r["best_at_grid_edge"] else "")]
        for t in (0.05, 0.02, 0.01):
            cells.append(_summary_text(r[f"epochs_to_{t:g}"]))
        st = r["steps_to_0.02"]
        cells += ["–" if st is None else f"{st:.0f}",
                  f"{100 * r['final_test_error_median']:.1f}%", r["diverged"]]
        rows.append(cells)
    return f"""<h2 id="digits">Real data: scikit-learn's digits</h2>
<p>1,797 8×8 images (bundled with scikit-learn, never downloaded), standardised, one fixed
stratified 80/20 split; MLP 64-32-32-10 and deep 64-[32×8]-10, softmax cross-entropy,
mini-batch SGD with batch 32 (plain, and momentum 0.9), PyTorch's default initialisation and
the initialisation matched to the activation (He / Glorot). Rate tuned per activation over
{{{", ".join(f"{r:g}" for r in dg.rates)}}} on seeds {dg.tune_seeds[0]}–{dg.tune_seeds[-1]},
measured on seeds {dg.held_seeds[0]}–{dg.held_seeds[-1]}, budget {dg.budget} epochs
({dg.steps_per_epoch} steps each; a network stops once its training error is ≤ 1%). The
trainer equals PyTorch to 1e-10 over 5 epochs (tests/test_experiments_digits.py). Cells:
median epochs to training error ≤ 5 / 2 / 1 % [95% CI] (never / seeds).</p>
{_table(["network", "init", "optimiser", "activation", "best lr", "≤ 5%", "≤ 2%", "≤ 1%",
         "steps to 2%", "test error", "diverged"], rows, left=4)}"""


def seed_last(n: int) -> str:
    return f"{n / 100000:.5f}"


def _gradient_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    g = rep.gradients
    rows = []
    for i, a in enumerate(g.activations):
        for name, arr in (("weights ∂L/∂W", g.weight_ratio), ("deltas ∂L/∂z", g.delta_ratio)):
            cells: list[object] = [a, name]
            for j in range(len(g.depths)):
                x = arr[i, j][~np.isnan(arr[i, j])]
                lo, hi = bootstrap_median_ci(x)
                cells.append(f"{median(x):.2g} [{lo:.2g}, {hi:.2g}]")
            rows.append(cells)
    conv = []
    for a in g.activations:
        conv.append([a, *[f"{fmt_epochs(g.summary(a, d).median, g.epochs)} "
                          f"({g.summary(a, d).never}/{len(g.speed_seeds)})"
                          for d in g.speed_depths]])
    return f"""<h2 id="gradients">Vanishing gradients</h2>
<p>Networks of {min(g.depths)}–{max(g.depths)} hidden layers × {g.width} units on
{_e(g.base.dataset)}, playground initialization (weights U(−0.5, 0.5), biases 0.1),
{len(g.seeds)} seeds. Per seed: first-layer ÷ last-layer RMS of the weight gradient
∂(mean training loss)/∂W, and of the back-propagated delta ∂E/∂z (RMS over points and units);
below {C.VANISHED_RATIO:g} it counts as vanished. Cells: median over seeds [95% bootstrap
CI].</p>
{_img(figs["gradients"], "gradient norms per layer")}
<h3>First ÷ last layer at initialization, by number of hidden layers</h3>
{_table(["activation", "measure", *map(str, g.depths)], rows, left=2)}
<h3>Depth vs speed: median epochs to test loss ≤ {g.threshold:g} (never / seeds), budget
{g.epochs}, lr {g.base.learning_rate:g}</h3>
{_table(["activation", *map(str, g.speed_depths)], conv)}"""


def _dying_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    d = rep.dying
    rows = []
    for dataset in d.datasets:
        for lr in d.learning_rates:
            row: list[object] = [dataset, f"{lr:g}"]
            for a in d.activations:
                cell = d.cell(a, lr, dataset)
                row.append(f"{100 * cell['final_dead_share']:.0f}% · "
                           f"{cell['runs_with_dead_units']} · "
                           f"{cell['runs_with_stuck_units']} · {cell['never_converged']}"
                           + (f" · {cell['diverged']} div." if cell["diverged"] else ""))
            rows.append(row)
    strata = []
    for s in d.strata("relu"):
        (sc, sn), (ac, an) = s["table"]
        strata.append([s["dataset"], f"{s['learning_rate']:g}", sc, sn, ac, an,
                       f"{fisher_exact(s['table']):.3g}"])
    cmh = cmh_test([s["table"] for s in d.strata("relu")])
    return f"""<h2 id="dying">Dying units</h2>
<p>Playground default network [{", ".join(map(str, d.network_shape))}] on
{", ".join(d.datasets)}, learning rates {", ".join(f"{r:g}" for r in d.learning_rates)},
{len(d.seeds)} seeds, {d.epochs} epochs (the convergence budget). A hidden unit is
<b>dead</b> when it outputs exactly 0 on every training point; <b>stuck</b> — one definition
for every activation — when |f′(z)| &lt; {STUCK_SLOPE:g} × the activation's largest slope on
every training point (checked every {int(d.checkpoints[1] - d.checkpoints[0])} epochs).</p>
{_img(figs["dying_units"], "dead units over epochs")}
<h3>Per cell at the end: mean dead share · runs with a dead unit · runs with a stuck unit ·
runs never converged (of {len(d.seeds)})</h3>
{_table(["dataset", "lr", *d.activations], rows, left=2)}
<h3>ReLU: stuck units × convergence, per (dataset, learning rate) stratum</h3>
{_table(["dataset", "lr", "stuck & converged", "stuck & never", "none & converged",
         "none & never", "Fisher p"], strata, left=2)}
<p>Cochran–Mantel–Haenszel over the strata: χ² = {cmh['statistic']:.3g},
p = {cmh['p_value']:.3g}, common odds ratio {cmh['odds_ratio']:.3g}.</p>"""


def _centring_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    c = rep.centring
    rows = []
    last = c.checkpoints.size - 1
    for i, a in enumerate(c.activations):
        for layer in range(c.mean.shape[1]):
            rows.append([a, layer + 1,
                         *[f"{c.mean[i, layer, t]:+.3f} ± {c.std[i, layer, t]:.3f}"
                           for t in (0, last)],
                         *[f"{c.centring_index[i, layer, t]:.2f}" for t in (0, last)],
                         f"{c.max[i, layer, last]:.3g}"])
    end = int(c.checkpoints[-1])
    return f"""<h2 id="centring">Zero-centring</h2>
<p>Outputs of each hidden layer on the training points (all units × all points) of the
playground default run on {_e(c.base.dataset)}, {len(c.seeds)} seeds (median over seeds).
Centring index = |mean| / √(mean² + std²): 0 = balanced around zero, 1 = constant offset.</p>
{_img(figs["centring"], "layer means over training")}
{_table(["activation", "layer", "mean ± std, epoch 0", f"mean ± std, epoch {end}",
         "index, epoch 0", f"index, epoch {end}", f"max output, epoch {end}"], rows, left=1)}"""


def _lesson_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    from actlab import properties

    return f"""<h2 id="lesson">The lesson's figures, derivatives and measured properties</h2>
<p>The lesson's two figures (Sigmoid vs ReLU; ReLU vs LeakyReLU with negative slope 0.05),
regenerated, and the derivatives of the four functions.</p>
{_img(figs["lesson_sigmoid_vs_relu"], "Sigmoid and ReLU")}
{_img(figs["lesson_relu_vs_leaky_relu"], "ReLU and LeakyReLU")}
{_img(figs["derivatives"], "activations and derivatives")}
<h3>Measured properties</h3>
<pre>{_e(properties.format_table(rep.properties))}</pre>"""


def _summary_table(rep: Reproduction) -> str:
    """The one-screen summary: claim, verdict, condition, effect with CI, robustness."""
    mark = {True: "✓ robust", False: "✗ not robust", None: "–"}
    rows = "".join(
        f'<tr><td class=l><a href="#{_e(c.id)}">{_e(c.title)}</a></td>'
        f"<td class=l>{_badge(c.verdict)}</td><td class=l>{_e(c.condition or '')}</td>"
        f"<td class=l>{_e(c.effect)}</td><td class=l>{mark[c.robust]}</td></tr>"
        for c in rep.claims)
    return ('<table class="summary"><tr><th class=l>claim</th><th class=l>verdict</th>'
            "<th class=l>condition</th><th class=l>effect size [95% CI]</th>"
            f"<th class=l>robustness</th></tr>{rows}</table>")


def render_html(rep: Reproduction, figs: dict[str, bytes]) -> str:
    """The report as one HTML document: a one-screen summary, then the sections."""
    counts = {v: sum(c.verdict == v for c in rep.claims) for v in C.VERDICTS}
    env = ", ".join(f"{k} {v}" for k, v in rep.environment.items())
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in rep.timings.items())
    s = rep.settings
    note = ""
    if s.name == "quick":
        note = ('<p class="reason"><b>quick settings:</b> few seeds and epochs, for testing; '
                "numbers and verdicts are not meant to be read.</p>")
    elif s.name == "default":
        note = ('<p class="reason"><b>Default settings:</b> every step of the protocol, with '
                f"fewer seeds than the full protocol so that it runs in minutes: tuning on "
                f"{s.tune_seeds} seeds (full: 40), measuring on {s.held_seeds} held-out seeds "
                f"(full: 80), [8, 8] panel on {s.wide_seeds} (full: 40), gradients after "
                f"{s.grad_epochs} epochs of training (full: 30), "
                f"depth-vs-speed on {s.speed_seeds} seeds (full: 40), dying units on "
                f"{s.dying_seeds} (full: 40), digits on {s.digits_tune_seeds} + "
                f"{s.digits_held_seeds} seeds and {s.digits_epochs} epochs (full: 20 + 20, "
                "30). <code>actlab reproduce --full</code> runs the full protocol.</p>")
    notes = "".join(f'<p class="reason">{_e(n)}</p>' for n in rep.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actlab: the ReLU lesson, measured</title>
<style>{CSS}</style></head>
<body><main>
<h1>The ReLU lesson, measured</h1>
<p class="lead">Each claim of the lesson “Activation Function ep.3: ReLU” (Thai, with
PyTorch code), checked on a TensorFlow Playground engine that replays
playground.tensorflow.org runs number for number, and on real images (digits). Verdicts are
computed from paired tests by the rule printed with each claim; “much faster” means a ratio
of medians ≥ {MUCH_FASTER_RATIO:g} with its 95% CI above 1.</p>
{note}{notes}
<p class="muted">{" · ".join(f"{n} {v}" for v, n in counts.items() if n)}.
Generated by <code>actlab reproduce</code> ({_e(s.name)} settings).</p>
{_summary_table(rep)}
<p class="muted">Sections: <a href="#claims">claims</a> · <a href="#comparison">convergence
(tuned)</a> · <a href="#digits">digits</a> · <a href="#gradients">vanishing gradients</a> ·
<a href="#dying">dying units</a> · <a href="#centring">zero-centring</a> ·
<a href="#lesson">figures and properties</a> · <a href="#reproduce">reproducibility</a></p>
<h2 id="claims">Claims</h2>
{"".join(_claim_card(c) for c in rep.claims)}
{_tuned_section(rep, figs)}
{_digits_section(rep)}
{_gradient_section(rep, figs)}
{_dying_section(rep, figs)}
{_centring_section(rep, figs)}
{_lesson_section(rep, figs)}
<h2 id="reproduce">Reproducibility</h2>
<p>Command: <code>actlab reproduce --out DIR{" --quick" if s.name == "quick" else ""}
{" --full" if s.name == "full" else ""}</code> (add <code>--db FILE</code> to keep every
playground run in a sweep store and resume). All runs are deterministic: seed strings fix
data and initial weights; the bootstrap uses a fixed generator seed.
<code>claims.json</code> and <code>measurements.json</code> next to this file hold every
number shown here.</p>
<p class="muted">Environment: {_e(env)}.<br>Time: {_e(timing)}.</p>
</main></body></html>
"""
