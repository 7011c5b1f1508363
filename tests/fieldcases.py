"""The catalogue of config-field cases: every field × {valid, boundary, invalid, wrong type,
NaN, ±inf, 1e400, huge int, non-ASCII}, each with the verdict every validator must give.

A :class:`Case` holds a Python value (for :class:`PlaygroundConfig`, ``fields.check`` and
the WebSocket ``set`` message) and, where one exists, the same value written as text (for
command-line flags and URL values), plus ``context``: other fields the case needs (e.g. an
activation that has the parameter). Importable by any test: ``from fieldcases import CASES``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actlab.playground import fields

HUGE = 10**400


@dataclass(frozen=True)
class Case:
    field: str
    what: str  # valid, boundary, invalid, wrong type, nan, inf, 1e400, huge int, non-ascii
    value: Any
    ok: bool
    text: str | None = None  # the same value as a flag / URL value (None: no text form)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def jsonable(self) -> bool:
        """Whether a JSON message can carry ``value`` as it is (plain, finite)."""
        def plain(v: Any) -> bool:
            if isinstance(v, bool | str) or v is None:
                return True
            if isinstance(v, int):
                return abs(v) < 2**53
            if isinstance(v, float):
                return math.isfinite(v)
            if isinstance(v, list | tuple):
                return all(plain(x) for x in v)
            if isinstance(v, dict):
                return all(isinstance(k, str) and plain(x) for k, x in v.items())
            return False
        return plain(self.value)

    def __str__(self) -> str:  # pytest ids
        return f"{self.field}-{self.what}-{self.value!r:.30}"


def _number_cases(f: fields.Field, valid: float, invalid: float) -> list[Case]:
    n = f.name
    integer = f.kind == "integer"
    cases = [
        Case(n, "valid", valid, True, repr(valid)),
        Case(n, "valid", np.float64(valid) if not integer else np.int64(valid), True),
        Case(n, "invalid", invalid, False, repr(invalid)),
        Case(n, "wrong type", str(valid), False),  # a string is no number in Python
        Case(n, "wrong type", [valid], False, f"[{valid}]"),
        Case(n, "wrong type", None, False),
        Case(n, "wrong type", True, False, "True"),
        Case(n, "nan", math.nan, False, "NaN"),
        Case(n, "nan", np.float64("nan"), False, "nan"),
        Case(n, "inf", math.inf, False, "Infinity"),
        Case(n, "inf", -math.inf, False, "-inf"),
        Case(n, "1e400", float("1e400"), False, "1e400"),
        Case(n, "huge int", HUGE, False, str(HUGE)),
        Case(n, "huge int", -HUGE, False, str(-HUGE)),
        Case(n, "non-ascii", "٣", False, "٣"),  # Arabic-Indic 3: float() would take it
        Case(n, "non-ascii", "1_0", False, "1_0"),
    ]
    if f.lo is not None:
        cases.append(Case(n, "boundary", f.lo, not f.lo_open, repr(f.lo)))
        cases.append(Case(n, "boundary", f.lo - 1e-9, False, repr(f.lo - 1e-9)))
    if f.hi is not None:
        cases.append(Case(n, "boundary", f.hi, True, repr(f.hi)))
        cases.append(Case(n, "boundary", f.hi + 1e-9, False, repr(f.hi + 1e-9)))
    if integer:
        cases += [Case(n, "invalid", 2.5, False, "2.5"),
                  Case(n, "valid", 10.0, True, "10.0"),
                  Case(n, "boundary", 250, True, "250"),  # the default 250 training points
                  Case(n, "boundary", 251, False, "251")]
    return cases


def _choice_cases(f: fields.Field, valid: str, upper: str) -> list[Case]:
    n = f.name
    return [
        Case(n, "valid", valid, True, valid),
        Case(n, "valid", upper, True, upper),  # names are case-insensitive
        Case(n, "invalid", "moons", False, "moons"),
        Case(n, "invalid", "", False, ""),
        Case(n, "wrong type", 3, False, "3"),
        Case(n, "wrong type", [valid], False, f"[{valid}]"),
        Case(n, "nan", math.nan, False, "NaN"),
        Case(n, "inf", math.inf, False, "inf"),
        Case(n, "1e400", float("1e400"), False, "1e400"),
        Case(n, "huge int", HUGE, False, str(HUGE)),
        Case(n, "non-ascii", "ｒｅｌｕ", False, "ｒｅｌｕ"),
    ]


def _cases() -> list[Case]:
    out: list[Case] = []
    for f in fields.FIELDS:
        n = f.name
        if f.kind in ("number", "integer"):
            valid = {"batch_size": 10, "learning_rate": 0.1, "regularization_rate": 0.01,
                     "noise": 25.0, "perc_train_data": 70.0}[n]
            invalid = {"batch_size": 0, "learning_rate": -0.1, "regularization_rate": -1.0,
                       "noise": 60.0, "perc_train_data": 95.0}[n]
            out += _number_cases(f, valid, invalid)
        elif n == "activation":
            out += _choice_cases(f, "relu", "ReLU")
            out.append(Case(n, "wrong type", None, False))
        elif n == "regularization":
            out += _choice_cases(f, "L1", "l2")
            out.append(Case(n, "valid", None, True, "none"))
            out.append(Case(n, "valid", "none", True, "none"))
        elif f.kind == "choice":
            valid = {"dataset": "xor", "reg_dataset": "reg-gauss",
                     "problem": "regression"}[n]
            out += _choice_cases(f, valid, valid.upper())
            out.append(Case(n, "wrong type", None, False))
        elif f.kind == "boolean":
            out += [Case(n, "valid", True, True), Case(n, "valid", False, True),
                    Case(n, "valid", np.bool_(True), True),
                    Case(n, "wrong type", 1, False), Case(n, "wrong type", "true", False),
                    Case(n, "wrong type", None, False), Case(n, "nan", math.nan, False),
                    Case(n, "huge int", HUGE, False), Case(n, "non-ascii", "ใช่", False)]
        elif f.kind == "shape":
            out += [
                Case(n, "valid", (4, 2), True, "4,2"),
                Case(n, "valid", [np.int64(3), 2.0], True, "3,2.0"),
                Case(n, "valid", np.array([5, 5]), True, "5,5"),
                Case(n, "boundary", (), True, ""),
                Case(n, "boundary", (1,), True, "1"),
                Case(n, "boundary", (0,), False, "0"),
                Case(n, "invalid", (4, -1), False, "4,-1"),
                Case(n, "invalid", (1.5,), False, "1.5"),
                Case(n, "wrong type", "4,2", False),
                Case(n, "wrong type", None, False),
                Case(n, "wrong type", 4, False),
                Case(n, "wrong type", (True,), False, "true"),
                Case(n, "nan", (math.nan,), False, "NaN"),
                Case(n, "inf", (math.inf,), False, "Infinity"),
                Case(n, "1e400", (float("1e400"),), False, "1e400"),
                Case(n, "huge int", (HUGE,), False, str(HUGE)),
                Case(n, "non-ascii", ("٣",), False, "٣"),
            ]
        elif f.kind == "features":
            out += [
                Case(n, "valid", ("x", "sinY"), True, "x,sinY"),
                Case(n, "valid", ["XSQUARED"], True, "XSQUARED"),
                Case(n, "boundary", tuple(fields.FEATURES), True, ",".join(fields.FEATURES)),
                Case(n, "boundary", (), False, ""),
                Case(n, "invalid", ("x", "cosX"), False, "x,cosX"),
                Case(n, "invalid", ("z",), False, "z"),
                Case(n, "wrong type", "x", False),
                Case(n, "wrong type", None, False),
                Case(n, "wrong type", (1,), False, "1"),
                Case(n, "nan", (math.nan,), False, "NaN"),
                Case(n, "inf", (math.inf,), False, "inf"),
                Case(n, "1e400", (float("1e400"),), False, "1e400"),
                Case(n, "huge int", (HUGE,), False, str(HUGE)),
                Case(n, "non-ascii", ("ｘ",), False, "ｘ"),
            ]
        elif f.kind == "params":
            leaky, gelu = {"activation": "leaky_relu"}, {"activation": "gelu"}
            out += [
                Case(n, "valid", {"negative_slope": 0.2}, True, "negative_slope=0.2", leaky),
                Case(n, "valid", {"negative_slope": np.float32(0.5)}, True, "negative_slope=0.5",
                     leaky),
                Case(n, "valid", {"approximate": "tanh"}, True, "approximate=tanh", gelu),
                Case(n, "valid", {}, True, None, leaky),
                Case(n, "invalid", {"approximate": "fast"}, False, "approximate=fast", gelu),
                Case(n, "invalid", {"alpha": 1.0}, False, "alpha=1", leaky),
                Case(n, "invalid", {"negative_slope": 0.1}, False, "negative_slope=0.1",
                     {"activation": "tanh"}),
                Case(n, "wrong type", "negative_slope:0.2", False, "negative_slope", leaky),
                Case(n, "wrong type", None, False, None, leaky),
                Case(n, "wrong type", {"negative_slope": True}, False, None, leaky),
                Case(n, "nan", {"negative_slope": math.nan}, False, "negative_slope=nan", leaky),
                Case(n, "inf", {"negative_slope": math.inf}, False, "negative_slope=inf", leaky),
                Case(n, "1e400", {"negative_slope": float("1e400")}, False,
                     "negative_slope=1e400", leaky),
                Case(n, "huge int", {"negative_slope": HUGE}, False,
                     f"negative_slope={HUGE}", leaky),
                Case(n, "non-ascii", {"negative_slope": "٣"}, False, "negative_slope=٣", leaky),
            ]
        elif f.kind == "seed":
            out += [
                Case(n, "valid", "0.59704", True, "0.59704"),
                Case(n, "valid", "a&b#c=d %", True, "a&b#c=d %"),
                Case(n, "boundary", "x", True, "x"),
                Case(n, "boundary", "x" * fields.SEED_MAX_CHARS, True,
                     "x" * fields.SEED_MAX_CHARS),
                Case(n, "boundary", "x" * (fields.SEED_MAX_CHARS + 1), False,
                     "x" * (fields.SEED_MAX_CHARS + 1)),
                Case(n, "invalid", "", False, ""),
                Case(n, "invalid", "a\nb", False, "a\nb"),
                Case(n, "wrong type", 0.5, False),
                Case(n, "wrong type", None, False),
                Case(n, "nan", math.nan, False),
                Case(n, "huge int", HUGE, False),
                Case(n, "non-ascii", "ไทย", True, "ไทย"),
                Case(n, "non-ascii", "\ud800", False),  # a lone surrogate
            ]
        elif f.kind == "hash":
            cols = {"data_columns": ("u", "v")}
            out += [Case(n, "valid", H, True, H, cols), Case(n, "valid", None, True),
                    Case(n, "invalid", "abc", False, "abc", cols),
                    Case(n, "invalid", H.upper(), False, H.upper(), cols),
                    Case(n, "wrong type", 5, False, None, cols),
                    Case(n, "nan", math.nan, False, None, cols),
                    Case(n, "huge int", HUGE, False, None, cols),
                    Case(n, "non-ascii", "ก" * 64, False, "ก" * 64, cols)]
        elif f.kind == "path":
            ctx = {"data": H, "data_columns": ("u", "v")}
            out += [Case(n, "valid", "runs/x.csv", True, "runs/x.csv", ctx),
                    Case(n, "valid", None, True, None, ctx),
                    Case(n, "invalid", "x.csv", False, "x.csv", {"data": None}),  # needs data
                    Case(n, "invalid", "", False, None, ctx),
                    Case(n, "wrong type", 5, False, None, ctx),
                    Case(n, "nan", math.nan, False, None, ctx),
                    Case(n, "huge int", HUGE, False, None, ctx),
                    Case(n, "non-ascii", "ข้อมูล.csv", True, "ข้อมูล.csv", ctx)]
        elif f.kind == "names":
            ctx = {"data": H}
            out += [Case(n, "valid", ("a", "b,c"), True, "a,b%2Cc", ctx),
                    Case(n, "valid", (), True, ""),
                    Case(n, "invalid", ("a", "a"), False, "a,a", ctx),
                    Case(n, "invalid", ("a", ""), False, None, ctx),
                    Case(n, "wrong type", "ab", False, None, ctx),
                    Case(n, "nan", (math.nan, math.nan), False, None, ctx),
                    Case(n, "huge int", (HUGE, 1), False, None, ctx),
                    Case(n, "non-ascii", ("ก", "ข"), True, "ก,ข", ctx)]
    return out


H = "0123456789abcdef" * 4
CASES: list[Case] = _cases()


def config_kwargs(case: Case) -> dict[str, Any]:
    """The PlaygroundConfig keyword arguments for a case."""
    return {**case.context, case.field: case.value}


def cli_args(case: Case) -> list[str] | None:
    """``actlab train`` flags for a case, or None if the field has no flag / no text."""
    f = fields.BY_NAME[case.field]
    if case.text is None or f.flag is None or f.kind == "boolean":
        return None
    args = [f"--{k.replace('_', '-')}={v}" for k, v in case.context.items()]
    return [*args, f"{f.flag}={case.text}"]
