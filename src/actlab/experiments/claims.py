"""The lesson's claims, and verdicts computed from measurements by stated rules.

Each ``claim_*`` function takes plain measured numbers (so a test can feed it synthetic
ones) and returns a :class:`Claim`: the lesson's sentence (Thai original and English), what
part of it is measured, the rule, the evidence and the verdict the rule gives —
``supported``, ``not supported`` or ``depends`` (with the condition under which it holds).
No verdict is written by hand: :func:`split_verdict` turns "does the claim hold in case X?"
answers into the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from actlab.experiments.stats import Summary, fmt_epochs

SUPPORTED, NOT_SUPPORTED, DEPENDS = "supported", "not supported", "depends"
VERDICTS = (SUPPORTED, NOT_SUPPORTED, DEPENDS)

#: Rule constants (stated in the report next to each rule).
VANISHED_RATIO = 0.01  # first-layer gradient below 1 % of the last layer's = vanished
LESSON_RELU_EPOCHS = 61
LESSON_TANH_EPOCHS = 100
LESSON_SIGMOID_EPOCHS = 1000
EARLY_EPOCH = 10
P_VALUE = 0.05


@dataclass
class Claim:
    """One claim of the lesson with its measured evidence and computed verdict."""

    id: str
    title: str
    statement_th: str
    statement_en: str
    scope: str
    rule: str
    verdict: str
    condition: str | None
    reason: str
    cases: list[dict[str, Any]] = field(default_factory=list)  # case, holds, detail
    evidence: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item") and not isinstance(x, str):  # NumPy scalars
        return _jsonable(x.item())
    return x


def split_verdict(holds: Mapping[str, bool | None]) -> tuple[str, str | None]:
    """The verdict from "does the claim hold in case X?" answers (None = undecided).

    ``supported`` if it holds in every decided case, ``not supported`` if in none (or no
    case could be decided), else ``depends`` with the condition "holds for A, B; not for C".
    """
    yes = [k for k, v in holds.items() if v is True]
    no = [k for k, v in holds.items() if v is False]
    open_ = [k for k, v in holds.items() if v is None]
    if not yes:
        return NOT_SUPPORTED, None
    if not no:
        return SUPPORTED, None
    condition = f"holds for {', '.join(yes)}; not for {', '.join(no)}"
    if open_:
        condition += f"; undecided for {', '.join(open_)}"
    return DEPENDS, condition


def _explain(holds: Mapping[str, bool | None], detail: Mapping[str, str]) -> dict[str, Any]:
    """``reason`` (one line) and ``cases`` (one entry per case) for a :class:`Claim`."""
    word = {True: "yes", False: "no", None: "undecided"}
    return {
        "reason": "; ".join(f"{k}: {word[v]} ({detail[k]})" for k, v in holds.items()),
        "cases": [{"case": k, "holds": v, "detail": detail[k]} for k, v in holds.items()],
    }


def _summary_text(s: Summary) -> str:
    return (f"median {fmt_epochs(s.median, s.budget)} "
            f"[95% CI {fmt_epochs(s.ci_low, s.budget)}–{fmt_epochs(s.ci_high, s.budget)}], "
            f"never {s.never}/{s.n}")


# ----------------------------------------------------------------------------- gradients
def claim_vanishing(ratios: Mapping[str, Mapping[int, float]],
                    links: Sequence[dict[str, str]] = ()) -> Claim:
    """ReLU's gradients do not vanish: first÷last-layer RMS gradient ≥ 1 % at each depth."""
    relu = ratios["relu"]
    holds = {f"depth {d}": bool(r >= VANISHED_RATIO) for d, r in relu.items()}
    detail = {f"depth {d}": f"ratio {r:.3g}" for d, r in relu.items()}
    verdict, condition = split_verdict(holds)
    return Claim(
        id="vanishing_gradient",
        title="ReLU's slope of 1 keeps the gradient from vanishing",
        statement_th="Slope เป็น 1 ทำให้ Gradient ไม่หาย ลดปัญหา Vanishing Gradient "
                     "ช่วยให้เราเทรนโมเดลได้อย่างรวดเร็ว",
        statement_en="The slope is 1, so the gradient does not vanish: it reduces the "
                     "vanishing-gradient problem and lets us train models quickly.",
        scope="Whether the gradient reaching the first layer of a deep ReLU network is "
              "still of the same order as at the last layer, at the playground's "
              "initialization (U(-0.5, 0.5) weights), for 1 to 12 hidden layers of 8 units.",
        rule=f"At each depth the gradient has vanished if the median first-layer RMS "
             f"gradient is below {VANISHED_RATIO:g} × the last layer's. Supported if ReLU's "
             "has not vanished at any depth measured, not supported if it vanished at every "
             "depth, otherwise depends (on depth).",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"ratio_first_over_last": {a: dict(v) for a, v in ratios.items()},
                  "vanished_below": VANISHED_RATIO},
        links=list(links),
    )


