"""The lesson's claims, and verdicts computed from measurements by stated rules.

Each ``claim_*`` function takes plain measured numbers (so a test can feed it synthetic
ones) and returns a :class:`Claim`: the lesson's sentence (Thai original and English), what
part of it is measured, the rule, the per-case evidence and the verdict the rule gives.

Two kinds of case:

* **statistical** (speed, gradients, dead units): a paired test per case on the same seeds
  (:mod:`actlab.experiments.stats`: exact sign test with censoring, Holm's correction across
  the claim's cases, ratio of medians with a paired bootstrap CI). Each case is ``holds``,
  ``no detectable difference`` or ``reversed``; the claim is ``supported``, ``not
  supported``, ``reversed``, ``depends`` (naming where) or ``undecided``
  (:func:`~actlab.experiments.stats.claim_verdict`).
* **exact checks** (a function's values, an output range): a case holds or not;
  :func:`split_verdict` gives ``supported`` / ``not supported`` / ``depends``.

No verdict is written by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from actlab.experiments import stats as S
from actlab.experiments.stats import PairedCase

SUPPORTED, NOT_SUPPORTED, DEPENDS = S.SUPPORTED, S.NOT_SUPPORTED, S.DEPENDS
REVERSED, UNDECIDED = S.REVERSED_VERDICT, S.UNDECIDED
VERDICTS = S.CLAIM_VERDICTS

#: Rule constants (stated in the report next to each rule).
VANISHED_RATIO = 0.01  # first-layer gradient below 1 % of the last layer's = vanished
LESSON_RELU_EPOCHS = 61
LESSON_TANH_EPOCHS = 100
LESSON_SIGMOID_EPOCHS = 1000
#: The band around the lesson's 61 epochs that counts as "like the lesson's run" (±25 %).
RELU_BAND = (LESSON_RELU_EPOCHS / 1.25, LESSON_RELU_EPOCHS * 1.25)
#: A lesson number is plausible when at least this share of seeds (Wilson 95 % lower bound)
#: behaves like it.
PLAUSIBLE_SHARE = 0.2
EARLY_EPOCH = 10
P_VALUE = S.ALPHA
EXACT_TEST = "exact check (deterministic)"


@dataclass
class Claim:
    """One claim of the lesson with its measured evidence and computed verdict.

    ``cases`` hold, per case: ``case``, ``outcome``, ``test``, ``p_value``, ``p_holm``,
    ``effect_size`` and ``ci95`` (None for exact checks), ``detail``. ``effect`` is the
    one-line effect summary; ``robust`` whether the verdict agrees across the sensitivity
    ``panel`` (None when the claim has no panel).
    """

    id: str
    title: str
    statement_th: str
    statement_en: str
    scope: str
    rule: str
    verdict: str
    condition: str | None
    reason: str
    cases: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)
    effect: str = ""
    robust: bool | None = None
    panel: dict[str, Any] = field(default_factory=dict)
    section: str = "toy"

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if hasattr(x, "item") and not isinstance(x, str):  # NumPy scalars
        return _jsonable(x.item())
    return x


def split_verdict(holds: Mapping[str, bool | None]) -> tuple[str, str | None]:
    """The verdict from "does the claim hold in case X?" answers (None = undecided).

    ``supported`` if it holds in every decided case, ``not supported`` if in none, else
    ``depends`` with the condition "holds for A, B; not for C"; ``undecided`` if no case
    could be decided.
    """
    yes = [k for k, v in holds.items() if v is True]
    no = [k for k, v in holds.items() if v is False]
    open_ = [k for k, v in holds.items() if v is None]
    if not yes and not no:
        return UNDECIDED, None
    if not yes:
        return NOT_SUPPORTED, None
    if not no:
        return SUPPORTED, None
    condition = f"holds for {', '.join(yes)}; not for {', '.join(no)}"
    if open_:
        condition += f"; undecided for {', '.join(open_)}"
    return DEPENDS, condition


_WORD = {True: "holds", False: "does not hold", None: "undecided"}


def _explain(holds: Mapping[str, bool | None], detail: Mapping[str, str],
             test: str = EXACT_TEST) -> dict[str, Any]:
    """``reason`` (one line) and ``cases`` (one entry per case) for exact checks."""
    return {
        "reason": "; ".join(f"{k}: {_WORD[v]} ({detail[k]})" for k, v in holds.items()),
        "cases": [{"case": k, "outcome": _WORD[v], "holds": v, "test": test,
                   "p_value": None, "p_holm": None, "effect_size": None, "ci95": None,
                   "detail": detail[k]} for k, v in holds.items()],
    }


def _paired(columns: Mapping[str, Sequence[PairedCase]], main: str) -> dict[str, Any]:
    """Verdict, condition, cases and sensitivity panel from raw paired cases per column.

    Each column (a condition of the panel: threshold, shape, rate, seed half) is decided
    on its own (Holm within the column); the main column gives the verdict; the verdict is
    *robust* when every column gives the same one.
    """
    decided = {col: S.decide(cases) for col, cases in columns.items()}
    verdicts = {col: S.claim_verdict({c.case: _undecidable(c) for c in cs})
                for col, cs in decided.items()}
    verdict, condition = verdicts[main]
    cases = [{**c.to_dict(), "p_value": c.p_value, "detail": c.detail()}
             for c in decided[main]]
    for case, c in zip(cases, decided[main], strict=True):
        if _undecidable(c) is None:
            case["outcome"] = "undecided"
    much = [c.case for c in decided[main] if c.much_faster]
    bar = (f"much-faster bar (ratio of medians ≥ {S.MUCH_FASTER_RATIO:g}, CI lower bound > 1)"
           f" met for: {', '.join(much) if much else 'none'}")
    effect = "; ".join(f"{c.case} {c.ratio_text()}" for c in decided[main])
    panel = {
        "columns": list(columns),
        "main": main,
        "verdicts": {col: {"verdict": v, "condition": cond} for col, (v, cond) in
                     verdicts.items()},
        "outcomes": {c.case: {col: next((x.outcome if _undecidable(x) else "undecided"
                                         for x in decided[col] if x.case == c.case), "n/a")
                              for col in columns}
                     for c in decided[main]},
    }
    robust = len({v for v, _ in verdicts.values()}) == 1
    reason = "; ".join(f"{c.case}: {c.outcome}" for c in decided[main])
    return {"verdict": verdict, "condition": condition, "cases": cases, "effect": effect,
            "robust": robust, "panel": panel, "reason": f"{reason}. {bar}"}


def _undecidable(c: PairedCase) -> str | None:
    """None when the case has no informative pair (nothing to compare), else its outcome."""
    return c.outcome if c.informative else None


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




# ----------------------------------------------------------------------------- convergence
EpochPanel = Mapping[str, Mapping[str, Mapping[str, np.ndarray]]]  # column→dataset→act→epochs


def _speed_cases(panel: EpochPanel, fast: str, rivals: Sequence[str],
                 budget: int) -> dict[str, list[PairedCase]]:
    return {col: [S.paired_case(f"{d} vs {r}", fast, r, acts[fast], acts[r], budget)
                  for d, acts in by_ds.items() for r in rivals]
            for col, by_ds in panel.items()}


def claim_converges_faster(panel: EpochPanel, budget: int, main: str,
                           links: Sequence[dict[str, str]] = (),
                           protocol: str = "") -> Claim:
    """ReLU converges faster than Tanh and Sigmoid: paired per dataset, with a panel."""
    parts = _paired(_speed_cases(panel, "relu", ("tanh", "sigmoid"), budget), main)
    return Claim(
        id="converges_faster",
        title="Models with ReLU converge much faster",
        statement_th="ใช้แล้วโมเดล Converge เร็วขึ้นมาก",
        statement_en="Using it, the model converges much faster.",
        scope="Epochs until the test loss first reaches τ on the playground's four "
              "classification datasets ([4, 2], batch 10), every activation on the same "
              f"held-out seeds (same data and initial weights). {protocol}",
        rule="Per dataset and rival (Tanh, Sigmoid): exact two-sided sign test on the "
             "per-seed epochs (both never converged = tie; one never = the other is faster), "
             f"Holm-adjusted over the claim's cases at α = {S.ALPHA:g}: holds if ReLU is "
             "faster, reversed if slower, else no detectable difference. Effect: ratio of "
             "medians rival ÷ ReLU with a paired bootstrap 95% CI (censored medians: +∞, a "
             f"lower bound). 'Much faster' bar: ratio ≥ {S.MUCH_FASTER_RATIO:g} with CI "
             "lower bound > 1. Robust only if every column of the sensitivity panel gives "
             "the same verdict.",
        **parts,
        evidence={"budget": budget, "columns": list(panel)},
        links=list(links),
    )


def claim_playground_numbers(by_tau: Mapping[float, Mapping[str, np.ndarray]],
                             budget: int, dataset: str = "circle",
                             links: Sequence[dict[str, str]] = ()) -> Claim:
    """Per-seed plausibility of the lesson's single run: 61 / 100+ / 1000+ epochs."""
    lo, hi = RELU_BAND
    holds: dict[str, bool | None] = {}
    detail, evidence = {}, {}
    for tau, acts in sorted(by_tau.items(), reverse=True):
        relu, tanh, sig = (np.asarray(acts[a], dtype=float) for a in ("relu", "tanh",
                                                                       "sigmoid"))
        inside = {"relu": (relu >= lo) & (relu <= hi), "tanh": tanh > LESSON_TANH_EPOCHS,
                  "sigmoid": sig > LESSON_SIGMOID_EPOCHS}
        key = f"τ = {tau:g}"
        if budget < LESSON_SIGMOID_EPOCHS:
            holds[key] = None
        shares = {}
        for a, m in inside.items():
            k, n = int(m.sum()), int(m.size)
            shares[a] = {"k": k, "n": n, "share": k / n if n else math.nan,
                         "ci95": list(S.wilson_ci(k, n))}
        joint = inside["relu"] & inside["tanh"] & inside["sigmoid"]
        shares["all three on the same seed"] = {
            "k": int(joint.sum()), "n": int(joint.size),
            "share": float(joint.mean()) if joint.size else math.nan,
            "ci95": list(S.wilson_ci(int(joint.sum()), int(joint.size)))}
        if key not in holds:
            holds[key] = all(shares[a]["ci95"][0] >= PLAUSIBLE_SHARE for a in inside)
        detail[key] = "; ".join(
            f"{a} {x['k']}/{x['n']} [{100 * x['ci95'][0]:.0f}–{100 * x['ci95'][1]:.0f}%]"
            for a, x in shares.items())
        evidence[key] = shares
    verdict, condition = split_verdict(holds)
    if condition:
        condition += " (the threshold that counts as 'converged')"
    explained = _explain(holds, detail, test=f"Wilson 95% CI of each share ≥ "
                                             f"{PLAUSIBLE_SHARE:g}")
    return Claim(
        id="playground_61_epochs",
        title="On the playground: ReLU 61 epochs, Tanh 100+, Sigmoid 1000+",
        statement_th="สังเกตว่าเพียง 61 Epoch เท่านั้น ก็ Converge ... เปรียบเทียบกับ "
                     "Tanh 100+ Epoch, Sigmoid 1000+ Epoch",
        statement_en="Notice that [ReLU, 2 hidden layers, TensorFlow Playground] converges "
                     "in only 61 epochs, compared with Tanh 100+ epochs and Sigmoid 1000+.",
        scope=f"The playground's default run ({dataset}, [4, 2], lr 0.03, batch 10) on the "
              f"held-out seeds, budget {budget}. The lesson shows one run and does not say "
              "what 'converged' means, so every threshold τ is checked.",
        rule=f"Per seed: ReLU is like the lesson's run if it converges within "
             f"{lo:.0f}–{hi:.0f} epochs (61 ± 25%), Tanh if it needs more than "
             f"{LESSON_TANH_EPOCHS}, Sigmoid more than {LESSON_SIGMOID_EPOCHS} (never within "
             f"the budget counts). At τ the lesson's numbers are plausible if, for each "
             f"activation, the Wilson 95% lower bound of that share is ≥ "
             f"{PLAUSIBLE_SHARE:g} (one seed in five or more). Supported if plausible at "
             "every τ, not supported at none, otherwise depends (on τ). The share of seeds "
             "where all three hold at once is shown too.",
        verdict=verdict, condition=condition, **explained,
        effect="; ".join(f"{k}: {d}" for k, d in detail.items() if k == "τ = 0.01"),
        evidence={"band_relu": [lo, hi], "shares": evidence, "budget": budget},
        links=list(links),
    )


