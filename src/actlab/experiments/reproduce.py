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
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from actlab.errors import ActlabError
from actlab.experiments import claims as C
from actlab.experiments import stats as S
from actlab.experiments.centring import CentringStudy, centring_study
from actlab.experiments.compare import seed_strings
from actlab.experiments.digits import DigitsStudy, digits_study
from actlab.experiments.dying import DyingStudy, dying_study
from actlab.experiments.gradients import GradientStudy, gradient_study
from actlab.experiments.progress import ProgressLine, note
from actlab.experiments.runs import sweep_module
from actlab.experiments.tuned import MAIN_TAU, TAUS, TunedStudy, tuned_study

LESSON_SLOPE = 0.05
RELU, TANH, SIGMOID, LEAKY = "relu", "tanh", "sigmoid", f"leaky_relu:{LESSON_SLOPE:g}"
COMPARE_ACTIVATIONS = (RELU, TANH, SIGMOID, LEAKY)
DATASETS = ("circle", "xor", "gauss", "spiral")
PROPERTY_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


class Rate(StrEnum):
    """Which learning rate a convergence result was measured at."""

    LESSON = "lesson"
    TUNED = "tuned"


@dataclass(frozen=True)
class Settings:
    """How much to measure. ``epochs`` is the one budget of every convergence study.

    :meth:`full` is the complete protocol of the issue (40 tuning seeds, ≥ 40 held-out,
    ≥ 100 gradient seeds, 20 + 20 digits seeds); :meth:`default` keeps every step of the
    protocol with fewer seeds so that it fits about 6 minutes on 2 cores; :meth:`quick` is a
    smoke test (seconds; numbers not meant to be read).
    """

    name: str
    epochs: int
    tune_seeds: int
    held_seeds: int
    wide_seeds: int
    grad_depths: tuple[int, ...]
    grad_seeds: int
    grad_epochs: int
    speed_depths: tuple[int, ...]
    speed_seeds: int
    dying_seeds: int
    dying_every: int
    centring_seeds: int
    centring_epochs: int
    property_samples: int
    digits_tune_seeds: int
    digits_held_seeds: int
    digits_epochs: int
    digits_networks: tuple[str, ...] = ("mlp", "deep")
    threshold: float = 0.01

    @classmethod
    def full(cls) -> Settings:
        return cls(name="full", epochs=3000, tune_seeds=40, held_seeds=80, wide_seeds=40,
                   grad_depths=(1, 2, 3, 4, 6, 8, 12, 16, 20, 24), grad_seeds=100,
                   grad_epochs=30, speed_depths=(1, 2, 4, 8), speed_seeds=40, dying_seeds=40,
                   dying_every=50, centring_seeds=32, centring_epochs=300,
                   property_samples=10**6, digits_tune_seeds=20, digits_held_seeds=20,
                   digits_epochs=30)

    @classmethod
    def default(cls) -> Settings:
        return cls(name="default", epochs=3000, tune_seeds=5, held_seeds=12, wide_seeds=4,
                   grad_depths=(1, 2, 3, 4, 6, 8, 12, 16, 20, 24), grad_seeds=100,
                   grad_epochs=3, speed_depths=(1, 2, 4), speed_seeds=4, dying_seeds=6,
                   dying_every=100, centring_seeds=16, centring_epochs=300,
                   property_samples=10**6, digits_tune_seeds=2, digits_held_seeds=3,
                   digits_epochs=6)

    @classmethod
    def quick(cls) -> Settings:
        return cls(name="quick", epochs=60, tune_seeds=2, held_seeds=4, wide_seeds=2,
                   grad_depths=(1, 4, 24), grad_seeds=4, grad_epochs=2, speed_depths=(1, 2),
                   speed_seeds=2, dying_seeds=2, dying_every=20, centring_seeds=2,
                   centring_epochs=20, property_samples=10**5, digits_tune_seeds=2,
                   digits_held_seeds=2, digits_epochs=2, digits_networks=("mlp",))


