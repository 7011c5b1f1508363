"""Statistics and exports over stored sweep runs (plain rows from :func:`actlab.sweep.load`).

Groups of runs are summarized with the statistics of ``compare``
(:func:`actlab.experiments.stats.summarize`): epochs to reach test loss ``<= τ`` per run,
never-converged runs counted as ``+inf``; median, quartiles, a 95 % bootstrap CI of the
median, and the share that never converge.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from typing import Any

from actlab.errors import ActlabError
from actlab.experiments.stats import fmt_epochs, summarize
from actlab.sweep.spec import FIELDS

#: Row keys that are never written by ``export`` (they change from run to run of the same
#: sweep: an export of a resumed sweep equals the export of an uninterrupted one).
VOLATILE = ("wall_time",)
_CAMEL = {
    "regularization_rate": "regularizationRate", "batch_size": "batchSize",
    "reg_dataset": "regDataset", "learning_rate": "learningRate",
    "network_shape": "networkShape", "perc_train_data": "percTrainData",
    "init_zero": "initZero", "activation_params": "activationParams",
}


def group_value(row: dict[str, Any], key: str) -> Any:
    """A run's value of ``key``: an axis value, a row field, or a config field."""
    if key in row:
        return row[key]
    config = row["config"]
    if key == "activation":
        params = config.get("activationParams") or {}
        from actlab.sweep.spec import _num

        if not params:
            return config["activation"]
        if len(params) == 1:
            return f"{config['activation']}:{_num(next(iter(params.values())))}"
        return config["activation"] + "".join(f":{k}={_num(v)}" for k, v in params.items())
    if key == "features":
        from actlab.playground.datasets import FEATURES

        return [f for f in FEATURES if config.get(f)]
    if key == "dataset" and config.get("problem") == "regression":
        return config["regDataset"]
    if key in FIELDS:
        return config.get(_CAMEL.get(key, key))
    raise ActlabError(f"cannot group by {key!r}: not an axis or config field; allowed: "
                      f"{', '.join(FIELDS)}, sweep, seed")


def _label(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        from actlab.playground.config import js_number

        return js_number(value)
    return str(value)


def parse_by(text: str | Sequence[str] | None) -> list[str]:
    """``"activation,learning_rate"`` → ``["activation", "learning_rate"]``."""
    if text is None:
        return []
    items = text.split(",") if isinstance(text, str) else list(text)
    keys = [k.strip() for k in items if k.strip()]
    if len(set(keys)) != len(keys):
        raise ActlabError(f"--by lists a key twice: {text!r}")
    return keys


def summarize_rows(rows: Sequence[dict[str, Any]], by: Sequence[str], tau: float
                   ) -> list[dict[str, Any]]:
    """One summary per group of ``rows`` with equal ``by`` values (first-seen order)."""
    if not rows:
        raise ActlabError("no stored runs to summarize (is the sweep finished? see "
                          "`actlab sweep status`)")
    t = str(float(tau))
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        if t not in row["converged"]:
            have = ", ".join(row["converged"]) or "none"
            raise ActlabError(f"tau {tau:g} was not recorded for sweep {row['sweep']!r} "
                              f"(its taus: {have}); add it to the spec's taus and run again")
        values = tuple(group_value(row, k) for k in by)
        key = tuple(_label(v) for v in values)
        g = groups.setdefault(key, {"values": values, "epochs": [], "diverged": 0,
                                    "budget": 0})
        g["epochs"].append(row["converged"][t])
        g["diverged"] += row["diverged_at"] is not None
        g["budget"] = max(g["budget"], int(row["epochs"]))
    out = []
    for labels, g in groups.items():
        s = summarize(g["epochs"], g["budget"], diverged=g["diverged"])
        out.append({**{k: v for k, v in zip(by, g["values"], strict=True)},
                    "labels": list(labels), "tau": float(tau), **s.to_dict()})
    return out


def format_summary(groups: Sequence[dict[str, Any]], by: Sequence[str], tau: float) -> str:
    """An aligned text table, one line per group (as ``actlab compare`` prints)."""
    header = [*by, "runs", f"median (τ={tau:g})", "95% CI of median", "IQR (q1–q3)", "never",
              "diverged"]
    rows = [header]
    for g in groups:
        budget = g["budget"]

        def ep(v: float | None, budget: int = budget) -> str:
            return fmt_epochs(math.inf if v is None else v, budget)

        lo, hi = g["median_ci95"]
        rows.append([*g["labels"], str(g["n"]), ep(g["median"]), f"[{ep(lo)}, {ep(hi)}]",
                     f"{ep(g['q1'])}–{ep(g['q3'])}", f"{g['never_converged']}/{g['n']}",
                     str(g["diverged"])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for j, r in enumerate(rows):
        line = "  ".join(c.ljust(w) if i < len(by) else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        lines.append(line.rstrip())
        if j == 0:
            lines.append("-" * len(line))
    lines.append(f"epochs to reach test loss ≤ τ={tau:g}; 'never' = not within the budget, "
                 "counted as +inf (>budget) in median, IQR and the bootstrap CI "
                 "(2000 resamples).")
    return "\n".join(lines)


def _clean(value: Any) -> Any:
    """Non-finite floats → None, recursively (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def export_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for export: deterministic (no wall time), JSON-safe (NaN → None)."""
    return [_clean({k: v for k, v in r.items() if k not in VOLATILE}) for r in rows]


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(export_rows(rows), indent=1) + "\n"


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """One line per run: scalars, axis values, ``converged_<tau>`` columns, config JSON."""
    clean = export_rows(rows)
    fixed = ["sweep", "key", "seed", "epochs", "engine", "diverged_at", "final_train_loss",
             "final_test_loss", "best_train_loss", "best_test_loss", "dead_units", "url"]
    axes: list[str] = []
    taus: list[str] = []
    for r in clean:
        for k in r:
            if k not in fixed and k not in ("config", "converged", "train_loss", "test_loss") \
                    and k not in axes:
                axes.append(k)
        for t in r["converged"]:
            if t not in taus:
                taus.append(t)
    header = ["sweep", "key", "seed", *axes, *(f"converged_{t}" for t in taus), *fixed[3:],
              "config"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in clean:
        cells = [r["sweep"], r["key"], r["seed"]]
        cells += [json.dumps(r[a]) if isinstance(r.get(a), list | dict) else r.get(a, "")
                  for a in axes]
        cells += [r["converged"].get(t, "") for t in taus]
        cells += [r[k] for k in fixed[3:]]
        cells.append(json.dumps(r["config"], separators=(",", ":")))
        w.writerow(["" if c is None else c for c in cells])
    return buf.getvalue()