def claim_early_drop(loss: Mapping[str, Mapping[str, np.ndarray]],
                     epoch: int = EARLY_EPOCH) -> Claim:
    """ReLU's loss falls fastest in the first epochs: paired test loss at ``epoch``."""
    cases = [S.paired_case(f"{d} vs {r}", "relu", r, acts["relu"], acts[r], 0)
             for d, acts in loss.items() for r in ("tanh", "sigmoid")]
    parts = _paired({"main": cases}, "main")
    parts["effect"] = "; ".join(
        f"{c['case']} loss ratio {_ratio_text(c)}" for c in parts["cases"])
    parts["reason"] = parts["reason"].split(". much-faster")[0]
    parts.pop("panel")
    parts.pop("robust")
    return Claim(
        id="early_loss_drop",
        title="With ReLU the loss drops very fast in the first epochs",
        statement_th="แถมช่วงแรก Training Loss และ Test Loss ลดลงเร็วมาก",
        statement_en="Moreover, in the first epochs the training loss and the test loss "
                     "fall very fast.",
        scope=f"Test loss after {epoch} epochs at the lesson's rate 0.03, per dataset, "
              "ReLU against Tanh and Sigmoid on the same held-out seeds.",
        rule=f"Per dataset and rival: sign test on the per-seed test loss at epoch {epoch} "
             f"(lower wins), Holm-adjusted, α = {S.ALPHA:g}: holds if ReLU's is lower, "
             "reversed if higher. Effect: ratio of median losses rival ÷ ReLU.",
        **parts,
        evidence={"epoch": epoch},
    )