@dataclass
class Reproduction:
    """Everything measured for the report."""

    settings: Settings
    properties: list[dict[str, Any]]
    tuned: TunedStudy
    gradients: GradientStudy
    dying: DyingStudy
    centring: CentringStudy
    digits: DigitsStudy | None
    claims: list[C.Claim] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run(settings: Settings | None = None, stream: TextIO | None = None,
        backend: str = "auto", db: str | Path | None = None) -> Reproduction:
    """Measure everything the report needs (progress lines on ``stream``, default stderr).

    With ``db`` every playground run of the convergence studies is kept in that sweep store
    (and a second call resumes from it).
    """
    from actlab import properties

    s = settings or Settings.default()
    if db is not None and sweep_module() is None:  # fail before anything is trained
        raise ActlabError("--db needs actlab.sweep (the run store), which this installation "
                          "lacks; run without --db")
    out = stream if stream is not None else sys.stderr
    timings: dict[str, float] = {}
    notes: list[str] = []
    total_start = time.perf_counter()

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 2)
        return result

    note(f"[1/6] properties of {', '.join(PROPERTY_ACTIVATIONS)}", out)
    props = stage("properties", lambda: properties.measure_all(
        PROPERTY_ACTIVATIONS, params={"leaky_relu": {"negative_slope": LESSON_SLOPE}},
        n=s.property_samples))

    note(f"[2/6] tuned comparison: {len(DATASETS)} datasets × {len(COMPARE_ACTIVATIONS)} "
         f"activations; tune on {s.tune_seeds} seeds × 5 rates, measure on {s.held_seeds} "
         f"held-out seeds (+ [8, 8] on {s.wide_seeds}), budget {s.epochs} epochs", out)
    bars: list[ProgressLine] = []

    def bar_for(label: str) -> ProgressLine:
        bars.append(ProgressLine(f"  {label}", unit="runs", scale=1 / s.epochs, stream=out))
        return bars[-1]

    tuned = stage("tuned comparison", lambda: tuned_study(
        DATASETS, COMPARE_ACTIVATIONS, s.tune_seeds, s.held_seeds, s.epochs,
        wide_seeds=s.wide_seeds, db=db, progress=bar_for, backend=backend))
    for b in bars:
        b.close()

    note(f"[3/6] gradients: depths {s.grad_depths[0]}–{s.grad_depths[-1]}, {s.grad_seeds} "
         f"seeds; depth vs speed {s.speed_depths} × {s.speed_seeds} seeds", out)
    bar = ProgressLine("  gradients", unit="", stream=out)
    grads = stage("gradients", lambda: gradient_study(
        depths=s.grad_depths, seeds=seed_strings(s.grad_seeds), grad_epochs=s.grad_epochs,
        speed_depths=s.speed_depths, speed_seeds=seed_strings(s.speed_seeds),
        epochs=s.epochs, threshold=s.threshold, db=db, progress=bar, backend=backend))
    bar.close()

    note(f"[4/6] dying units: {s.dying_seeds} seeds × {s.epochs} epochs", out)
    bar = ProgressLine("  dying units", unit="", stream=out)
    dying = stage("dying units", lambda: dying_study(
        seeds=seed_strings(s.dying_seeds), epochs=s.epochs, every=s.dying_every,
        threshold=s.threshold, progress=bar, backend=backend))
    bar.close()

    note(f"[5/6] zero-centring: {s.centring_seeds} seeds × {s.centring_epochs} epochs", out)
    bar = ProgressLine("  centring", unit="", stream=out)
    centring = stage("centring", lambda: centring_study(
        seeds=seed_strings(s.centring_seeds), epochs=s.centring_epochs,
        every=max(1, s.centring_epochs // 30), progress=bar, backend=backend))
    bar.close()

    digits = None
    try:
        import sklearn  # noqa: F401
    except ImportError:
        sklearn = None
    if not s.digits_networks:
        notes.append("The digits study was not run (no networks in these settings).")
    elif sklearn is None:
        notes.append("The digits study was skipped: scikit-learn is not installed "
                     "(pip install 'actlab[digits]'; scripts/reproduce installs it).")
        note("[6/6] digits: skipped (scikit-learn not installed)", out)
    else:
        note(f"[6/6] digits: {', '.join(s.digits_networks)}; tune on "
             f"{s.digits_tune_seeds} seeds × 6 rates, measure on {s.digits_held_seeds}, "
             f"{s.digits_epochs} epochs", out)
        bar = ProgressLine("  digits", unit="", stream=out)
        digits = stage("digits", lambda: digits_study(
            networks=s.digits_networks, tune_seeds=s.digits_tune_seeds,
            held_seeds=s.digits_held_seeds, epochs=s.digits_epochs, progress=bar))
        bar.close()

    rep = Reproduction(settings=s, properties=props, tuned=tuned, gradients=grads,
                       dying=dying, centring=centring, digits=digits, timings=timings,
                       environment=_environment(), notes=notes)
    rep.claims = evaluate(rep)
    timings["total (measurements)"] = round(time.perf_counter() - total_start, 2)
    return rep


def _environment() -> dict[str, str]:
    import matplotlib

    from actlab import __version__

    env = {"actlab": __version__, "python": platform.python_version(),
           "numpy": np.__version__, "matplotlib": matplotlib.__version__,
           "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
           "load average (1 min) at the end": f"{os.getloadavg()[0]:.1f}",
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


def _median_links(t: TunedStudy, dataset: str, rate: Rate) -> list[dict[str, str]]:
    """Replay links of the median held-out run of ReLU, Tanh and Sigmoid."""
    links = []
    for a in (RELU, TANH, SIGMOID):
        rows = t.run_rows(dataset, a, rate.value)
        epochs = t.epochs(dataset, a, rate.value)
        i = int(np.argsort(epochs, kind="stable")[(len(epochs) - 1) // 2])
        when = (f"test loss ≤ {MAIN_TAU:g} at epoch {epochs[i]:.0f}"
                if np.isfinite(epochs[i]) else f"not converged in {t.budget} epochs")
        lr = t.rate(dataset, a, rate.value)
        links.append(_link(f"{dataset} · {a} · lr {lr:g} · seed {rows[i]['seed']} "
                           f"(median run: {when})", rows[i]["url"]))
    return links


def _panel_columns(t: TunedStudy) -> tuple[dict[str, Any], str]:
    """The sensitivity panel of the convergence claim: column → dataset → act → epochs."""
    acts = (RELU, TANH, SIGMOID)
    main = f"tuned rates, τ={TAUS[-1]:g}, [4, 2], all held-out seeds"

    def col(rate: Rate, tau: float, shape: tuple[int, ...] = (4, 2),
            seeds: slice = slice(None)) -> dict[str, dict[str, np.ndarray]]:
        return {d: {a: t.epochs(d, a, rate.value, tau, shape)[seeds] for a in acts}
                for d in t.datasets}

    half = len(t.held_seeds) // 2
    columns = {main: col(Rate.TUNED, TAUS[-1])}
    for tau in TAUS[:-1]:
        columns[f"tuned, τ={tau:g}"] = col(Rate.TUNED, tau)
    columns["lesson rate 0.03, τ=0.01"] = col(Rate.LESSON, TAUS[-1])
    if t.wide_seeds:
        columns[f"[8, 8] at the tuned rates ({len(t.wide_seeds)} seeds)"] = col(
            Rate.TUNED, TAUS[-1], (8, 8))
    columns[f"seeds half 1 ({half})"] = col(Rate.TUNED, TAUS[-1], seeds=slice(0, half))
    columns[f"seeds half 2 ({len(t.held_seeds) - half})"] = col(
        Rate.TUNED, TAUS[-1], seeds=slice(half, None))
    return columns, main


def claim_converges_faster(rep: Reproduction) -> C.Claim:
    t = rep.tuned
    columns, main = _panel_columns(t)
    protocol = (f"Each activation at its own best rate (tuned on {len(t.tune_seeds)} seeds "
                f"over {', '.join(f'{r:g}' for r in t.rates)}; measured on "
                f"{len(t.held_seeds)} held-out seeds), budget {t.budget} epochs.")
    links = [x for d in t.datasets for x in _median_links(t, d, Rate.TUNED)]
    return C.claim_converges_faster(columns, t.budget, main, links, protocol)


def claim_playground_numbers(rep: Reproduction) -> C.Claim:
    t = rep.tuned
    by_tau = {tau: {a: t.epochs("circle", a, Rate.LESSON.value, tau)
                    for a in (RELU, TANH, SIGMOID)} for tau in TAUS}
    return C.claim_playground_numbers(by_tau, t.budget, "circle",
                                      _median_links(t, "circle", Rate.LESSON))


def claim_early_drop(rep: Reproduction) -> C.Claim:
    t = rep.tuned
    epoch = min(C.EARLY_EPOCH, t.budget)
    loss = {d: {a: np.nan_to_num(t.curves(d, a, Rate.LESSON.value)[:, epoch], nan=np.inf)
                for a in (RELU, TANH, SIGMOID)} for d in t.datasets}
    return C.claim_early_drop(loss, epoch)


def _gradient_links(g: GradientStudy) -> list[dict[str, str]]:
    depth = min(g.depths, key=lambda x: abs(x - 6))
    return [_link(f"{a}, {depth} hidden layers × {g.width}, seed {g.seeds[0]}", u)
            for a, u in g.example_urls.items()]


def claim_vanishing(rep: Reproduction) -> C.Claim:
    return C.claim_vanishing(rep.gradients.per_seed(), _gradient_links(rep.gradients))


def claim_vanishing_vs_others(rep: Reproduction) -> C.Claim:
    return C.claim_vanishing_vs_others(rep.gradients.per_seed(),
                                       _gradient_links(rep.gradients))


def claim_derivative(rep: Reproduction) -> C.Claim:
    from actlab import activations
    from actlab.properties import GRID

    relu = activations.get("relu")
    props = {r["label"]: r for r in rep.properties}
    sample = np.random.default_rng(0).standard_normal(rep.settings.property_samples)
    values = np.unique(np.concatenate([relu.derivative(GRID), relu.derivative(sample)]))
    return C.claim_derivative(values.tolist(), {
        a: props[a]["derivative_ns"] for a in ("relu", "sigmoid", "tanh")})


def claim_not_zero_centred(rep: Reproduction) -> C.Claim:
    cs = rep.centring
    ci = cs.centring_index
    points = [(layer, t) for layer in range(ci.shape[1]) for t in (0, cs.checkpoints.size - 1)]

    def key(layer: int, t: int) -> str:
        return f"layer {layer + 1}, epoch {int(cs.checkpoints[t])}"

    index = {a: {key(layer, t): float(ci[i, layer, t]) for layer, t in points}
             for i, a in enumerate(cs.activations)}
    relu_i = cs.activations.index(RELU)
    relu_mean = {key(layer, t): float(cs.mean[relu_i, layer, t]) for layer, t in points}
    return C.claim_not_zero_centred(index, relu_mean)


def claim_unbounded(rep: Reproduction) -> C.Claim:
    from actlab import activations
    from actlab.properties import GRID

    relu = activations.get("relu")
    cs = rep.centring
    trained_max = float(np.nanmax(cs.max[cs.activations.index(RELU), :, -1]))
    return C.claim_unbounded(float(relu(GRID).min()), float(relu(1e6)), trained_max)


def claim_negative_zero(rep: Reproduction) -> C.Claim:
    from actlab import activations
    from actlab.properties import GRID

    relu = activations.get("relu")
    props = {r["name"]: r for r in rep.properties}
    return C.claim_negative_zero(float(np.abs(relu(GRID[GRID < 0])).max()),
                                 bool(props["relu"]["invertible"]))


def _dying_cells(dy: DyingStudy) -> list[dict[str, Any]]:
    relu, leaky = dy.activations.index(RELU), dy.activations.index(
        f"leaky_relu({LESSON_SLOPE:g})")
    cells = []
    for d, dataset in enumerate(dy.datasets):
        for r, lr in enumerate(dy.learning_rates):
            cells.append({
                "dataset": dataset, "learning_rate": lr, "runs": len(dy.seeds),
                "relu_dead_runs": int(dy.has_stuck()[relu, r, d].sum()),
                "leaky_dead_runs": int(dy.has_stuck()[leaky, r, d].sum()),
                "relu_never": int((dy.converged[relu, r, d] < 0).sum()),
                "leaky_never": int((dy.converged[leaky, r, d] < 0).sum()),
                "relu_epochs": dy.epochs_to[relu, r, d],
                "leaky_epochs": dy.epochs_to[leaky, r, d]})
    return cells


def claim_dead_units_hurt(rep: Reproduction) -> C.Claim:
    dy = rep.dying
    links = [_link(f"relu · {d} · lr {lr:g} · seed {dy.seeds[0]}", u)
             for (a, lr, d), u in dy.urls.items() if a == RELU]
    return C.claim_dead_units_hurt(dy.strata(RELU), links)


def claim_leaky_fix(rep: Reproduction) -> C.Claim:
    props = {r["name"]: r for r in rep.properties}
    return C.claim_leaky_fix(bool(props["leaky_relu"]["invertible"]), _dying_cells(rep.dying),
                             LESSON_SLOPE)


def claim_leaky_converges(rep: Reproduction) -> C.Claim:
    return C.claim_leaky_converges(_dying_cells(rep.dying), rep.dying.epochs, LESSON_SLOPE)


def claim_digits_faster(rep: Reproduction) -> C.Claim:
    dg = rep.digits
    assert dg is not None
    columns = {}
    for net, init, opt in dg.panels():
        columns[f"{net}, {init} init, {opt}"] = {
            net: {a: dg.epochs(net, init, opt, a) for a in (RELU, TANH, SIGMOID)}}
    main = next(iter(columns))
    return C.claim_digits_faster(columns, dg.budget, main)


def claim_digits_vanishing(rep: Reproduction) -> C.Claim:
    dg = rep.digits
    assert dg is not None
    return C.claim_digits_vanishing(
        {(net, init): {a: dg.ratios[(net, init, a)] for a in (RELU, TANH, SIGMOID)}
         for net, init, _ in {(n, i, a) for n, i, a in dg.ratios}})


#: Every claim, in report order: one function per claim, each reading typed results.
CLAIMS: tuple[Callable[[Reproduction], C.Claim], ...] = (
    claim_converges_faster, claim_playground_numbers, claim_early_drop, claim_vanishing,
    claim_vanishing_vs_others, claim_derivative, claim_not_zero_centred, claim_unbounded,
    claim_negative_zero, claim_dead_units_hurt, claim_leaky_fix, claim_leaky_converges,
)
DIGITS_CLAIMS: tuple[Callable[[Reproduction], C.Claim], ...] = (
    claim_digits_faster, claim_digits_vanishing)


def evaluate(rep: Reproduction) -> list[C.Claim]:
    """Every claim of the lesson, with its verdict computed from ``rep``."""
    claims = [fn(rep) for fn in CLAIMS]
    if rep.digits is not None:
        claims += [fn(rep) for fn in DIGITS_CLAIMS]
    return claims


# ----------------------------------------------------------------------------- output
#: A lower bound of a report's size (figures, report.html with them inside, the JSON
#: files): ``--quick`` writes about 1.9 MB, the other settings more.
REPORT_BYTES = 1_500_000


def check_out_dir(out: str | Path) -> Path:
    """The output folder, if usable (missing but creatable, or a writable folder with
    :data:`REPORT_BYTES` free); ActlabError naming the path and the reason if not."""
    from actlab.outputs import check_output_dir

    return check_output_dir(out, what="--out", size=REPORT_BYTES)


def measurements(rep: Reproduction) -> dict[str, Any]:
    """All measured data as JSON-ready dicts."""
    return C._jsonable({
        "settings": asdict(rep.settings),
        "environment": rep.environment,
        "timings_seconds": rep.timings,
        "properties": rep.properties,
        "tuned_comparison": rep.tuned.to_dict(),
        "digits": rep.digits.to_dict() if rep.digits is not None else None,
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
        "seeds": "playground seed strings f'{i/100000:.5f}': tuning seeds i = 1..T, held-out "
                 "seeds from T+1 (see settings); other studies i = 1..n; digits: integer "
                 "seeds 1..T (tuning), T+1.. (held out)",
        "verdicts": counts,
        "much_faster_bar": f"ratio of medians >= {S.MUCH_FASTER_RATIO:g} with the 95% CI "
                           "lower bound > 1",
        "outcomes": "per case: 'holds', 'no detectable difference' or 'reversed' (paired "
                    "tests, Holm-adjusted within the claim at alpha 0.05); exact checks: "
                    "'holds' / 'does not hold'",
        "note": "Each verdict is computed from the measurements by the claim's 'rule'; "
                "'depends' comes with the 'condition' naming where the claim holds. "
                "'robust' says whether the verdict agrees across the sensitivity panel. "
                "Playground links replay the run on playground.tensorflow.org.",
        "notes": rep.notes,
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
              backend: str = "auto", db: str | Path | None = None,
              full: bool = False) -> tuple[Reproduction, list[Path]]:
    """Measure everything and write the report into ``out``; returns data and file paths."""
    check_out_dir(out)
    start = time.perf_counter()
    settings = Settings.quick() if quick else Settings.full() if full else Settings.default()
    rep = run(settings, stream=stream, backend=backend, db=db)
    files = write(rep, out, stream=stream)
    rep.timings["total"] = round(time.perf_counter() - start, 2)
    return rep, files


def verdict_lines(rep: Reproduction) -> list[str]:
    """One line per claim: verdict, title and condition."""
    width = max(len(v) for v in C.VERDICTS)
    lines = []
    for c in rep.claims:
        cond = f" — {c.condition}" if c.condition else ""
        mark = {True: " [robust]", False: " [not robust]", None: ""}[c.robust]
        lines.append(f"{c.verdict.upper():<{width}}  {c.title}{mark}{cond}")
    return lines