def claim_vanishing_vs_others(ratios: Mapping[str, Mapping[int, float]],
                              links: Sequence[dict[str, str]] = ()) -> Claim:
    """ReLU keeps more of the gradient than Sigmoid and Tanh, depth by depth."""
    holds, detail = {}, {}
    for other in ("sigmoid", "tanh"):
        for d, r in ratios["relu"].items():
            key = f"{other}, depth {d}"
            holds[key] = bool(r > ratios[other][d])
            detail[key] = f"relu {r:.3g} vs {other} {ratios[other][d]:.3g}"
    verdict, condition = split_verdict(holds)
    if condition:
        condition = _compress_depths(holds)
    return Claim(
        id="vanishing_gradient_vs_sigmoid_tanh",
        title="ReLU's gradient vanishes less than Sigmoid's and Tanh's (implied comparison)",
        statement_th="ReLU Function ... ถ้า Input เป็นบวก Slope จะเท่ากับ 1 ตลอดกาล ทำให้ "
                     "Gradient ไม่หาย (ไม่เกิด Vanishing Gradient)",
        statement_en="Unlike the S-shaped Sigmoid and Tanh, ReLU's slope is always 1 for "
                     "positive inputs, so the gradient does not vanish.",
        scope="The same measurement as the previous claim, ReLU against Sigmoid and Tanh: "
              "the first÷last-layer gradient ratio at each depth.",
        rule="For each of Sigmoid and Tanh and each depth: holds if ReLU's median "
             "first÷last-layer RMS-gradient ratio is larger. Supported if it holds in every "
             "case, not supported in none, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"ratio_first_over_last": {a: dict(v) for a, v in ratios.items()}},
        links=list(links),
    )


def _compress_depths(holds: Mapping[str, bool]) -> str:
    """"holds against sigmoid at depths 1–12; against tanh at depths 1–4"-style text."""
    parts = []
    for other in dict.fromkeys(k.split(",")[0] for k in holds):
        ok = [int(k.rsplit(" ", 1)[1]) for k, v in holds.items()
              if v and k.startswith(other + ",")]
        parts.append(f"against {other} at depths {_ranges(ok)}" if ok
                     else f"against {other} at no depth")
    return "holds " + "; ".join(parts)


def _ranges(values: Sequence[int]) -> str:
    values = sorted(values)
    out, start = [], values[0]
    for prev, cur in zip(values, [*values[1:], None], strict=True):
        if cur is None or cur != prev + 1:
            out.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = cur
    return ", ".join(out)


# ----------------------------------------------------------------------------- derivative
def claim_derivative(relu_derivative_values: Sequence[float],
                     derivative_ns: Mapping[str, float]) -> Claim:
    """ReLU's derivative takes only the values 0 and 1, and is the cheapest to evaluate."""
    values = sorted({float(v) for v in relu_derivative_values})
    binary = set(values) <= {0.0, 1.0}
    others = {k: v for k, v in derivative_ns.items() if k in ("sigmoid", "tanh")}
    cheap = all(derivative_ns["relu"] <= v for v in others.values())
    holds = {"values are 0 or 1": binary,
             "cheaper than sigmoid's and tanh's": cheap}
    detail = {"values are 0 or 1": f"values seen: {values}",
              "cheaper than sigmoid's and tanh's": ", ".join(
                  f"{k} {v:.2f} ns" for k, v in derivative_ns.items())}
    verdict, condition = split_verdict(holds)
    return Claim(
        id="derivative_zero_or_one",
        title="ReLU's derivative is simple: 0 or 1",
        statement_th="หา Derivative ไม่ยาก Derivative เป็น 0 ไม่ก็ 1 ขึ้นกับ Input",
        statement_en="The derivative is easy to get: it is 0 or 1, depending on the input.",
        scope="The values ReLU's derivative takes on a grid x ∈ [-10, 10] and on 10⁶ "
              "N(0, 1) samples, and the time to evaluate the derivative (ns per element, "
              "10⁶ float32 values, best of 5) against Sigmoid's and Tanh's.",
        rule="Two parts: the derivative takes only the values 0 and 1; its evaluation is no "
             "slower than Sigmoid's and Tanh's derivatives. Supported if both hold, not "
             "supported if neither, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"relu_derivative_values": values, "derivative_ns": dict(derivative_ns)},
    )