def _ratio_text(case: Mapping[str, Any]) -> str:
    def f(v: Any) -> str:
        return "∞" if v == "inf" else ("n/a" if v is None else f"{v:.3g}")

    lo, hi = case["ci95"]
    return f"{f(case['effect_size'])} [{f(lo)}, {f(hi)}]"


# ----------------------------------------------------------------------------- gradients
GradientRatios = Mapping[str, Mapping[str, Mapping[int, np.ndarray]]]  # act→measure→depth→seeds


def _median_ci(x: np.ndarray) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    lo, hi = S.bootstrap_median_ci(x)
    return S.median(x), lo, hi


def _vanish_outcome(x: np.ndarray) -> tuple[bool | None, str]:
    m, lo, hi = _median_ci(x)
    text = f"median {m:.3g} [95% CI {lo:.3g}, {hi:.3g}]"
    if lo >= VANISHED_RATIO:
        return True, text
    if hi < VANISHED_RATIO:
        return False, text
    return None, text


def claim_vanishing(ratios: GradientRatios, links: Sequence[dict[str, str]] = ()) -> Claim:
    """ReLU's gradient reaching the first layer stays ≥ 1 % of the last layer's."""
    holds, detail, tanh = {}, {}, {}
    for measure, by_depth in ratios["relu"].items():
        for depth, x in by_depth.items():
            key = f"{measure}, depth {depth}"
            holds[key], detail[key] = _vanish_outcome(x)
            if "tanh" in ratios:
                tanh[key] = _WORD[_vanish_outcome(ratios["tanh"][measure][depth])[0]]
    verdict, condition = split_verdict(holds)
    explained = _explain(holds, detail, test="bootstrap 95% CI of the median ratio vs "
                                             f"{VANISHED_RATIO:g}")
    passing = [k for k, v in tanh.items() if v == "holds"]
    return Claim(
        id="vanishing_gradient",
        title="ReLU's slope of 1 keeps the gradient from vanishing",
        statement_th="Slope เป็น 1 ทำให้ Gradient ไม่หาย ลดปัญหา Vanishing Gradient "
                     "ช่วยให้เราเทรนโมเดลได้อย่างรวดเร็ว",
        statement_en="The slope is 1, so the gradient does not vanish: it reduces the "
                     "vanishing-gradient problem and lets us train models quickly.",
        scope="First-layer ÷ last-layer RMS gradient per seed at the playground's "
              "initialization (weights U(−0.5, 0.5)), networks of 8-unit hidden layers on "
              "circle, measured two ways: the weight gradients ∂L/∂W and the back-propagated "
              "deltas ∂L/∂z.",
        rule=f"Per measure and depth: holds if the bootstrap 95% CI of the median ratio lies "
             f"above {VANISHED_RATIO:g}, does not hold (vanished) if it lies below, undecided "
             "if it straddles. Supported if it holds at every decided depth, not supported "
             "at none, otherwise depends. The same rule applied to Tanh is shown beside it.",
        verdict=verdict, condition=condition, **explained,
        effect=f"Tanh passes the same rule at {len(passing)} of {len(tanh)} cases",
        evidence={"tanh_same_rule": tanh, "vanished_below": VANISHED_RATIO},
        links=list(links),
    )


