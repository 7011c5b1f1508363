"""The lesson end to end: figures, properties, experiments, claims with computed verdicts.

:func:`run` measures everything and returns a :class:`Reproduction` (plain data, for
notebooks); :func:`write` turns it into ``report.html`` (self-contained: figures embedded as
base64 PNG), ``claims.json``, ``measurements.json`` and ``figures/*.png``. Files are built in
a temporary folder next to the target and moved in only when complete, so an error leaves
nothing half-written.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from actlab.experiments import claims as C
from actlab.experiments.centring import CentringStudy, centring_study
from actlab.experiments.compare import Comparison, compare, seed_strings
from actlab.experiments.dying import DyingStudy, dying_study
from actlab.experiments.gradients import GradientStudy, gradient_study
from actlab.experiments.progress import ProgressLine, note
from actlab.playground import PlaygroundConfig

LESSON_SLOPE = 0.05
COMPARE_ACTIVATIONS = ("relu", "tanh", "sigmoid", f"leaky_relu:{LESSON_SLOPE:g}")
DATASETS = ("circle", "xor", "gauss", "spiral")
PROPERTY_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


@dataclass(frozen=True)
class Settings:
    """How much to measure. :meth:`default` takes 1–2.5 minutes on 2 cores, :meth:`quick`
    ~10 s (plus the Numba kernel's one-off compilation when its cache is cold).

    Seed counts are multiples of 8: the kernel trains networks in chunks of 8 (one SIMD
    register), so e.g. 80 seeds cost the same wall time as 72.
    """

    name: str
    seeds: int
    epochs: int
    grad_depths: tuple[int, ...]
    grad_seeds: int
    grad_epochs: int
    grad_budget: int
    dying_seeds: int
    dying_epochs: int
    dying_every: int
    centring_seeds: int
    centring_epochs: int
    property_samples: int
    threshold: float = 0.01

    @classmethod
    def default(cls) -> Settings:
        return cls(name="default", seeds=80, epochs=2000, grad_depths=(1, 2, 3, 4, 6, 8, 10, 12),
                   grad_seeds=16, grad_epochs=30, grad_budget=150, dying_seeds=32,
                   dying_epochs=400, dying_every=10, centring_seeds=32, centring_epochs=300,
                   property_samples=10**6)

    @classmethod
    def quick(cls) -> Settings:
        return cls(name="quick", seeds=4, epochs=100, grad_depths=(1, 4, 12), grad_seeds=4,
                   grad_epochs=5, grad_budget=10, dying_seeds=2, dying_epochs=30,
                   dying_every=10, centring_seeds=2, centring_epochs=20,
                   property_samples=10**5)


@dataclass
class Reproduction:
    """Everything measured for the report."""

    settings: Settings
    properties: list[dict[str, Any]]
    comparisons: dict[str, Comparison]
    gradients: GradientStudy
    dying: DyingStudy
    centring: CentringStudy
    claims: list[C.Claim] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)


def run(settings: Settings | None = None, stream: TextIO | None = None,
        backend: str = "auto") -> Reproduction:
    """Measure everything the report needs (progress lines on ``stream``, default stderr)."""
    from actlab import properties

    s = settings or Settings.default()
    out = stream if stream is not None else sys.stderr
    timings: dict[str, float] = {}
    total_start = time.perf_counter()

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 2)
        return result

    note(f"[1/5] properties of {', '.join(PROPERTY_ACTIVATIONS)}", out)
    props = stage("properties", lambda: properties.measure_all(
        PROPERTY_ACTIVATIONS, params={"leaky_relu": {"negative_slope": LESSON_SLOPE}},
        n=s.property_samples))

    comparisons: dict[str, Comparison] = {}
    for i, dataset in enumerate(DATASETS):
        note(f"[2/5] comparison on {dataset} ({i + 1}/{len(DATASETS)}): "
             f"{len(COMPARE_ACTIVATIONS)} activations × {s.seeds} seeds × {s.epochs} epochs",
             out)
        bar = ProgressLine(f"  {dataset}", unit="runs", scale=1 / s.epochs, stream=out)
        comparisons[dataset] = stage(f"compare {dataset}", lambda d=dataset, b=bar: compare(
            PlaygroundConfig(dataset=d), COMPARE_ACTIVATIONS, seed_strings(s.seeds),
            epochs=s.epochs, threshold=s.threshold, progress=b, backend=backend))
        bar.close()

    note(f"[3/5] gradients: depths {s.grad_depths[0]}–{s.grad_depths[-1]}, "
         f"{s.grad_seeds} seeds", out)
    bar = ProgressLine("  gradients", unit="", stream=out)
    grads = stage("gradients", lambda: gradient_study(
        depths=s.grad_depths, seeds=seed_strings(s.grad_seeds), grad_epochs=s.grad_epochs,
        epochs=s.grad_budget, threshold=s.threshold, progress=bar, backend=backend))
    bar.close()

    note(f"[4/5] dying units: {s.dying_seeds} seeds × {s.dying_epochs} epochs", out)
    bar = ProgressLine("  dying units", unit="", stream=out)
    dying = stage("dying units", lambda: dying_study(
        seeds=seed_strings(s.dying_seeds), epochs=s.dying_epochs, every=s.dying_every,
        threshold=s.threshold, progress=bar, backend=backend))
    bar.close()

    note(f"[5/5] zero-centring: {s.centring_seeds} seeds × {s.centring_epochs} epochs", out)
    bar = ProgressLine("  centring", unit="", stream=out)
    centring = stage("centring", lambda: centring_study(
        seeds=seed_strings(s.centring_seeds), epochs=s.centring_epochs,
        every=max(1, s.centring_epochs // 30), progress=bar, backend=backend))
    bar.close()

    rep = Reproduction(settings=s, properties=props, comparisons=comparisons,
                       gradients=grads, dying=dying, centring=centring, timings=timings,
                       environment=_environment())
    rep.claims = evaluate(rep)
    timings["total (measurements)"] = round(time.perf_counter() - total_start, 2)
    return rep


def _environment() -> dict[str, str]:
    import matplotlib

    from actlab import __version__

    env = {"actlab": __version__, "python": platform.python_version(),
           "numpy": np.__version__, "matplotlib": matplotlib.__version__,
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
           "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    try:
        import numba

        env["numba"] = numba.__version__
    except ImportError:  # the NumPy engine is used instead
        env["numba"] = "not installed"
    return env


# ----------------------------------------------------------------------------- claims
def _link(label: str, url: str) -> dict[str, str]:
    return {"label": label, "url": url}


def _median_links(cmp: Comparison, dataset: str, labels: tuple[str, ...]) -> list[dict]:
    links = []
    for label in labels:
        r = cmp.median_run(label)
        when = (f"reached test loss ≤ {cmp.threshold:g} at epoch {r.converged_epoch}"
                if r.converged_epoch is not None else f"not converged in {cmp.epochs} epochs")
        links.append(_link(f"{dataset} · {label} · seed {r.seed} (median run: {when})", r.url))
    return links


def evaluate(rep: Reproduction) -> list[C.Claim]:
    """Every claim of the lesson, with its verdict computed from ``rep``."""
    from actlab import activations
    from actlab.properties import GRID

    props = {r["label"]: r for r in rep.properties}
    leaky_label = f"leaky_relu(negative_slope={LESSON_SLOPE:g})"
    relu = activations.get("relu")
    g = rep.gradients
    ratio = g.ratio()
    ratios = {a: {d: float(ratio[i, j]) for j, d in enumerate(g.depths)}
              for i, a in enumerate(g.activations)}
    example_depth = min(g.depths, key=lambda x: abs(x - 6))
    grad_links = [_link(f"{a}, {example_depth} hidden layers × {g.width}, seed {g.seeds[0]}", u)
                  for a, u in g.example_urls.items()]
    core = ("relu", "tanh", "sigmoid")
    summaries = {d: {a: c.summary(a) for a in core} for d, c in rep.comparisons.items()}
    links = [link for d, c in rep.comparisons.items() for link in _median_links(c, d, core)]
    circle = rep.comparisons["circle"]
    by_tau = {t: {a: circle.summary(a, t) for a in core} for t in circle.thresholds}
    early_epoch = min(C.EARLY_EPOCH, rep.settings.epochs)
    early = {d: {a: float(np.median(np.nan_to_num(c.test_loss[a][:, early_epoch],
                                                  nan=np.inf))) for a in core}
             for d, c in rep.comparisons.items()}

    cs = rep.centring
    ci = cs.centring_index
    points = [(layer, t) for layer in range(ci.shape[1]) for t in (0, cs.checkpoints.size - 1)]

    def key(layer: int, t: int) -> str:
        return f"layer {layer + 1}, epoch {int(cs.checkpoints[t])}"

    index = {a: {key(layer, t): float(ci[i, layer, t]) for layer, t in points}
             for i, a in enumerate(cs.activations)}
    relu_i = cs.activations.index("relu")
    relu_mean = {key(layer, t): float(cs.mean[relu_i, layer, t]) for layer, t in points}
    trained_max = float(np.nanmax(cs.max[relu_i, :, -1]))

    dy = rep.dying
    leaky = f"leaky_relu({LESSON_SLOPE:g})"
    cells = []
    for dataset in dy.datasets:
        for lr in dy.learning_rates:
            r, lk = dy.cell("relu", lr, dataset), dy.cell(leaky, lr, dataset)
            cells.append({"dataset": dataset, "learning_rate": lr, "runs": r["runs"],
                          "relu_dead_runs": r["runs_with_dead_units"],
                          "leaky_dead_runs": lk["runs_with_dead_units"],
                          "relu_never": r["never_converged"], "leaky_never": lk["never_converged"]})
    dead_links = [_link(f"relu · {d} · lr {lr:g} · seed {dy.seeds[0]}", u)
                  for (a, lr, d), u in dy.urls.items() if a == "relu"]
    sample = np.random.default_rng(0).standard_normal(rep.settings.property_samples)
    derivative_values = np.unique(np.concatenate([relu.derivative(GRID),
                                                  relu.derivative(sample)]))
    return [
        C.claim_vanishing(ratios, grad_links),
        C.claim_vanishing_vs_others(ratios, grad_links),
        C.claim_derivative(derivative_values.tolist(), {
            a: props[a]["derivative_ns"] for a in ("relu", "sigmoid", "tanh")}),
        C.claim_converges_faster(summaries, links),
        C.claim_playground_numbers(by_tau, "circle", _median_links(circle, "circle", core)),
        C.claim_early_drop(early, early_epoch),
        C.claim_not_zero_centred(index, relu_mean),
        C.claim_unbounded(float(relu(GRID).min()), float(relu(1e6)), trained_max),
        C.claim_negative_zero(float(np.abs(relu(GRID[GRID < 0])).max()),
                              bool(props["relu"]["invertible"])),
        C.claim_dead_units_hurt(
            dy.contingency("relu"),
            {lr: dy.contingency("relu", [lr]) for lr in dy.learning_rates}, dead_links),
        C.claim_leaky_fix(bool(props[leaky_label]["invertible"]), cells, LESSON_SLOPE),
        C.claim_leaky_converges(cells, LESSON_SLOPE),
    ]


# ----------------------------------------------------------------------------- output
def check_out_dir(out: str | Path) -> Path:
    """The output folder, if usable (missing but creatable, or a writable folder);
    ActlabError naming the path and the reason if not."""
    from actlab.outputs import check_output_dir

    return check_output_dir(out, what="--out")


def measurements(rep: Reproduction) -> dict[str, Any]:
    """All measured data as JSON-ready dicts."""
    return C._jsonable({
        "settings": asdict(rep.settings),
        "environment": rep.environment,
        "timings_seconds": rep.timings,
        "properties": rep.properties,
        "comparisons": {d: c.to_dict() for d, c in rep.comparisons.items()},
        "gradients": rep.gradients.to_dict(),
        "dying_units": rep.dying.to_dict(),
        "centring": rep.centring.to_dict(),
    })


def claims_document(rep: Reproduction) -> dict[str, Any]:
    counts = {v: sum(c.verdict == v for c in rep.claims) for v in C.VERDICTS}
    return {
        "source": "ReLU lesson (Thai, Bua Labs, 'Activation Function ep.3'), "
                  "shared/seed/000_bcda1c30346367bc.txt",
        "generated_by": f"actlab reproduce ({rep.settings.name} settings)",
        "environment": rep.environment,
        "settings": asdict(rep.settings),
        "seeds": "experiments with n seeds use the playground seed strings 0.00001 ... "
                 "n/100000 (f'{i/100000:.5f}', i = 1..n); see measurements.json",
        "verdicts": counts,
        "note": "Each verdict is computed from the measurements by the claim's 'rule'; "
                "'depends' comes with the 'condition' under which the claim holds. "
                "Playground links replay the run on playground.tensorflow.org.",
        "claims": [c.to_dict() for c in rep.claims],
    }


def write(rep: Reproduction, out: str | Path, stream: TextIO | None = None) -> list[Path]:
    """Write report.html, claims.json, measurements.json and figures/ into ``out``.

    Only these files are replaced (anything else in ``out`` is left alone); each is staged
    as a temporary file in its own folder and all are renamed together at the end
    (:class:`actlab.outputs.Outputs`), so a failure leaves the previous report intact.
    """
    from actlab.experiments.report import figures, render_html
    from actlab.outputs import Outputs

    target = check_out_dir(out)
    with Outputs() as staged:
        note("writing figures and report", stream or sys.stderr)
        start = time.perf_counter()
        figs = figures(rep)
        for name, png in figs.items():
            staged.write_bytes(target / "figures" / f"{name}.png", png)
        rep.timings["figures and report"] = round(time.perf_counter() - start, 2)
        staged.write_text(target / "claims.json",
                          json.dumps(claims_document(rep), indent=1, ensure_ascii=False) + "\n")
        staged.write_text(target / "measurements.json",
                          json.dumps(measurements(rep), ensure_ascii=False) + "\n")
        staged.write_text(target / "report.html", render_html(rep, figs))
    return staged.paths


def reproduce(out: str | Path, quick: bool = False, stream: TextIO | None = None,
              backend: str = "auto") -> tuple[Reproduction, list[Path]]:
    """Measure everything and write the report into ``out``; returns data and file paths."""
    check_out_dir(out)
    start = time.perf_counter()
    rep = run(Settings.quick() if quick else Settings.default(), stream=stream, backend=backend)
    files = write(rep, out, stream=stream)
    rep.timings["total"] = round(time.perf_counter() - start, 2)
    return rep, files


def verdict_lines(rep: Reproduction) -> list[str]:
    """One line per claim: verdict, title and condition."""
    width = max(len(v) for v in C.VERDICTS)
    lines = []
    for c in rep.claims:
        cond = f" — {c.condition}" if c.condition else ""
        lines.append(f"{c.verdict.upper():<{width}}  {c.title}{cond}")
    return lines