# ----------------------------------------------------------------------------- convergence
def _faster(s: Mapping[str, Summary], fast: str,
            others: Sequence[str]) -> tuple[bool | None, str]:
    text = "; ".join(f"{a} {_summary_text(s[a])}" for a in (fast, *others))
    if all(math.isinf(s[a].median) for a in (fast, *others)):
        return None, text + "; no median run converged"
    ok = all(s[fast].median < s[o].median and s[fast].ci_high < s[o].ci_low for o in others)
    return ok, text


def claim_converges_faster(summaries: Mapping[str, Mapping[str, Summary]],
                           links: Sequence[dict[str, str]] = ()) -> Claim:
    """ReLU converges faster than Tanh and Sigmoid, dataset by dataset."""
    holds, detail = {}, {}
    for dataset, s in summaries.items():
        holds[dataset], detail[dataset] = _faster(s, "relu", ("tanh", "sigmoid"))
    verdict, condition = split_verdict(holds)
    return Claim(
        id="converges_faster",
        title="Models with ReLU converge much faster",
        statement_th="ใช้แล้วโมเดล Converge เร็วขึ้นมาก",
        statement_en="Using it, the model converges much faster.",
        scope="Epochs until the test loss first reaches the threshold, on the playground's "
              "four classification datasets with its default network (2 hidden layers, "
              "[4, 2]) and settings, the same seeds (data and initial weights) for every "
              "activation. 'Much' is not quantified: we test 'faster, beyond noise'.",
        rule="On a dataset ReLU is faster if its median epochs-to-converge is below Tanh's "
             "and Sigmoid's and its 95% bootstrap CI of the median lies entirely below "
             "theirs (never-converged runs count as +inf); undecided if no activation's median "
             "run converged within the budget. Supported if ReLU is faster on every decided "
             "dataset, not supported on none, otherwise depends (on the dataset).",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={d: {a: x.to_dict() for a, x in s.items()} for d, s in summaries.items()},
        links=list(links),
    )


def claim_playground_numbers(by_threshold: Mapping[float, Mapping[str, Summary]],
                             dataset: str = "circle",
                             links: Sequence[dict[str, str]] = ()) -> Claim:
    """The lesson's single run is typical: 61 within ReLU's IQR, Tanh 100+, Sigmoid 1000+."""
    holds, detail = {}, {}
    for tau, s in sorted(by_threshold.items(), reverse=True):
        relu, tanh, sig = s["relu"], s["tanh"], s["sigmoid"]
        ok_relu = relu.q1 <= LESSON_RELU_EPOCHS <= relu.q3
        ok_tanh = tanh.q3 > LESSON_TANH_EPOCHS
        # a censored quartile only shows "more than the budget": enough if budget >= 1000
        ok_sig = sig.q3 > LESSON_SIGMOID_EPOCHS and (
            math.isfinite(sig.q3) or sig.budget >= LESSON_SIGMOID_EPOCHS)
        key = f"τ = {tau:g}"
        holds[key] = bool(ok_relu and ok_tanh and ok_sig)
        detail[key] = "; ".join(
            f"{a} median {fmt_epochs(x.median, x.budget)}, IQR {fmt_epochs(x.q1, x.budget)}–"
            f"{fmt_epochs(x.q3, x.budget)}" for a, x in (("relu", relu), ("tanh", tanh),
                                                          ("sigmoid", sig)))
    verdict, condition = split_verdict(holds)
    if condition:
        condition += " (the threshold that counts as 'converged')"
    return Claim(
        id="playground_61_epochs",
        title="On the playground: ReLU 61 epochs, Tanh 100+, Sigmoid 1000+",
        statement_th="สังเกตว่าเพียง 61 Epoch เท่านั้น ก็ Converge ... เปรียบเทียบกับ "
                     "Tanh 100+ Epoch, Sigmoid 1000+ Epoch",
        statement_en="Notice that [ReLU, 2 hidden layers, TensorFlow Playground] converges "
                     "in only 61 epochs, compared with Tanh 100+ epochs and Sigmoid 1000+.",
        scope=f"The playground's default run ({dataset}, [4, 2], lr 0.03, batch 10, noise 0, "
              "50% training data) over many seeds. The lesson shows one run and does not say "
              "what 'converged' means, so every loss threshold τ is checked.",
        rule=f"The lesson reports one run of each. At threshold τ its numbers are typical if "
             f"they fall in the middle half of the measured runs: {LESSON_RELU_EPOCHS} lies "
             f"within ReLU's interquartile range of epochs-to-converge, and Tanh's and "
             f"Sigmoid's upper quartiles exceed {LESSON_TANH_EPOCHS} and "
             f"{LESSON_SIGMOID_EPOCHS} ('100+', '1000+'; a never-converged quartile counts "
             f"only if the budget is ≥ {LESSON_SIGMOID_EPOCHS}). Supported if typical at every "
             "τ, not supported at none, otherwise depends (on τ).",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={f"{t:g}": {a: x.to_dict() for a, x in s.items()}
                  for t, s in by_threshold.items()},
        links=list(links),
    )