def claim_vanishing_vs_others(ratios: GradientRatios,
                              links: Sequence[dict[str, str]] = ()) -> Claim:
    """ReLU keeps more gradient than Sigmoid and Tanh: paired per depth and measure."""
    cases = []
    for other in ("sigmoid", "tanh"):
        for measure, by_depth in ratios["relu"].items():
            for depth, x in by_depth.items():
                with np.errstate(divide="ignore"):
                    # smaller 1/ratio = more gradient kept; a zero gradient is "never"
                    inv_r = 1.0 / np.asarray(x, dtype=float)
                    inv_o = 1.0 / np.asarray(ratios[other][measure][depth], dtype=float)
                cases.append(S.paired_case(f"vs {other}, {measure}, depth {depth}", "relu",
                                           other, np.nan_to_num(inv_r, nan=math.inf),
                                           np.nan_to_num(inv_o, nan=math.inf), 0))
    parts = _paired({"main": cases}, "main")
    parts.pop("panel")
    parts.pop("robust")
    parts["condition"] = _compress(parts["cases"]) if parts["verdict"] == DEPENDS else None
    parts["reason"] = parts["reason"].split(". much-faster")[0]
    parts["effect"] = "; ".join(f"{c['case']}: {_ratio_text(c)}" for c in parts["cases"]
                                if c["case"].endswith(("depth 2", "depth 12", "depth 24")))
    return Claim(
        id="vanishing_gradient_vs_sigmoid_tanh",
        title="ReLU's gradient vanishes less than Sigmoid's and Tanh's (implied comparison)",
        statement_th="ReLU Function ... ถ้า Input เป็นบวก Slope จะเท่ากับ 1 ตลอดกาล ทำให้ "
                     "Gradient ไม่หาย (ไม่เกิด Vanishing Gradient)",
        statement_en="Unlike the S-shaped Sigmoid and Tanh, ReLU's slope is always 1 for "
                     "positive inputs, so the gradient does not vanish.",
        scope="The same per-seed first÷last ratios as the previous claim (weights and "
              "deltas), ReLU paired with Sigmoid and with Tanh on the same seeds.",
        rule="Per rival, measure and depth: sign test on the per-seed ratios (higher keeps "
             f"more gradient), Holm-adjusted over all cases, α = {S.ALPHA:g}: holds if "
             "ReLU's is higher, reversed if lower, else no detectable difference. Effect: "
             "ratio of median ratios ReLU ÷ rival with a paired bootstrap CI.",
        **parts,
        links=list(links),
    )


