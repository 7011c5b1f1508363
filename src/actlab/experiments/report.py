"""The self-contained HTML report of :mod:`actlab.experiments.reproduce`.

One file, no network access needed: CSS inline, figures embedded as base64 PNG, links to
playground.tensorflow.org only for replaying runs.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from actlab.experiments import claims as C
from actlab.experiments.compare import Comparison
from actlab.experiments.stats import Summary, fmt_epochs

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
.depends { background: #e37400; }
.claim { border: 1px solid #dde1e7; border-left: 5px solid #9aa0a6; border-radius: 4px;
         padding: 10px 16px; margin: 16px 0; }
.claim.supported-b { border-left-color: #1e8e3e; }
.claim.not-supported-b { border-left-color: #c5221f; }
.claim.depends-b { border-left-color: #e37400; }
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
    for dataset, cmp in rep.comparisons.items():
        figs[f"compare_{dataset}"] = P.comparison_figure(cmp)
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
{_evidence(c)}
{links_html}
</div>"""


_HOLDS = {True: ('<span class="yes">✓ yes</span>'), False: '<span class="no">✗ no</span>',
          None: '<span class="und">? undecided</span>'}


def _evidence(c: C.Claim) -> str:
    """The per-case evidence as a table (case, holds, measured), or the reason line."""
    if not c.cases:
        return f'<div class="reason"><span class="k">Evidence:</span> {_e(c.reason)}</div>'
    rows = "".join(
        f"<tr><td class=l>{_e(x['case'])}</td><td class=l>{_HOLDS[x['holds']]}</td>"
        f"<td class=l>{_e(x['detail'])}</td></tr>" for x in c.cases)
    return (f'<table class="cases"><tr><th class=l>case</th><th class=l>holds</th>'
            f"<th class=l>measured</th></tr>{rows}</table>")


def _summary_cells(s: Summary) -> list[str]:
    b = s.budget
    return [fmt_epochs(s.median, b), f"{fmt_epochs(s.ci_low, b)} – {fmt_epochs(s.ci_high, b)}",
            f"{fmt_epochs(s.q1, b)} – {fmt_epochs(s.q3, b)}", f"{s.never}/{s.n}",
            str(s.diverged)]


def comparison_table(cmp: Comparison) -> str:
    others = [t for t in cmp.thresholds if t != cmp.threshold]
    header = ["activation", f"median epochs (τ={cmp.threshold:g})", "95% CI of median", "IQR",
              "never", "diverged", *[f"τ={t:g}: median (never)" for t in others]]
    rows = []
    for label in cmp.activations:
        extra = []
        for t in others:
            st = cmp.summary(label, t)
            extra.append(f"{fmt_epochs(st.median, st.budget)} ({st.never}/{st.n})")
        rows.append([label, *_summary_cells(cmp.summary(label)), *extra])
    return _table(header, rows)


def _comparison_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    s = rep.settings
    parts = [f"""<h2 id="comparison">Convergence: ReLU, Tanh, Sigmoid, Leaky ReLU</h2>
<p>The playground's default run (2 hidden layers [4, 2], learning rate 0.03, batch 10, noise 0,
50% training data, inputs x and y, no regularization) with each activation, on each
classification dataset, for seeds <code>0.00001</code> … <code>{seed_last(s.seeds)}</code>
(seed = data and initial weights, identical across activations), {s.epochs} epochs each.
A run converges at the first epoch whose <b>test loss ≤ τ = {s.threshold:g}</b>.
Never-converged runs count as +∞ (&gt;{s.epochs}) in the median, IQR and the 95% bootstrap CI
of the median (2000 resamples, fixed generator seed).</p>"""]
    for dataset, cmp in rep.comparisons.items():
        parts.append(f"<h3>{_e(dataset)}</h3>")
        parts.append(comparison_table(cmp))
        parts.append(_img(figs[f"compare_{dataset}"], f"comparison on {dataset}"))
    return "\n".join(parts)


def seed_last(n: int) -> str:
    return f"{n / 100000:.5f}"


def _gradient_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    g = rep.gradients
    ratio, trained = g.ratio(), g.ratio(trained=True)
    rows = []
    for i, a in enumerate(g.activations):
        rows.append([a, "at init", *[f"{v:.2g}" for v in ratio[i]]])
        rows.append([a, f"after {g.grad_epochs} ep.", *[f"{v:.2g}" for v in trained[i]]])
    conv = []
    for a in g.activations:
        conv.append([a, *[f"{fmt_epochs(g.summary(a, d).median, g.epochs)} "
                          f"({g.summary(a, d).never}/{len(g.seeds)})" for d in g.depths]])
    depth_cols = [str(d) for d in g.depths]
    return f"""<h2 id="gradients">Vanishing gradients</h2>
<p>Networks of 1–{max(g.depths)} hidden layers × {g.width} units on {_e(g.base.dataset)},
playground initialization (weights U(−0.5, 0.5), biases 0.1), {len(g.seeds)} seeds.
Per layer: RMS of ∂(mean training loss)/∂W over the layer's weights, median over seeds.
The ratio first-layer ÷ last-layer says how much of the gradient reaches the first layer;
below {C.VANISHED_RATIO:g} it counts as vanished.</p>
{_img(figs["gradients"], "gradient norms per layer")}
<h3>First ÷ last layer RMS gradient, by number of hidden layers</h3>
{_table(["activation", "when", *depth_cols], rows, left=2)}
<h3>Median epochs to test loss ≤ {g.threshold:g} (never / seeds), budget {g.epochs}</h3>
{_table(["activation", *depth_cols], conv)}"""