def claim_early_drop(early_loss: Mapping[str, Mapping[str, float]],
                     epoch: int = EARLY_EPOCH) -> Claim:
    """ReLU's loss falls fastest in the first epochs (median test loss at epoch 10)."""
    holds, detail = {}, {}
    for dataset, loss in early_loss.items():
        holds[dataset] = bool(loss["relu"] < loss["tanh"] and loss["relu"] < loss["sigmoid"])
        detail[dataset] = ", ".join(f"{a} {v:.4f}" for a, v in loss.items())
    verdict, condition = split_verdict(holds)
    return Claim(
        id="early_loss_drop",
        title="With ReLU the loss drops very fast in the first epochs",
        statement_th="แถมช่วงแรก Training Loss และ Test Loss ลดลงเร็วมาก",
        statement_en="Moreover, in the first epochs the training loss and the test loss "
                     "fall very fast.",
        scope=f"Median test loss over seeds after {epoch} epochs, per dataset, ReLU against "
              "Tanh and Sigmoid (same runs as the convergence comparison).",
        rule=f"On a dataset it holds if ReLU's median test loss at epoch {epoch} is lower "
             "than Tanh's and Sigmoid's. Supported on every dataset, not supported on none, "
             "otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"epoch": epoch, "median_test_loss": {d: dict(v) for d, v in
                                                        early_loss.items()}},
    )


# ----------------------------------------------------------------------------- outputs
def claim_not_zero_centred(index: Mapping[str, Mapping[str, float]],
                           relu_mean: Mapping[str, float]) -> Claim:
    """ReLU's hidden outputs have mean > 0 and are further from centred than Tanh's."""
    holds, detail = {}, {}
    for point, value in index["relu"].items():
        holds[point] = bool(relu_mean[point] > 0 and value > index["tanh"][point])
        detail[point] = (f"relu mean {relu_mean[point]:.3f}, |mean|/RMS relu {value:.2f} vs "
                         f"tanh {index['tanh'][point]:.2f}")
    verdict, condition = split_verdict(holds)
    return Claim(
        id="not_zero_centred",
        title="ReLU's output is not zero-centred (mean ≠ 0)",
        statement_th="Output ไม่ Balance มี Mean ไม่เท่ากับ 0 เพราะมีแต่ค่าเป็นบวก "
                     "ทำให้ Optimize ยาก",
        statement_en="The output is not balanced: its mean is not 0 because it has only "
                     "positive values, which makes optimization hard.",
        scope="The mean of each hidden layer's outputs over the training points, at the "
              "start and end of training, median over seeds, with Tanh (symmetric around 0) "
              "as the zero-centred reference. 'Makes optimization hard' is judged by the "
              "convergence claims, not here.",
        rule="At each (layer, epoch) it holds if ReLU's mean output is > 0 and its centring "
             "index |mean| / √(mean² + std²) is larger than Tanh's. Supported if it holds at "
             "every layer and epoch checked, not supported at none, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"centring_index": {a: dict(v) for a, v in index.items()},
                  "relu_mean": dict(relu_mean)},
    )