def _compress(cases: Sequence[Mapping[str, Any]]) -> str:
    """"vs tanh, weights: holds at 1–4; no detectable difference at 6–24"-style text."""
    groups: dict[str, dict[str, list[int]]] = {}
    for c in cases:
        head, depth = c["case"].rsplit(", depth ", 1)
        groups.setdefault(head, {}).setdefault(c["outcome"], []).append(int(depth))
    return "; ".join(
        f"{head}: " + ", ".join(f"{o} at {_ranges(ds)}" for o, ds in by.items())
        for head, by in groups.items())


def _ranges(values: Sequence[int]) -> str:
    values = sorted(values)
    out, start = [], values[0]
    for prev, cur in zip(values, [*values[1:], None], strict=True):
        if cur is None or cur != prev + 1:
            out.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = cur
    return ", ".join(out)


# ----------------------------------------------------------------------------- dead units
def claim_dead_units_hurt(strata: Sequence[Mapping[str, Any]],
                          links: Sequence[dict[str, str]] = ()) -> Claim:
    """Runs with stuck ReLU units fail more often, within each (dataset, lr) stratum."""
    tables = [s["table"] for s in strata]
    cmh = S.cmh_test(tables)
    ps = [S.fisher_exact(t) for t in tables]
    adjusted = S.holm(ps)
    cases = []
    for s, p, pa in zip(strata, ps, adjusted, strict=True):
        (dc, dn), (ac, an) = s["table"]
        informative = (dc + dn) > 0 and (ac + an) > 0
        direction = (dn / (dc + dn) > an / (ac + an)) if informative else None
        outcome = ("undecided" if not informative else
                   S.HOLDS if pa < S.ALPHA and direction else
                   S.REVERSED if pa < S.ALPHA else S.NO_DIFFERENCE)
        cases.append({
            "case": f"{s['dataset']} lr {s['learning_rate']:g}", "outcome": outcome,
            "test": "two-sided Fisher exact test, Holm-adjusted over strata",
            "p_value": p, "p_holm": pa, "effect_size": None, "ci95": None,
            "detail": f"never converged {dn}/{dc + dn} with stuck units vs {an}/{ac + an} "
                      f"without; Fisher p = {p:.3g} (Holm {pa:.3g})"})
    informative = [c for c in cases if c["outcome"] != "undecided"]
    # the tables' odds ratio is that of *converging*; its inverse, of never converging
    odds = 1.0 / cmh["odds_ratio"] if cmh["odds_ratio"] else math.inf
    if not informative:
        verdict = UNDECIDED
    elif cmh["p_value"] < S.ALPHA:
        verdict = SUPPORTED if odds > 1 else REVERSED
    else:
        verdict = NOT_SUPPORTED
    effect = (f"Mantel–Haenszel odds ratio of never converging, stuck vs not: {odds:.3g}; "
              f"CMH p = {cmh['p_value']:.3g}")
    return Claim(
        id="dead_units_never_converge",
        title="ReLU units stuck at 0 stop learning: runs with stuck units fail (implied)",
        statement_th="ถ้า Input เป็นค่าติดลบ Output จะเป็น 0 เสมอ",
        statement_en="(Implied by 'negative input → output always 0'.) A unit whose input is "
                     "negative on every point outputs 0 and gets no gradient; runs with such "
                     "units are the runs that fail to converge.",
        scope="ReLU networks ([4, 2]) per (dataset, learning rate) stratum: whether a run "
              "ends with at least one stuck hidden unit (|f′(z)| < 1% of the activation's "
              "largest slope on every training point — for ReLU: output exactly 0), against "
              "whether it converged within the budget.",
        rule="Stratified by (dataset, learning rate) — pooling would confound them: "
             f"Cochran–Mantel–Haenszel test (continuity-corrected) at α = {S.ALPHA:g}: "
             "supported if runs with stuck units fail more often (common odds ratio > 1), "
             "reversed if less often, not supported if no detectable association; per "
             "stratum two-sided Fisher exact tests with Holm's correction are shown as "
             "cases.",
        verdict=verdict, condition=None, reason=effect, cases=cases,
        effect=effect, evidence={"cmh": cmh, "strata": [dict(s) for s in strata]},
        links=list(links),
    )