def _dying_section(rep: Reproduction, figs: dict[str, bytes]) -> str:
    d = rep.dying
    rows = []
    for dataset in d.datasets:
        for lr in d.learning_rates:
            row: list[object] = [dataset, f"{lr:g}"]
            for a in d.activations:
                cell = d.cell(a, lr, dataset)
                row.append(f"{100 * cell['final_dead_share']:.0f}% · "
                           f"{cell['runs_with_dead_units']} · {cell['never_converged']}"
                           + (f" · {cell['diverged']} div." if cell["diverged"] else ""))
            rows.append(row)
    cont = []
    for a in d.activations:
        c = d.contingency(a)
        (dc, dn), (ac, an) = c["table"]
        cont.append([a, dc, dn, ac, an, f"{c['p_value']:.3g}", c["diverged"]])
    return f"""<h2 id="dying">Dying units</h2>
<p>Playground default network [{", ".join(map(str, d.network_shape))}] on
{", ".join(d.datasets)}, learning rates {", ".join(f"{r:g}" for r in d.learning_rates)},
{len(d.seeds)} seeds, {d.epochs} epochs. A hidden unit is <b>dead</b> when it outputs exactly
0 on every training point (checked every {int(d.checkpoints[1] - d.checkpoints[0])}
epochs).</p>
{_img(figs["dying_units"], "dead units over epochs")}
<h3>At the end: mean dead share · runs with ≥ 1 dead unit · runs never converged
(of {len(d.seeds)})</h3>
{_table(["dataset", "lr", *d.activations], rows, left=2)}
<h3>Dead units × convergence (pooled over datasets and learning rates)</h3>
{_table(["activation", "dead & converged", "dead & never", "no dead & converged",
         "no dead & never", "Fisher p", "diverged"], cont)}"""


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


def render_html(rep: Reproduction, figs: dict[str, bytes]) -> str:
    """The report as one HTML document."""
    counts = {v: sum(c.verdict == v for c in rep.claims) for v in C.VERDICTS}
    summary_rows = "".join(
        f'<tr><td class=l><a href="#{_e(c.id)}">{_e(c.title)}</a></td>'
        f"<td class=l>{_badge(c.verdict)}</td><td class=l>{_e(c.condition or '')}</td></tr>"
        for c in rep.claims)
    env = ", ".join(f"{k} {v}" for k, v in rep.environment.items())
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in rep.timings.items())
    s = rep.settings
    note = ("" if s.name == "default" else
            f'<p class="reason"><b>{_e(s.name)} settings:</b> few seeds and epochs, for '
            "testing; numbers and verdicts are not meant to be read.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>actlab: the ReLU lesson, measured</title>
<style>{CSS}</style></head>
<body><main>
<h1>The ReLU lesson, measured</h1>
<p class="lead">Each claim of the lesson “Activation Function ep.3: ReLU” (Thai, with
PyTorch code), checked against measurements on a TensorFlow Playground engine that replays
playground.tensorflow.org runs number for number. Verdicts are computed from the numbers by
the rule printed with each claim.</p>
{note}
<p class="muted">{counts[C.SUPPORTED]} supported · {counts[C.NOT_SUPPORTED]} not supported ·
{counts[C.DEPENDS]} depends. Generated by <code>actlab reproduce</code> ({_e(s.name)} settings).
</p>
<table><tr><th class=l>claim</th><th class=l>verdict</th><th class=l>condition</th></tr>
{summary_rows}</table>
<p class="muted">Sections: <a href="#claims">claims</a> · <a href="#lesson">figures and
properties</a> · <a href="#comparison">convergence</a> · <a href="#gradients">vanishing
gradients</a> · <a href="#dying">dying units</a> · <a href="#centring">zero-centring</a> ·
<a href="#reproduce">reproducibility</a></p>
<h2 id="claims">Claims</h2>
{"".join(_claim_card(c) for c in rep.claims)}
{_lesson_section(rep, figs)}
{_comparison_section(rep, figs)}
{_gradient_section(rep, figs)}
{_dying_section(rep, figs)}
{_centring_section(rep, figs)}
<h2 id="reproduce">Reproducibility</h2>
<p>Command: <code>actlab reproduce --out DIR{" --quick" if s.name == "quick" else ""}</code>.
All runs are deterministic: seed strings fix data and initial weights; the bootstrap uses a
fixed generator seed. <code>claims.json</code> and <code>measurements.json</code> next to this
file hold every number shown here.</p>
<p class="muted">Environment: {_e(env)}.<br>Time: {_e(timing)}.</p>
</main></body></html>
"""