def claim_unbounded(grid_min: float, value_at_1e6: float, trained_max: float) -> Claim:
    """ReLU's output range is [0, ∞): unbounded above, and trained units exceed 1."""
    holds = {
        "never below 0": bool(grid_min >= 0),
        "no upper limit (relu(10⁶) = 10⁶)": bool(value_at_1e6 >= 1e6),
        "trained units exceed 1 (Tanh/Sigmoid's bound)": bool(trained_max > 1),
    }
    detail = {
        "never below 0": f"min on the grid {grid_min:g}",
        "no upper limit (relu(10⁶) = 10⁶)": f"relu(1e6) = {value_at_1e6:g}",
        "trained units exceed 1 (Tanh/Sigmoid's bound)":
            f"median over seeds of the largest hidden output {trained_max:.3g}",
    }
    verdict, condition = split_verdict(holds)
    return Claim(
        id="unbounded_output",
        title="ReLU's output lies in 0..∞ with no upper limit",
        statement_th="Output อยู่ในช่วง 0-Infinity ไม่มี Limit จัดการลำบาก",
        statement_en="The output lies between 0 and infinity with no limit, which is hard "
                     "to handle.",
        scope="The output range (grid and one huge input) and the largest hidden-unit output "
              "in trained playground networks. 'Hard to handle' is not measured.",
        rule="Three parts: min ≥ 0, relu(10⁶) = 10⁶, and the median (over seeds) largest "
             "hidden output after training exceeds 1. Supported if all hold, not supported "
             "if none, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"grid_min": grid_min, "relu_1e6": value_at_1e6,
                  "trained_max_hidden_output": trained_max},
    )


def claim_negative_zero(negative_max_abs: float, invertible: bool) -> Claim:
    """Every negative input maps to 0, so the function cannot be inverted there."""
    holds = {"negative inputs give exactly 0": bool(negative_max_abs == 0),
             "not invertible (not strictly increasing)": not invertible}
    detail = {"negative inputs give exactly 0": f"max |relu(x)| for x < 0: {negative_max_abs:g}",
              "not invertible (not strictly increasing)": f"invertible on grid: {invertible}"}
    verdict, condition = split_verdict(holds)
    return Claim(
        id="negative_inputs_zero",
        title="Negative inputs always give 0, so ReLU cannot be inverted",
        statement_th="ถ้า Input เป็นค่าติดลบ Output จะเป็น 0 เสมอ ทำให้ยากต่อการแปลงค่ากลับ",
        statement_en="If the input is negative the output is always 0, which makes it hard "
                     "to convert the value back.",
        scope="ReLU on the grid x ∈ [-10, 10] (step 0.001): its values for x < 0 and whether "
              "it is strictly increasing (invertible).",
        rule="Two parts: relu(x) = 0 exactly for every negative grid point; ReLU is not "
             "strictly increasing on the grid. Supported if both hold, not supported if "
             "neither, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"negative_max_abs": negative_max_abs, "invertible": invertible},
    )


def claim_dead_units_hurt(pooled: Mapping[str, Any],
                          by_rate: Mapping[float, Mapping[str, Any]],
                          links: Sequence[dict[str, str]] = ()) -> Claim:
    """Runs with dead ReLU units are the runs that fail to converge."""
    def associated(c: Mapping[str, Any]) -> bool:
        a, b = c["never_share_with_dead"], c["never_share_without_dead"]
        return a is not None and b is not None and a > b and c["p_value"] < P_VALUE

    def text(c: Mapping[str, Any]) -> str:
        (dc, dn), (ac, an) = c["table"]
        return (f"never converged {dn}/{dc + dn} with dead units vs {an}/{ac + an} without, "
                f"Fisher p = {c['p_value']:.3g}")

    holds = {f"lr {r:g}": associated(c) for r, c in by_rate.items()}
    if associated(pooled):
        verdict, condition = SUPPORTED, None
    elif any(holds.values()):
        verdict = DEPENDS
        condition = "holds at " + ", ".join(k for k, v in holds.items() if v) + " only"
    else:
        verdict, condition = NOT_SUPPORTED, None
    explained = _explain({"pooled": associated(pooled), **holds},
                         {"pooled": text(pooled),
                          **{f"lr {r:g}": text(c) for r, c in by_rate.items()}})
    return Claim(
        id="dead_units_never_converge",
        title="ReLU units stuck at 0 stop learning: runs with dead units fail (implied)",
        statement_th="ถ้า Input เป็นค่าติดลบ Output จะเป็น 0 เสมอ",
        statement_en="(Implied by 'negative input → output always 0'.) A unit whose input is "
                     "negative on every point outputs 0 and gets no gradient; runs with such "
                     "dead units are the runs that fail to converge.",
        scope="ReLU networks ([4, 2]) on xor and circle at learning rates 0.03–1: whether a "
              "run has at least one dead hidden unit (output exactly 0 on every training "
              "point) at the end, against whether it converged within the budget.",
        rule=f"Supported if, pooled over datasets and learning rates, runs with dead units "
             f"fail to converge more often than runs without and a two-sided Fisher exact "
             f"test gives p < {P_VALUE:g}; otherwise depends if that holds at some learning "
             "rates (listed), else not supported.",
        verdict=verdict, condition=condition, **explained,
        evidence={"pooled": dict(pooled),
                  "by_learning_rate": {f"{r:g}": dict(c) for r, c in by_rate.items()}},
        links=list(links),
    )