def claim_leaky_fix(leaky_invertible: bool, cells: Sequence[Mapping[str, Any]],
                    slope: float = 0.05) -> Claim:
    """Leaky ReLU is invertible and has no stuck units where ReLU has them."""
    dying = [c for c in cells if c["relu_dead_runs"] > 0]
    no_dead = all(c["leaky_dead_runs"] == 0 for c in dying)
    holds = {"invertible (strictly increasing)": bool(leaky_invertible),
             "no stuck units where ReLU has them": bool(dying) and no_dead}
    detail = {
        "invertible (strictly increasing)": f"on the grid: {leaky_invertible}",
        "no stuck units where ReLU has them": "; ".join(
            f"{c['dataset']} lr {c['learning_rate']:g}: relu {c['relu_dead_runs']} runs, "
            f"leaky {c['leaky_dead_runs']} runs" for c in dying) or "ReLU had no stuck units",
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
              "grid, and stuck units (same definition for every activation) in the "
              "dying-units experiment wherever ReLU had some.",
        rule="Two exact checks: Leaky ReLU is strictly increasing on the grid; in every "
             "(dataset, learning rate) cell where some ReLU run ended with stuck units, no "
             "Leaky ReLU run did (false if ReLU had none: nothing to fix was observed). "
             "Supported if both hold, not supported if neither, otherwise depends.",
        verdict=verdict, condition=condition, **_explain(holds, detail),
        evidence={"invertible": leaky_invertible, "cells": [dict(c) for c in cells]},
    )


def claim_leaky_converges(cells: Sequence[Mapping[str, Any]], budget: int,
                          slope: float = 0.05) -> Claim:
    """Where ReLU units get stuck, Leaky ReLU converges faster / more often (paired)."""
    cases = [S.paired_case(f"{c['dataset']} lr {c['learning_rate']:g}", "leaky", "relu",
                           c["leaky_epochs"], c["relu_epochs"], budget)
             for c in cells if c["relu_dead_runs"] > 0]
    if cases:
        parts = _paired({"main": cases}, "main")
        parts.pop("panel")
        parts.pop("robust")
        parts["reason"] = parts["reason"].split(". much-faster")[0]
    else:
        parts = {"verdict": UNDECIDED, "condition": None, "cases": [], "effect": "",
                 "reason": "ReLU had no stuck units in any cell"}
    return Claim(
        id="leaky_relu_trains_where_relu_dies",
        title=f"Where ReLU units get stuck, Leaky ReLU ({slope:g}) trains better (implied)",
        statement_th="มีผู้ออกแบบ Leaky ReLU เพื่อมาแก้ไขข้อเสียของ ReLU",
        statement_en="(Implied.) Leaky ReLU was designed to fix ReLU's drawback, so where "
                     "ReLU's zero outputs hurt, Leaky ReLU should train better.",
        scope="Dying-units experiment: cells (dataset, learning rate) where at least one ReLU "
              "run ended with a stuck unit; per-seed epochs to converge of Leaky ReLU and "
              "ReLU on the same seeds.",
        rule="Per cell: sign test on per-seed epochs (censored runs as in the speed claims), "
             f"Holm-adjusted over cells, α = {S.ALPHA:g}: holds if Leaky ReLU is faster, "
             "reversed if slower. Undecided if ReLU never had stuck units.",
        **parts,
        evidence={"cells": [{k: v for k, v in c.items() if not k.endswith("_epochs")}
                            for c in cells]},
    )