def claim_leaky_fix(leaky_invertible: bool, cells: Sequence[Mapping[str, Any]],
                    slope: float = 0.05) -> Claim:
    """Leaky ReLU is invertible and has no dead units where ReLU has them."""
    dying = [c for c in cells if c["relu_dead_runs"] > 0]
    no_dead = all(c["leaky_dead_runs"] == 0 for c in dying)
    holds = {"invertible (strictly increasing)": bool(leaky_invertible),
             "no dead units where ReLU has them": bool(dying) and no_dead}
    detail = {
        "invertible (strictly increasing)": f"on the grid: {leaky_invertible}",
        "no dead units where ReLU has them": "; ".join(
            f"{c['dataset']} lr {c['learning_rate']:g}: relu {c['relu_dead_runs']} runs, "
            f"leaky {c['leaky_dead_runs']} runs" for c in dying) or "ReLU had no dead units",
    }
    verdict, condition = split_verdict(holds)
    return Claim(
        id="leaky_relu_fixes_dead_zone",
        title=f"Leaky ReLU ({slope:g}) fixes the zero output for negative inputs",
        statement_th="มีผู้ออกแบบ Leaky ReLU เพื่อมาแก้ไขข้อเสียของ ReLU โดยแทนที่ Output จะเป็น "
                     "0 เสมอ ถ้า Input ติดลบ ก็ให้เป็นค่าติดลบน้อย ๆ แทน "
                     "จะได้ยังสามารถแปลงค่ากลับได้",
        statement_en="Leaky ReLU was designed to fix ReLU's drawback: instead of always 0 "
                     "for a negative input it gives a small negative value, so the value can "
                     "still be converted back.",
        scope=f"Leaky ReLU with the lesson's slope {slope:g}: strictly increasing on the "
              "grid, and dead units (output exactly 0 on every training point) in the "
              "dying-units experiment wherever ReLU had some.",
        rule="Two parts: Leaky ReLU is strictly increasing on the grid; in every (dataset, "
             "learning rate) cell where some ReLU run ended with dead units, no Leaky ReLU run "
             "did (false if ReLU had none: nothing to fix was observed). Supported if both "
             "hold, not supported if neither, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"invertible": leaky_invertible, "cells": [dict(c) for c in cells]},
    )


def claim_leaky_converges(cells: Sequence[Mapping[str, Any]], slope: float = 0.05) -> Claim:
    """Where ReLU units die, Leaky ReLU fails to converge no more often than ReLU."""
    holds, detail = {}, {}
    for c in cells:
        if c["relu_dead_runs"] == 0:
            continue
        key = f"{c['dataset']} lr {c['learning_rate']:g}"
        holds[key] = bool(c["leaky_never"] <= c["relu_never"])
        detail[key] = (f"never converged: leaky {c['leaky_never']}/{c['runs']}, "
                       f"relu {c['relu_never']}/{c['runs']}")
    verdict, condition = split_verdict(holds)
    explained = _explain(holds, detail)
    if not holds:
        explained["reason"] = "ReLU had no dead units in any cell"
    return Claim(
        id="leaky_relu_trains_where_relu_dies",
        title=f"Where ReLU units die, Leaky ReLU ({slope:g}) trains at least as well (implied)",
        statement_th="มีผู้ออกแบบ Leaky ReLU เพื่อมาแก้ไขข้อเสียของ ReLU",
        statement_en="(Implied.) Leaky ReLU was designed to fix ReLU's drawback, so where "
                     "ReLU's zero outputs hurt, Leaky ReLU should train at least as well.",
        scope="Dying-units experiment: cells (dataset, learning rate) where at least one ReLU "
              "run ended with a dead unit; runs that never reached the loss threshold.",
        rule="In each such cell it holds if no more Leaky ReLU runs than ReLU runs failed to "
             "converge. Supported if it holds in every such cell, not supported in none (or "
             "if ReLU never had dead units), otherwise depends.",
        verdict=verdict, condition=condition, **explained,
        evidence={"cells": [dict(c) for c in cells]},
    )