# ----------------------------------------------------------------------------- real data
def claim_digits_faster(panel: EpochPanel, budget: int, main: str) -> Claim:
    """On digits, ReLU reaches 2% training error in fewer epochs than Tanh and Sigmoid."""
    parts = _paired(_speed_cases(panel, "relu", ("tanh", "sigmoid"), budget), main)
    return Claim(
        id="digits_relu_trains_much_faster",
        title="Real data (digits): ReLU trains much faster",
        statement_th="ใช้แล้วโมเดล Converge เร็วขึ้นมาก",
        statement_en="Using it, the model converges much faster (checked on real images, "
                     "Krizhevsky et al. 2012's protocol: each activation at its own best "
                     "learning rate).",
        scope="scikit-learn's bundled 8×8 digits (standardised, stratified 80/20 split), "
              "MLP 64-32-32-10 and deep 64-[32×8]-10, softmax cross-entropy, mini-batch SGD "
              "(batch 32); epochs until the training error is ≤ 2%, each activation at its "
              "best rate (tuned on separate seeds), on the same held-out seeds (same initial "
              "weights up to the initialiser and the same batch order).",
        rule="Per network, panel and rival: sign test on per-seed epochs (never within the "
             f"budget = censored), Holm-adjusted, α = {S.ALPHA:g}; holds if ReLU is faster, "
             "reversed if slower. Effect: ratio of medians rival ÷ ReLU with a paired "
             f"bootstrap CI; 'much faster' bar: ratio ≥ {S.MUCH_FASTER_RATIO:g} with CI "
             "lower bound > 1. Verdict from the first panel (MLP, default init, SGD); robust "
             "only if every panel (networks, initialisations, optimisers) agrees.",
        section="digits",
        **parts,
        evidence={"budget": budget, "columns": list(panel)},
    )


def claim_digits_vanishing(ratios: Mapping[tuple[str, str], Mapping[str, Mapping[str,
                                                                                  np.ndarray]]]
                           ) -> Claim:
    """Glorot & Bengio: in the deep net Sigmoid's first-layer gradient is smallest."""
    cases = []
    for (net, init), acts in sorted(ratios.items()):
        for other in ("tanh", "relu"):
            for measure in ("weights", "deltas"):
                with np.errstate(divide="ignore"):
                    inv_o = 1.0 / np.asarray(acts[other][measure], dtype=float)
                    inv_s = 1.0 / np.asarray(acts["sigmoid"][measure], dtype=float)
                cases.append(S.paired_case(f"{net}, {init} init, vs {other}, {measure}",
                                           other, "sigmoid",
                                           np.nan_to_num(inv_o, nan=math.inf),
                                           np.nan_to_num(inv_s, nan=math.inf), 0))
    parts = _paired({"main": cases}, "main")
    parts.pop("panel")
    parts.pop("robust")
    parts["reason"] = parts["reason"].split(". much-faster")[0]
    parts["effect"] = "; ".join(f"{c['case']}: {_ratio_text(c)}" for c in parts["cases"]
                                if c["case"].startswith("deep"))
    return Claim(
        id="digits_sigmoid_gradient_vanishes",
        title="Real data (digits): Sigmoid's gradient vanishes in depth",
        statement_th="Slope เป็น 1 ทำให้ Gradient ไม่หาย ลดปัญหา Vanishing Gradient",
        statement_en="(Glorot & Bengio 2010.) With Sigmoid the gradient reaching the first "
                     "layers of a deep network is much smaller than with Tanh or ReLU.",
        scope="First ÷ last layer RMS of the weight gradient and of the back-propagated "
              "deltas at initialisation, on the whole digits training set, per held-out "
              "seed, for the MLP and the deep net, default and matched initialisation.",
        rule="Per network, initialisation, rival and measure: sign test on the per-seed "
             f"ratios, Holm-adjusted, α = {S.ALPHA:g}: holds if Sigmoid keeps less of the "
             "gradient than the rival, reversed if more. Effect: rival's median ratio ÷ "
             "Sigmoid's, paired bootstrap CI.",
        section="digits",
        **parts,
    )
